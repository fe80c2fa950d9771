//! Kernels of `convolve(kernel, port)`: conversion to linear ODE systems with initial values,
//! and the state variables and spike jumps that carry a convolution.
//!
//! A kernel is given either
//! - as a function of time ([`kernel_to_ode`]): a finite sum of terms `c * t**k * exp(a*t)`
//!   with `c` and `a` free of `t` (exponential, alpha, beta kernels and their sums and
//!   scalings), or `c * delta(t)` (see [`delta`]);
//! - or as a linear homogeneous ODE system with constant coefficients whose initial values are
//!   declared in the state block ([`kernel_from_odes`]).
//!
//! Either way the result is a [`KernelOde`]: a first-order system whose first state is the
//! kernel. [`convolution`] then names the states that carry `convolve(kernel, port)` as
//! PyNESTML does (`g__X__spikes`, `g__X__spikes__d`, …): they start at zero and each spike adds
//! its weight times the kernel's initial values.
//!
//! # Representation of function-form kernels
//!
//! A kernel `f(t) = Σ c_i t^k_i exp(a_i t)` becomes the single ODE of order `n = Σ_a (K_a + 1)`
//! (`K_a` the largest power of `t` beside the distinct exponent `a`)
//!
//! ```text
//! f^(n) = -(p_0 f + p_1 f' + … + p_{n-1} f^(n-1)),   Π_a (D - a)^(K_a + 1) = D^n + Σ_j p_j D^j
//! ```
//!
//! with initial values `f^(j)(0) = Σ_i c_i j!/(j-k_i)! a_i^(j-k_i)`, as ODE-toolbox does. The
//! coefficients `p_j` are polynomials in the exponents, so the ODE stays well defined when two
//! exponents coincide for some parameter values (`tau_r == tau_d`): the characteristic
//! polynomial then simply has a double root, and the propagator (a numeric matrix exponential)
//! handles that exactly. A Jordan-block form with one state per `(a, k)` would instead need the
//! multiplicity of each root, which depends on the parameter values.
//!
//! The initial values are brought into a form that is exact and cancellation-free at and near
//! coinciding exponents: each is put over a common denominator, removable factors of the
//! denominator are cancelled (a normalised beta kernel
//! `(exp(-t/tau_d) - exp(-t/tau_r)) / (tau_d - tau_r)` has `f'(0) = 1/(tau_d*tau_r)`, finite at
//! `tau_d == tau_r`, where the kernel tends to `t/tau**2 * exp(-t/tau)`), and the differences of
//! coinciding exponents (`tau_d - tau_r`) are factored out of the numerator, so that
//! `A*(1/tau_r - 1/tau_d)` is evaluated as `A*(tau_d - tau_r)/(tau_d*tau_r)`: exact at equality
//! and without catastrophic cancellation near it. Initial values where neither applies stay
//! expanded sums (`e/tau`, `w2/tau2 - w1/tau1`). Keep the factored ones factored: expanding
//! them again gives the same values but loses that accuracy.
//!
//! The derivative basis (`f, f', …`) is what ODE-toolbox uses, so propagators can be compared
//! entry by entry; its conditioning worsens with the order when roots cluster (measured over
//! 0..10 tau with h = 0.1: ≤ 4e-13 relative for the kernels of order 1 to 3 with equal, nearly
//! equal and distinct time constants; 8e-12 for an order-6 sum of four exponentials and an
//! alpha function with tau = 1..5), from rounding amplified step by step, not from `P`.

use std::collections::BTreeMap;
use std::fmt;

use crate::expr::{Expr, Func, Num};
use crate::simplify::{
    add, coefficient, equivalent, expand, func, is_zero, mul, pow, simplify, split_coefficient,
};
use crate::system::{derivative_names, NonlinearReason, OdeSystem, State, SystemError};

/// The symbol that stands for the sum of the weights of the spikes arriving at a port in one
/// step, in [`Convolution::jump`] and [`Convolution::direct`]; the code generator substitutes
/// the port's spike buffer.
pub const SPIKE_WEIGHT: &str = "__weight";

/// The largest order of a kernel ODE [`kernel_to_ode`] builds.
pub const MAX_KERNEL_ORDER: usize = 16;

/// The expression for Dirac's `delta(t)` of the time symbol `t` in a kernel.
///
/// [`Func`] has no delta function: `delta` is only meaningful as a kernel, so the compiler
/// lowers `delta(t)` (and nothing else) to this marker, a symbol that prints as `delta(t)`
/// and cannot clash with a NESTML name.
pub fn delta(t: &str) -> Expr {
    Expr::Sym(delta_name(t))
}

fn delta_name(t: &str) -> String {
    format!("delta({t})")
}

/// A kernel as a linear ODE system: `states[j]' = rhs[j]`, `states[j](0) = initial[j]`; the
/// first state is the kernel itself. A (scaled) delta kernel has no states and `direct` set.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelOde {
    /// The kernel's name.
    pub name: String,
    /// The state names: `name, name__d, …` for a function-form kernel (see
    /// [`derivative_names`]); the derivative names of each ODE of an ODE-form kernel, the
    /// kernel's own variable first.
    pub states: Vec<String>,
    /// For each state, the kernel variable and the derivative of it that the state holds
    /// (`("g", 1)` for `g__d`), used to name convolution states.
    pub vars: Vec<(String, usize)>,
    /// The first-order right-hand sides, in terms of `states` and parameters.
    pub rhs: Vec<Expr>,
    /// The initial values `f(0), f'(0), …` (function form: in a cancellation-free factored
    /// form, see the [module documentation](self)).
    pub initial: Vec<Expr>,
    /// For `c * delta(t)`: `c`. The convolution is then no state: each spike changes the
    /// target directly by its weight times `c`.
    pub direct: Option<Expr>,
}

impl KernelOde {
    /// The number of states.
    pub fn order(&self) -> usize {
        self.states.len()
    }

    /// The kernel's own system (states, right-hand sides and initial values), with time
    /// symbol `t`.
    pub fn system(&self, t: &str) -> OdeSystem {
        let mut sys = OdeSystem::new();
        sys.time = t.to_string();
        sys.states = (0..self.states.len())
            .map(|j| State {
                name: self.states[j].clone(),
                rhs: self.rhs[j].clone(),
                initial: self.initial[j].clone(),
            })
            .collect();
        sys
    }
}

/// One ODE of an ODE-form kernel: `var^(order) = rhs`.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelEquation {
    /// The variable (`g`, `g$`).
    pub var: String,
    /// The order of the derivative on the left-hand side (1 for `g'`, 2 for `g''`).
    pub order: usize,
    /// The right-hand side; it refers to derivatives by [`derivative_names`] (`g__d` for `g'`).
    pub rhs: Expr,
}

/// Why a kernel could not be converted.
#[derive(Clone, Debug, PartialEq)]
pub enum KernelError {
    /// The function is not a sum of `c * t**k * exp(a*t)` terms or a scaled `delta(t)`.
    NotRecognised {
        /// The offending term (of the expanded kernel).
        term: Expr,
        /// What is wrong with it.
        reason: String,
    },
    /// The kernel is identically zero.
    Zero,
    /// An ODE of an ODE-form kernel is not linear with constant coefficients.
    NonLinear {
        /// The state whose ODE is at fault.
        state: String,
        /// Why.
        reason: NonlinearReason,
    },
    /// An ODE of an ODE-form kernel has a term that is not proportional to a state.
    Inhomogeneous {
        /// The state whose ODE is at fault.
        state: String,
        /// The term free of the kernel's states.
        term: Expr,
    },
    /// A state of an ODE-form kernel has no initial value.
    MissingInitial {
        /// The state.
        state: String,
    },
    /// No ODE of an ODE-form kernel defines the kernel variable itself.
    NoEquation {
        /// The kernel variable.
        name: String,
    },
    /// An ODE of order 0.
    ZeroOrder {
        /// The variable.
        var: String,
    },
    /// The ODEs could not be assembled (a variable defined twice).
    System(SystemError),
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::NotRecognised { term, reason } => write!(
                f,
                "kernel not recognised: in the term `{term}`, {reason}; a kernel must be a sum \
                 of terms `c * t**k * exp(a*t)` (c, a free of t; k a small non-negative \
                 integer), a multiple of `delta(t)`, or a linear ODE system"
            ),
            KernelError::Zero => write!(f, "the kernel is identically zero"),
            KernelError::NonLinear { state, reason } => write!(
                f,
                "the kernel ODE of `{state}` is not linear with constant coefficients: {reason}"
            ),
            KernelError::Inhomogeneous { state, term } => write!(
                f,
                "the kernel ODE of `{state}` has the term `{term}`, which is not proportional \
                 to a state of the kernel"
            ),
            KernelError::MissingInitial { state } => {
                write!(f, "the kernel state `{state}` has no initial value")
            }
            KernelError::NoEquation { name } => {
                write!(f, "no ODE of the kernel defines `{name}`")
            }
            KernelError::ZeroOrder { var } => {
                write!(f, "the kernel ODE of `{var}` has no derivative on the left")
            }
            KernelError::System(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for KernelError {}

impl From<SystemError> for KernelError {
    fn from(e: SystemError) -> Self {
        KernelError::System(e)
    }
}

/// Converts a kernel given as a function of the time symbol `t` into a linear ODE system whose
/// first state (named `name`) reproduces it (see the [module documentation](self)).
///
/// `f` must be, after expansion, a finite sum of terms `c * t**k * exp(a*t)` with `c` and `a`
/// free of `t` and `0 <= k < MAX_KERNEL_ORDER` (products of exponentials combine; `b**(a*t)`,
/// `expm1`, `sinh` and `cosh` of linear functions of `t` are rewritten as exponentials), or
/// `c * delta(t)` with [`delta`]; equal exponents (decided with [`equivalent`]) are merged.
/// Oscillating kernels (`sin`, `cos`) are not recognised.
pub fn kernel_to_ode(f: &Expr, t: &str, name: &str) -> Result<KernelOde, KernelError> {
    let groups = match recognise(f, t)? {
        Shape::Delta(c) => {
            return Ok(KernelOde {
                name: name.to_string(),
                states: Vec::new(),
                vars: Vec::new(),
                rhs: Vec::new(),
                initial: Vec::new(),
                direct: Some(c),
            })
        }
        Shape::Sum(groups) => groups,
    };
    let n: usize = groups.iter().map(|g| g.coefs.len()).sum();
    if n > MAX_KERNEL_ORDER {
        return Err(KernelError::NotRecognised {
            term: f.clone(),
            reason: format!("the kernel needs an ODE of order {n}, more than {MAX_KERNEL_ORDER}"),
        });
    }
    // Characteristic polynomial Π (D - a)^(K+1) = Σ p[j] D^j, monic.
    let mut p = vec![Expr::one()];
    for g in &groups {
        for _ in 0..g.coefs.len() {
            let mut next = vec![Expr::zero(); p.len() + 1];
            for (j, pj) in p.iter().enumerate() {
                next[j + 1] = add(vec![next[j + 1].clone(), pj.clone()]);
                next[j] = expand(&(next[j].clone() - g.rate.clone() * pj.clone()));
            }
            p = next;
        }
    }
    let states = derivative_names(name, n);
    let mut rhs: Vec<Expr> = states[1..].iter().map(|s| Expr::sym(s)).collect();
    rhs.push(simplify(&Expr::Add(
        (0..n)
            .map(|j| mul(vec![Expr::int(-1), p[j].clone(), Expr::sym(&states[j])]))
            .collect(),
    )));
    let candidates = coincidence_factors(&groups);
    let initial = (0..n)
        .map(|m| {
            let mut terms = Vec::new();
            for g in &groups {
                for (k, c) in g.coefs.iter().enumerate().take(m + 1) {
                    if c.is_zero_literal() {
                        continue;
                    }
                    let falling: i64 = ((m - k + 1)..=m).map(|x| x as i64).product();
                    terms.push(mul(vec![
                        Expr::int(falling),
                        c.clone(),
                        pow(g.rate.clone(), Expr::int((m - k) as i64)),
                    ]));
                }
            }
            stable_form(&add(terms), &candidates)
        })
        .collect();
    Ok(KernelOde {
        name: name.to_string(),
        vars: (0..n).map(|j| (name.to_string(), j)).collect(),
        states,
        rhs,
        initial,
        direct: None,
    })
}

/// Converts a kernel given as ODEs into a [`KernelOde`]: `name` is the kernel variable (its
/// states come first), `equations` the kernel's ODEs, `initial` the initial value of every
/// state, by [`derivative_names`] name (`g`, `g__d`, `g$`), and `t` the time symbol.
///
/// The ODEs must be linear and homogeneous in the kernel's states with coefficients free of
/// them and of `t` (checked with [`OdeSystem::linear_partition`]); every other symbol is taken
/// as a constant, so the caller must make sure only parameters and internals remain. The
/// right-hand sides are returned simplified, the initial values as given.
pub fn kernel_from_odes(
    name: &str,
    equations: &[KernelEquation],
    initial: &BTreeMap<String, Expr>,
    t: &str,
) -> Result<KernelOde, KernelError> {
    let first = equations
        .iter()
        .position(|e| e.var == name)
        .ok_or_else(|| KernelError::NoEquation {
            name: name.to_string(),
        })?;
    let order = std::iter::once(first).chain((0..equations.len()).filter(|&i| i != first));
    let mut sys = OdeSystem::new();
    sys.time = t.to_string();
    let mut vars = Vec::new();
    for i in order {
        let eq = &equations[i];
        if eq.order == 0 {
            return Err(KernelError::ZeroOrder {
                var: eq.var.clone(),
            });
        }
        let names = derivative_names(&eq.var, eq.order);
        let init = names
            .iter()
            .map(|s| {
                initial
                    .get(s)
                    .cloned()
                    .ok_or_else(|| KernelError::MissingInitial { state: s.clone() })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        sys.add_ode(&refs, eq.rhs.clone(), init)?;
        vars.extend((0..eq.order).map(|k| (eq.var.clone(), k)));
    }
    let partition = sys.linear_partition();
    if let Some(state) = partition.nonlinear.first() {
        let reason = partition
            .reasons
            .get(state)
            .cloned()
            .unwrap_or_else(|| NonlinearReason::DependsOnNonlinear(state.clone()));
        return Err(KernelError::NonLinear {
            state: state.clone(),
            reason,
        });
    }
    for (state, b) in partition.linear.states.iter().zip(&partition.linear.b) {
        if !is_zero(b) {
            return Err(KernelError::Inhomogeneous {
                state: state.clone(),
                term: b.clone(),
            });
        }
    }
    Ok(KernelOde {
        name: name.to_string(),
        states: sys.states.iter().map(|s| s.name.clone()).collect(),
        vars,
        rhs: sys.states.iter().map(|s| simplify(&s.rhs)).collect(),
        initial: sys.states.iter().map(|s| s.initial.clone()).collect(),
        direct: None,
    })
}

/// The states and spike jumps that carry `convolve(kernel, port)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Convolution {
    /// The kernel's name.
    pub kernel: String,
    /// The spike input port.
    pub port: String,
    /// The convolution's states, named as PyNESTML names them (see
    /// [`convolution_state_name`]), with the kernel's right-hand sides in terms of them and
    /// initial value 0. The first one is the value of the convolution.
    pub states: Vec<State>,
    /// On each step with incoming spikes: `state += jump`, with the spikes' weight sum
    /// [`SPIKE_WEIGHT`] times the kernel's initial value (states whose initial value is zero are
    /// left out).
    pub jump: Vec<(String, Expr)>,
    /// For a delta kernel `c * delta(t)`: `SPIKE_WEIGHT * c`, the change of the target variable on
    /// each step with incoming spikes; there are then no states.
    pub direct: Option<Expr>,
}

impl Convolution {
    /// The value of the convolution (its first state), or `None` for a delta kernel.
    pub fn value(&self) -> Option<Expr> {
        self.states.first().map(|s| Expr::sym(&s.name))
    }
}

/// The name of the state holding the `order`-th derivative of the kernel variable `var`
/// convolved with `port`: `var__X__port__d…`, with `$` spelled `__DOLLAR` (PyNESTML's
/// `construct_kernel_X_spike_buf_name`).
pub fn convolution_state_name(var: &str, port: &str, order: usize) -> String {
    format!(
        "{}__X__{port}{}",
        var.replace('$', "__DOLLAR"),
        "__d".repeat(order)
    )
}

/// The states that carry `convolve(kernel, port)` and the jump of each on incoming spikes.
pub fn convolution(kernel: &KernelOde, port: &str) -> Convolution {
    let names: Vec<String> = kernel
        .vars
        .iter()
        .map(|(v, k)| convolution_state_name(v, port, *k))
        .collect();
    let rename = |e: &Expr| {
        e.map_symbols(&mut |s| {
            kernel
                .states
                .iter()
                .position(|x| x == s)
                .map(|i| Expr::sym(&names[i]))
        })
    };
    let weight = Expr::sym(SPIKE_WEIGHT);
    Convolution {
        kernel: kernel.name.clone(),
        port: port.to_string(),
        states: (0..names.len())
            .map(|j| State {
                name: names[j].clone(),
                rhs: rename(&kernel.rhs[j]),
                initial: Expr::zero(),
            })
            .collect(),
        jump: (0..names.len())
            .filter(|&j| !is_zero(&kernel.initial[j]))
            .map(|j| {
                (
                    names[j].clone(),
                    mul(vec![weight.clone(), kernel.initial[j].clone()]),
                )
            })
            .collect(),
        direct: kernel
            .direct
            .as_ref()
            .map(|c| mul(vec![weight.clone(), c.clone()])),
    }
}

// ---------------------------------------------------------------------------------------------
// Recognition of function-form kernels.

/// The terms `c * t**k * exp(rate*t)` with one exponent: `coefs[k]` is the coefficient of
/// `t**k` (the last one non-zero).
#[derive(Clone, Debug)]
struct Group {
    rate: Expr,
    coefs: Vec<Expr>,
}

enum Shape {
    Delta(Expr),
    Sum(Vec<Group>),
}

enum Term {
    Delta(Expr),
    Smooth {
        coef: Expr,
        power: usize,
        rate: Expr,
    },
}

fn not_recognised(term: &Expr, reason: String) -> KernelError {
    KernelError::NotRecognised {
        term: term.clone(),
        reason,
    }
}

fn recognise(f: &Expr, t: &str) -> Result<Shape, KernelError> {
    let e = expand(&rewrite_exponentials(f, t));
    let terms = match e {
        Expr::Add(ts) => ts,
        e => vec![e],
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut direct: Vec<Expr> = Vec::new();
    for term in &terms {
        match classify(term, t)? {
            Term::Delta(c) => direct.push(c),
            Term::Smooth { coef, power, rate } => {
                let i = match groups.iter().position(|g| equivalent(&g.rate, &rate)) {
                    Some(i) => i,
                    None => {
                        groups.push(Group {
                            rate,
                            coefs: Vec::new(),
                        });
                        groups.len() - 1
                    }
                };
                let coefs = &mut groups[i].coefs;
                if coefs.len() <= power {
                    coefs.resize(power + 1, Expr::zero());
                }
                coefs[power] = add(vec![coefs[power].clone(), coef]);
            }
        }
    }
    for g in &mut groups {
        for c in &mut g.coefs {
            if is_zero(c) {
                *c = Expr::zero();
            }
        }
        while g.coefs.last().is_some_and(Expr::is_zero_literal) {
            g.coefs.pop();
        }
    }
    groups.retain(|g| !g.coefs.is_empty());
    match (direct.is_empty(), groups.is_empty()) {
        (false, true) => {
            let c = simplify(&add(direct));
            if is_zero(&c) {
                Err(KernelError::Zero)
            } else {
                Ok(Shape::Delta(c))
            }
        }
        (false, false) => Err(not_recognised(
            f,
            format!(
                "`{}` is combined with other terms; a delta kernel must stand alone",
                delta(t)
            ),
        )),
        (true, true) => Err(KernelError::Zero),
        (true, false) => Ok(Shape::Sum(groups)),
    }
}

/// Rewrites `expm1`, `sinh` and `cosh` of arguments containing `t` as exponentials.
fn rewrite_exponentials(e: &Expr, t: &str) -> Expr {
    let r = |x: &Expr| rewrite_exponentials(x, t);
    match e {
        Expr::Add(ts) => Expr::Add(ts.iter().map(r).collect()),
        Expr::Mul(fs) => Expr::Mul(fs.iter().map(r).collect()),
        Expr::Pow(b, x) => Expr::Pow(Box::new(r(b)), Box::new(r(x))),
        Expr::Ite(c, a, b) => Expr::Ite(c.clone(), Box::new(r(a)), Box::new(r(b))),
        Expr::Func(f, args) => {
            let args: Vec<Expr> = args.iter().map(r).collect();
            if args.len() == 1 && args[0].contains(t) {
                let u = args[0].clone();
                match f {
                    Func::Expm1 => return u.exp() - 1,
                    Func::Sinh => return (u.clone().exp() - (-u).exp()) / 2,
                    Func::Cosh => return (u.clone().exp() + (-u).exp()) / 2,
                    _ => {}
                }
            }
            Expr::Func(*f, args)
        }
        Expr::Num(_) | Expr::Sym(_) | Expr::Const(_) => e.clone(),
    }
}

/// Classifies one term of the expanded kernel.
fn classify(term: &Expr, t: &str) -> Result<Term, KernelError> {
    let factors: &[Expr] = match term {
        Expr::Mul(fs) => fs,
        f => std::slice::from_ref(f),
    };
    let dname = delta_name(t);
    let mut coef = Vec::new();
    let mut power: i64 = 0;
    let mut rate = Vec::new();
    let mut deltas = 0;
    for f in factors {
        if matches!(f, Expr::Sym(s) if *s == dname) {
            deltas += 1;
            continue;
        }
        if f.contains(&dname) {
            return Err(not_recognised(
                term,
                format!("`{dname}` may only be multiplied by constants"),
            ));
        }
        if !f.contains(t) {
            coef.push(f.clone());
            continue;
        }
        match f {
            Expr::Sym(_) => power += 1,
            Expr::Pow(b, x) if matches!(&**b, Expr::Sym(s) if s == t) => {
                match x.as_num().and_then(Num::as_int) {
                    Some(k) if k > 0 => power += k,
                    _ => {
                        return Err(not_recognised(
                            term,
                            format!("`{f}` is not a non-negative integer power of `{t}`"),
                        ))
                    }
                }
            }
            Expr::Func(Func::Exp, args) if args.len() == 1 => {
                let (a, b) = coefficient(&args[0], t).map_err(|_| {
                    not_recognised(
                        term,
                        format!("the argument of `{f}` is not a linear function of `{t}`"),
                    )
                })?;
                rate.push(a);
                coef.push(func(Func::Exp, vec![b]));
            }
            Expr::Pow(b, x) if !b.contains(t) => {
                // b**x = exp(x * ln(b))
                let (a, c) = coefficient(x, t).map_err(|_| {
                    not_recognised(
                        term,
                        format!("the exponent of `{f}` is not a linear function of `{t}`"),
                    )
                })?;
                rate.push(mul(vec![a, func(Func::Ln, vec![(**b).clone()])]));
                coef.push(pow((**b).clone(), c));
            }
            _ => {
                return Err(not_recognised(
                    term,
                    format!("`{f}` is neither a power of `{t}` nor an exponential of `{t}`"),
                ))
            }
        }
    }
    let coef = mul(coef);
    match deltas {
        0 => {}
        1 if power == 0 && rate.is_empty() => return Ok(Term::Delta(coef)),
        1 => {
            return Err(not_recognised(
                term,
                format!("`{dname}` may only be multiplied by constants"),
            ))
        }
        _ => {
            return Err(not_recognised(
                term,
                format!("a product of `{dname}` with itself"),
            ))
        }
    }
    let power = power as usize;
    if power >= MAX_KERNEL_ORDER {
        return Err(not_recognised(
            term,
            format!("the power of `{t}` is larger than {}", MAX_KERNEL_ORDER - 1),
        ));
    }
    Ok(Term::Smooth {
        coef,
        power,
        rate: simplify(&add(rate)),
    })
}

// ---------------------------------------------------------------------------------------------
// Cancellation-free initial values.

/// A rational expression `num / Π base**power`: `num` is expanded and free of negative integer
/// powers; each base is an atom (symbol, constant, function, …) or a primitive polynomial (a
/// sum whose first term has coefficient 1 when that coefficient is exact).
#[derive(Clone, Debug)]
struct Ratio {
    num: Expr,
    den: Vec<(Expr, u32)>,
}

impl Ratio {
    fn atom(e: Expr) -> Ratio {
        Ratio {
            num: e,
            den: Vec::new(),
        }
    }
}

fn push_den(den: &mut Vec<(Expr, u32)>, base: Expr, p: u32) {
    if p == 0 {
        return;
    }
    match den.iter_mut().find(|(b, _)| *b == base) {
        Some(entry) => entry.1 += p,
        None => den.push((base, p)),
    }
}

fn power_expr(base: &Expr, p: i64) -> Expr {
    pow(base.clone(), Expr::int(p))
}

/// The rational form of an expanded expression (no cancellation).
fn to_ratio(e: &Expr) -> Ratio {
    match e {
        Expr::Add(ts) => ts
            .iter()
            .map(to_ratio)
            .reduce(ratio_add)
            .unwrap_or_else(|| Ratio::atom(Expr::zero())),
        Expr::Mul(fs) => fs
            .iter()
            .map(to_ratio)
            .reduce(ratio_mul)
            .unwrap_or_else(|| Ratio::atom(Expr::one())),
        Expr::Pow(b, x) => match x.as_num().and_then(Num::as_int) {
            Some(k) if k < 0 => match ratio_inv(to_ratio(b)) {
                Some(r) => ratio_pow(r, k.unsigned_abs()),
                None => Ratio::atom(e.clone()),
            },
            Some(k) => ratio_pow(to_ratio(b), k.unsigned_abs()),
            None => Ratio::atom(e.clone()),
        },
        _ => Ratio::atom(e.clone()),
    }
}

fn ratio_mul(a: Ratio, b: Ratio) -> Ratio {
    let mut den = a.den;
    for (base, p) in b.den {
        push_den(&mut den, base, p);
    }
    Ratio {
        num: expand(&mul(vec![a.num, b.num])),
        den,
    }
}

fn ratio_pow(r: Ratio, k: u64) -> Ratio {
    let k32 = u32::try_from(k).unwrap_or(u32::MAX);
    Ratio {
        num: expand(&power_expr(&r.num, k as i64)),
        den: r.den.into_iter().map(|(b, p)| (b, p * k32)).collect(),
    }
}

fn ratio_add(a: Ratio, b: Ratio) -> Ratio {
    if a.num.is_zero_literal() {
        return b;
    }
    if b.num.is_zero_literal() {
        return a;
    }
    let mut lcm = a.den.clone();
    for (base, p) in &b.den {
        match lcm.iter_mut().find(|(x, _)| x == base) {
            Some(entry) => entry.1 = entry.1.max(*p),
            None => lcm.push((base.clone(), *p)),
        }
    }
    let scaled = |r: Ratio| {
        let mut fs = vec![r.num];
        for (base, p) in &lcm {
            let have = r.den.iter().find(|(x, _)| x == base).map_or(0, |x| x.1);
            fs.push(power_expr(base, i64::from(p - have)));
        }
        mul(fs)
    };
    let num = expand(&add(vec![scaled(a), scaled(b)]));
    Ratio { num, den: lcm }
}

/// `1/r`, or `None` if the numerator is zero.
fn ratio_inv(r: Ratio) -> Option<Ratio> {
    let (c, factors) = split_factors(&r.num);
    if c.is_zero() {
        return None;
    }
    let mut fs = vec![Expr::Num(c.recip())];
    fs.extend(r.den.iter().map(|(b, p)| power_expr(b, i64::from(*p))));
    let mut den = Vec::new();
    for (b, p) in factors {
        push_den(&mut den, b, p);
    }
    Some(Ratio {
        num: expand(&mul(fs)),
        den,
    })
}

/// `(c, primitive)` with `sum = c * primitive` and the first term of `primitive` of coefficient
/// 1 (or ±1 when that coefficient is a float, to stay exact).
fn normalise_sum(sum: &Expr) -> (Num, Expr) {
    let Expr::Add(ts) = sum else {
        return (Num::ONE, sum.clone());
    };
    let (c1, _) = split_coefficient(ts[0].clone());
    let c = if c1.is_exact() {
        c1
    } else if c1.is_negative() {
        Num::MINUS_ONE
    } else {
        Num::ONE
    };
    if c.is_one() || c.is_zero() {
        return (Num::ONE, sum.clone());
    }
    (c, expand(&mul(vec![Expr::Num(c.recip()), sum.clone()])))
}

/// An expanded product as a number times powers of atoms and primitive sums.
fn split_factors(e: &Expr) -> (Num, Vec<(Expr, u32)>) {
    let factors: &[Expr] = match e {
        Expr::Mul(fs) => fs,
        f => std::slice::from_ref(f),
    };
    let mut c = Num::ONE;
    let mut out = Vec::new();
    for f in factors {
        let (base, p) = match f {
            Expr::Num(n) => {
                c = c * *n;
                continue;
            }
            Expr::Pow(b, x) => match x.as_num().and_then(Num::as_int) {
                Some(k) if k > 0 => ((**b).clone(), u32::try_from(k).unwrap_or(u32::MAX)),
                _ => (f.clone(), 1),
            },
            f => (f.clone(), 1),
        };
        let (k, base) = normalise_sum(&base);
        c = c * k.powi(i64::from(p));
        push_den(&mut out, base, p);
    }
    (c, out)
}

/// The power of `base` as a direct factor of the canonical term `term`.
fn power_of(term: &Expr, base: &Expr) -> u32 {
    let factors: &[Expr] = match term {
        Expr::Mul(fs) => fs,
        f => std::slice::from_ref(f),
    };
    for f in factors {
        if f == base {
            return 1;
        }
        if let Expr::Pow(b, x) = f {
            if **b == *base {
                if let Some(k) = x.as_num().and_then(Num::as_int).filter(|&k| k > 0) {
                    return u32::try_from(k).unwrap_or(u32::MAX);
                }
            }
        }
    }
    0
}

/// `n / b` if the polynomial `b` divides the expanded polynomial `n` exactly (decided by
/// dividing as polynomials in a symbol in which `b` is affine, with [`is_zero`] on the
/// remainder, so a `None` may miss a division that is exact).
fn divide(n: &Expr, b: &Expr) -> Option<Expr> {
    if n.is_zero_literal() {
        return Some(Expr::zero());
    }
    let mut choice: Option<(String, Expr, Expr)> = None;
    for s in b.symbols() {
        let Ok((alpha, beta)) = coefficient(b, &s) else {
            continue;
        };
        if alpha.is_zero_literal() {
            continue;
        }
        let numeric = alpha.as_num().is_some();
        if choice.is_none() || numeric {
            choice = Some((s, alpha, beta));
        }
        if numeric {
            break;
        }
    }
    let (s, alpha, beta) = choice?;
    let x = Expr::sym(&s);
    let terms: &[Expr] = match n {
        Expr::Add(ts) => ts,
        t => std::slice::from_ref(t),
    };
    let mut p: Vec<Vec<Expr>> = Vec::new();
    for term in terms {
        let k = power_of(term, &x) as usize;
        let rest = mul(vec![term.clone(), power_expr(&x, -(k as i64))]);
        if rest.contains(&s) {
            return None;
        }
        if p.len() <= k {
            p.resize(k + 1, Vec::new());
        }
        p[k].push(rest);
    }
    let p: Vec<Expr> = p.into_iter().map(add).collect();
    let d = p.len() - 1;
    if d == 0 {
        return None;
    }
    let inv_alpha = power_expr(&alpha, -1);
    let mut q = vec![Expr::zero(); d];
    q[d - 1] = expand(&mul(vec![p[d].clone(), inv_alpha.clone()]));
    for j in (1..d).rev() {
        let r = p[j].clone() - beta.clone() * q[j].clone();
        q[j - 1] = expand(&mul(vec![r, inv_alpha.clone()]));
    }
    let remainder = expand(&(p[0].clone() - beta * q[0].clone()));
    if !remainder.is_zero_literal() {
        return None;
    }
    Some(expand(&add(q
        .into_iter()
        .enumerate()
        .map(|(j, qj)| mul(vec![qj, power_expr(&x, j as i64)]))
        .collect())))
}

/// Cancels the factors of the denominator that divide the numerator.
fn cancel(r: Ratio) -> Ratio {
    let Ratio { mut num, mut den } = r;
    if num.is_zero_literal() {
        return Ratio::atom(num);
    }
    for (base, p) in &mut den {
        if matches!(base, Expr::Add(_)) {
            while *p > 0 {
                match divide(&num, base) {
                    Some(q) => {
                        num = q;
                        *p -= 1;
                    }
                    None => break,
                }
            }
        } else {
            let terms: &[Expr] = match &num {
                Expr::Add(ts) => ts,
                t => std::slice::from_ref(t),
            };
            let m = terms.iter().map(|t| power_of(t, base)).min().unwrap_or(0);
            let c = m.min(*p);
            if c > 0 {
                num = expand(&mul(vec![num, power_expr(base, -i64::from(c))]));
                *p -= c;
            }
        }
    }
    den.retain(|(_, p)| *p > 0);
    Ratio { num, den }
}

/// The polynomial factors whose zeros make two exponents coincide: the factors of the
/// numerators of the pairwise differences of the exponents.
fn coincidence_factors(groups: &[Group]) -> Vec<Expr> {
    let mut out: Vec<Expr> = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        for h in &groups[i + 1..] {
            let d = expand(&(g.rate.clone() - h.rate.clone()));
            let (_, factors) = split_factors(&cancel(to_ratio(&d)).num);
            for (f, _) in factors {
                if !f.symbols().is_empty() && !out.contains(&f) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// The total power of the sums in a denominator.
fn sum_power(den: &[(Expr, u32)]) -> u32 {
    den.iter()
        .filter(|(b, _)| matches!(b, Expr::Add(_)))
        .map(|(_, p)| p)
        .sum()
}

/// `v` as `Π candidate**m * rest / denominator`, with removable factors of the denominator
/// cancelled and the candidate factors taken out of the numerator; `v` expanded when that
/// changes nothing (no sum cancelled from the denominator, no candidate factor found), so that
/// kernels without coinciding exponents keep plain initial values.
fn stable_form(v: &Expr, candidates: &[Expr]) -> Expr {
    let plain = expand(v);
    if plain.is_zero_literal() {
        return plain;
    }
    let r = to_ratio(&plain);
    let sums_before = sum_power(&r.den);
    let r = cancel(r);
    if r.num.is_zero_literal() {
        return Expr::zero();
    }
    let mut num = r.num;
    let mut factors = Vec::new();
    for b in candidates {
        let mut m = 0;
        while m < MAX_KERNEL_ORDER as i64 {
            match divide(&num, b) {
                Some(q) => {
                    num = q;
                    m += 1;
                }
                None => break,
            }
        }
        if m > 0 {
            factors.push(power_expr(b, m));
        }
    }
    if factors.is_empty() && sum_power(&r.den) == sums_before {
        return plain;
    }
    factors.push(num);
    factors.extend(r.den.iter().map(|(b, p)| power_expr(b, -i64::from(*p))));
    mul(factors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: &str) -> Expr {
        Expr::sym(n)
    }

    #[test]
    fn removable_denominators_cancel() {
        // (1/tau_r - 1/tau_d) / (tau_d - tau_r) = 1/(tau_d*tau_r)
        let v = (Expr::one() / s("tau_r") - Expr::one() / s("tau_d")) / (s("tau_d") - s("tau_r"));
        let got = stable_form(&v, &[]);
        assert_eq!(got.to_string(), "1/(tau_d*tau_r)");
        // Also with the difference of reciprocals in the denominator.
        let v = (s("tau_d") - s("tau_r")) / (Expr::one() / s("tau_r") - Expr::one() / s("tau_d"));
        assert_eq!(stable_form(&v, &[]).to_string(), "tau_d*tau_r");
        // (a**2 - b**2)/(a - b) = a + b; (x**3 - 1)/(x - 1) = x**2 + x + 1.
        let v = (s("a").pow(2) - s("b").pow(2)) / (s("b") * -2 + s("a") * 2);
        assert!(equivalent(&stable_form(&v, &[]), &((s("a") + s("b")) / 2)));
        let v = (s("x").pow(3) - 1) / (s("x") - 1);
        assert_eq!(stable_form(&v, &[]).to_string(), "x + x**2 + 1");
        // Not removable: kept.
        let v = (s("a") + s("b")) / (s("a") - s("b"));
        assert_eq!(stable_form(&v, &[]), expand(&v));
        // Nothing to gain: the expanded form.
        let v = s("w1") / s("tau1") + s("w2") / s("tau2");
        let cands = [expand(&(s("tau1") - s("tau2")))];
        assert_eq!(stable_form(&v, &cands).to_string(), "w1/tau1 + w2/tau2");
    }

    #[test]
    fn coinciding_exponent_differences_are_factored() {
        let (tr, td) = (s("tau_r"), s("tau_d"));
        let v = s("A") / tr.clone() - s("A") / td.clone();
        let groups = [
            Group {
                rate: -Expr::one() / td.clone(),
                coefs: vec![Expr::one()],
            },
            Group {
                rate: -Expr::one() / tr.clone(),
                coefs: vec![Expr::one()],
            },
        ];
        let cands = coincidence_factors(&groups);
        assert_eq!(cands.len(), 1);
        let got = stable_form(&v, &cands);
        assert_eq!(got.to_string(), "A*(tau_d - tau_r)/(tau_d*tau_r)");
        // Exactly zero at equality, and accurate next to it.
        let env = [("A", 3.0), ("tau_d", 2.0), ("tau_r", 2.0)];
        assert_eq!(got.eval(&env).unwrap(), 0.0);
        let (d, r) = (2.0f64, 2.0f64 * (1.0 + 1e-8));
        let want = 3.0 * (d - r) / (d * r);
        let g = got.eval(&[("A", 3.0), ("tau_d", d), ("tau_r", r)]).unwrap();
        assert!(((g - want) / want).abs() < 1e-15);
        // Squares: 1/tau_r**2 - 1/tau_d**2 = (tau_d - tau_r)*(tau_d + tau_r)/(tau_d*tau_r)**2.
        let v = Expr::one() / tr.clone().pow(2) - Expr::one() / td.clone().pow(2);
        let got = stable_form(&v, &cands);
        assert_eq!(
            got.to_string(),
            "(tau_d + tau_r)*(tau_d - tau_r)/(tau_d**2*tau_r**2)"
        );
        assert!(equivalent(&got, &v));
    }

    #[test]
    fn division_by_polynomials() {
        let (a, b) = (s("a"), s("b"));
        let n = expand(&((a.clone() - b.clone()) * (a.clone() + b.clone() * 3) * s("c")));
        let q = divide(&n, &expand(&(a.clone() - b.clone()))).unwrap();
        assert!(equivalent(&q, &((a.clone() + b.clone() * 3) * s("c"))));
        assert_eq!(divide(&n, &expand(&(a.clone() + b.clone()))), None);
        // The symbol inside a function: no division.
        assert_eq!(divide(&(a.clone().exp() * a.clone()), &a), None);
    }
}
