//! The step of a population of a model with a numeric (RKF45) solver, in lockstep: neurons
//! go through it in groups of `nestml::solvers::LANES`. For each neuron of a group, the step
//! runs up to the end of `update`, where `integrate_odes` only records its call site and the
//! exact values (`Gen::integrate` with `Layout::Population`); then `nestml::Rkf45Lanes`
//! integrates the group at once, with the model's right-hand side evaluated for all lanes by
//! one loop that the compiler vectorises (in baseline, AVX2 and AVX-512 versions, chosen at run
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
            let exact: Vec<(usize, String)> = self.lin.states.iter().enumerate().filter(|(_, s)| named(s) && !self.conv.contains(*s)).map(|(i, s)| (i, s.clone())).collect();
            let loads = exact.iter().map(|(_, s)| {
                let (l, lane) = (local("__exact_", s), local("__lx_", s));
                quote!(let #l = #lane[__l];)
            });
            let take = self.integrate_writeback(&named, &exact, &|i| {
                let i = int(i);
                quote!(__ys[#i][__l])
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

    /// The loop of `__run_body` over groups of lanes: per neuron the head, the solver for the
    /// group, per neuron the solver's values and the tail. `load`/`store` move a neuron's values
    /// between the arrays and locals, `inputs` reads its input, `finite` flags non-finite states,
    /// `current_out` keeps the continuous input for the next step.
    pub(super) fn lockstep_loop(&self, name: &Ident, parts: &Lockstep, load: &TokenStream, store: &TokenStream, inputs: &TokenStream, finite: &Option<TokenStream>, current_out: &TokenStream) -> TokenStream {
        let (ty, zero) = (self.float().ty(), self.float().number(0.0));
        let n = int(self.states.len());
        let ports = self.lane_ports();
        let n_ports = int(ports.len());
        let port_at: Vec<proc_macro2::Literal> = (0..ports.len()).map(int).collect();
        let state_locals: Vec<Ident> = self.states.iter().map(|s| local("s_", s)).collect();
        let state_at: Vec<proc_macro2::Literal> = (0..self.states.len()).map(int).collect();
        let exact: Vec<Ident> = self.lin.states.iter().filter(|s| !self.conv.contains(*s)).map(|s| local("__lx_", s)).collect();
        let conv = self.exact_convolutions();
        let (conv_lanes, conv_locals): (Vec<Ident>, Vec<Ident>) = conv.iter().map(|(_, s)| (local("__lc_", s), local("__conv_", s))).unzip();
        let Lockstep { head, tail, writeback, .. } = parts;
        quote! {
            const __L: usize = ::nestml::solvers::LANES;
            let mut __solver = ::nestml::Rkf45Lanes::<#n, __L, #ty>::new(*__p.__solver.control(), __p.__solver.max_steps());
            let mut __g = 0usize;
            while __g < __len {
                let __m = (__len - __g).min(__L);
                let mut __site = [u8::MAX; __L];
                let mut __ys = [[#zero; __L]; #n];
                let mut __ports = [[#zero; __L]; #n_ports];
                let mut __hs = [#zero; __L];
                let mut __spk_lane = [0u32; __L];
                #(let mut #exact = [#zero; __L];)*
                #(let mut #conv_lanes = [#zero; __L];)*
                for __l in 0..__m {
                    let __j = __g + __l;
                    #load
                    let mut __spk: u32 = 0;
                    #inputs
                    #head
                    #(__ys[#state_at][__l] = #state_locals;)*
                    #(__ports[#port_at][__l] = #ports;)*
                    #(#conv_lanes[__l] = #conv_locals;)*
                    __hs[__l] = __ih[__j];
                    __spk_lane[__l] = __spk;
                    #store
                }
                // lanes without a neuron compute on a copy of the first one's values
                for __l in __m..__L {
                    for __i in 0..#n {
                        __ys[__i][__l] = __ys[__i][0];
                    }
                    for __k in 0..#n_ports {
                        __ports[__k][__l] = __ports[__k][0];
                    }
                }
                let __active: [bool; __L] = ::core::array::from_fn(|__l| __site[__l] != u8::MAX);
                if __active.iter().any(|&__a| __a) {
                    let __f = |__tts: &[#ty; __L], __y: &[[#ty; __L]; #n], __dy: &mut [[#ty; __L]; #n]| Self::__rhs_lanes(__simd, __p, __t, &__site, &__ports, __tts, __y, __dy);
                    if let Err((__l, __e)) = __solver.integrate(&__f, __p.__h, &mut __ys, &mut __hs, __active) {
                        if __fault.is_none() {
                            *__fault = Some((__a + __g + __l, ::nestml::Fault::from_solver(#name::__MODEL, __t, __e, &#name::__STATES)));
                        }
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
                __g += __L;
            }
        }
    }

    /// `__rhs_lanes`: the right-hand side of all lanes (lane `l` at call site `__site[l]`, time
    /// `__tts[l]` into the step, port values `__ports[k][l]`), one loop over the lanes, in a
    /// baseline, an AVX2 and an AVX-512 version, chosen by `__simd`.
    pub(super) fn lockstep_rhs(&self, name: &Ident, parts: &Lockstep) -> TokenStream {
        let (ty, zero) = (self.float().ty(), self.float().number(0.0));
        let n = int(self.states.len());
        let ports = self.lane_ports();
        let n_ports = int(ports.len());
        let port_at: Vec<proc_macro2::Literal> = (0..ports.len()).map(int).collect();
        let state_at: Vec<proc_macro2::Literal> = (0..self.states.len()).map(int).collect();
        let rhs = &parts.rhs;
        let signature = quote!(__p: &#name, __t: f64, __site: &[u8; ::nestml::solvers::LANES], __ports: &[[#ty; ::nestml::solvers::LANES]; #n_ports], __tts: &[#ty; ::nestml::solvers::LANES], __ys: &[[#ty; ::nestml::solvers::LANES]; #n], __dys: &mut [[#ty; ::nestml::solvers::LANES]; #n]);
        let args = quote!(__p, __t, __site, __ports, __tts, __ys, __dys);
        quote! {
            /// The right-hand side of every lane (one loop, no calls with `exp = "inline"`).
            #[inline(always)]
            fn __rhs_lanes_body(#signature) {
                for __l in 0..::nestml::solvers::LANES {
                    let __tt = __tts[__l];
                    let __s = __site[__l];
                    let __y: [#ty; #n] = [#(__ys[#state_at][__l]),*];
                    #(let #ports = __ports[#port_at][__l];)*
                    let mut __dy = [#zero; #n];
                    #rhs
                    #(__dys[#state_at][__l] = __dy[#state_at];)*
                }
            }

            #[inline(never)]
            fn __rhs_lanes_baseline(#signature) {
                Self::__rhs_lanes_body(#args)
            }

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            #[inline(never)]
            unsafe fn __rhs_lanes_avx2(#signature) {
                Self::__rhs_lanes_body(#args)
            }

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw")]
            #[inline(never)]
            unsafe fn __rhs_lanes_avx512(#signature) {
                Self::__rhs_lanes_body(#args)
            }

            /// `__rhs_lanes_body` with the instructions `__simd` names (the same results: Rust
            /// does not fuse multiply-adds).
            #[inline(always)]
            fn __rhs_lanes(__simd: ::nestml::population::SimdLevel, #signature) {
                #[cfg(target_arch = "x86_64")]
                {
                    // SAFETY: `simd_level` reports the instructions this CPU has.
                    if __simd == ::nestml::population::SimdLevel::Avx512 {
                        return unsafe { Self::__rhs_lanes_avx512(#args) };
                    }
                    if __simd == ::nestml::population::SimdLevel::Avx2 {
                        return unsafe { Self::__rhs_lanes_avx2(#args) };
                    }
                }
                Self::__rhs_lanes_baseline(#args)
            }
        }
    }
}
