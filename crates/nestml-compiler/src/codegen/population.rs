//! The population type of a neuron model (`<Type>Population`, implementing
//! `nestml::Population`): a struct of arrays, one `Vec` per state variable and convolution
//! state; parameters, internals and propagators once per distinct parameter set (a whole
//! neuron struct, whose own state fields are unused); a step that runs the model's step as the
//! body of one loop per run of neurons sharing a parameter set, with the values in locals
//! (`Layout::Population`): no calls, no early exits (non-finite states are flagged and the
//! first faulty neuron is found afterwards), spikes counted per neuron and collected after the
//! loop, so that the compiler vectorises it. The loop is instantiated for input present or
//! not and for continuous values live or not (`const` parameters), so a step without input
//! reads nothing but the state.
//!
//! Models whose step needs more than straight-line arithmetic (`population_blocker`) keep
//! `nestml::NeuronVec` as their population. Populations need `alloc`: the macros generate them
//! only with `nestml`'s feature `alloc` (`CodegenOptions::population`).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::body::{port_field, Gen, Layout, Storage};
use super::names::{self, int, local, member};
use super::options::NumericSolver;
use crate::analysis::{nestml_name, substitute_all, ModelSystem};
use crate::ir::IrStmt;
use crate::sema::symbols::VarKind;

impl Gen<'_> {
    /// Why the model's step cannot be a population loop, if it cannot.
    pub(super) fn population_blocker(&self) -> Option<String> {
        if self.numeric {
            if let Some(why) = self.lockstep_blocker() {
                return Some(why);
            }
        }
        if !self.ir.delayed.is_empty() {
            return Some("it reads delayed state values".into());
        }
        if self.ir.variables.iter().any(|v| v.size.is_some()) {
            return Some("it has vector variables".into());
        }
        let blocks = std::iter::once(&self.ir.update).chain(self.ir.on_receive.iter().map(|(_, b)| b)).chain(self.ir.on_condition.iter().map(|(_, b)| b));
        blocks.flat_map(|b| b.iter()).find_map(|s| self.statement_blocker(s))
    }

    /// Why a model with a numeric solver cannot step its neurons in lockstep, if it cannot: the
    /// lockstep step runs `update` per neuron up to its `integrate_odes`, then the solver for a
    /// group of neurons at once, then the rest of the step per neuron — so every
    /// `integrate_odes` must end `update` on its path, and the ODEs may read no per-neuron
    /// value but their states.
    fn lockstep_blocker(&self) -> Option<String> {
        if self.options.numeric_solver != NumericSolver::Rk45 {
            return Some("its numeric solver is not rk45".into());
        }
        if !integrate_ends_block(&self.ir.update) {
            return Some("an `integrate_odes` call is not the last statement of `update` on its path".into());
        }
        let read = self.rhs.iter().flat_map(|f| substitute_all(f, &self.inlines).symbols());
        read.filter(|s| self.per_neuron(s) && !self.state_index.contains_key(s)).map(|s| format!("its ODEs read `{}`, which has no ODE", nestml_name(&s))).next()
    }

    fn statement_blocker(&self, s: &IrStmt) -> Option<String> {
        match s {
            IrStmt::Draw(_) => Some("it draws random numbers".into()),
            IrStmt::Call { function, .. } => Some(format!("it calls the procedural function `{function}`")),
            IrStmt::Assign { target, .. } if self.fields.contains(target) && !self.per_neuron(target) => Some(format!("it assigns to `{}`, which is not a state variable", nestml_name(target))),
            IrStmt::If { branches, otherwise } => branches.iter().flat_map(|(_, b)| b).chain(otherwise).find_map(|s| self.statement_blocker(s)),
            IrStmt::For { body, .. } | IrStmt::While { body, .. } => body.iter().find_map(|s| self.statement_blocker(s)),
            _ => None,
        }
    }

    /// The model's `Populated` impl and, if its step can be one loop, its population type.
    pub(super) fn population_source(&mut self, ms: &ModelSystem) -> TokenStream {
        let name = format_ident!("{}", self.type_name);
        let tokens = match self.population_blocker() {
            Some(_) => quote! {
                impl ::nestml::Populated for #name {
                    type Population = ::nestml::NeuronVec<#name>;
                }
            },
            None => self.struct_of_arrays(ms, &name),
        };
        tokens
    }

    fn struct_of_arrays(&mut self, ms: &ModelSystem, name: &Ident) -> TokenStream {
        let ir = self.ir;
        let pop = format_ident!("{}Population", self.type_name);
        let float = self.float();
        let float_ty = float.ty();
        // per-neuron values: state variables in declaration order, then convolution states
        let per: Vec<String> = ir.variables.iter().filter(|v| v.kind == VarKind::State).map(|v| v.name.clone()).chain(self.states.iter().filter(|s| self.conv.contains(*s)).cloned()).collect();
        let members: Vec<Ident> = per.iter().map(|s| member(s)).collect();
        let locals: Vec<Ident> = per.iter().map(|s| local("s_", s)).collect();
        let arrays: Vec<Ident> = per.iter().map(|s| local("a_", s)).collect();
        let array_fields = per.iter().map(|s| {
            let ty = names::vec_type(self.storage(s).rust_type(float));
            let unit = ir.variable(s).and_then(|v| v.unit.as_deref()).map(|u| format!(" ({u})")).unwrap_or_default();
            let docs = super::model::doc([format!("`{}`{unit} of every neuron.", nestml_name(s))]);
            let m = member(s);
            quote!(#docs pub #m: #ty,)
        }).collect::<Vec<_>>();
        let shared_bits = ir.variables.iter().filter(|v| matches!(v.kind, VarKind::Parameter | VarKind::Internal)).map(|v| {
            let f = member(&v.name);
            match self.storage(&v.name) {
                Storage::Real => quote!(self.#f.to_bits() == other.#f.to_bits()),
                _ => quote!(self.#f == other.#f),
            }
        }).collect::<Vec<_>>();
        let n_cont = ir.continuous_ports.len();

        // the loop body; for a numeric model, the parts of the lockstep step (`lockstep`)
        let lockstep_parts = self.numeric;
        self.layout = Layout::Population;
        self.sites.clear();
        let (body, lockstep) = if lockstep_parts { (TokenStream::new(), Some(self.lockstep_parts(ms))) } else { (self.step_body(ms), None) };
        self.layout = Layout::Struct;
        // per input port: the loop's reading of it, the parameter of `__run` it comes in, and the
        // slice of the step's input (or of the population's continuous values) passed for it
        let mut inputs = TokenStream::new();
        // (name, slice type, whether the loop writes it, the slice)
        let mut run_params: Vec<(Ident, TokenStream, bool, TokenStream)> = Vec::new();
        let mut current_out = TokenStream::new();
        for (i, p) in ir.spike_ports.iter().enumerate() {
            let (sum, hit, sums, hits, port) = (format_ident!("__sum{i}"), format_ident!("__hit{i}"), format_ident!("__sums{i}"), format_ident!("__hits{i}"), port_field(p));
            let value = float.from_f64(quote!(1e-3 * #sum));
            let at = int(i);
            run_params.push((sums.clone(), quote!(&[f64]), false, quote!(&__input.spike_sum[#at * __n + __a..#at * __n + __b])));
            run_params.push((hits.clone(), quote!(&[bool]), false, quote!(&__input.spike_hit[#at * __n + __a..#at * __n + __b])));
            inputs.extend(quote! {
                let #sum: f64 = if INPUT { #sums[__j] } else { 0.0 };
                let #hit: bool = INPUT && #hits[__j];
                let #port = #value;
            });
        }
        for (i, p) in ir.continuous_ports.iter().enumerate() {
            let (cur, values, arrived, port) = (format_ident!("__cur{i}"), format_ident!("__values{i}"), format_ident!("__arrived{i}"), port_field(p));
            let value = float.from_f64(quote!(#cur));
            let at = int(i);
            run_params.push((values.clone(), quote!(&mut [f64]), true, quote!(&mut __current[#at * __n + __a..#at * __n + __b])));
            run_params.push((arrived.clone(), quote!(&[f64]), false, quote!(&__input.current[#at * __n + __a..#at * __n + __b])));
            inputs.extend(quote! {
                let #cur: f64 = if INPUT { #values[__j] } else { 0.0 };
                let #port = #value;
            });
            current_out.extend(quote! {
                if INPUT {
                    #values[__j] = #arrived[__j];
                }
            });
        }
        let array_types: Vec<TokenStream> = per.iter().map(|s| self.storage(s).rust_type(float)).collect();
        let run_names: Vec<&Ident> = run_params.iter().map(|(n, ..)| n).collect();
        let run_types: Vec<&TokenStream> = run_params.iter().map(|(_, t, ..)| t).collect();
        let run_slices: Vec<&TokenStream> = run_params.iter().map(|(.., s)| s).collect();
        // in `__run`, every slice cut to the length of the run, so that the loop has no bounds
        // checks (without input, the input slices are empty and never read)
        let reslice = run_params.iter().map(|(n, _, written, _)| {
            let cut = if *written { quote!(&mut #n[..__len]) } else { quote!(&#n[..__len]) };
            quote!(let #n = if INPUT { #cut } else { #n };)
        });
        let (extra_sig, extra_args) = match &lockstep {
            Some(_) => (quote!(, __ih: &mut [#float_ty], __simd: ::nestml::population::SimdLevel, __a: usize, __fault: &mut ::core::option::Option<(usize, ::nestml::Fault)>), quote!(, __ih, __simd, __a, __fault)),
            None => (TokenStream::new(), TokenStream::new()),
        };
        let run_signature = quote!(__p: &#name, __t: f64, #(#arrays: &mut [#array_types],)* __spikes: &mut [u32] #(, #run_names: #run_types)* #extra_sig);
        let run_args = quote!(__p, __t, #(#arrays,)* __spikes #(, #run_names)* #extra_args);
        // the variable index (as `Neuron::VARIABLES`: model variables, then convolution states)
        // and the `f64` value of each per-neuron value of neuron `i`
        let conv_first = ir.variables.len();
        let direct_reads = per.iter().map(|s| {
            let index = ir.variables.iter().position(|v| v.name == *s).unwrap_or_else(|| conv_first + per.iter().filter(|p| self.conv.contains(*p)).position(|p| p == s).unwrap_or(0));
            let (index, m) = (int(index), member(s));
            let value = self.storage(s).read_f64(quote!(self.#m[i]), float);
            quote!(#index => Some(#value),)
        }).collect::<Vec<_>>();
        let checked: Vec<Ident> = self.states.iter().map(|s| local("s_", s)).collect();
        let finite = (!checked.is_empty()).then(|| quote!(__bad |= !(#(#checked.is_finite())&*);));
        let read_all: Vec<TokenStream> = self.states.iter().map(|s| {
            let m = member(s);
            quote!(self.#m[__i])
        }).collect();
        // with ODE states: the first neuron with a non-finite state, and its fault
        let fault_fn = (!self.states.is_empty()).then(|| {
            quote! {
                #[cold]
                fn __fault(&self, __t: f64) -> (usize, ::nestml::Fault) {
                    (0..self.__group.len())
                        .find_map(|__i| ::nestml::Fault::check_finite(<#name as ::nestml::Neuron>::NAME, __t, &#name::__STATES, &[#(#read_all),*]).err().map(|f| (__i, f)))
                        .unwrap_or_else(|| (0, ::nestml::Fault::new(<#name as ::nestml::Neuron>::NAME, __t, ::nestml::FaultKind::NotFinite { variable: "?", value: f64::NAN })))
                }
            }
        });
        let fault_check = (!self.states.is_empty()).then(|| {
            quote! {
                if bad {
                    return Err(self.__fault(__t));
                }
            }
        });
        // the loop in AVX2 and AVX-512 versions, chosen at run time; a lockstep step instead
        // chooses its right-hand side's version
        let (simd_runs, simd_dispatch, lane_fields, lane_slices) = match &lockstep {
            None => (
                quote! {
                    /// `__run_body` with AVX2 (the same results: Rust does not fuse multiply-adds).
                    #[cfg(target_arch = "x86_64")]
                    #[target_feature(enable = "avx2")]
                    #[inline(never)]
                    unsafe fn __run_avx2<const INPUT: bool>(#run_signature) -> (bool, bool) {
                        Self::__run_body::<INPUT>(#run_args)
                    }

                    /// `__run_body` with AVX-512.
                    #[cfg(target_arch = "x86_64")]
                    #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw")]
                    #[inline(never)]
                    unsafe fn __run_avx512<const INPUT: bool>(#run_signature) -> (bool, bool) {
                        Self::__run_body::<INPUT>(#run_args)
                    }
                },
                quote! {
                    #[cfg(target_arch = "x86_64")]
                    {
                        // SAFETY: `simd_level` reports the instructions this CPU has.
                        if __simd == ::nestml::population::SimdLevel::Avx512 {
                            let (b, a) = unsafe { Self::__run_avx512::<INPUT>(#run_args) };
                            (__bad, __any) = (__bad | b, __any | a);
                            continue;
                        }
                        if __simd == ::nestml::population::SimdLevel::Avx2 {
                            let (b, a) = unsafe { Self::__run_avx2::<INPUT>(#run_args) };
                            (__bad, __any) = (__bad | b, __any | a);
                            continue;
                        }
                    }
                },
                TokenStream::new(),
                TokenStream::new(),
            ),
            Some(_) => (TokenStream::new(), TokenStream::new(), quote!(__ih,), quote!(let __ih = &mut __ih[__a..__b]; let __fault = &mut __fault;)),
        };
        let layout_name = if lockstep.is_some() { "struct of arrays, lockstep RKF45" } else { "struct of arrays" };
        let load = quote!(#(let mut #locals = #arrays[__j];)*);
        let store = quote!(#(#arrays[__j] = #locals;)*);
        let (run_loop, lockstep_fns) = match &lockstep {
            None => (
                quote! {
                    for __j in 0..__len {
                        #load
                        let mut __spk: u32 = 0;
                        #inputs
                        #body
                        #finite
                        #store
                        #current_out
                        __spikes[__j] = __spk;
                        __spikes_or |= __spk;
                    }
                },
                TokenStream::new(),
            ),
            Some(parts) => (self.lockstep_loop(name, parts, &load, &store, &inputs, &finite, &current_out), self.lockstep_rhs(name, parts)),
        };
        let model_doc = format!(
            "The neurons of `{}` as a struct of arrays (`nestml::Population`): one `Vec` per state variable, parameters and propagators once per distinct parameter set, a step that the compiler vectorises; bit for bit the single-neuron step.",
            self.model_name
        );
        let doc = super::model::doc([model_doc]);
        let inits = members.iter().map(|m| {
            quote!(#m: ::nestml::__private::vec![prototype.#m; n],)
        });
        // the quiet input is only read after a step whose continuous input was live
        let (zero_current, quiet_spikes) = (int(n_cont), int(if n_cont > 0 { ir.spike_ports.len() } else { 0 }));
        let ih: &[&str] = if lockstep.is_some() { &["__ih"] } else { &[] };
        let checkpointed: Vec<String> = ["__groups", "__group"].iter().chain(ih).map(|s| s.to_string()).chain(per.iter().cloned()).chain(["__current".to_string()]).collect();
        // a lockstep step keeps RKF45's persistent integration step per neuron
        let (ih_field, ih_init, ih_to_neuron, ih_from_neuron, ih_reset) = match &lockstep {
            None => Default::default(),
            Some(_) => {
                let vec_float = names::vec_type(float_ty.clone());
                (
                    quote! {
                        /// RKF45's integration step carried to the next step, per neuron.
                        __ih: #vec_float,
                    },
                    quote!(__ih: ::nestml::__private::vec![prototype.__solver.integration_step(); n],),
                    quote!(n.__solver.set_integration_step(self.__ih[i]);),
                    quote!(self.__ih[i] = neuron.__solver.integration_step();),
                    quote! {
                        for (h, &g) in self.__ih.iter_mut().zip(self.__group.iter()) {
                            *h = self.__groups[g as usize].__solver.integration_step();
                        }
                    },
                )
            }
        };
        let checkpoint = super::checkpoint::checkpoint_impl(&pop, &checkpointed, quote!(self.__runs_valid = false; self.__current_live = true;));
        let vec_u32 = names::vec_type(quote!(u32));
        let vec_runs = names::vec_type(quote!((usize, usize, usize)));
        let vec_f64 = names::vec_type(quote!(f64));
        let vec_groups = names::vec_type(quote!(#name));
        let empty = names::vec_macro(TokenStream::new());
        quote! {
            #doc
            #[allow(non_snake_case, dead_code)]
            #[derive(Clone, Debug)]
            pub struct #pop {
                #(#array_fields)*
                /// The values of the continuous ports in use, port-major.
                __current: #vec_f64,
                /// Whether `__current` may hold nonzero values.
                __current_live: bool,
                /// A step's input of nothing (spike sums, flags, currents), for the step after
                /// one with input.
                __quiet: (#vec_f64, ::nestml::__private::Vec<bool>, #vec_f64),
                /// The distinct parameter sets, as neurons (their state fields are unused).
                __groups: #vec_groups,
                /// The parameter set of each neuron.
                __group: #vec_u32,
                /// Runs of consecutive neurons with one parameter set: (start, end, set).
                __runs: #vec_runs,
                __runs_valid: bool,
                /// Spikes of each neuron in the last step.
                __spiked: #vec_u32,
                #ih_field
            }

            #[allow(non_snake_case, clippy::all)]
            impl #name {
                /// Whether `other` has the same parameters and internals, bit for bit.
                #[doc(hidden)]
                pub fn __same_parameters(&self, other: &Self) -> bool {
                    true #(&& #shared_bits)*
                }
            }

            #[allow(non_snake_case, unused_parens, unused_variables, unused_mut, unused_assignments, clippy::all)]
            impl #pop {
                fn __rebuild_runs(&mut self) {
                    self.__runs.clear();
                    let mut __a = 0;
                    for __i in 1..=self.__group.len() {
                        if __i == self.__group.len() || self.__group[__i] != self.__group[__a] {
                            self.__runs.push((__a, __i, self.__group[__a] as usize));
                            __a = __i;
                        }
                    }
                    self.__runs_valid = true;
                }

                /// The step of every neuron (`INPUT`: with `__input`; without, no input arrived and
                /// the continuous values are 0): whether some state became non-finite, whether
                /// some neuron spiked.
                #[inline(always)]
                fn __kernel<const INPUT: bool>(&mut self, __t: f64, __input: ::nestml::PortInput<'_>) -> (bool, bool, ::core::option::Option<(usize, ::nestml::Fault)>) {
                    let __n = self.__group.len();
                    let __simd = ::nestml::population::simd_level();
                    let (mut __bad, mut __any) = (false, false);
                    let mut __fault = None;
                    let Self { #(#members,)* __current, __groups, __runs, __spiked, #lane_fields .. } = self;
                    for &(__a, __b, __g) in __runs.iter() {
                        let __p = &__groups[__g];
                        #(let #arrays = &mut #members[__a..__b];)*
                        let __spikes = &mut __spiked[__a..__b];
                        #(let #run_names: #run_types = if INPUT { #run_slices } else { &mut [] };)*
                        #lane_slices
                        #simd_dispatch
                        let (b, a) = Self::__run::<INPUT>(#run_args);
                        (__bad, __any) = (__bad | b, __any | a);
                    }
                    (__bad, __any, __fault)
                }

                /// The step of a run of neurons with the parameter set `__p` (separate slices,
                /// which the compiler knows not to overlap): whether some state became
                /// non-finite, whether some neuron spiked.
                #[inline(always)]
                fn __run_body<const INPUT: bool>(#run_signature) -> (bool, bool) {
                    let __len = __spikes.len();
                    #(let #arrays = &mut #arrays[..__len];)*
                    #(#reslice)*
                    let (mut __bad, mut __spikes_or) = (false, 0u32);
                    #run_loop
                    (__bad, __spikes_or != 0)
                }

                /// `__run_body` for the CPU the crate is compiled for.
                #[inline(never)]
                fn __run<const INPUT: bool>(#run_signature) -> (bool, bool) {
                    Self::__run_body::<INPUT>(#run_args)
                }

                #simd_runs
                #lockstep_fns

                #fault_fn
            }

            #[allow(non_snake_case, unused_variables, clippy::all)]
            impl ::nestml::Population for #pop {
                type Neuron = #name;
                const LAYOUT: &'static str = #layout_name;

                fn new(prototype: #name, n: usize, _seed: u64, _first_id: u64) -> Self {
                    let mut __pop = #pop {
                        #(#inits)*
                        #ih_init
                        __current: ::nestml::__private::vec![0.0; #zero_current * n],
                        __current_live: false,
                        __quiet: (::nestml::__private::vec![0.0; #quiet_spikes * n], ::nestml::__private::vec![false; #quiet_spikes * n], ::nestml::__private::vec![0.0; #zero_current * n]),
                        __groups: ::nestml::__private::vec![prototype],
                        __group: ::nestml::__private::vec![0; n],
                        __runs: #empty,
                        __runs_valid: false,
                        __spiked: ::nestml::__private::vec![0; n],
                    };
                    __pop.__rebuild_runs();
                    __pop
                }

                fn len(&self) -> usize {
                    self.__group.len()
                }

                fn get_value(&self, i: usize, var: usize) -> ::core::option::Option<f64> {
                    if i >= self.__group.len() {
                        return None;
                    }
                    match var {
                        #(#direct_reads)*
                        _ => ::nestml::Neuron::get_value(&self.neuron(i), var, 0),
                    }
                }

                fn neuron(&self, i: usize) -> #name {
                    let mut n = self.__groups[self.__group[i] as usize].clone();
                    #(n.#members = self.#members[i];)*
                    #ih_to_neuron
                    n
                }

                fn replace(&mut self, i: usize, neuron: #name) {
                    #(self.#members[i] = neuron.#members;)*
                    #ih_from_neuron
                    let g = self.__group[i] as usize;
                    if self.__groups[g].__same_parameters(&neuron) {
                        return;
                    }
                    let g = match self.__groups.iter().rposition(|p| p.__same_parameters(&neuron)) {
                        Some(g) => g,
                        None => {
                            self.__groups.push(neuron);
                            self.__groups.len() - 1
                        }
                    };
                    self.__group[i] = g as u32;
                    self.__runs_valid = false;
                }

                fn init_buffers(&mut self, resolution: &::nestml::Resolution) {
                    self.__groups.iter_mut().for_each(|p| ::nestml::Neuron::init_buffers(p, resolution));
                    #ih_reset
                    self.__current.iter_mut().for_each(|v| *v = 0.0);
                    self.__current_live = false;
                }

                fn calibrate(&mut self, resolution: &::nestml::Resolution) -> ::core::result::Result<(), (usize, ::nestml::Fault)> {
                    // parameter sets no neuron uses any more are dropped
                    let mut used = ::nestml::__private::vec![u32::MAX; self.__groups.len()];
                    let mut kept = #empty;
                    for g in self.__group.iter_mut() {
                        if used[*g as usize] == u32::MAX {
                            used[*g as usize] = kept.len() as u32;
                            kept.push(self.__groups[*g as usize].clone());
                        }
                        *g = used[*g as usize];
                    }
                    self.__groups = kept;
                    self.__rebuild_runs();
                    for (g, p) in self.__groups.iter_mut().enumerate() {
                        if let Err(f) = ::nestml::Neuron::calibrate(p, resolution) {
                            let first = self.__group.iter().position(|&h| h as usize == g).unwrap_or(0);
                            return Err((first, f));
                        }
                    }
                    Ok(())
                }

                fn step(&mut self, resolution: &::nestml::Resolution, k: i64, input: ::core::option::Option<::nestml::PortInput<'_>>, spikes: &mut ::nestml::__private::Vec<u32>) -> ::core::result::Result<(), (usize, ::nestml::Fault)> {
                    if !self.__runs_valid {
                        self.__rebuild_runs();
                    }
                    let __t = resolution.t_ms(k + 1);
                    let (bad, any, fault) = match input {
                        Some(i) => self.__kernel::<true>(__t, i),
                        None if self.__current_live => {
                            // the continuous values of the last input become 0
                            let quiet = ::core::mem::take(&mut self.__quiet);
                            let out = self.__kernel::<true>(__t, ::nestml::PortInput { spike_sum: &quiet.0, spike_hit: &quiet.1, current: &quiet.2 });
                            self.__quiet = quiet;
                            out
                        }
                        None => self.__kernel::<false>(__t, ::nestml::PortInput { spike_sum: &[], spike_hit: &[], current: &[] }),
                    };
                    self.__current_live = #zero_current > 0 && input.is_some();
                    if let Some(f) = fault {
                        return Err(f);
                    }
                    #fault_check
                    if any {
                        ::nestml::population::collect_spikes(&self.__spiked, spikes);
                    }
                    Ok(())
                }
            }

            impl ::nestml::Populated for #name {
                type Population = #pop;
            }

            #checkpoint
        }
    }
}

/// Whether every `integrate_odes` in `block` is the last statement of `block` or, recursively,
/// of a branch of an `if` that is; none in loops.
fn integrate_ends_block(block: &[IrStmt]) -> bool {
    block.iter().enumerate().all(|(k, s)| {
        let last = k + 1 == block.len();
        match s {
            IrStmt::IntegrateOdes(_) => last,
            IrStmt::If { branches, otherwise } => {
                let inner = branches.iter().map(|(_, b)| b.as_slice()).chain([otherwise.as_slice()]);
                if last {
                    inner.into_iter().all(integrate_ends_block)
                } else {
                    !inner.into_iter().any(calls_integrate)
                }
            }
            IrStmt::For { body, .. } | IrStmt::While { body, .. } => !calls_integrate(body),
            _ => true,
        }
    })
}

/// Whether `block` calls `integrate_odes` anywhere.
fn calls_integrate(block: &[IrStmt]) -> bool {
    block.iter().any(|s| match s {
        IrStmt::IntegrateOdes(_) => true,
        IrStmt::If { branches, otherwise } => branches.iter().any(|(_, b)| calls_integrate(b)) || calls_integrate(otherwise),
        IrStmt::For { body, .. } | IrStmt::While { body, .. } => calls_integrate(body),
        _ => false,
    })
}
