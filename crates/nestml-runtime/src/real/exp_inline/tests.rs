use super::*;
use crate::math::exp_inline;
use crate::Real;
use std::vec::Vec;

/// splitmix64: uniform doubles in `[lo, hi)`.
fn uniform(n: usize, lo: f64, hi: f64, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            lo + (hi - lo) * ((z >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

/// Edge arguments: around the reduction's half-way points `(k + ½) ln 2` and integers
/// `k ln 2` (each with its four neighbours either side, in the type of `step`), tiny
/// arguments, the ends of the range.
fn edges<T: Copy>(lo: f64, hi: f64, to: impl Fn(f64) -> T, step: impl Fn(T, bool) -> T, back: impl Fn(T) -> f64) -> Vec<T> {
    let mut v = Vec::new();
    let ln2 = core::f64::consts::LN_2;
    let mut k = (lo / ln2).floor();
    while k * ln2 <= hi {
        for c in [k * ln2, (k + 0.5) * ln2] {
            for up in [false, true] {
                let mut x = to(c);
                for _ in 0..4 {
                    v.push(x);
                    x = step(x, up);
                }
            }
        }
        k += 1.0;
    }
    for e in -1074..0 {
        let t = if e >= -1022 { f64::from_bits(((e + 1023) as u64) << 52) } else { f64::from_bits(1 << (e + 1074)) };
        v.extend([t, -t, 3.0 * t, -3.0 * t].map(&to));
    }
    v.extend([lo, hi, 0.5, -0.5, 1.0, -1.0].map(&to));
    v.retain(|&x| (lo..=hi).contains(&back(x)));
    v
}

/// The distance in representable numbers (positive results: the difference of the bits, also
/// in the subnormal range, where it counts units of the smallest subnormal).
fn ulps64(got: f64, want: f64) -> u64 {
    assert!(got >= 0.0 && want >= 0.0, "{got} {want}");
    got.to_bits().abs_diff(want.to_bits())
}

fn ulps32(got: f32, want: f32) -> u32 {
    assert!(got >= 0.0 && want >= 0.0, "{got} {want}");
    got.to_bits().abs_diff(want.to_bits())
}

#[test]
fn reduction_constants_are_ln2_split() {
    assert_eq!(LN2_HI.to_bits(), 0x3fe6_2e42_fee0_0000);
    assert_eq!(LN2_HI.to_bits() & 0x1f_ffff, 0, "32 significant bits");
    assert_eq!(LN2_HI + LN2_LO, core::f64::consts::LN_2);
    assert_eq!(SHIFT.to_bits(), SHIFT_BITS);
    assert_eq!(SHIFT_F32.to_bits(), SHIFT_BITS_F32);
    assert_eq!(INV_LN2, core::f64::consts::LOG2_E);
    assert_eq!(INV_LN2_F32, core::f32::consts::LOG2_E);
    assert_eq!(LN2_HI_F32.to_bits() & 0xff, 0, "16 significant bits");
    assert_eq!(LN2_HI_F32 + LN2_LO_F32, core::f32::consts::LN_2);
    // LN2_LO_F32 is ln 2 − LN2_HI_F32 rounded to f32: f64's ln 2 is close enough to tell
    assert_eq!((core::f64::consts::LN_2 - LN2_HI_F32 as f64) as f32, LN2_LO_F32);
}

/// Distances in ulps to the wanted results: the largest and its argument, the share of equal
/// results, separately for subnormal results (the largest, how many, the share equal).
struct Tally {
    worst: u64,
    worst_x: f64,
    share: f64,
    worst_sub: u64,
    sub: usize,
    share_sub: f64,
}

/// The [`Tally`] of `args`, `measure` giving an argument's distance in ulps, whether the
/// wanted result is subnormal, and the argument as `f64`.
fn tally<T: Copy>(args: &[T], measure: impl Fn(T) -> (u64, bool, f64)) -> Tally {
    let (mut worst, mut worst_x, mut equal) = (0, 0.0, 0usize);
    let (mut worst_sub, mut sub, mut equal_sub) = (0, 0, 0usize);
    for &x in args {
        let (d, subnormal, x) = measure(x);
        if subnormal {
            worst_sub = worst_sub.max(d);
            sub += 1;
            equal_sub += (d == 0) as usize;
        } else {
            if d > worst {
                (worst, worst_x) = (d, x);
            }
            equal += (d == 0) as usize;
        }
    }
    let share = equal as f64 / (args.len() - sub) as f64;
    let share_sub = equal_sub as f64 / sub as f64;
    Tally { worst, worst_x, share, worst_sub, sub, share_sub }
}

#[test]
fn exp_inline_f64_within_one_ulp_of_std_exp() {
    let (lo, hi) = (-745.2, 709.8);
    let mut args = uniform(1_000_000, lo, hi, 1);
    args.extend(uniform(100_000, -1.0, 1.0, 2));
    // the subnormal range
    args.extend(uniform(100_000, -745.2, -708.3, 3));
    args.extend(edges(lo, hi, |x| x, |x, up| f64::from_bits(if up { x.to_bits().wrapping_add(1) } else { x.to_bits().wrapping_sub(1) }), |x| x));
    let Tally { worst, worst_x, share, worst_sub, sub, share_sub } = tally(&args, |x| {
        let want = x.exp();
        (ulps64(exp_inline(x), want), want < f64::MIN_POSITIVE, x)
    });
    std::println!("f64: {} args, max {worst} ulp (at {worst_x:e}), equal {share:.5}; {sub} subnormal: max {worst_sub}, equal {share_sub:.5}", args.len());
    assert!(worst <= 1, "{worst} ulps at {worst_x:e}");
    assert!(worst_sub <= 1, "{worst_sub} units of the smallest subnormal");
    assert!(share > 0.98, "{share}");
}

#[test]
fn exp_inline_f32_within_one_ulp_of_rounded_exp() {
    let (lo, hi) = (-104.0, 88.8);
    let mut args = uniform(1_000_000, lo, hi, 4);
    args.extend(uniform(100_000, -1.0, 1.0, 5));
    args.extend(uniform(100_000, -104.0, -87.3, 6));
    let mut args: Vec<f32> = args.into_iter().map(|x| x as f32).collect();
    args.extend(edges(lo, hi, |x| x as f32, |x, up| f32::from_bits(if up { x.to_bits().wrapping_add(1) } else { x.to_bits().wrapping_sub(1) }), |x| x as f64));
    let Tally { worst, worst_x, share, worst_sub, sub, share_sub } = tally(&args, |x| {
        let want = (x as f64).exp() as f32;
        (ulps32(exp_inline(x), want) as u64, want < f32::MIN_POSITIVE, x as f64)
    });
    std::println!("f32: {} args, max {worst} ulp (at {worst_x:e}), equal {share:.5}; {sub} subnormal: max {worst_sub}, equal {share_sub:.5}", args.len());
    assert!(worst <= 1, "{worst} ulps at {worst_x:e}");
    assert!(worst_sub <= 1, "{worst_sub} units of 2^-149");
    assert!(share > 0.98, "{share}");
}

#[test]
fn exp_inline_special_values() {
    assert_eq!(exp_inline(0.0f64).to_bits(), 1f64.to_bits());
    assert_eq!(exp_inline(-0.0f64).to_bits(), 1f64.to_bits());
    assert_eq!(exp_inline(0.0f32).to_bits(), 1f32.to_bits());
    assert_eq!(exp_inline(1.0f64), core::f64::consts::E);
    assert_eq!(exp_inline(f64::INFINITY), f64::INFINITY);
    assert_eq!(exp_inline(f64::NEG_INFINITY).to_bits(), 0);
    assert_eq!(exp_inline(f32::INFINITY), f32::INFINITY);
    assert_eq!(exp_inline(f32::NEG_INFINITY).to_bits(), 0);
    assert!(exp_inline(f64::NAN).is_nan() && exp_inline(-f64::NAN).is_nan() && exp_inline(f32::NAN).is_nan());
    // overflow and underflow, at the thresholds and far beyond
    for x in [709.79, 710.0, 1000.0, 1e300, f64::MAX] {
        assert_eq!(exp_inline(x), f64::INFINITY, "{x}");
    }
    assert!(exp_inline(709.78) < f64::INFINITY);
    assert_eq!(exp_inline(709.78), 709.78f64.exp());
    for x in [-745.14, -746.0, -1000.0, -1e300, f64::MIN] {
        assert_eq!(exp_inline(x).to_bits(), 0, "{x}");
    }
    assert_eq!(exp_inline(-745.13), 5e-324);
    for x in [88.73f32, 89.0, 1000.0, f32::MAX] {
        assert_eq!(exp_inline(x), f32::INFINITY, "{x}");
    }
    assert_eq!(exp_inline(88.72f32), (88.72f32 as f64).exp() as f32);
    for x in [-103.98f32, -104.0, -1000.0, f32::MIN] {
        assert_eq!(exp_inline(x).to_bits(), 0, "{x}");
    }
    // through the trait
    assert_eq!(Real::exp_inline(0.5f64), exp_inline_f64(0.5));
}

/// The source of this module without its tests: no calls of functions that are calls at
/// the baseline (`round`, `floor`, `exp`, …), no method calls but bit casts.
#[test]
fn exp_inline_calls_nothing() {
    let src = include_str!("../exp_inline.rs");
    let code = &src[..src.find("#[cfg(test)]").unwrap()];
    for banned in ["round", "floor", "ceil", "trunc", ".exp(", "exp(", "powi", "powf", "mul_add", "libm", "Real", "loop", "while", "for "] {
        let hits: Vec<&str> = code.lines().filter(|l| !l.trim_start().starts_with("//") && l.contains(banned)).collect();
        let allowed = |l: &&str| l.contains("fn exp_inline_f") || l.contains("#[allow(");
        assert!(hits.iter().all(allowed), "{banned}: {hits:?}");
    }
    assert_eq!(code.matches("#[inline(always)]").count(), 2);
}

/// Compiles a loop of eight `exp_inline`s (this file alone, `rustc -O`) for the baseline and
/// for AVX2 and checks the assembly: no call, packed multiplies (the loop vectorised).
/// Ignored: it runs `rustc` (`$RUSTC` or `rustc` on the path). Run with
/// `cargo test -p nestml-runtime exp_inline_loop -- --ignored --nocapture`.
#[test]
#[ignore]
fn exp_inline_loop_compiles_without_calls() {
    use std::{format, process::Command, string::String};
    let dir = std::env::temp_dir().join(format!("exp_inline_asm_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/real/exp_inline.rs");
    let lib = format!(
        "#![no_std]\n#[path = {path:?}]\nmod e;\n\
         #[no_mangle]\npub fn exp8(x: &[f64; 8], out: &mut [f64; 8]) {{ for i in 0..8 {{ out[i] = e::exp_inline_f64(x[i]); }} }}\n\
         #[no_mangle]\npub fn exp8f(x: &[f32; 8], out: &mut [f32; 8]) {{ for i in 0..8 {{ out[i] = e::exp_inline_f32(x[i]); }} }}\n"
    );
    std::fs::write(dir.join("lib.rs"), lib).unwrap();
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    for features in ["", "-Ctarget-feature=+avx2", "-Ctarget-feature=+avx512f"] {
        let out = dir.join("lib.s");
        let mut cmd = Command::new(&rustc);
        cmd.args(["--edition", "2021", "--crate-type", "lib", "-O", "--emit", "asm", "-o"])
            .arg(&out)
            .arg(dir.join("lib.rs"));
        if !features.is_empty() {
            cmd.arg(features);
        }
        let status = cmd.status().unwrap();
        assert!(status.success());
        let asm: String = std::fs::read_to_string(&out).unwrap();
        let body = |name: &str| -> String {
            let start = asm.find(&format!("\n{name}:")).unwrap();
            let end = start + asm[start..].find(".cfi_endproc").unwrap();
            asm[start..end].into()
        };
        for (name, packed) in [("exp8", "mulpd"), ("exp8f", "mulps")] {
            let code = body(name);
            assert!(!code.contains("call") && !code.contains("jmp"), "{features} {name}:\n{code}");
            assert!(code.contains(packed), "{features} {name} not vectorised:\n{code}");
            std::println!("{features:>26} {name}: {} instructions, no call", code.lines().filter(|l| l.starts_with('\t') && !l.starts_with("\t.")).count());
        }
    }
}
