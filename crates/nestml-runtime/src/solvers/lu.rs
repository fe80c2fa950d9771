//! LU decomposition with partial pivoting for small fixed-size matrices (on the stack).

use crate::Real;

/// The matrix is singular (a zero or non-finite pivot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Singular;

/// Factors `a` in place as `P a = L U` (unit lower `L` below the diagonal, `U` on and above
/// it); `piv[k]` is the row swapped into row `k` at elimination step `k`.
pub fn lu_decompose<F: Real, const N: usize>(
    a: &mut [[F; N]; N],
    piv: &mut [usize; N],
) -> Result<(), Singular> {
    for k in 0..N {
        let mut p = k;
        let mut best = a[k][k].abs();
        for (i, row) in a.iter().enumerate().skip(k + 1) {
            if row[k].abs() > best {
                best = row[k].abs();
                p = i;
            }
        }
        if !best.is_finite() || best <= F::ZERO {
            return Err(Singular);
        }
        piv[k] = p;
        if p != k {
            a.swap(p, k);
        }
        let pivot = a[k][k];
        let (upper, lower) = a.split_at_mut(k + 1);
        let row_k = &upper[k];
        for row in lower.iter_mut() {
            let m = row[k] / pivot;
            row[k] = m;
            if m != F::ZERO {
                for j in k + 1..N {
                    row[j] -= m * row_k[j];
                }
            }
        }
    }
    Ok(())
}

/// Solves `A x = b` in place with the factors from [`lu_decompose`].
pub fn lu_solve<F: Real, const N: usize>(lu: &[[F; N]; N], piv: &[usize; N], b: &mut [F; N]) {
    for k in 0..N {
        b.swap(k, piv[k]);
    }
    for i in 0..N {
        let mut s = b[i];
        for j in 0..i {
            s -= lu[i][j] * b[j];
        }
        b[i] = s;
    }
    for i in (0..N).rev() {
        let mut s = b[i];
        for j in i + 1..N {
            s -= lu[i][j] * b[j];
        }
        b[i] = s / lu[i][i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_with_pivoting() {
        let a = [[0.0, 2.0, 1.0], [1.0, 1.0, 0.0], [3.0, 0.0, 1.0]];
        let x = [1.0, -2.0, 0.5];
        let mut b = [0.0; 3];
        for i in 0..3 {
            b[i] = (0..3).map(|j| a[i][j] * x[j]).sum();
        }
        let mut lu = a;
        let mut piv = [0; 3];
        lu_decompose(&mut lu, &mut piv).unwrap();
        lu_solve(&lu, &piv, &mut b);
        for i in 0..3 {
            assert!((b[i] - x[i]).abs() < 1e-14, "{b:?}");
        }
    }

    #[test]
    fn random_32x32_and_singular() {
        // A deterministic, diagonally weak 32x32 matrix.
        let mut a = [[0.0; 32]; 32];
        let mut s = 12345u64;
        for row in a.iter_mut() {
            for v in row.iter_mut() {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *v = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            }
        }
        let x: [f64; 32] = std::array::from_fn(|i| i as f64 - 10.0);
        let mut b: [f64; 32] = std::array::from_fn(|i| (0..32).map(|j| a[i][j] * x[j]).sum());
        let mut lu = a;
        let mut piv = [0; 32];
        lu_decompose(&mut lu, &mut piv).unwrap();
        lu_solve(&lu, &piv, &mut b);
        for i in 0..32 {
            assert!((b[i] - x[i]).abs() < 1e-10, "{i}: {}", b[i]);
        }
        let mut sing = [[1.0, 2.0], [2.0, 4.0]];
        assert_eq!(lu_decompose(&mut sing, &mut [0; 2]), Err(Singular));
        assert_eq!(lu_decompose(&mut [[f64::NAN]], &mut [0; 1]), Err(Singular));
    }
}
