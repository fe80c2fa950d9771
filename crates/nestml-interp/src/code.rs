//! Expressions compiled once for evaluation: every symbol resolved to where its value lives
//! (a slot of the model's values, a local, a component of the solver's state vector), every
//! function to the runtime's `math` function generated code calls. The arithmetic is that of
//! `nestml_ode::to_rust`: sums and products from left to right, integer powers by `powi`, the
//! same functions, so an interpreted model computes what its generated code computes.

use nestml_ode::{CmpOp, Cond, Constant, Expr, Func, Num};
use nestml_runtime::math;

/// A compiled expression.
#[derive(Clone, Debug)]
pub enum Code {
    /// A number.
    Num(f64),
    /// A slot of the model's scalar values.
    Slot(u32),
    /// A local variable of the running block.
    Local(u32),
    /// A component of the numeric solver's state vector (in a right-hand side).
    Y(u32),
    /// NESTML's `t` in a block: the end of the step.
    T,
    /// NESTML's `t` in a right-hand side: the start of the step plus the solver's time (the
    /// slot holds the step `h`).
    TRhs(u32),
    /// `a + b + …`, from left to right.
    Add(Box<[Code]>),
    /// `a * b * …`, from left to right.
    Mul(Box<[Code]>),
    /// `x ** n` for an integer literal `n`.
    Powi(Box<Code>, i32),
    /// `x ** y` (the runtime's `powf`, with its `x ** 1` shortcut).
    Powf(Box<[Code; 2]>),
    /// A one-argument function.
    Unary(fn(f64) -> f64, Box<Code>),
    /// `a.min(b)`.
    Min(Box<[Code; 2]>),
    /// `a.max(b)`.
    Max(Box<[Code; 2]>),
    /// Element of a vector variable (by its index among vectors).
    Element(u32, Box<Code>),
    /// `if c { a } else { b }`.
    Ite(Box<(CondCode, Code, Code)>),
}

/// A compiled condition.
#[derive(Clone, Debug)]
pub enum CondCode {
    /// A constant.
    Bool(bool),
    /// A comparison.
    Cmp(CmpOp, Box<[Code; 2]>),
    /// All of them (evaluated from the left, stopping at the first false).
    And(Box<[CondCode]>),
    /// Any of them.
    Or(Box<[CondCode]>),
    /// Negation.
    Not(Box<CondCode>),
}

/// Where compiled code reads its values.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// The model's scalar values by slot.
    pub vals: &'a [f64],
    /// The model's vector variables.
    pub vecs: &'a [Vec<f64>],
    /// The locals of the running block.
    pub locals: &'a [f64],
    /// The solver's state vector (empty outside a right-hand side).
    pub y: &'a [f64],
    /// The end of the step (NESTML's `t`).
    pub t_end: f64,
    /// The solver's time within the step.
    pub tt: f64,
}

impl Code {
    /// The value of the expression.
    pub fn eval(&self, env: &Env) -> f64 {
        match self {
            Code::Num(v) => *v,
            Code::Slot(i) => env.vals[*i as usize],
            Code::Local(i) => env.locals[*i as usize],
            Code::Y(i) => env.y[*i as usize],
            Code::T => env.t_end,
            Code::TRhs(h) => env.t_end - env.vals[*h as usize] + env.tt,
            Code::Add(ts) => {
                let mut acc = ts[0].eval(env);
                for t in &ts[1..] {
                    acc += t.eval(env);
                }
                acc
            }
            Code::Mul(fs) => {
                let mut acc = fs[0].eval(env);
                for f in &fs[1..] {
                    acc *= f.eval(env);
                }
                acc
            }
            Code::Powi(x, n) => math::powi(x.eval(env), *n),
            Code::Powf(xy) => math::powf(xy[0].eval(env), xy[1].eval(env)),
            Code::Unary(f, x) => f(x.eval(env)),
            Code::Min(ab) => ab[0].eval(env).min(ab[1].eval(env)),
            Code::Max(ab) => ab[0].eval(env).max(ab[1].eval(env)),
            Code::Element(v, i) => math::element(&env.vecs[*v as usize][..], i.eval(env)),
            Code::Ite(ite) => {
                if ite.0.eval(env) {
                    ite.1.eval(env)
                } else {
                    ite.2.eval(env)
                }
            }
        }
    }
}

impl CondCode {
    /// The truth of the condition.
    pub fn eval(&self, env: &Env) -> bool {
        match self {
            CondCode::Bool(b) => *b,
            CondCode::Cmp(op, ab) => {
                op.holds(ab[0].eval(env), ab[1].eval(env))
            }
            CondCode::And(cs) => cs.iter().all(|c| c.eval(env)),
            CondCode::Or(cs) => cs.iter().any(|c| c.eval(env)),
            CondCode::Not(c) => !c.eval(env),
        }
    }
}

/// How a compiler of expressions finds symbols.
pub trait Resolve {
    /// The code reading scalar `symbol`, or why it cannot be read here.
    fn symbol(&self, symbol: &str) -> Result<Code, String>;
    /// The index of vector variable `symbol` among the vectors, if it is one.
    fn vector(&self, symbol: &str) -> Option<u32>;
}

/// Compiles `e` with symbols found by `r`.
pub fn compile(e: &Expr, r: &dyn Resolve) -> Result<Code, String> {
    Ok(match e {
        Expr::Num(n) => Code::Num(n.to_f64()),
        Expr::Sym(s) => r.symbol(s)?,
        Expr::Const(Constant::Pi) => Code::Num(std::f64::consts::PI),
        Expr::Const(Constant::E) => Code::Num(std::f64::consts::E),
        Expr::Add(ts) => Code::Add(list(ts, r)?),
        Expr::Mul(fs) => Code::Mul(list(fs, r)?),
        Expr::Pow(b, x) => match x.as_ref() {
            Expr::Num(Num::Rat(k, 1)) if i32::try_from(*k).is_ok() => Code::Powi(Box::new(compile(b, r)?), *k as i32),
            _ => Code::Powf(Box::new([compile(b, r)?, compile(x, r)?])),
        },
        Expr::Func(f, args) => func(*f, args, r)?,
        Expr::Ite(c, a, b) => Code::Ite(Box::new((compile_cond(c, r)?, compile(a, r)?, compile(b, r)?))),
    })
}

/// Compiles `c` with symbols found by `r`.
pub fn compile_cond(c: &Cond, r: &dyn Resolve) -> Result<CondCode, String> {
    Ok(match c {
        Cond::Bool(b) => CondCode::Bool(*b),
        Cond::Cmp(op, a, b) => CondCode::Cmp(*op, Box::new([compile(a, r)?, compile(b, r)?])),
        Cond::And(cs) => CondCode::And(cs.iter().map(|c| compile_cond(c, r)).collect::<Result<_, _>>()?),
        Cond::Or(cs) => CondCode::Or(cs.iter().map(|c| compile_cond(c, r)).collect::<Result<_, _>>()?),
        Cond::Not(c) => CondCode::Not(Box::new(compile_cond(c, r)?)),
    })
}

fn list(items: &[Expr], r: &dyn Resolve) -> Result<Box<[Code]>, String> {
    if items.is_empty() {
        return Err("an empty sum or product".into());
    }
    items.iter().map(|e| compile(e, r)).collect()
}

fn func(f: Func, args: &[Expr], r: &dyn Resolve) -> Result<Code, String> {
    let arity = match f {
        Func::Element | Func::Pow => 2,
        Func::Clip => 3,
        Func::Min | Func::Max => 1,
        _ => 1,
    };
    if args.len() < arity {
        return Err(format!("`{f:?}` with {} arguments", args.len()));
    }
    if f == Func::Element {
        let vector = match &args[0] {
            Expr::Sym(s) => r.vector(s).ok_or_else(|| format!("`{s}` is not a vector"))?,
            other => return Err(format!("an element of `{other}`, which is not a vector variable")),
        };
        return Ok(Code::Element(vector, Box::new(compile(&args[1], r)?)));
    }
    let a: Vec<Code> = args.iter().map(|e| compile(e, r)).collect::<Result<_, _>>()?;
    let unary = |g: fn(f64) -> f64, a: Vec<Code>| Code::Unary(g, Box::new(a.into_iter().next().expect("arity checked")));
    Ok(match f {
        Func::Exp => unary(math::exp, a),
        Func::Ln => unary(math::ln, a),
        Func::Log10 => unary(math::log10, a),
        Func::Expm1 => unary(math::exp_m1, a),
        Func::Sin => unary(math::sin, a),
        Func::Cos => unary(math::cos, a),
        Func::Tan => unary(math::tan, a),
        Func::Sinh => unary(math::sinh, a),
        Func::Cosh => unary(math::cosh, a),
        Func::Tanh => unary(math::tanh, a),
        Func::Abs => unary(math::abs, a),
        Func::Floor => unary(math::floor, a),
        Func::Ceil => unary(math::ceil, a),
        Func::Round => unary(math::round, a),
        Func::Erf => unary(math::erf, a),
        Func::Erfc => unary(math::erfc, a),
        Func::Sign => unary(math::sign, a),
        Func::Min | Func::Max => {
            let mut it = a.into_iter();
            let first = it.next().expect("arity checked");
            it.fold(first, |acc, x| if f == Func::Min { Code::Min(Box::new([acc, x])) } else { Code::Max(Box::new([acc, x])) })
        }
        Func::Pow => {
            let mut it = a.into_iter();
            let (x, y) = (it.next().expect("arity checked"), it.next().expect("arity checked"));
            Code::Powf(Box::new([x, y]))
        }
        Func::Clip => {
            let mut it = a.into_iter();
            let (x, lo, hi) = (it.next().expect("arity checked"), it.next().expect("arity checked"), it.next().expect("arity checked"));
            Code::Min(Box::new([Code::Max(Box::new([x, lo])), hi]))
        }
        Func::Element => unreachable!("handled above"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Names;

    impl Resolve for Names {
        fn symbol(&self, symbol: &str) -> Result<Code, String> {
            match symbol {
                "x" => Ok(Code::Slot(0)),
                "y" => Ok(Code::Slot(1)),
                _ => Err(format!("`{symbol}` is unknown")),
            }
        }
        fn vector(&self, symbol: &str) -> Option<u32> {
            (symbol == "v").then_some(0)
        }
    }

    fn eval(e: &Expr) -> f64 {
        let vecs = vec![vec![10.0, 20.0]];
        let env = Env { vals: &[2.0, -3.0], vecs: &vecs, locals: &[], y: &[], t_end: 1.0, tt: 0.0 };
        compile(e, &Names).unwrap().eval(&env)
    }

    #[test]
    fn arithmetic_functions_and_vectors() {
        let (x, y) = (Expr::sym("x"), Expr::sym("y"));
        assert_eq!(eval(&(x.clone() * y.clone() + Expr::int(1))), -5.0);
        assert_eq!(eval(&x.clone().pow(Expr::int(3))), 8.0);
        assert_eq!(eval(&x.clone().pow(Expr::rat(1, 2))), 2f64.sqrt());
        assert_eq!(eval(&y.clone().clip(Expr::int(-1), Expr::int(1))), -1.0);
        assert_eq!(eval(&Expr::call(Func::Element, vec![Expr::sym("v"), Expr::int(1)])), 20.0);
        assert!(eval(&Expr::call(Func::Element, vec![Expr::sym("v"), Expr::int(2)])).is_nan());
        let ite = Expr::ite(Cond::gt(x.clone(), Expr::int(0)), y.clone(), x.clone());
        assert_eq!(eval(&ite), -3.0);
        assert_eq!(compile(&Expr::sym("z"), &Names).unwrap_err(), "`z` is unknown");
        assert!(compile(&Expr::call(Func::Element, vec![x, Expr::int(0)]), &Names).is_err());
    }
}
