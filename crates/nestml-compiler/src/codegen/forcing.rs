//! The held input `b` of the exactly propagated part, split for precomputation:
//! `b[k] = constant[k] + Σ_u coefficient[k][u] · input[u]`, where the constant parts and the
//! coefficients depend on parameters, internals and the step only. Calibration then folds
//! them into `q = Φ · constant` and `G = Φ · coefficients`, and a step computes each input once
//! and each exact row as `Σ_j P[i][j] x[j] + q[i] + Σ_u G[i][u] input[u]`.

use std::collections::BTreeMap;

use nestml_ode::{expand, is_zero, simplify, Expr};

/// `b` split into constant parts and coefficients of inputs.
#[derive(Clone, Debug)]
pub struct Forcing {
    /// Per state: the part of `b[k]` that changes only when parameters change.
    pub constant: Vec<Expr>,
    /// The distinct inputs (ports, state variables without ODEs, …) `b` depends on.
    pub inputs: Vec<Expr>,
    /// Per state: `(input index, coefficient)`.
    pub coefficients: Vec<Vec<(usize, Expr)>>,
}

/// Splits `b`; `constant(symbol)` tells the symbols that are fixed between calibrations.
pub(super) fn split(b: &[Expr], constant: impl Fn(&str) -> bool) -> Forcing {
    let is_constant = |e: &Expr| e.symbols().iter().all(|s| constant(s));
    let mut inputs: Vec<Expr> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Forcing { constant: Vec::new(), inputs: Vec::new(), coefficients: Vec::new() };
    for bk in b {
        let expanded = expand(bk);
        let terms = match expanded {
            Expr::Add(ts) => ts,
            t => vec![t],
        };
        let mut constant_terms = Vec::new();
        let mut by_input: BTreeMap<usize, Vec<Expr>> = BTreeMap::new();
        for t in terms {
            if is_zero(&t) {
                continue;
            }
            if is_constant(&t) {
                constant_terms.push(t);
                continue;
            }
            let factors = match t {
                Expr::Mul(fs) => fs,
                f => vec![f],
            };
            let (coeff, rest): (Vec<Expr>, Vec<Expr>) = factors.into_iter().partition(is_constant);
            let input = simplify(&Expr::Mul(rest));
            let key = input.to_string();
            let u = *index.entry(key).or_insert_with(|| {
                inputs.push(input);
                inputs.len() - 1
            });
            by_input.entry(u).or_default().push(if coeff.is_empty() { Expr::one() } else { simplify(&Expr::Mul(coeff)) });
        }
        out.constant.push(if constant_terms.is_empty() { Expr::zero() } else { simplify(&Expr::Add(constant_terms)) });
        out.coefficients.push(by_input.into_iter().map(|(u, cs)| (u, simplify(&Expr::Add(cs)))).collect());
    }
    out.inputs = inputs;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_parts_and_input_coefficients() {
        // b = [ (I_e + I_stim) / C_m + E_L / tau_m, -1, 0 ]
        let s = Expr::sym;
        let b = vec![(s("I_e") + s("I_stim")) / s("C_m") + s("E_L") / s("tau_m"), -Expr::one(), Expr::zero()];
        let f = split(&b, |x| x != "I_stim");
        assert_eq!(f.inputs, vec![s("I_stim")]);
        assert!(nestml_ode::equivalent(&f.constant[0], &(s("I_e") / s("C_m") + s("E_L") / s("tau_m"))));
        assert_eq!(f.coefficients[0].len(), 1);
        assert!(nestml_ode::equivalent(&f.coefficients[0][0].1, &(Expr::one() / s("C_m"))));
        assert!(nestml_ode::equivalent(&f.constant[1], &(-Expr::one())));
        assert!(f.coefficients[1].is_empty() && f.coefficients[2].is_empty());
        assert!(is_zero(&f.constant[2]));
    }
}
