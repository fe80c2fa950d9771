//! Numeric evaluation of expressions.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::Hash;

use crate::expr::{Cond, Expr, Func, Num};

/// Values of symbols for [`Expr::eval`].
pub trait Env {
    /// The value of the symbol `name`, if known.
    fn value(&self, name: &str) -> Option<f64>;
}

impl<K: Borrow<str> + Hash + Eq> Env for HashMap<K, f64> {
    fn value(&self, name: &str) -> Option<f64> {
        self.get(name).copied()
    }
}

impl<K: Borrow<str> + Ord> Env for BTreeMap<K, f64> {
    fn value(&self, name: &str) -> Option<f64> {
        self.get(name).copied()
    }
}

impl Env for [(&str, f64)] {
    fn value(&self, name: &str) -> Option<f64> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

impl<const N: usize> Env for [(&str, f64); N] {
    fn value(&self, name: &str) -> Option<f64> {
        self.as_slice().value(name)
    }
}

impl<T: Env + ?Sized> Env for &T {
    fn value(&self, name: &str) -> Option<f64> {
        (**self).value(name)
    }
}

/// An environment given by a closure.
pub struct FnEnv<F>(pub F);

impl<F: Fn(&str) -> Option<f64>> Env for FnEnv<F> {
    fn value(&self, name: &str) -> Option<f64> {
        (self.0)(name)
    }
}

/// Looks names up in `first`, then in `second`.
pub struct Layered<A, B>(pub A, pub B);

impl<A: Env, B: Env> Env for Layered<A, B> {
    fn value(&self, name: &str) -> Option<f64> {
        self.0.value(name).or_else(|| self.1.value(name))
    }
}

/// Why an expression could not be evaluated.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalError {
    /// A symbol has no value in the environment.
    Unbound(String),
    /// A function got the wrong number of arguments.
    Arity(Func, usize),
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::Unbound(s) => write!(f, "no value for symbol `{s}`"),
            EvalError::Arity(g, n) => write!(f, "`{}` applied to {n} arguments", g.name()),
        }
    }
}

impl std::error::Error for EvalError {}

/// `base ** exponent` in `f64`, using `powi`/`sqrt` where they are more accurate.
pub fn pow_f64(base: f64, exponent: Num) -> f64 {
    match exponent {
        Num::Rat(k, 1) if k.unsigned_abs() <= i32::MAX as u64 => base.powi(k as i32),
        Num::Rat(1, 2) => base.sqrt(),
        Num::Rat(-1, 2) => 1.0 / base.sqrt(),
        Num::Rat(1, 3) => base.cbrt(),
        e => base.powf(e.to_f64()),
    }
}

/// Applies `f` to numeric arguments (the caller checks the arity).
pub fn apply_f64(f: Func, a: &[f64]) -> f64 {
    let x = a[0];
    match f {
        Func::Exp => x.exp(),
        Func::Ln => x.ln(),
        Func::Log10 => x.log10(),
        Func::Expm1 => x.exp_m1(),
        Func::Sin => x.sin(),
        Func::Cos => x.cos(),
        Func::Tan => x.tan(),
        Func::Sinh => x.sinh(),
        Func::Cosh => x.cosh(),
        Func::Tanh => x.tanh(),
        Func::Erf => libm::erf(x),
        Func::Erfc => libm::erfc(x),
        Func::Abs => x.abs(),
        Func::Sign => {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                x
            }
        }
        Func::Min => a.iter().copied().fold(f64::INFINITY, f64::min),
        Func::Max => a.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Func::Pow => match Num::float(a[1]) {
            n @ Num::Rat(..) => pow_f64(x, n),
            _ => x.powf(a[1]),
        },
        Func::Clip => x.max(a[1]).min(a[2]),
        Func::Floor => x.floor(),
        Func::Ceil => x.ceil(),
        Func::Round => x.round(),
        Func::Element => f64::NAN,
    }
}

impl Expr {
    /// Evaluates the expression in `f64` with symbol values from `env`.
    pub fn eval<E: Env + ?Sized>(&self, env: &E) -> Result<f64, EvalError> {
        Ok(match self {
            Expr::Num(n) => n.to_f64(),
            Expr::Sym(s) => env.value(s).ok_or_else(|| EvalError::Unbound(s.clone()))?,
            Expr::Const(c) => c.value(),
            Expr::Add(ts) => {
                let mut acc = 0.0;
                for t in ts {
                    acc += t.eval(env)?;
                }
                acc
            }
            Expr::Mul(ts) => {
                let mut acc = 1.0;
                for t in ts {
                    acc *= t.eval(env)?;
                }
                acc
            }
            Expr::Pow(b, e) => {
                let base = b.eval(env)?;
                match **e {
                    Expr::Num(n) => pow_f64(base, n),
                    ref e => base.powf(e.eval(env)?),
                }
            }
            Expr::Func(f, args) => {
                let (lo, hi) = f.arity();
                if args.len() < lo || args.len() > hi {
                    return Err(EvalError::Arity(*f, args.len()));
                }
                let vals = args
                    .iter()
                    .map(|a| a.eval(env))
                    .collect::<Result<Vec<_>, _>>()?;
                apply_f64(*f, &vals)
            }
            Expr::Ite(c, a, b) => {
                if c.eval(env)? {
                    a.eval(env)?
                } else {
                    b.eval(env)?
                }
            }
        })
    }
}

impl Cond {
    /// Evaluates the condition with symbol values from `env`.
    pub fn eval<E: Env + ?Sized>(&self, env: &E) -> Result<bool, EvalError> {
        Ok(match self {
            Cond::Bool(b) => *b,
            Cond::Cmp(op, a, b) => op.holds(a.eval(env)?, b.eval(env)?),
            Cond::And(cs) => {
                for c in cs {
                    if !c.eval(env)? {
                        return Ok(false);
                    }
                }
                true
            }
            Cond::Or(cs) => {
                for c in cs {
                    if c.eval(env)? {
                        return Ok(true);
                    }
                }
                false
            }
            Cond::Not(c) => !c.eval(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Cond;

    #[test]
    fn evaluates_arithmetic_and_functions() {
        let x = Expr::sym("x");
        let e = (x.clone() * 2 + 1).pow(2) / 3 - x.clone().exp();
        let v = e.eval(&[("x", 0.5)]).unwrap();
        assert!((v - (4.0 / 3.0 - 0.5f64.exp())).abs() < 1e-15);
        assert_eq!(Expr::pi().eval(&[]).unwrap(), std::f64::consts::PI);
        assert_eq!(x.clone().max(3).eval(&[("x", 2.0)]).unwrap(), 3.0);
        assert_eq!(x.clone().clip(0, 1).eval(&[("x", 2.0)]).unwrap(), 1.0);
        assert_eq!(
            Expr::sym("y").eval(&[("x", 1.0)]),
            Err(EvalError::Unbound("y".into()))
        );
        let c = Expr::ite(Cond::ge(x.clone(), 0), x.clone(), -x.clone());
        assert_eq!(c.eval(&[("x", -2.0)]).unwrap(), 2.0);
        let mut m = HashMap::new();
        m.insert("x".to_string(), 4.0);
        assert_eq!(x.clone().pow(Expr::rat(1, 2)).eval(&m).unwrap(), 2.0);
        let layered = Layered([("x", 1.0)], FnEnv(|n: &str| (n == "y").then_some(5.0)));
        assert_eq!((x + Expr::sym("y")).eval(&layered).unwrap(), 6.0);
    }

    #[test]
    #[allow(clippy::excessive_precision)]
    fn erf_and_erfc_are_precise() {
        // Reference values to 20 digits (mpmath, 30 digits).
        let cases = [
            (
                0.5,
                0.520_499_877_813_046_537_7,
                0.479_500_122_186_953_462_3,
            ),
            (
                1.0,
                0.842_700_792_949_714_869_3,
                0.157_299_207_050_285_130_7,
            ),
            (
                2.0,
                0.995_322_265_018_952_734_2,
                0.004_677_734_981_047_265_838,
            ),
            (
                1e-3,
                0.001_128_378_790_969_236_380,
                0.998_871_621_209_030_763_6,
            ),
        ];
        for (x, erf, erfc) in cases {
            let a = Expr::float(x).erf().eval(&[]).unwrap();
            let b = Expr::float(x).erfc().eval(&[]).unwrap();
            assert!(((a - erf) / erf).abs() < 1e-15, "erf({x}) = {a}");
            assert!(((b - erfc) / erfc).abs() < 1e-15, "erfc({x}) = {b}");
        }
        // Far tail of erfc, where 1 - erf would lose everything.
        let t = Expr::int(5).erfc().eval(&[]).unwrap();
        assert!((t / 1.537_459_794_428_034_850_2e-12 - 1.0).abs() < 1e-15);
    }
}
