//! Symbolic differentiation.

use crate::expr::{Cond, Constant, Expr, Func};
use crate::simplify::{add, func, ite, mul, pow, simplify};

/// The derivative of `e` with respect to the symbol `x`, in canonical form.
///
/// Piecewise functions (`abs`, `min`, `max`, `clip`, `sign`, `floor`, `ceil`, `round`,
/// conditionals) are differentiated piece by piece; their kinks and jumps are ignored.
pub fn diff(e: &Expr, x: &str) -> Expr {
    d(&simplify(e), x)
}

fn neg(e: Expr) -> Expr {
    mul(vec![Expr::int(-1), e])
}

/// Derivative of a canonical expression, built with the canonical constructors.
fn d(e: &Expr, x: &str) -> Expr {
    if !e.contains(x) {
        return Expr::zero();
    }
    match e {
        Expr::Num(_) | Expr::Const(_) => Expr::zero(),
        Expr::Sym(_) => Expr::one(),
        Expr::Add(ts) => add(ts.iter().map(|t| d(t, x)).collect()),
        Expr::Mul(fs) => add((0..fs.len())
            .map(|i| {
                let mut v = fs.clone();
                v[i] = d(&fs[i], x);
                mul(v)
            })
            .collect()),
        Expr::Pow(b, p) => d_pow(b, p, x),
        Expr::Func(f, args) => d_func(*f, args, x),
        Expr::Ite(c, a, b) => ite((**c).clone(), d(a, x), d(b, x)),
    }
}

fn d_pow(b: &Expr, p: &Expr, x: &str) -> Expr {
    let power = pow(b.clone(), p.clone());
    if !p.contains(x) {
        // p * b**(p-1) * b'
        let lowered = pow(b.clone(), add(vec![p.clone(), Expr::int(-1)]));
        return mul(vec![p.clone(), lowered, d(b, x)]);
    }
    let ln_b = func(Func::Ln, vec![b.clone()]);
    if !b.contains(x) {
        return mul(vec![power, ln_b, d(p, x)]);
    }
    // b**p * (p' ln b + p b'/b)
    let inner = add(vec![
        mul(vec![d(p, x), ln_b]),
        mul(vec![p.clone(), d(b, x), pow(b.clone(), Expr::int(-1))]),
    ]);
    mul(vec![power, inner])
}

fn d_func(f: Func, args: &[Expr], x: &str) -> Expr {
    let u = || args[0].clone();
    let du = || d(&args[0], x);
    let call = |g: Func, a: Expr| func(g, vec![a]);
    match f {
        Func::Exp | Func::Expm1 => mul(vec![call(Func::Exp, u()), du()]),
        Func::Ln => mul(vec![du(), pow(u(), Expr::int(-1))]),
        Func::Log10 => mul(vec![
            du(),
            pow(mul(vec![u(), call(Func::Ln, Expr::int(10))]), Expr::int(-1)),
        ]),
        Func::Sin => mul(vec![call(Func::Cos, u()), du()]),
        Func::Cos => neg(mul(vec![call(Func::Sin, u()), du()])),
        Func::Tan => mul(vec![
            add(vec![Expr::one(), pow(call(Func::Tan, u()), Expr::int(2))]),
            du(),
        ]),
        Func::Sinh => mul(vec![call(Func::Cosh, u()), du()]),
        Func::Cosh => mul(vec![call(Func::Sinh, u()), du()]),
        Func::Tanh => mul(vec![
            add(vec![
                Expr::one(),
                neg(pow(call(Func::Tanh, u()), Expr::int(2))),
            ]),
            du(),
        ]),
        Func::Erf | Func::Erfc => {
            // d erf(u) = 2/sqrt(pi) * exp(-u**2) du
            let g = mul(vec![
                Expr::int(if f == Func::Erf { 2 } else { -2 }),
                pow(Expr::Const(Constant::Pi), Expr::rat(-1, 2)),
                call(Func::Exp, neg(pow(u(), Expr::int(2)))),
                du(),
            ]);
            simplify(&g)
        }
        Func::Abs => mul(vec![call(Func::Sign, u()), du()]),
        // a vector element is a parameter-like value (vectors are never ODE states)
        Func::Sign | Func::Floor | Func::Ceil | Func::Round | Func::Element => Expr::zero(),
        Func::Pow if args.len() == 2 => d_pow(&args[0], &args[1], x),
        Func::Min | Func::Max if !args.is_empty() => {
            if args.len() == 1 {
                return du();
            }
            let rest = func(f, args[1..].to_vec());
            let c = if f == Func::Min {
                Cond::le(u(), rest.clone())
            } else {
                Cond::ge(u(), rest.clone())
            };
            ite(c, du(), d(&rest, x))
        }
        Func::Clip if args.len() == 3 => ite(
            Cond::lt(u(), args[1].clone()),
            d(&args[1], x),
            ite(Cond::gt(u(), args[2].clone()), d(&args[2], x), du()),
        ),
        // Wrong arity: leave the derivative unevaluated as a product with zero-free form.
        Func::Pow | Func::Min | Func::Max | Func::Clip => Expr::Func(f, args.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simplify::equivalent;

    fn s(n: &str) -> Expr {
        Expr::sym(n)
    }

    /// Fourth-order central difference.
    fn numeric_derivative(e: &Expr, x0: f64) -> f64 {
        let f = |x: f64| e.eval(&[("x", x), ("a", 0.7)]).unwrap();
        let h = 1e-3 * x0.abs().max(1.0);
        (f(x0 - 2.0 * h) - 8.0 * f(x0 - h) + 8.0 * f(x0 + h) - f(x0 + 2.0 * h)) / (12.0 * h)
    }

    fn check(e: &Expr, points: &[f64]) {
        let de = diff(e, "x");
        for &x0 in points {
            let exact = de.eval(&[("x", x0), ("a", 0.7)]).unwrap();
            let approx = numeric_derivative(e, x0);
            let err = (exact - approx).abs() / exact.abs().max(1.0);
            assert!(
                err < 1e-8,
                "d/dx {e} = {de} at x = {x0}: {exact} vs {approx}"
            );
        }
    }

    #[test]
    fn every_function_matches_finite_differences() {
        // Inner function u = 0.5*x + a exercises the chain rule.
        let u = || s("x") * Expr::rat(1, 2) + s("a");
        let points = [0.3, 0.9, 1.3];
        for f in Func::ALL {
            let e = match f.arity() {
                (1, 1) => Expr::call(f, vec![u()]),
                (2, 2) => Expr::call(f, vec![u(), s("x")]),
                (3, 3) => Expr::call(f, vec![u() * 3, Expr::int(1), Expr::int(4)]),
                _ => Expr::call(f, vec![u() * 2, s("x")]),
            };
            check(&e, &points);
        }
        // The other branch of min/max and clip, and a conditional.
        check(&(u() * 2).max(s("x") * 3), &points);
        check(&(u() * 2).min(s("x") * 3), &points);
        check(&(u() * 9 - 8).clip(1, 4), &points);
        check(
            &Expr::ite(Cond::gt(s("x"), 1), s("x").pow(2), s("x").sin()),
            &points,
        );
    }

    #[test]
    fn powers_products_and_quotients() {
        let x = s("x");
        check(&x.clone().pow(3), &[0.5, 2.0]);
        check(&x.clone().pow(Expr::rat(-3, 2)), &[0.5, 2.0]);
        check(&x.clone().pow(x.clone()), &[0.5, 2.0]);
        check(&s("a").pow(x.clone() * 2), &[0.5, 2.0]);
        check(
            &(x.clone().sin() * x.clone().exp() / (x.clone() + 1)),
            &[0.5, 2.0],
        );
        check(&x.clone().pow(2).erf().ln(), &[0.5, 2.0]);
        check(&Expr::e().pow(x.clone()), &[0.5, 2.0]);
    }

    #[test]
    fn symbolic_results() {
        let (x, t, tau) = (s("x"), s("t"), s("tau"));
        assert_eq!(diff(&x.clone().pow(3), "x").to_string(), "3*x**2");
        assert_eq!(diff(&(x.clone() * 5 + 2), "x").to_string(), "5");
        assert_eq!(diff(&s("y"), "x").to_string(), "0");
        let k = (-t.clone() / tau.clone()).exp();
        assert!(equivalent(&diff(&k, "t"), &(-k.clone() / tau.clone())));
        // alpha kernel: d/dt (t/tau * exp(-t/tau)) = (1/tau - t/tau**2) * exp(-t/tau)
        let alpha = t.clone() / tau.clone() * k.clone();
        let expected = (Expr::one() / tau.clone() - t.clone() / tau.clone().pow(2)) * k;
        assert!(equivalent(&diff(&alpha, "t"), &expected));
    }
}
