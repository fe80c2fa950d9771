//! [`Interpreted`]: one neuron of a [`Program`], implementing the runtime's object-safe
//! [`DynNeuron`] with the step of generated code (`codegen::model`'s `step`, `calibrate`,
//! `Default`, `reset_state`, get/set).

use std::sync::Arc;

use nestml_compiler::ir::{ArithOp, RandomFn};
use nestml_runtime::{ContinuousInputs, DynNeuron, Fault, FaultKind, PortInfo, Receptor, Resolution, SetError, SpikeInputs, StepContext, StepOutcome, VariableInfo, VariableKind};

use crate::block::{Function, Piece, Place, Stmt};
use crate::code::Env;
use crate::program::{Access, Initial, Len, Program, Target, Term, MAX_PORTS};
use crate::sized::{self, DynSolver};

/// A neuron running an interpreted model: the model's values, its propagator, solver and
/// input buffers. `Interpreted::new(program)` is what `Default` is for a generated neuron.
#[derive(Clone)]
pub struct Interpreted {
    program: Arc<Program>,
    vals: Vec<f64>,
    vecs: Vec<Vec<f64>>,
    p: Vec<f64>,
    q: Vec<f64>,
    g: Vec<f64>,
    /// Per delayed value: the ring buffer and the next position to write.
    histories: Vec<(Vec<f64>, usize)>,
    solver: Option<Box<dyn DynSolver>>,
    spikes: SpikeInputs<MAX_PORTS>,
    currents: ContinuousInputs<MAX_PORTS>,
}

/// Where a running block is: the step's time and random stream, the spikes emitted.
struct Run<'c, 'r> {
    ctx: &'c mut StepContext<'r>,
    spikes: u32,
}

impl Interpreted {
    /// A neuron with the model's defaults, as `Default` of generated code (the propagator at
    /// 0.1 ms until `calibrate`).
    pub fn new(program: Arc<Program>) -> Interpreted {
        let (p, q, g) = (vec![0.0; program.p_entries.len()], vec![0.0; program.q_terms.len()], vec![0.0; program.g_terms.len()]);
        let solver = if program.numeric { sized::solver(program.ode_slots.len(), &program.options, 0.1) } else { None };
        let mut n = Interpreted {
            vals: vec![0.0; program.slots.len],
            vecs: vec![Vec::new(); program.n_vectors],
            p,
            q,
            g,
            histories: vec![(Vec::new(), 0); program.delayed.len()],
            solver,
            spikes: SpikeInputs::default(),
            currents: ContinuousInputs::default(),
            program,
        };
        n.vals[n.program.slots.h as usize] = 0.1;
        let program = n.program.clone();
        n.initialise(&program.defaults);
        n.propagator();
        n
    }

    /// The model.
    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// Sets every state variable to its initial value computed from the current parameters,
    /// as generated code's `reset_state`.
    pub fn reset_state(&mut self) {
        self.recompute();
        let program = self.program.clone();
        self.initialise(&program.resets);
        for (buf, pos) in &mut self.histories {
            buf.iter_mut().for_each(|x| *x = 0.0);
            *pos = 0;
        }
    }

    fn env<'a>(&'a self, locals: &'a [f64], t_end: f64) -> Env<'a> {
        Env { vals: &self.vals, vecs: &self.vecs, locals, y: &[], t_end, tt: 0.0 }
    }

    /// Computes `items` in order, each reading the values computed before it unconverted (the
    /// locals of generated code), then stores the scalars.
    fn initialise(&mut self, items: &[Initial]) {
        let mut raw = self.vals.clone();
        for item in items {
            let env = Env { vals: &raw, vecs: &self.vecs, locals: &[], y: &[], t_end: 0.0, tt: 0.0 };
            let v = item.value.as_ref().map_or(0.0, |c| c.eval(&env));
            match &item.target {
                Target::Scalar(slot) => raw[*slot as usize] = v,
                Target::Vector(i, len) => {
                    let len = match len {
                        Len::Fixed(n) => *n,
                        Len::Sized(c) => c.eval(&env).max(0.0) as usize,
                    };
                    self.vecs[*i as usize] = vec![v; len];
                }
            }
        }
        for item in items {
            if let Target::Scalar(slot) = item.target {
                let s = slot as usize;
                self.vals[s] = self.program.storage[s].store(raw[s]);
            }
        }
    }

    /// Internals, vectors that follow their size parameter, then the propagator.
    fn recompute(&mut self) {
        let program = self.program.clone();
        for (slot, code) in &program.internals {
            let v = code.eval(&self.env(&[], 0.0));
            self.vals[*slot as usize] = program.storage[*slot as usize].store(v);
        }
        for (i, size, default) in &program.resized {
            let n = size.eval(&self.env(&[], 0.0)).max(0.0) as usize;
            if self.vecs[*i as usize].len() != n {
                let d = default.eval(&self.env(&[], 0.0));
                self.vecs[*i as usize].resize(n, d);
            }
        }
        self.propagator();
    }

    /// `P = expm(A h)`, `q = Φ c`, `G = Φ coefficients` at the current parameters.
    fn propagator(&mut self) {
        let program = self.program.clone();
        let n = program.lin_slots.len();
        if n == 0 {
            return;
        }
        let env = self.env(&[], 0.0);
        let a: Vec<f64> = program.a.iter().map(|c| c.eval(&env)).collect();
        let h = self.vals[program.slots.h as usize];
        let (p, phi) = sized::propagator(n, &a, h).expect("the size was checked when the program was compiled");
        let c: Vec<f64> = program.constant.iter().map(|c| c.as_ref().map_or(0.0, |c| c.eval(&env))).collect();
        let p_new: Vec<f64> = program.p_entries.iter().map(|&(i, j)| p[i * n + j]).collect();
        let q_new: Vec<f64> = program.q_terms.iter().map(|(i, ks)| sum(ks.iter().map(|&k| phi[i * n + k] * c[k]))).collect();
        let g_new: Vec<f64> = program.g_terms.iter().map(|(i, terms)| sum(terms.iter().map(|(k, coeff)| phi[i * n + k] * coeff.eval(&env)))).collect();
        (self.p, self.q, self.g) = (p_new, q_new, g_new);
    }

    /// Exact row `i` over the state `x` and inputs `u`.
    fn row(&self, i: usize, x: &[f64], u: &[f64]) -> f64 {
        sum(self.program.rows[i].iter().map(|t| match *t {
            Term::P(k, j) => self.p[k] * x[j],
            Term::PDelayed(k, slot) => self.p[k] * self.vals[slot as usize],
            Term::Q(m) => self.q[m],
            Term::G(m, input) => self.g[m] * u[input],
        }))
    }

    fn fault(&self, t: f64, kind: FaultKind) -> Fault {
        Fault::new(self.program.name, t, kind)
    }

    /// Runs a block; `Some(value)` if it returned.
    fn exec(&mut self, stmts: &[Stmt], locals: &mut [f64], run: &mut Run) -> Result<Option<f64>, Fault> {
        for s in stmts {
            let t = run.ctx.t_end;
            match s {
                Stmt::Assign { place, op, value } => {
                    let v = value.eval(&self.env(locals, t));
                    match *place {
                        Place::Local(l) => locals[l as usize] = apply(locals[l as usize], *op, v),
                        Place::Slot(slot, storage) => {
                            let s = slot as usize;
                            self.vals[s] = storage.store(apply(self.vals[s], *op, v));
                        }
                    }
                }
                Stmt::AssignElement { vector, name, index, op, value } => {
                    let env = self.env(locals, t);
                    let (i, v) = (nestml_runtime::math::round(index.eval(&env)), value.eval(&env));
                    let vec = &mut self.vecs[*vector as usize];
                    let len = vec.len();
                    match if i >= 0.0 { vec.get_mut(i as usize) } else { None } {
                        Some(e) => *e = apply(*e, *op, v),
                        None => return Err(self.fault(t, FaultKind::IndexOutOfRange { variable: name, index: i, len })),
                    }
                }
                Stmt::Draw { local, function, args } => {
                    let env = self.env(locals, t);
                    let a: Vec<f64> = args.iter().map(|c| c.eval(&env)).collect();
                    let bad = |function: &'static str, value: f64| FaultKind::BadRandomArgument { function, value };
                    locals[*local as usize] = match function {
                        RandomFn::Normal => {
                            let (m, sd) = (a[0], a[1]);
                            if !(m.is_finite() && sd >= 0.0 && sd.is_finite()) {
                                return Err(self.fault(t, bad("random_normal", sd)));
                            }
                            run.ctx.rng.normal(m, sd)
                        }
                        RandomFn::Uniform => {
                            let (lo, hi) = (a[0], a[1]);
                            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                                return Err(self.fault(t, bad("random_uniform", hi)));
                            }
                            run.ctx.rng.uniform(lo, hi)
                        }
                        RandomFn::Poisson => match run.ctx.rng.poisson(a[0]) {
                            Some(k) => k as f64,
                            None => return Err(self.fault(t, bad("random_poisson", a[0]))),
                        },
                    };
                }
                Stmt::If { branches, otherwise } => {
                    let taken = branches.iter().position(|(c, _)| c.eval(&self.env(locals, t)));
                    let body = taken.map_or(otherwise, |i| &branches[i].1);
                    if let Some(v) = self.exec(body, locals, run)? {
                        return Ok(Some(v));
                    }
                }
                Stmt::For { var, from, to, step, body } => {
                    let l = *var as usize;
                    locals[l] = from.eval(&self.env(locals, t));
                    loop {
                        let end = to.eval(&self.env(locals, t));
                        if !(if *step > 0.0 { locals[l] <= end } else { locals[l] >= end }) {
                            break;
                        }
                        if let Some(v) = self.exec(body, locals, run)? {
                            return Ok(Some(v));
                        }
                        locals[l] += step;
                    }
                }
                Stmt::While { condition, body } => {
                    while condition.eval(&self.env(locals, t)) {
                        if let Some(v) = self.exec(body, locals, run)? {
                            return Ok(Some(v));
                        }
                    }
                }
                Stmt::Integrate(i) => self.integrate(i, locals, run)?,
                Stmt::Emit => run.spikes += 1,
                Stmt::Print { pieces, newline } => {
                    let env = self.env(locals, t);
                    let mut text = String::new();
                    for p in pieces {
                        match p {
                            Piece::Text(s) => text.push_str(s),
                            Piece::Value(c, unit) => {
                                text.push_str(&c.eval(&env).to_string());
                                if let Some(u) = unit {
                                    text.push(' ');
                                    text.push_str(u);
                                }
                            }
                        }
                    }
                    if *newline {
                        println!("{text}");
                    } else {
                        print!("{text}");
                    }
                }
                Stmt::Return(value) => return Ok(Some(value.as_ref().map_or(0.0, |c| c.eval(&self.env(locals, t))))),
                Stmt::Call { result, function, args } => {
                    let program = self.program.clone();
                    let f: &Function = &program.functions[*function];
                    let mut frame = vec![0.0; f.locals];
                    for (k, a) in args.iter().enumerate().take(f.params) {
                        frame[k] = a.eval(&self.env(locals, t));
                    }
                    let v = self.exec(&f.body, &mut frame, run)?.unwrap_or(0.0);
                    if let Some(r) = result {
                        locals[*r as usize] = v;
                    }
                }
            }
        }
        Ok(None)
    }

    /// `integrate_odes(…)` (see `nestml_compiler::codegen`'s `integrate`).
    fn integrate(&mut self, i: &crate::block::Integrate, locals: &mut [f64], run: &mut Run) -> Result<(), Fault> {
        let program = self.program.clone();
        let t = run.ctx.t_end;
        let mut exact = Vec::with_capacity(i.exact.len());
        if !i.exact.is_empty() {
            let x: Vec<f64> = program.lin_slots.iter().map(|&s| self.vals[s as usize]).collect();
            let u: Vec<f64> = i.inputs.iter().map(|c| c.eval(&self.env(locals, t))).collect();
            exact.extend(i.exact.iter().map(|&r| self.row(r, &x, &u)));
        }
        if program.numeric {
            let mut y: Vec<f64> = program.ode_slots.iter().map(|&s| self.vals[s as usize]).collect();
            let h = self.vals[program.slots.h as usize];
            let (vals, vecs, frame) = (&self.vals, &self.vecs, &*locals);
            let f = |tt: f64, y: &[f64], dy: &mut [f64]| {
                let env = Env { vals, vecs, locals: frame, y, t_end: t, tt };
                for (d, rhs) in dy.iter_mut().zip(&i.rhs) {
                    *d = rhs.as_ref().map_or(0.0, |c| c.eval(&env));
                }
            };
            let solver = self.solver.as_mut().expect("a numeric model has a solver");
            solver.integrate(&f, 0.0, h, &mut y).map_err(|e| Fault::from_solver(program.name, t, e, program.state_names))?;
            for &k in &i.kept {
                self.vals[program.ode_slots[k] as usize] = y[k];
            }
        }
        for (&r, v) in i.exact.iter().zip(exact) {
            self.vals[program.lin_slots[r] as usize] = v;
        }
        for (port, slot, jump) in &i.jumps {
            if self.spikes.received(*port) {
                locals[i.w as usize] = self.spikes.sum(*port);
                self.vals[*slot as usize] += jump.eval(&self.env(locals, t));
            }
        }
        Ok(())
    }
}

/// `old op v`, or `v` without an operator.
#[inline]
fn apply(old: f64, op: Option<ArithOp>, v: f64) -> f64 {
    match op {
        None => v,
        Some(ArithOp::Add) => old + v,
        Some(ArithOp::Sub) => old - v,
        Some(ArithOp::Mul) => old * v,
        Some(ArithOp::Div) => old / v,
    }
}

/// `a + b + …` from the left (0 for no terms), as generated code sums.
fn sum(mut terms: impl Iterator<Item = f64>) -> f64 {
    let Some(first) = terms.next() else { return 0.0 };
    terms.fold(first, |acc, x| acc + x)
}

impl DynNeuron for Interpreted {
    fn name(&self) -> &'static str {
        self.program.name
    }

    fn variables(&self) -> &'static [VariableInfo] {
        self.program.variables
    }

    fn ports(&self) -> &'static [PortInfo] {
        self.program.ports
    }

    fn receptors(&self) -> &'static [Receptor] {
        self.program.receptors
    }

    fn init_buffers(&mut self, resolution: &Resolution) {
        self.spikes.clear();
        self.currents.clear();
        if let Some(s) = &mut self.solver {
            s.reset(resolution.h());
        }
    }

    fn calibrate(&mut self, resolution: &Resolution) -> Result<(), Fault> {
        let program = self.program.clone();
        self.vals[program.slots.h as usize] = resolution.h();
        self.recompute();
        for (c, guard, _) in &program.guards {
            if !c.eval(&self.env(&[], 0.0)) {
                return Err(self.fault(0.0, FaultKind::GuardViolated { guard }));
            }
        }
        for (name, slot) in &program.finite_internals {
            let value = self.vals[*slot as usize];
            if !value.is_finite() {
                return Err(self.fault(0.0, FaultKind::InvalidParameter { name, value, reason: "this internal is not finite at these parameters and this resolution" }));
            }
        }
        if !program.p_entries.is_empty() {
            if let Some(&value) = self.p.iter().chain(&self.q).chain(&self.g).find(|v| !v.is_finite()) {
                return Err(self.fault(0.0, FaultKind::InvalidParameter { name: "propagator", value, reason: "the exact propagator is not finite at these parameters and this resolution" }));
            }
        }
        for (d, (buf, pos)) in program.delayed.iter().zip(&mut self.histories) {
            let env = Env { vals: &self.vals, vecs: &self.vecs, locals: &[], y: &[], t_end: 0.0, tt: 0.0 };
            let steps = d.steps.eval(&env);
            if !(steps >= 1.0 && steps.is_finite()) {
                let value = d.delay.eval(&env);
                return Err(Fault::new(program.name, 0.0, FaultKind::InvalidParameter { name: d.name, value, reason: "a delayed state variable's delay must be finite and at least one simulation step" }));
            }
            let len = steps as usize + 1;
            if buf.len() != len {
                *buf = vec![0.0; len];
                *pos = 0;
            }
        }
        Ok(())
    }

    fn handle_spike(&mut self, receptor: usize, weight: f64, multiplicity: u32) {
        self.spikes.receive(self.program.receptors, receptor, weight, multiplicity);
    }

    fn handle_port_spike(&mut self, port: usize, weight: f64) {
        if port < self.program.spike_ports.len() {
            self.spikes.add(port, weight);
        }
    }

    fn handle_current(&mut self, port: usize, value: f64) {
        if port < self.program.continuous_ports.len() {
            self.currents.add(port, value);
        }
    }

    fn step(&mut self, ctx: &mut StepContext<'_>) -> Result<StepOutcome, Fault> {
        let program = self.program.clone();
        let t = ctx.t_end;
        self.spikes.begin_step();
        for (i, &slot) in program.spike_ports.iter().enumerate() {
            self.vals[slot as usize] = 1e-3 * self.spikes.sum(i);
        }
        for (i, &slot) in program.continuous_ports.iter().enumerate() {
            self.vals[slot as usize] = self.currents.value(i);
        }
        for (d, (buf, pos)) in program.delayed.iter().zip(&mut self.histories) {
            buf[*pos] = self.vals[d.state as usize];
            *pos = (*pos + 1) % buf.len();
            self.vals[d.value as usize] = buf[*pos];
        }
        let mut conv = Vec::new();
        if !program.exact_conv.is_empty() {
            let x: Vec<f64> = program.lin_slots.iter().map(|&s| self.vals[s as usize]).collect();
            let u: Vec<f64> = program.conv_inputs.iter().map(|c| c.eval(&self.env(&[], t))).collect();
            conv.extend(program.exact_conv.iter().map(|&(r, _)| self.row(r, &x, &u)));
        }
        let mut run = Run { ctx, spikes: 0 };
        let mut locals = vec![0.0; program.update.locals];
        self.exec(&program.update.body, &mut locals, &mut run)?;
        for (port, block) in &program.on_receive {
            if self.spikes.received(*port) {
                let mut locals = vec![0.0; block.locals];
                self.exec(&block.body, &mut locals, &mut run)?;
            }
        }
        for (&(_, slot), v) in program.exact_conv.iter().zip(conv) {
            self.vals[slot as usize] = v;
        }
        for (port, slot, jump) in &program.conv_jumps {
            if self.spikes.received(*port) {
                let w = [self.spikes.sum(*port)];
                self.vals[*slot as usize] += jump.eval(&self.env(&w, t));
            }
        }
        for (c, block) in &program.on_condition {
            if c.eval(&self.env(&[], t)) {
                let mut locals = vec![0.0; block.locals];
                self.exec(&block.body, &mut locals, &mut run)?;
            }
        }
        if program.ode_slots.iter().any(|&s| !self.vals[s as usize].is_finite()) {
            let values: Vec<f64> = program.ode_slots.iter().map(|&s| self.vals[s as usize]).collect();
            Fault::check_finite(program.name, t, program.state_names, &values)?;
        }
        self.currents.end_step();
        Ok(StepOutcome { spikes: run.spikes })
    }

    fn get_value(&self, var: usize, element: usize) -> Option<f64> {
        match self.program.access.get(var)? {
            Access::Scalar(slot) => (element == 0).then(|| self.vals[*slot as usize]),
            Access::Vector(i) => self.vecs[*i as usize].get(element).copied(),
            Access::Recordable(c) => (element == 0).then(|| c.eval(&self.env(&[], 0.0))),
        }
    }

    fn set_value(&mut self, var: usize, element: usize, value: f64) -> Result<(), SetError> {
        let model = self.program.name;
        let info = self.program.variables.get(var).ok_or(SetError::UnknownIndex { model, index: var })?;
        let len = DynNeuron::vector_len(self, var);
        if element >= len {
            return Err(SetError::Index { model, name: info.name, index: element, len });
        }
        info.check_write(model, value)?;
        let old = self.clone();
        match &self.program.access[var] {
            Access::Scalar(slot) => self.vals[*slot as usize] = self.program.storage[*slot as usize].store(value),
            Access::Vector(i) => self.vecs[*i as usize][element] = value,
            Access::Recordable(_) => return Err(SetError::ReadOnly { model, name: info.name }),
        }
        if info.kind == VariableKind::Parameter {
            self.recompute();
        }
        let program = self.program.clone();
        for (c, _, reason) in &program.guards {
            if !c.eval(&self.env(&[], 0.0)) {
                *self = old;
                return Err(SetError::Invalid { model, name: info.name, value, reason });
            }
        }
        Ok(())
    }

    fn vector_len(&self, var: usize) -> usize {
        match self.program.access.get(var) {
            Some(Access::Vector(i)) => self.vecs[*i as usize].len(),
            _ => 1,
        }
    }

    fn get(&self, name: &str) -> Option<f64> {
        let (base, idx) = nestml_runtime::neuron::split_index(name)?;
        let var = self.program.variables.iter().position(|v| v.name == base)?;
        self.get_value(var, idx.unwrap_or(0))
    }

    fn set(&mut self, name: &str, value: f64) -> Result<(), SetError> {
        let unknown = || SetError::Unknown { model: self.program.name, name: name.to_string() };
        let (base, idx) = nestml_runtime::neuron::split_index(name).ok_or_else(unknown)?;
        let var = self.program.variables.iter().position(|v| v.name == base).ok_or_else(unknown)?;
        self.set_value(var, idx.unwrap_or(0), value)
    }

    fn clone_box(&self) -> Box<dyn DynNeuron> {
        Box::new(self.clone())
    }
}
