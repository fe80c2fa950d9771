//! Exponentials whose arguments are small multiples of one another up to a number:
//! `exp(k·a + c₂) = exp(a + c₁)^k · e^(c₂ − k·c₁)` for `k` = 1 to 4, so a set of right-hand
//! sides needs fewer `exp`s. The gating rates of Hodgkin–Huxley models are the case in point:
//! hh_psc_alpha's `alpha_n`, `alpha_m` and `beta_h` take `exp(-(V_m + 55) / 10)`,
//! `exp(-(V_m + 40) / 10)` and `exp(-(V_m + 35) / 10)`, and its `alpha_h` takes
//! `exp(-(V_m + 65) / 20)`, the fourth power of `beta_n`'s `exp(-(V_m + 65) / 80)`: six `exp`s
//! become three.

use std::collections::BTreeMap;

use crate::expr::{Expr, Func, Num};
use crate::simplify::expand;

/// The largest power of a shared exponential that stands for another (two squarings).
const MAX_POWER: i64 = 4;

/// The largest `|c − k·c₁|` shared: the factor stays within `e^±32`, so that the shared `exp`
/// underflows or overflows only where the one it replaces is near doing so too.
const MAX_OFFSET: f64 = 32.0;

/// `rows` with every `exp(x)` whose expanded argument is `k·a + c` for the argument `a + c₁`
/// of another `exp` of the rows (`c`, `c₁` numbers, `a` not, `k` a whole number from 1 to 4,
/// `|c − k·c₁| ≤ 32`) written as `exp(a + c₁)^k · e^(c − k·c₁)`, with the factor as a number; the `exp`s kept are
/// those with the smallest multiples, as written. Other expressions unchanged. The value
/// changes by a few ulp (`k` times the rounding of the kept `exp`, and the products').
pub fn share_exponentials(rows: &[Expr]) -> Vec<Expr> {
    let mut args = Vec::new();
    for row in rows {
        exp_arguments(row, &mut args);
    }
    // per direction `a` (normalised): the distinct arguments, their multiples and numbers
    let mut groups: BTreeMap<String, Vec<(Expr, Num, Num)>> = BTreeMap::new();
    for arg in args {
        if let Some((direction, scale, c)) = split_number(&arg) {
            let group = groups.entry(direction).or_default();
            if !group.iter().any(|(a, ..)| *a == arg) {
                group.push((arg, scale, c));
            }
        }
    }
    let mut shared: BTreeMap<String, (Expr, i64, f64)> = BTreeMap::new();
    for mut group in groups.into_values() {
        // smallest multiples first (stable: equal ones in the order written)
        let magnitude = |n: Num| if n.is_negative() { -n } else { n };
        group.sort_by(|x, y| magnitude(x.1).total_cmp(magnitude(y.1)));
        let mut kept: Vec<&(Expr, Num, Num)> = Vec::new();
        for member in &group {
            let (arg, scale, c) = member;
            let power = kept.iter().find_map(|leader| {
                let k = (*scale * leader.1.recip()).as_int().filter(|k| (1..=MAX_POWER).contains(k))?;
                let offset = (*c + -(Num::int(k) * leader.2)).to_f64();
                (offset.abs() <= MAX_OFFSET).then_some((leader, k, offset.exp()))
            });
            match power {
                Some((leader, k, factor)) => {
                    shared.insert(arg.to_string(), (leader.0.clone(), k, factor));
                }
                None => kept.push(member),
            }
        }
    }
    rows.iter().map(|row| rewrite(row, &shared)).collect()
}

/// The arguments of the `exp` calls in `e`, outermost first.
fn exp_arguments(e: &Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::Func(Func::Exp, args) if args.len() == 1 => {
            out.push(args[0].clone());
            exp_arguments(&args[0], out);
        }
        Expr::Num(_) | Expr::Sym(_) | Expr::Const(_) => {}
        Expr::Add(xs) | Expr::Mul(xs) | Expr::Func(_, xs) => xs.iter().for_each(|x| exp_arguments(x, out)),
        Expr::Pow(b, x) => {
            exp_arguments(b, out);
            exp_arguments(x, out);
        }
        Expr::Ite(_, a, b) => {
            exp_arguments(a, out);
            exp_arguments(b, out);
        }
    }
}

/// `arg` expanded as `s·a + c`: the text of the direction `a` (its first term's number is 1),
/// the multiple `s` and the number `c` (0 if it has none); `None` for a number, whose `exp` is
/// a constant.
fn split_number(arg: &Expr) -> Option<(String, Num, Num)> {
    let terms = match expand(arg) {
        Expr::Num(_) => return None,
        Expr::Add(ts) => ts,
        t => vec![t],
    };
    let (mut c, mut rest) = (Num::ZERO, Vec::new());
    for t in terms {
        match t {
            Expr::Num(n) => c = c + n,
            t => rest.push(t),
        }
    }
    let scale = match &rest[0] {
        Expr::Mul(fs) => fs.iter().find_map(Expr::as_num).unwrap_or(Num::ONE),
        _ => Num::ONE,
    };
    if scale.is_zero() {
        return None;
    }
    let direction = expand(&Expr::Mul(vec![Expr::Num(scale.recip()), Expr::Add(rest)]));
    Some((direction.to_string(), scale, c))
}

/// `e` with the shared exponentials of `shared` (by argument text) replaced.
fn rewrite(e: &Expr, shared: &BTreeMap<String, (Expr, i64, f64)>) -> Expr {
    let go = |x: &Expr| rewrite(x, shared);
    match e {
        Expr::Func(Func::Exp, args) if args.len() == 1 => match shared.get(&args[0].to_string()) {
            Some((leader, k, factor)) => {
                let exp = Expr::call(Func::Exp, vec![rewrite(leader, shared)]);
                let power = if *k == 1 { exp } else { Expr::Pow(Box::new(exp), Box::new(Expr::int(*k))) };
                Expr::Mul(vec![power, Expr::float(*factor)])
            }
            None => Expr::call(Func::Exp, vec![go(&args[0])]),
        },
        Expr::Num(_) | Expr::Sym(_) | Expr::Const(_) => e.clone(),
        Expr::Add(xs) => Expr::Add(xs.iter().map(go).collect()),
        Expr::Mul(xs) => Expr::Mul(xs.iter().map(go).collect()),
        Expr::Func(f, xs) => Expr::Func(*f, xs.iter().map(go).collect()),
        Expr::Pow(b, x) => Expr::Pow(Box::new(go(b)), Box::new(go(x))),
        Expr::Ite(c, a, b) => Expr::Ite(c.clone(), Box::new(go(a)), Box::new(go(b))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: &str) -> Expr {
        Expr::sym(n)
    }

    fn count_exps(e: &Expr) -> usize {
        let mut args = Vec::new();
        exp_arguments(e, &mut args);
        args.iter().map(|a| a.to_string()).collect::<std::collections::BTreeSet<_>>().len()
    }

    #[test]
    fn exponentials_with_offset_arguments_share_one() {
        // the gating exponentials of hh_psc_alpha: three with slope -1/10, three others
        let v = s("V_m");
        let e = |offset: i64, scale: i64| Expr::call(Func::Exp, vec![-(v.clone() + Expr::int(offset)) / Expr::int(scale)]);
        let rows = vec![
            Expr::one() / (Expr::one() - e(55, 10)) + e(65, 80),
            Expr::one() / (Expr::one() - e(40, 10)) + e(65, 18),
            e(65, 20) + Expr::one() / (Expr::one() + e(35, 10)),
        ];
        let shared = share_exponentials(&rows);
        let before: usize = count_exps(&Expr::Add(rows.clone()));
        let after: usize = count_exps(&Expr::Add(shared.clone()));
        assert_eq!((before, after), (6, 3));
        // each exponential the same to a few ulp (the rows near their poles amplify that, as
        // they amplify `exp`'s own rounding)
        let bare: Vec<Expr> = [(55, 10), (65, 80), (40, 10), (65, 18), (65, 20), (35, 10)].iter().map(|&(o, k)| e(o, k)).collect();
        let shared_bare = share_exponentials(&bare);
        assert_eq!(count_exps(&Expr::Add(shared_bare.clone())), 3);
        for vm in [-80.0, -65.0, -55.0, -41.0, 0.0, 30.0] {
            let env = [("V_m", vm)];
            for (a, b) in bare.iter().zip(&shared_bare) {
                let (a, b) = (a.eval(&env).unwrap(), b.eval(&env).unwrap());
                assert!((a - b).abs() <= 6.0 * f64::EPSILON * a.abs(), "V_m = {vm}: {a} vs {b}");
            }
        }
        // the first exponential of each group is kept as written
        assert_eq!(shared[0].to_string().matches("exp").count(), 2);
        assert!(shared[0].to_string().contains(&e(55, 10).to_string()));
    }

    #[test]
    fn unrelated_constant_and_far_offset_exponentials_are_unchanged() {
        let exp = |a: Expr| Expr::call(Func::Exp, vec![a]);
        let rows = vec![exp(s("x")) + exp(s("y") + Expr::int(1)) + exp(Expr::int(2)) + exp(s("x") * Expr::int(5))];
        assert_eq!(share_exponentials(&rows), rows);
        // `exp(x + 800)` through `exp(x)` would be `0 · inf` where `exp(x)` underflows
        let far = vec![exp(s("x")) + exp(s("x") + Expr::int(800)) + exp(s("x") * Expr::int(2) - Expr::int(40))];
        assert_eq!(share_exponentials(&far), far);
        let near = vec![exp(s("x")) + exp(s("x") + Expr::int(30))];
        assert_ne!(share_exponentials(&near), near);
    }
}
