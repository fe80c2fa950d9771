//! The step of a population of a model with a numeric (RKF45) solver, in lockstep: neurons
//! go through it in groups of `nestml::solvers::LANES`. For each neuron of a group, the step
//! runs up to the end of `update`, where `integrate_odes` only records its call site and the
//! exact values (`Gen::integrate` with `Layout::Population`); then `nestml::Rkf45Lanes`
//! integrates the group at once, with the model's right-hand side evaluated for all lanes by
//! one loop that the compiler vectorises (in a baseline and an AVX2 version, chosen at run
//! time); then each neuron takes the solver's values, as the struct's `integrate_odes` does
//! after its solver, and runs the rest of its step. Each lane follows the single neuron's
//! accepted and rejected steps with the same arithmetic, so the results are the struct's, bit
//! for bit. `population_blocker` admits only models whose `integrate_odes` calls end `update`.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::body::{port_field, Gen};
use super::names::{int, local};
use crate::analysis::ModelSystem;

/// The parts of a lockstep step, generated with `Layout::Population`.
pub(super) struct Lockstep {
    /// The step up to the end of `update` (`Gen::step_head`).
    head: TokenStream,
    /// The step after `update` (`Gen::step_tail`).
    tail: TokenStream,
    /// `__dy[i] = …` for the call site `__s`.
    rhs: TokenStream,
    /// Per call site, a `match` arm that takes the solver's values of lane `__l`.
    writeback: Vec<TokenStream>,
}

impl Gen<'_> {
    /// The parts of the model's lockstep step.
    pub(super) fn lockstep_parts(&mut self, ms: &ModelSystem) -> Lockstep {
        let head = self.step_head();
        let tail = self.step_tail(ms);
        let sites = self.sites.clone();
        let rhs = self.rhs_rows(&sites, &BTreeSet::new());
        let mut writeback = Vec::new();
        for (c, names) in sites.iter().enumerate() {
            let named = |s: &str| super::layout::integrates(names, s);
            let exact = self.exact_named(&named);
            let loads = exact.iter().map(|(_, s)| {
                let (l, lane) = (local("__exact_", s), local("__lx_", s));
                quote!(let #l = #lane[__l];)
            });
            let take = self.integrate_writeback(&named, &exact, &|i| {
                let i = int(i);
                quote!(__ys[__l][#i])
            });
            let c = c as u8;
            writeback.push(quote!(#c => { #(#loads)* #take }));
        }
        Lockstep { head, tail, rhs, writeback }
    }

    /// The input ports in the order of the lanes' port values: spike ports, then continuous.
    fn lane_ports(&self) -> Vec<Ident> {
        self.ir.spike_ports.iter().chain(&self.ir.continuous_ports).map(|p| port_field(p)).collect()
    }

    /// The loop of `__run_body` over groups of neurons (`__G` at a time, the lanes' queue):
    /// per neuron the head, the solver for the group, per neuron the solver's values and the
    /// tail. `load`/`store` move a neuron's values between the arrays and locals, `inputs` reads
    /// its input, `finite` flags non-finite states, `current_out` keeps the continuous input for
    /// the next step.
    pub(super) fn lockstep_loop(&self, name: &Ident, parts: &Lockstep, load: &TokenStream, store: &TokenStream, inputs: &TokenStream, finite: &Option<TokenStream>, current_out: &TokenStream) -> TokenStream {
        let (ty, zero) = (self.float().ty(), self.float().number(0.0));
        let n = int(self.states.len());
        let ports = self.lane_ports();
        let n_ports = int(ports.len());
        let state_locals: Vec<Ident> = self.states.iter().map(|s| local("s_", s)).collect();
        let exact: Vec<Ident> = self.exact_named(&|_| true).iter().map(|(_, s)| local("__lx_", s)).collect();
        let conv = self.exact_convolutions();
        let (conv_lanes, conv_locals): (Vec<Ident>, Vec<Ident>) = conv.iter().map(|(_, s)| (local("__lc_", s), local("__conv_", s))).unzip();
        let Lockstep { head, tail, writeback, .. } = parts;
        quote! {
            // neurons per solver call: the lanes take the next neuron of the group when theirs
            // is done, so they idle only at its end
            const __G: usize = 16 * ::nestml::solvers::LANES;
            let mut __solver = ::nestml::Rkf45Lanes::<#n, { ::nestml::solvers::LANES }, #ty>::new(*__p.__solver.control(), __p.__solver.max_steps());
            // per neuron of a group (written for each neuron before it is read; the call sites
            // reset per group)
            let mut __site = [u8::MAX; __G];
            let mut __ys = [[#zero; #n]; __G];
            let mut __ports = [[#zero; #n_ports]; __G];
            let mut __hs = [#zero; __G];
            let mut __spk_lane = [0u32; __G];
            #(let mut #exact = [#zero; __G];)*
            #(let mut #conv_lanes = [#zero; __G];)*
            let mut __g = 0usize;
            while __g < __len {
                let __m = (__len - __g).min(__G);
                __site = [u8::MAX; __G];
                for __l in 0..__m {
                    let __j = __g + __l;
                    #load
                    let mut __spk: u32 = 0;
                    #inputs
                    #head
                    __ys[__l] = [#(#state_locals),*];
                    __ports[__l] = [#(#ports),*];
                    #(#conv_lanes[__l] = #conv_locals;)*
                    __hs[__l] = __ih[__j];
                    __spk_lane[__l] = __spk;
                    #store
                }
                let __active: [bool; __G] = ::core::array::from_fn(|__l| __site[__l] != u8::MAX);
                if let Err((__l, __e)) = Self::__solve(&mut __solver, __simd, __p, __t, &__site[..__m], &__ports[..__m], &mut __ys[..__m], &mut __hs[..__m], &__active[..__m]) {
                    if __fault.is_none() {
                        *__fault = Some((__a + __g + __l, ::nestml::Fault::from_solver(#name::__MODEL, __t, __e, &#name::__STATES)));
                    }
                }
                for __l in 0..__m {
                    let __j = __g + __l;
                    #load
                    let mut __spk: u32 = __spk_lane[__l];
                    #inputs
                    #(let #conv_locals = #conv_lanes[__l];)*
                    match __site[__l] {
                        #(#writeback)*
                        _ => {}
                    }
                    #tail
                    #finite
                    #store
                    #current_out
                    __ih[__j] = __hs[__l];
                    __spikes[__j] = __spk;
                    __spikes_or |= __spk;
                }
                __g += __G;
            }
        }
    }

    /// `__solve`: `Rkf45Lanes::integrate` over the neurons of a group, with the right-hand side
    /// of all lanes (lane `l` holds neuron `idx[l]` of the group: call site `__site`, port
    /// values `__ports`), one loop over the lanes; the solver and that loop each in a baseline
    /// and an AVX2 version, chosen by `__simd` (AVX2 also where the CPU has AVX-512: on the AMD
    /// EPYC we measure on, the AVX-512 version took 400 ns per hh_psc_alpha neuron-step where
    /// AVX2 took 250, one after the other on a busy machine).
    pub(super) fn lockstep_rhs(&self, name: &Ident, parts: &Lockstep) -> TokenStream {
        let (ty, zero) = (self.float().ty(), self.float().number(0.0));
        let n = int(self.states.len());
        let ports = self.lane_ports();
        let n_ports = int(ports.len());
        let port_at: Vec<proc_macro2::Literal> = (0..ports.len()).map(int).collect();
        let state_at: Vec<proc_macro2::Literal> = (0..self.states.len()).map(int).collect();
        let rhs = &parts.rhs;
        let lanes = quote!(::nestml::solvers::LANES);
        let rhs_signature = quote!(__p: &#name, __t: f64, __idx: &[usize; #lanes], __site: &[u8], __ports: &[[#ty; #n_ports]], __tts: &[#ty; #lanes], __ys: &[[#ty; #lanes]; #n], __dys: &mut [[#ty; #lanes]; #n]);
        let rhs_args = quote!(__p, __t, __idx, __site, __ports, __tts, __ys, __dys);
        let solve_signature = quote!(__solver: &mut ::nestml::Rkf45Lanes<#n, { #lanes }, #ty>, __simd: ::nestml::population::SimdLevel, __p: &#name, __t: f64, __site: &[u8], __ports: &[[#ty; #n_ports]], __ys: &mut [[#ty; #n]], __hs: &mut [#ty], __active: &[bool]);
        let solve_args = quote!(__solver, __simd, __p, __t, __site, __ports, __ys, __hs, __active);
        let result = quote!(::core::result::Result<(), (usize, ::nestml::SolverError)>);
        quote! {
            /// The right-hand side of every lane: the lanes' call sites and port values gathered,
            /// then one loop over the lanes (no calls with `exp = "inline"`).
            #[inline(always)]
            fn __rhs_lanes_body(#rhs_signature) {
                let __sites: [u8; #lanes] = ::core::array::from_fn(|__l| __site[__idx[__l]]);
                let __lane_ports: [[#ty; #n_ports]; #lanes] = ::core::array::from_fn(|__l| __ports[__idx[__l]]);
                for __l in 0..#lanes {
                    let __tt = __tts[__l];
                    let __s = __sites[__l];
                    let __y: [#ty; #n] = [#(__ys[#state_at][__l]),*];
                    #(let #ports = __lane_ports[__l][#port_at];)*
                    let mut __dy = [#zero; #n];
                    #rhs
                    #(__dys[#state_at][__l] = __dy[#state_at];)*
                }
            }

            #[inline(never)]
            fn __rhs_lanes_baseline(#rhs_signature) {
                Self::__rhs_lanes_body(#rhs_args)
            }

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            #[inline(never)]
            unsafe fn __rhs_lanes_avx2(#rhs_signature) {
                Self::__rhs_lanes_body(#rhs_args)
            }

            /// The solver over a group with the right-hand side of the level `__simd`.
            #[inline(always)]
            fn __solve_body(#solve_signature) -> #result {
                let __f = |__idx: &[usize; #lanes], __tts: &[#ty; #lanes], __ys: &[[#ty; #lanes]; #n], __dys: &mut [[#ty; #lanes]; #n]| {
                    #[cfg(target_arch = "x86_64")]
                    {
                        // SAFETY: `simd_level` reports the instructions this CPU has (AVX2 with
                        // AVX-512 too).
                        if __simd >= ::nestml::population::SimdLevel::Avx2 {
                            return unsafe { Self::__rhs_lanes_avx2(#rhs_args) };
                        }
                    }
                    Self::__rhs_lanes_baseline(#rhs_args)
                };
                __solver.integrate(&__f, __p.__h, __ys, __hs, __active)
            }

            #[inline(never)]
            fn __solve_baseline(#solve_signature) -> #result {
                Self::__solve_body(#solve_args)
            }

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            #[inline(never)]
            unsafe fn __solve_avx2(#solve_signature) -> #result {
                Self::__solve_body(#solve_args)
            }

            /// `Rkf45Lanes::integrate` over a group, its loops and the right-hand side's compiled
            /// with AVX2 if `__simd` has it (the same results: Rust does not fuse multiply-adds).
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            fn __solve(#solve_signature) -> #result {
                #[cfg(target_arch = "x86_64")]
                {
                    // SAFETY: `simd_level` reports the instructions this CPU has (AVX2 with
                    // AVX-512 too).
                    if __simd >= ::nestml::population::SimdLevel::Avx2 {
                        return unsafe { Self::__solve_avx2(#solve_args) };
                    }
                }
                Self::__solve_baseline(#solve_args)
            }
        }
    }
}
