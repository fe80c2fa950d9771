#!/usr/bin/env python3
"""Reference traces from NEST 3.10's built-in neuron models, for the conformance tests of the
neurons that `include_nestml!` generates from the NESTML model library.

Usage:
    nest_reference.py [--out DIR] [--models DIR] [--only NAME ...] [--no-self-check]

For each NEST built-in model in ``MODELS`` (iaf_psc_exp, ..., iaf_chxk_2008), matched to the
NESTML library model ``<name>_neuron`` in ``../shared/nestml-models/neurons`` (or ``--models``),
NEST 3.10 (``pip install nest-simulator==3.10.0``) is run at resolution 0.1 ms and, for the models
whose result depends on the step (NEST integrates them with GSL's adaptive RKF45, or with forward
Euler for izhikevich), also at 0.01 ms, in four scenarios:

``subthreshold``  V_m every step under a fixed schedule of excitatory and inhibitory spikes
                  (spike_generators with positive and negative weights into receptor 0), weights
                  chosen so that the neuron does not fire (checked);
``spiking``       the same schedule with all weights multiplied by a per-model factor: spike times
                  (and V_m, see ``record_stride``);
``fI``            firing rate over 1 s for ~10 constant currents (``I_e``) from below rheobase to
                  well above (spike times per current too);
``step_current``  a dc_generator on at 100 ms and off at 400 ms, 500 ms simulated: V_m every step
                  and spike times.

One JSON per model, scenario and resolution is written to
``DIR/<nest model>/<scenario>_dt<resolution>.json`` plus ``DIR/README.md`` (format, time-stamp
conventions, parameter mappings, structural differences and a summary table). The output is
deterministic (single thread, fixed seed, no random input); only the ``seconds`` timings change.

Time stamps (measured, and checked by the self-check below): step k (k = 0, 1, ...) integrates
from k*h to (k+1)*h. NEST's multimeter with ``interval = h`` gives the state at the end of every
step: ``V_m[i]`` is V_m after step i, i.e. after that step's spike input, threshold test and
reset, and ``times[i]`` is (i + 1)*h exactly as NEST prints it, ``((i + 1) * T) * 0.001`` in
float arithmetic with T = h/0.001 tics per step (NEST's tics_per_ms = 1000; this differs from
``(i + 1) * h`` in the last bit for many i at h = 0.1, e.g. 0.3 vs 0.30000000000000004); the
initial state (t = 0) is not sampled and is given separately (``initial_state``). A spike that
NEST's spike_recorder stamps at ``s`` steps (``spike_steps``) was emitted at the end of step
s - 1, at time s*h. A
spike from a spike_generator at time t over a connection with delay d is applied in step
``round((t + d)/h) - 1`` (after that step's ODE update: the synaptic state jumps at time t + d);
a dc_generator with
``start``/``stop`` over a connection with delay d is seen by the neuron's ODEs (NEST's ``I_stim``,
NESTML's continuous port) in the steps ``k`` with ``round((start + d)/h) <= k < round((stop +
d)/h)``; both are given per fixture as step indices (``inputs``).

The self-check (on by default) re-implements iaf_psc_exp (exact propagators) and izhikevich
(NEST's forward Euler) in plain Python with exactly these conventions and compares them with
NEST's traces and spike steps (relative error < 1e-12), so the documented alignment is tested
whenever the fixtures are regenerated.
"""

import argparse
import json
import math
import os
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MODELS_DIR = REPO.parent / "shared" / "nestml-models" / "neurons"
NESTML_FILE_PREFIX = "../shared/nestml-models/neurons"  # relative to the repository root

NEST_VERSION_WANTED = "3.10.0"
SEED = 1234567
SPIKE_DELAY = 1.0  # ms, every spike_generator -> neuron connection
DT_COARSE = 0.1
DT_FINE = 0.01

T_SPIKE_SCENARIOS = 200.0  # ms, subthreshold and spiking
T_FI = 1000.0  # ms per current
T_STEP = 500.0  # ms
DC_START = 100.0
DC_STOP = 400.0

# The spike schedule (generator spike times in ms) and the weight of each group as a multiple of
# the model's base excitatory weight (positive) or base inhibitory weight (negative multiple).
# One spike_generator per group. Includes: three excitatory spikes in consecutive 0.1 ms steps
# (25.0, 25.1, 25.2), excitatory and inhibitory spikes in the same step (60.0), two excitatory
# spikes of different generators in the same step (100.0), two inhibitory spikes in consecutive
# steps (110.0, 110.1). Every time is a multiple of 0.1 ms, so that both resolutions see the same
# schedule.
SPIKE_GROUPS = [
    # (multiple, times)   multiple > 0: excitatory (x w_exc), < 0: inhibitory (x w_inh)
    (1.0, [10.0, 25.0, 25.1, 25.2, 60.0, 100.0, 130.3, 160.0]),
    (2.0, [40.0, 100.0, 140.0]),
    (3.0, [175.0]),
    (-1.0, [50.0, 60.0, 110.0, 110.1, 170.0]),
    (-2.0, [80.0, 145.0]),
]

GSL_Y_1E3 = {
    "method": "GSL rkf45 (gsl_odeiv_step_rkf45, old gsl_odeiv API; GSL 1.15 bundled in the pip wheel)",
    "control": "gsl_odeiv_control_y_new(eps_abs=1e-3, eps_rel=0.0), i.e. a_y=1, a_dydt=0",
    "eps_abs": 1e-3,
    "eps_rel": 0.0,
    "a_y": 1.0,
    "a_dydt": 0.0,
    "evolve": "gsl_odeiv_evolve_apply in a loop from t=0 to h per simulation step; the "
    "integration step size (B_.IntegrationStep_) starts at h and is carried over from one "
    "simulation step to the next; no Jacobian",
    "pynestml_equivalent": "numeric_solver rk45 with gsl_adaptive_step_size_controller = "
    "with_respect_to_solution (the default) and gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0 "
    "(PyNESTML's defaults are 1e-6 / 1e-6)",
}
GSL_YP_TOL = {
    "method": "GSL rkf45 (gsl_odeiv_step_rkf45, old gsl_odeiv API; GSL 1.15 bundled in the pip wheel)",
    "control": "gsl_odeiv_control_yp_new(eps_abs=gsl_error_tol, eps_rel=gsl_error_tol), i.e. "
    "a_y=1, a_dydt=1 (gsl_error_tol = 1e-6 by default)",
    "eps_abs": 1e-6,
    "eps_rel": 1e-6,
    "a_y": 1.0,
    "a_dydt": 1.0,
    "evolve": "gsl_odeiv_evolve_apply in a loop from t=0 to h per simulation step; the "
    "integration step size starts at h and is carried over between simulation steps; after "
    "EVERY internal GSL step NEST tests V_m >= V_peak (reset V_m, w += b, refractory counter) "
    "and clamps V_m to V_reset while refractory, then continues integrating the rest of the "
    "step; raises NumericalInstability if V_m < -1e3 or |w| > 1e6",
    "pynestml_equivalent": "numeric_solver rk45 with gsl_adaptive_step_size_controller = "
    "with_respect_to_derivative and gsl_abs_error_tol = gsl_rel_error_tol = 1e-6 (the error "
    "control only; the in-step spike handling differs, see notes)",
}
EXACT = {"method": "exact propagators (NEST's own closed-form update), no step-size dependence "
         "beyond the propagators themselves"}

COMMON_NOTES = [
    "Step k integrates (k*h, (k+1)*h]. V_m[i] is the state at the end of step j = (i+1)*"
    "record_stride - 1 (record_stride = 1: every step), after that step's spike input, "
    "threshold test and reset, and times[i] is (j+1)*h as NEST prints it: float((j+1)*T)*0.001 "
    "with T = h/0.001 tics per step (not (j+1)*h, which differs in the last bit). t = 0 is not "
    "sampled: see initial_state.",
    "Spike input: a spike in inputs.spikes.events with step k is added in step k (after the ODE "
    "update of that step, before the threshold test, as NEST's and PyNESTML's update() do); "
    "NEST's built-ins route w > 0 to the excitatory and w < 0 to the inhibitory synapse "
    "(as |w|), PyNESTML's NEST code w >= 0 to the excitatory and w < 0 to the inhibitory port "
    "with the sign flipped (|w|; no zero weights occur here); models with a single spike port "
    "(iaf_psc_delta, izhikevich) receive the signed weight. Weights arriving in the same step "
    "are summed.",
    "Continuous input: the dc current is in the ODE right-hand side (NEST B_.I_stim_ / i_0_, "
    "NESTML I_stim) during steps inputs.current.first_step <= k < inputs.current.end_step; "
    "NEST reads the current buffer at the end of step k-1 and uses it in step k, as PyNESTML's "
    "continuous ports do.",
    "spike_times are NEST's spike_recorder times in ms; spike_steps are the stamps in steps (a "
    "spike with stamp s was emitted at the end of step s-1, time s*h; NESTML's emit_spike() "
    "stamps t+h the same way). Only iaf_chxk_2008 has nonzero spike_offsets (spike_times = "
    "spike_steps*h - offset).",
]


def psc_map(*extra):
    return [
        ("C_m", "C_m", "pF"),
        ("tau_m", "tau_m", "ms"),
        ("tau_syn_ex", "tau_syn_exc", "ms"),
        ("tau_syn_in", "tau_syn_inh", "ms"),
        ("t_ref", "refr_T", "ms"),
        ("E_L", "E_L", "mV"),
        ("V_reset", "V_reset", "mV"),
        ("V_th", "V_th", "mV"),
        ("I_e", "I_e", "pA"),
    ] + list(extra)


COND_MAP = [
    ("C_m", "C_m", "pF"),
    ("g_L", "g_L", "nS"),
    ("E_L", "E_L", "mV"),
    ("t_ref", "refr_T", "ms"),
    ("V_th", "V_th", "mV"),
    ("V_reset", "V_reset", "mV"),
    ("E_ex", "E_exc", "mV"),
    ("E_in", "E_inh", "mV"),
    ("tau_syn_ex", "tau_syn_exc", "ms"),
    ("tau_syn_in", "tau_syn_inh", "ms"),
    ("I_e", "I_e", "pA"),
]

AEIF_COMMON = [
    ("C_m", "C_m", "pF"),
    ("t_ref", "refr_T", "ms"),
    ("V_reset", "V_reset", "mV"),
    ("g_L", "g_L", "nS"),
    ("E_L", "E_L", "mV"),
    ("a", "a", "nS"),
    ("b", "b", "pA"),
    ("Delta_T", "Delta_T", "mV"),
    ("tau_w", "tau_w", "ms"),
    ("V_th", "V_th", "mV"),
    ("V_peak", "V_peak", "mV"),
    ("I_e", "I_e", "pA"),
]
AEIF_COND = AEIF_COMMON + [
    ("E_ex", "E_exc", "mV"),
    ("tau_syn_ex", "tau_syn_exc", "ms"),
    ("E_in", "E_inh", "mV"),
    ("tau_syn_in", "tau_syn_inh", "ms"),
]
AEIF_PSC = AEIF_COMMON + [
    ("tau_syn_ex", "tau_exc", "ms"),
    ("tau_syn_in", "tau_inh", "ms"),
]

NOTE_REFR_COUNT = (
    "Refractoriness: NEST counts round(t_ref/h) steps after the spike step (V_m held at "
    "V_reset); the NESTML model's timer refr_t = refr_T decremented by h per step and tested "
    "with refr_t > 0 gives the same count for refr_T = 2 ms at h = 0.1 ms (20 steps, residue "
    "-6.4e-16) and h = 0.01 ms (200 steps, residue -1.6e-15)."
)
NOTE_COND_CLAMP = (
    "NEST's right-hand side uses V = min(V_m, V_th) (and V = V_reset with dV/dt = 0 while "
    "refractory); the NESTML model uses V_m unbounded and does not integrate V_m while "
    "refractory. This only matters inside the step in which V_m crosses V_th (which is the spike "
    "step in both, V_m is reset at its end), so V_m traces agree up to integration error."
)
NOTE_COND_W = (
    "Weights are conductance jumps in nS for both: NEST adds w to g_ex (|w| to g_in); the NESTML "
    "model convolves the spike port (unit 1/s, value = summed weight per step) with the kernel "
    "times unit_psg = 1 nS, i.e. the same jump."
)
NOTE_GSL_MATCH = (
    "NEST's result depends on the step size and on its GSL error control (see nest_integration): "
    "compare with a tolerance; at 0.01 ms the same run is recorded to show the step dependence."
)

MODELS = {
    "iaf_psc_exp": dict(
        numeric=False,
        pmap=psc_map(),
        w_exc=100.0, w_inh=100.0, spike_scale=25.0,
        fI=[200.0, 350.0, 380.0, 400.0, 450.0, 500.0, 600.0, 800.0, 1000.0, 1500.0],
        step_amp=500.0,
        weight="pA: jump of I_syn_ex (w > 0) or I_syn_in (|w|, w < 0); NESTML: I_syn_exc += "
        "unit_psc * exc_spikes * 1 s (= w pA), I_syn_inh += |w| pA; identical.",
        notes=[NOTE_REFR_COUNT,
               "Structurally identical. NEST's second current receptor (1, filtered current) is "
               "not used."],
        integration=EXACT,
    ),
    "iaf_psc_alpha": dict(
        numeric=False,
        pmap=psc_map(),
        nest_only=["V_min (-inf: no lower bound)"],
        w_exc=100.0, w_inh=100.0, spike_scale=20.0,
        fI=[200.0, 350.0, 380.0, 400.0, 450.0, 500.0, 600.0, 800.0, 1000.0, 1500.0],
        step_amp=500.0,
        weight="pA, peak of the alpha current: NEST dI_ex += e/tau_syn_ex * w, current "
        "w*e/tau*t*exp(-t/tau) with peak w pA at t = tau_syn; NESTML kernel (e/tau_syn)*t*exp(-t/"
        "tau_syn) convolved with the port times unit_psc = 1 pA: identical.",
        notes=[NOTE_REFR_COUNT, "Structurally identical (NEST's V_min = -inf has no effect)."],
        integration=EXACT,
    ),
    "iaf_psc_delta": dict(
        numeric=False,
        pmap=[("tau_m", "tau_m", "ms"), ("C_m", "C_m", "pF"), ("t_ref", "refr_T", "ms"),
              ("E_L", "E_L", "mV"), ("V_reset", "V_reset", "mV"), ("V_th", "V_th", "mV"),
              ("I_e", "I_e", "pA")],
        nest_only=["V_min (-DBL_MAX: no lower bound)",
                   "refractory_input (False: spikes arriving while refractory are discarded)"],
        w_exc=1.0, w_inh=1.0, spike_scale=8.0,
        fI=[200.0, 350.0, 380.0, 400.0, 450.0, 500.0, 600.0, 800.0, 1000.0, 1500.0],
        step_amp=500.0,
        weight="mV, signed, added to V_m in the arrival step (single port `spikes`, no sign "
        "split); NESTML adds unit_psp * (0.001 * w) / 0.001 (PyNESTML's printing of the delta "
        "convolution), which may differ from w in the last bit.",
        notes=[NOTE_REFR_COUNT,
               "Spikes arriving while refractory are discarded in both (NEST refractory_input = "
               "False; PyNESTML applies the delta jump only inside integrate_odes(V_m), i.e. in "
               "the non-refractory branch)."],
        integration=EXACT,
    ),
    "iaf_cond_exp": dict(
        numeric=True,
        pmap=COND_MAP,
        w_exc=10.0, w_inh=5.0, spike_scale=30.0,
        fI=[150.0, 240.0, 255.0, 270.0, 300.0, 350.0, 400.0, 500.0, 700.0, 1000.0],
        step_amp=400.0,
        weight="nS: jump of the exponential conductance. " + NOTE_COND_W,
        notes=[NOTE_REFR_COUNT, NOTE_COND_CLAMP, NOTE_GSL_MATCH],
        integration=GSL_Y_1E3,
    ),
    "iaf_cond_alpha": dict(
        numeric=True,
        pmap=COND_MAP,
        w_exc=10.0, w_inh=5.0, spike_scale=12.0,
        fI=[150.0, 240.0, 255.0, 270.0, 300.0, 350.0, 400.0, 500.0, 700.0, 1000.0],
        step_amp=400.0,
        weight="nS, peak of the alpha conductance (NEST dg_ex += e/tau_syn_ex * w; NESTML kernel "
        "(e/tau)*t*exp(-t/tau) times unit_psg = 1 nS): identical.",
        notes=[NOTE_REFR_COUNT, NOTE_COND_CLAMP,
               "NEST applies the spike input after the threshold test of the step, NESTML "
               "before; input only changes dg, not V_m, so this does not change the trace.",
               NOTE_GSL_MATCH],
        integration=GSL_Y_1E3,
    ),
    "iaf_cond_beta": dict(
        numeric=True,
        pmap=[("C_m", "C_m", "pF"), ("g_L", "g_L", "nS"), ("E_L", "E_L", "mV"),
              ("t_ref", "refr_T", "ms"), ("V_th", "V_th", "mV"), ("V_reset", "V_reset", "mV"),
              ("E_ex", "E_ex", "mV"), ("E_in", "E_in", "mV"),
              ("tau_rise_in", "tau_syn_rise_I", "ms"), ("tau_decay_in", "tau_syn_decay_I", "ms"),
              ("tau_rise_ex", "tau_syn_rise_E", "ms"), ("tau_decay_ex", "tau_syn_decay_E", "ms"),
              ("I_e", "I_e", "pA")],
        nestml_only=["F_E = 0 nS", "F_I = 0 nS"],
        nest_overrides={"tau_rise_ex": 0.2, "tau_decay_ex": 2.0,
                        "tau_rise_in": 0.2, "tau_decay_in": 2.0},
        w_exc=5.0, w_inh=5.0, spike_scale=15.0,
        fI=[150.0, 240.0, 255.0, 270.0, 300.0, 350.0, 400.0, 500.0, 700.0, 1000.0],
        step_amp=400.0,
        weight="nS, peak of the beta conductance: NEST dg += w * (1/tau_rise - 1/tau_decay) / "
        "(exp(-t_p/tau_decay) - exp(-t_p/tau_rise)); NESTML's kernel starts with g$ = g_const * "
        "(1/tau_rise - 1/tau_decay), g_const = 1/(exp(-t_peak/tau_decay) - exp(-t_peak/"
        "tau_rise)), times unit_psg = 1 nS: identical for tau_rise != tau_decay.",
        notes=[NOTE_REFR_COUNT, NOTE_COND_CLAMP,
               "NEST 3.10's defaults are tau_rise_ex = tau_decay_ex = 0.2 ms and tau_rise_in = "
               "tau_decay_in = 2.0 ms; NEST then falls back to the alpha normalisation e/tau, "
               "while the NESTML model divides 0 by 0 (t_peak) and gives NaN. The fixtures use "
               "the NESTML defaults tau_rise = 0.2 ms, tau_decay = 2.0 ms for both synapse "
               "types on both sides (nest_overrides).",
               "NEST applies the spike input after the threshold test of the step, NESTML "
               "before; input only changes dg, not V_m.",
               NOTE_GSL_MATCH],
        integration=GSL_Y_1E3,
    ),
    "aeif_cond_exp": dict(
        numeric=True,
        pmap=AEIF_COND,
        nest_only=["gsl_error_tol (1e-6)"],
        w_exc=10.0, w_inh=5.0, spike_scale=50.0,
        fI=[400.0, 550.0, 600.0, 650.0, 700.0, 800.0, 1000.0, 1200.0, 1500.0, 2000.0],
        step_amp=800.0,
        weight="nS: jump of the exponential conductance. " + NOTE_COND_W,
        notes=["NEST's default t_ref is 0 ms, the NESTML model's refr_T is 2 ms: the fixtures "
               "set refr_T = 0 (nestml_parameters).",
               "Spike handling differs: NEST tests V_m >= V_peak after every internal RKF45 "
               "step, resets V_m to V_reset, adds b to w and integrates the rest of the step "
               "from there (spike stamped t+h); the NESTML model tests V_m >= V_peak once at "
               "the end of the step (after integrating the whole step with V_bounded = "
               "min(V_m, V_peak) in the right-hand side). Spike steps can therefore differ "
               "and V_m after a spike differs by the partial step.",
               NOTE_GSL_MATCH],
        integration=GSL_YP_TOL,
    ),
    "aeif_cond_alpha": dict(
        numeric=True,
        pmap=AEIF_COND,
        nest_only=["gsl_error_tol (1e-6)"],
        w_exc=10.0, w_inh=5.0, spike_scale=20.0,
        fI=[400.0, 550.0, 600.0, 650.0, 700.0, 800.0, 1000.0, 1200.0, 1500.0, 2000.0],
        step_amp=800.0,
        weight="nS, peak of the alpha conductance (NEST dg_ex += e/tau_syn_ex * w; NESTML kernel "
        "(e/tau)*t*exp(-t/tau) times unit_psg): identical.",
        notes=["NEST's default t_ref is 0 ms, the NESTML model's refr_T is 2 ms: the fixtures "
               "set refr_T = 0 (nestml_parameters).",
               "Spike handling differs: NEST tests V_m >= V_peak after every internal RKF45 "
               "step and continues from V_reset within the step; NESTML tests once at the end "
               "of the step.",
               NOTE_GSL_MATCH],
        integration=GSL_YP_TOL,
    ),
    "aeif_psc_exp": dict(
        numeric=True,
        pmap=AEIF_PSC,
        nest_only=["gsl_error_tol (1e-6)"],
        w_exc=1000.0, w_inh=500.0, spike_scale=30.0,
        fI=[400.0, 550.0, 600.0, 650.0, 700.0, 800.0, 1000.0, 1200.0, 1500.0, 2000.0],
        step_amp=800.0,
        weight="pA: jump of I_syn_ex / I_syn_in (|w|); NESTML I_syn_exc += unit_psc * "
        "exc_spikes * 1 s: identical.",
        notes=["NEST's default t_ref is 0 ms, the NESTML model's refr_T is 2 ms: the fixtures "
               "set refr_T = 0 (nestml_parameters).",
               "STRUCTURAL: the NESTML library model fires on onCondition(V_m >= V_th) (V_th = "
               "-50.4 mV, the exponential term's threshold, and without a refractoriness test), "
               "NEST on V_m >= V_peak (0 mV) after every internal RKF45 step. Spike times "
               "(spiking, fI, step_current) are therefore NOT comparable with the library "
               "model as written; the subthreshold scenario (V_m < V_th throughout) is.",
               NOTE_GSL_MATCH],
        integration=GSL_YP_TOL,
    ),
    "aeif_psc_alpha": dict(
        numeric=True,
        pmap=AEIF_PSC,
        nest_only=["gsl_error_tol (1e-6)"],
        w_exc=500.0, w_inh=250.0, spike_scale=25.0,
        fI=[400.0, 550.0, 600.0, 650.0, 700.0, 800.0, 1000.0, 1200.0, 1500.0, 2000.0],
        step_amp=800.0,
        weight="pA, peak of the alpha current: NEST dI_ex += e/tau_syn_ex * w; NESTML "
        "I_syn_exc' += unit_psc_exc * exc_spikes * 1 s with unit_psc_exc = 1 pA * e/tau_exc and "
        "I'' = -2 I'/tau - I/tau^2: the same function w*e/tau*t*exp(-t/tau).",
        notes=["NEST's default t_ref is 0 ms, the NESTML model's refr_T is 2 ms: the fixtures "
               "set refr_T = 0 (nestml_parameters).",
               "STRUCTURAL: the NESTML library model fires on onCondition(V_m >= V_th) (V_th = "
               "-50.4 mV, without a refractoriness test), NEST on V_m >= V_peak (0 mV) after "
               "every internal RKF45 step. Spike times (spiking, fI, step_current) are NOT "
               "comparable with the library model as written; the subthreshold scenario is.",
               NOTE_GSL_MATCH],
        integration=GSL_YP_TOL,
    ),
    "hh_psc_alpha": dict(
        numeric=True,
        pmap=[("C_m", "C_m", "pF"), ("g_Na", "g_Na", "nS"), ("g_K", "g_K", "nS"),
              ("g_L", "g_L", "nS"), ("E_Na", "E_Na", "mV"), ("E_K", "E_K", "mV"),
              ("E_L", "E_L", "mV"), ("t_ref", "refr_T", "ms"),
              ("tau_syn_ex", "tau_syn_exc", "ms"), ("tau_syn_in", "tau_syn_inh", "ms"),
              ("I_e", "I_e", "pA"),
              ("V_m", "V_m_init", "mV")],  # NEST: initial V_m (hard-coded -65 in its State_)
        state_map=[("V_m", "V_m"), ("Act_m", "Act_m"), ("Inact_h", "Inact_h"),
                   ("Act_n", "Act_n")],
        w_exc=100.0, w_inh=100.0, spike_scale=20.0,
        fI=[100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0, 800.0, 1000.0, 1500.0],
        step_amp=800.0,
        weight="pA, peak of the alpha current: NEST dI_ex += e/tau_syn_ex * w; NESTML kernel "
        "(e/tau)*t*exp(-t/tau) times unit_psc = 1 pA: identical.",
        notes=["Spike test: NEST V_m >= 0 and V_m(start of step) > V_m, NESTML V_m > 0 mV and "
               "V_m_old > V_m (strict >; irrelevant in practice). Both integrate all variables "
               "during refractoriness (t_ref only blocks spike detection); no reset.",
               "NEST integrates the alpha-current states with RKF45 together with V_m and the "
               "gates; PyNESTML integrates everything numerically and overwrites the kernel "
               "states with their exact propagation.",
               "HH type II: spiking at onset only for currents between ~224 pA and the onset of "
               "repetitive firing (see fI).",
               NOTE_GSL_MATCH],
        integration=GSL_Y_1E3,
    ),
    "hh_cond_exp_traub": dict(
        numeric=True,
        pmap=[("g_Na", "g_Na", "nS"), ("g_K", "g_K", "nS"), ("g_L", "g_L", "nS"),
              ("C_m", "C_m", "pF"), ("E_Na", "E_Na", "mV"), ("E_K", "E_K", "mV"),
              ("E_L", "E_L", "mV"), ("V_T", "V_T", "mV"), ("tau_syn_ex", "tau_syn_exc", "ms"),
              ("tau_syn_in", "tau_syn_inh", "ms"), ("t_ref", "refr_T", "ms"),
              ("E_ex", "E_exc", "mV"), ("E_in", "E_inh", "mV"), ("I_e", "I_e", "pA")],
        nestml_only=["alpha_n_init, beta_n_init, alpha_m_init, beta_m_init, alpha_h_init, "
                     "beta_h_init (parameters computed from E_L; keep the defaults)"],
        state_map=[("V_m", "V_m"), ("Act_m", "Act_m"), ("Inact_h", "Act_h"),
                   ("Act_n", "Inact_n")],
        base_I_e=-60.0,
        w_exc=0.5, w_inh=0.5, spike_scale=10.0,
        fI=[-100.0, -50.0, -20.0, 0.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0],
        step_amp=300.0,
        weight="nS: jump of the exponential conductance. " + NOTE_COND_W,
        notes=["With the defaults the model fires spontaneously at I_e = 0 (about 14 spikes/s), "
               "so the subthreshold, spiking and step_current scenarios use I_e = -60 pA "
               "(both sides); the fI curve starts at -100 pA.",
               "State names: NEST Act_n (K activation) = NESTML Inact_n, NEST Inact_h (Na "
               "inactivation) = NESTML Act_h, Act_m = Act_m. Both start at the equilibrium of "
               "the gates at V_m = E_L computed WITHOUT the V_T shift (NEST's State_ and the "
               "NESTML *_init parameters agree).",
               "Spike test: NEST V_m >= V_T + 30 and V_m(start of step) > V_m, NESTML V_m > "
               "V_T + 30 mV and V_m_old > V_m. No reset; refractoriness only blocks detection.",
               NOTE_GSL_MATCH],
        integration=GSL_Y_1E3,
    ),
    "izhikevich": dict(
        numeric=True,
        pmap=[("a", "a", "1"), ("b", "b", "1"), ("c", "c", "mV"), ("d", "d", "1"),
              ("V_th", "V_th", "mV"), ("V_min", "V_min", "mV"), ("I_e", "I_e", "pA"),
              ("V_m", "V_m_init", "mV")],  # NEST: initial V_m
        nest_only=["consistent_integration (True: forward Euler)"],
        state_map=[("V_m", "V_m"), ("U_m", "U_m")],
        w_exc=2.0, w_inh=2.0, spike_scale=8.0,
        fI=[2.0, 3.0, 3.5, 4.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0],
        step_amp=10.0,
        weight="mV, signed, added to V_m after the Euler step (single port `spikes`, no sign "
        "split); NESTML: V_m += unit_psp * spikes * 1 s in the update block: identical.",
        notes=["NEST (consistent_integration = True) integrates with forward Euler from the old "
               "values: v += h*(0.04 v^2 + 5 v + 140 - u + I + I_e) + spikes; u += h*a*(b*v_old "
               "- u_old); then V_min clamp, then threshold. The NESTML library model calls "
               "integrate_odes() with PyNESTML's numeric solver (RKF45 by default); generating "
               "it with numeric_solver = forward-Euler reproduces NEST's update exactly. Hence "
               "both resolutions are recorded.",
               "Currents: I_e in pA is used as mV/ms (NESTML: (I_e + I_stim) * 1 GOhm / 1 ms).",
               "NEST's V_min default is -DBL_MAX, the NESTML default -inf: no effect (the "
               "fixtures set NEST's value). NESTML's V_m_init is NEST's initial V_m (-65 mV); "
               "U_m starts at b*V_m_init = -13 in both."],
        integration={"method": "forward Euler (consistent_integration = True)"},
    ),
    "mat2_psc_exp": dict(
        numeric=False,
        pmap=[("tau_m", "tau_m", "ms"), ("C_m", "C_m", "pF"), ("t_ref", "refr_T", "ms"),
              ("E_L", "E_L", "mV"), ("tau_syn_ex", "tau_syn_exc", "ms"),
              ("tau_syn_in", "tau_syn_inh", "ms"), ("tau_1", "tau_1", "ms"),
              ("tau_2", "tau_2", "ms"), ("alpha_1", "alpha_1", "mV"),
              ("alpha_2", "alpha_2", "mV"), ("omega", "omega", "mV"), ("I_e", "I_e", "pA")],
        convert={"omega": lambda v, p: v - p["E_L"]},
        w_exc=50.0, w_inh=50.0, spike_scale=50.0,
        fI=[200.0, 350.0, 390.0, 400.0, 450.0, 500.0, 600.0, 800.0, 1000.0, 1500.0],
        step_amp=600.0,
        weight="pA: jump of the exponential current (NEST i_syn_ex += w; NESTML kernel "
        "exp(-t/tau) times unit_psc = 1 pA): identical.",
        notes=["omega: NEST's omega is absolute (-51 mV), the NESTML model's omega is relative "
               "to E_L (threshold test V_m >= E_L + omega + ...): nestml omega = nest omega - "
               "E_L = 19 mV (the NESTML default).",
               "STRUCTURAL: NEST evolves V_m and both threshold components in every step, "
               "including while refractory (t_ref only blocks firing; V_m is never reset). The "
               "NESTML library model integrates neither V_m nor V_th_alpha_1/2 while refr_t > 0 "
               "(they are frozen for 2 ms after each spike). Traces agree until the first "
               "spike; afterwards spiking, fI and step_current differ from the library model "
               "as written.",
               "Refractory steps: NEST uses round(t_ref/h) steps after the spike step."],
        integration=EXACT,
    ),
    "iaf_chxk_2008": dict(
        numeric=True,
        pmap=[("V_th", "V_th", "mV"), ("E_ex", "E_exc", "mV"), ("E_in", "E_inh", "mV"),
              ("g_L", "g_L", "nS"), ("C_m", "C_m", "pF"), ("E_L", "E_L", "mV"),
              ("tau_syn_ex", "tau_syn_exc", "ms"), ("tau_syn_in", "tau_syn_inh", "ms"),
              ("tau_ahp", "tau_ahp", "ms"), ("g_ahp", "G_ahp", "nS"), ("E_ahp", "E_ahp", "mV"),
              ("ahp_bug", "ahp_bug", "bool"), ("I_e", "I_e", "pA")],
        w_exc=2.0, w_inh=2.0, spike_scale=40.0,
        fI=[1000.0, 1400.0, 1550.0, 1600.0, 1800.0, 2000.0, 2500.0, 3000.0, 4000.0, 5000.0],
        step_amp=2500.0,
        weight="nS, peak of the alpha conductance (NEST dg_ex += e/tau_syn_ex * w; NESTML "
        "kernel (e/tau)*t*exp(-t/tau) times unit_psg = 1 nS): identical.",
        notes=["No reset and no refractoriness in either. Spike when V_m crosses V_th upwards "
               "within the step; the AHP conductance jump uses the linearly interpolated "
               "crossing time (sigma/dt = h*(V_m - V_th)/(V_m - V_m_prev)) in both.",
               "NEST sends the spike with a precise offset dt (spike_offsets), so its "
               "spike_recorder times are spike_steps*h - offset; NESTML's emit_spike() stamps "
               "the grid time spike_steps*h.",
               "NEST applies spike input after the AHP update of the step, NESTML before; "
               "input only changes dg, not V_m.",
               NOTE_GSL_MATCH],
        integration=GSL_Y_1E3,
    ),
}

# ---------------------------------------------------------------------------------------------
# NESTML parameter defaults (simple reader of the parameters block)
# ---------------------------------------------------------------------------------------------

UNIT_TO_NEST = {None: 1.0, "ms": 1.0, "mV": 1.0, "pA": 1.0, "nS": 1.0, "pF": 1.0, "s": 1e3,
                "uS": 1e3, "nA": 1e3, "V": 1e3, "nF": 1e3, "uF": 1e6}


def read_nestml_parameters(path):
    """name -> {"type", "expr", "value" (NEST units, or None if not a plain literal)}."""
    params = {}
    in_block = False
    for line in Path(path).read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if re.match(r"^parameters\s*:", stripped) and indent <= 4:
            in_block = True
            continue
        if in_block and indent <= 4:
            in_block = False
        if not in_block:
            continue
        code = line.split("#", 1)[0].strip()
        m = re.match(r"^(\w+)\s+(.+?)\s*=\s*(.+)$", code)
        if not m:
            continue
        name, typ, expr = m.groups()
        params[name] = {"type": typ, "expr": expr, "value": literal_value(expr)}
    return params


def literal_value(expr):
    e = expr.strip()
    if e in ("true", "false"):
        return e == "true"
    m = re.match(r"^(-?)inf\s*\*\s*1\s*(\w+)$", e)
    if m:
        return -math.inf if m.group(1) else math.inf
    m = re.match(r"^(-?\d*\.?\d+(?:[eE][+-]?\d+)?|-?\d+\.)\s*(\w+)?$", e)
    if m and (m.group(2) in UNIT_TO_NEST):
        return float(m.group(1)) * UNIT_TO_NEST[m.group(2)]
    return None


# ---------------------------------------------------------------------------------------------
# JSON helpers
# ---------------------------------------------------------------------------------------------

def clean(x):
    """Make a value JSON-safe: numpy scalars/arrays to Python, non-finite floats to strings."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None
    if np is not None:
        if isinstance(x, np.ndarray):
            return [clean(v) for v in x.tolist()]
        if isinstance(x, np.generic):
            x = x.item()
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return x
    if isinstance(x, float):
        if math.isfinite(x):
            return x
        return "inf" if x > 0 else ("-inf" if x < 0 else "nan")
    if isinstance(x, dict):
        return {str(k): clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    return str(x)


def to_json(v, indent=0):
    """Dicts one key per line; lists of scalars and list elements that are dicts compact."""
    pad = " " * indent
    if isinstance(v, dict) and v and indent < 4:
        items = [f"{pad} {json.dumps(k)}: {to_json(x, indent + 1)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list) and v and all(isinstance(e, dict) for e in v):
        items = [pad + "  " + json.dumps(e, separators=(", ", ": "), allow_nan=False) for e in v]
        return "[\n" + ",\n".join(items) + "\n" + pad + " ]"
    if isinstance(v, list) and v and all(isinstance(e, str) for e in v):
        items = [pad + "  " + json.dumps(e) for e in v]
        return "[\n" + ",\n".join(items) + "\n" + pad + " ]"
    return json.dumps(v, separators=(",", ":") if isinstance(v, list) else (", ", ": "),
                      allow_nan=False)


def dump_fixture(obj, path):
    path.write_text(to_json(obj) + "\n")
    json.loads(path.read_text())  # must stay valid JSON


# ---------------------------------------------------------------------------------------------
# NEST runs
# ---------------------------------------------------------------------------------------------

MS_PER_TIC = 0.001  # NEST's default tics_per_ms = 1000


def tics_per_step(h):
    return int(round(h / MS_PER_TIC))


def nest_time(steps, h):
    """A time in ms exactly as NEST prints it: (steps * tics per step) * 0.001."""
    return float(steps * tics_per_step(h)) * MS_PER_TIC


def steps_of(t, h):
    return int(round(t / h))


def nest_setup(nest, h):
    nest.ResetKernel()
    nest.set(resolution=h, local_num_threads=1, rng_seed=SEED)


def spike_events(scale, w_exc, w_inh, h):
    events = []
    for mult, times in SPIKE_GROUPS:
        w = (mult * w_exc if mult > 0 else mult * w_inh) * scale
        for t in times:
            events.append({"time": t, "delay": SPIKE_DELAY, "weight": w,
                           "step": steps_of(t + SPIKE_DELAY, h) - 1})
    events.sort(key=lambda e: (e["step"], -e["weight"]))
    return events


def run_nest(nest, model, params, h, T, spikes=None, dc=None, record_vm=True):
    """One simulation. spikes: (scale, w_exc, w_inh); dc: amplitude. Returns a dict."""
    nest_setup(nest, h)
    n = nest.Create(model, params=params)
    status = n.get()
    gens = []
    if spikes is not None:
        scale, w_exc, w_inh = spikes
        for mult, times in SPIKE_GROUPS:
            w = (mult * w_exc if mult > 0 else mult * w_inh) * scale
            sg = nest.Create("spike_generator", params={"spike_times": times})
            nest.Connect(sg, n, syn_spec={"synapse_model": "static_synapse", "weight": w,
                                          "delay": SPIKE_DELAY})
            gens.append(sg)
    if dc is not None:
        dcg = nest.Create("dc_generator", params={"amplitude": dc, "start": DC_START,
                                                  "stop": DC_STOP})
        nest.Connect(dcg, n, syn_spec={"synapse_model": "static_synapse", "delay": h})
    mm = None
    if record_vm:
        mm = nest.Create("multimeter", params={"interval": h, "record_from": ["V_m"]})
        nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    sr_steps = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(n, sr)
    nest.Connect(n, sr_steps)
    # The multimeter hands over the samples of a min_delay slice only during the next slice:
    # simulate beyond T and cut.
    extra = 2.0 * max(1.0, nest.min_delay)
    nest.Simulate(T + extra)
    nsteps = steps_of(T, h)
    out = {"status": status}
    if record_vm:
        ev = mm.get("events")
        times = [float(t) for t in ev["times"]]
        vm = [float(v) for v in ev["V_m"]]
        assert len(times) >= nsteps, (model, len(times), nsteps)
        times, vm = times[:nsteps], vm[:nsteps]
        tps = tics_per_step(h)
        for i, t in enumerate(times):
            if t != float((i + 1) * tps) * MS_PER_TIC:
                raise AssertionError(f"{model}: multimeter time {t!r} != ({i}+1)*{tps}*0.001")
        out["times"], out["V_m"] = times, vm
    ev = sr.get("events")
    ev_s = sr_steps.get("events")
    st = [int(s) for s in ev_s["times"]]
    offs = [float(o) for o in ev_s.get("offsets", [0.0] * len(st))]
    tms = [float(t) for t in ev["times"]]
    assert len(tms) == len(st)
    for t, s_, o in zip(tms, st, offs):
        grid = nest_time(s_, h)
        if (o == 0.0 and t != grid) or abs(t - (grid - o)) > 1e-9:
            raise AssertionError(f"{model}: spike time {t!r} vs step {s_} offset {o!r}")
    keep = [i for i, s in enumerate(st) if s <= nsteps]
    out["spike_steps"] = [st[i] for i in keep]
    out["spike_offsets"] = [offs[i] for i in keep]
    out["spike_times"] = [tms[i] for i in keep]
    return out


# ---------------------------------------------------------------------------------------------
# Self-check: iaf_psc_exp re-implemented with the documented conventions
# ---------------------------------------------------------------------------------------------

def python_iaf_psc_exp(p, h, nsteps, spike_events_, current):
    """p: NEST parameters. current: (first_step, end_step, amplitude) or None."""
    tau_m, C, ts_e, ts_i = p["tau_m"], p["C_m"], p["tau_syn_ex"], p["tau_syn_in"]
    P22 = math.exp(-h / tau_m)
    P11e, P11i = math.exp(-h / ts_e), math.exp(-h / ts_i)

    def p21(ts):
        return tau_m * ts / (C * (tau_m - ts)) * (math.exp(-h / tau_m) - math.exp(-h / ts))

    P21e, P21i = p21(ts_e), p21(ts_i)
    P20 = tau_m / C * (1.0 - P22)
    refr_counts = steps_of(p["t_ref"], h)
    by_step = {}
    for e in spike_events_:
        by_step.setdefault(e["step"], []).append(e["weight"])
    V = p["V_m"] - p["E_L"]
    ie = ii = 0.0
    i0 = 0.0
    r = 0
    vm, spikes = [], []
    for k in range(nsteps):
        if r == 0:
            V = V * P22 + ie * P21e + ii * P21i + (p["I_e"] + i0) * P20
        else:
            r -= 1
        ie *= P11e
        ii *= P11i
        for w in by_step.get(k, []):
            if w >= 0:
                ie += w
            else:
                ii += w
        if V >= p["V_th"] - p["E_L"]:
            r = refr_counts
            V = p["V_reset"] - p["E_L"]
            spikes.append(k + 1)
        i0 = 0.0
        if current is not None and current[0] <= k + 1 < current[1]:
            i0 = current[2]
        vm.append(V + p["E_L"])
    return vm, spikes


def python_izhikevich(p, h, nsteps, spike_events_, current):
    """NEST's izhikevich with consistent_integration = True (forward Euler)."""
    by_step = {}
    for e in spike_events_:
        by_step.setdefault(e["step"], []).append(e["weight"])
    v, u, I = p["V_m"], p["U_m"], 0.0
    vm, spikes = [], []
    for k in range(nsteps):
        v_old, u_old = v, u
        v += h * (0.04 * v_old * v_old + 5.0 * v_old + 140.0 - u_old + I + p["I_e"]) + sum(
            by_step.get(k, []))
        u += h * p["a"] * (p["b"] * v_old - u_old)
        v = max(v, p["V_min"])
        if v >= p["V_th"]:
            v = p["c"]
            u += p["d"]
            spikes.append(k + 1)
        I = current[2] if current is not None and current[0] <= k + 1 < current[1] else 0.0
        vm.append(v)
    return vm, spikes


def self_check(nest):
    """Plain-Python iaf_psc_exp (0.1 ms) and izhikevich (0.1 and 0.01 ms) with the documented
    conventions against NEST: max relative error of V_m, identical spike steps."""
    worst = 0.0
    for model, impl, dts in (("iaf_psc_exp", python_iaf_psc_exp, (DT_COARSE,)),
                             ("izhikevich", python_izhikevich, (DT_COARSE, DT_FINE))):
        cfg = MODELS[model]
        for h in dts:
            for name, spikes, dc, T in (
                ("subthreshold", (1.0, cfg["w_exc"], cfg["w_inh"]), None, T_SPIKE_SCENARIOS),
                ("spiking", (cfg["spike_scale"], cfg["w_exc"], cfg["w_inh"]), None,
                 T_SPIKE_SCENARIOS),
                ("step_current", None, cfg["step_amp"], T_STEP),
            ):
                res = run_nest(nest, model, {}, h, T, spikes=spikes, dc=dc)
                p = res["status"]
                ev = spike_events(*spikes, h) if spikes else []
                cur = None
                if dc is not None:
                    cur = (steps_of(DC_START + h, h), steps_of(DC_STOP + h, h), dc)
                vm, sp = impl(p, h, steps_of(T, h), ev, cur)
                err = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(vm, res["V_m"]))
                worst = max(worst, err)
                if err > 1e-12 or sp != res["spike_steps"]:
                    raise AssertionError(
                        f"self-check {model} {name} h={h}: max rel err {err:g}, spikes python "
                        f"{sp} vs NEST {res['spike_steps']}")
    return worst


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

def parameter_tables(nest, model, cfg, nestml_params, I_e):
    """(nest_parameters, nestml_parameters, parameter_mapping) for a run with the given I_e."""
    defaults = nest.GetDefaults(model)
    nest_params = dict(cfg.get("nest_overrides", {}))
    nest_params["I_e"] = I_e
    used = dict(defaults)
    used.update(nest_params)
    nest_all = {}
    mapping = []
    nestml_vals = {}
    for nest_name, nestml_name, unit in cfg["pmap"]:
        v = used[nest_name]
        nest_all[nest_name] = v
        conv = cfg.get("convert", {}).get(nest_name)
        nv = conv(v, used) if conv else v
        if isinstance(nv, bool) or unit == "bool":
            nv = bool(nv)
        else:
            nv = float(nv)
        nestml_vals[nestml_name] = nv
        d = nestml_params.get(nestml_name, {})
        mapping.append({
            "nest": nest_name, "nestml": nestml_name, "unit": unit,
            "nest_default": defaults[nest_name], "nest_value": v,
            "nestml_default": d.get("value"), "nestml_default_expr": d.get("expr"),
            "nestml_value": nv,
            "nestml_default_differs": (d.get("value") is None or d.get("value") != nv),
        })
    for extra in ("V_min", "refractory_input", "gsl_error_tol", "consistent_integration"):
        if extra in used:
            nest_all[extra] = used[extra]
    for k, v in nest_params.items():
        nest_all[k] = v
    return nest_params, nest_all, nestml_vals, mapping


def initial_state(cfg, status):
    smap = {"V_m": "V_m", "w": "w", "V_th_alpha_1": "V_th_alpha_1",
            "V_th_alpha_2": "V_th_alpha_2"}
    smap.update(dict(cfg.get("state_map", [])))
    names = [a for a, _ in cfg.get("state_map", [("V_m", "V_m")])]
    for extra in ("w", "I_syn_ex", "I_syn_in", "g_ex", "g_in", "V_th_alpha_1", "V_th_alpha_2"):
        if extra in status and extra not in names:
            names.append(extra)
    nest_state = {k: status[k] for k in names if k in status}
    nestml_state = {smap[k]: v for k, v in nest_state.items() if k in smap}
    return {"nest": nest_state, "nestml_names": nestml_state}


def build_fixture(nest, model, cfg, nestml_params, scenario, h):
    t0 = time.time()
    base_I_e = cfg.get("base_I_e", 0.0)
    nestml_file = f"{NESTML_FILE_PREFIX}/{model}_neuron.nestml"
    inputs = {}
    notes = list(cfg["notes"])
    stride = 1
    if scenario == "fI":
        per_current = []
        status = None
        for I in cfg["fI"]:
            nest_params, _, _, _ = parameter_tables(nest, model, cfg, nestml_params, I)
            res = run_nest(nest, model, nest_params, h, T_FI, record_vm=False)
            status = status or res["status"]
            per_current.append(res)
        nest_params, nest_all, nestml_vals, mapping = parameter_tables(
            nest, model, cfg, nestml_params, base_I_e)
        nest_all.pop("I_e", None)
        nestml_vals.pop("I_e", None)
        inputs = {"I_e": list(cfg["fI"]), "duration": T_FI,
                  "description": "one run per I_e value (constant current parameter, no "
                  "generator), from the initial state, duration ms; rate = spikes / 1 s"}
        spike_times = [r["spike_times"] for r in per_current]
        spike_steps = [r["spike_steps"] for r in per_current]
        rates = [len(s) / (T_FI / 1000.0) for s in spike_times]
        extra = {"rates_Hz": rates, "spike_steps": spike_steps}
        if any(any(o != 0.0 for o in r["spike_offsets"]) for r in per_current):
            extra["spike_offsets"] = [r["spike_offsets"] for r in per_current]
        times, vm = [], []
        notes.append("fI: spike_times, spike_steps (and spike_offsets) are lists per I_e value; "
                     "times and V_m are empty; nestml_parameters lacks I_e (set it per run).")
    else:
        nest_params, nest_all, nestml_vals, mapping = parameter_tables(
            nest, model, cfg, nestml_params, base_I_e)
        if scenario in ("subthreshold", "spiking"):
            scale = 1.0 if scenario == "subthreshold" else cfg["spike_scale"]
            spikes = (scale, cfg["w_exc"], cfg["w_inh"])
            res = run_nest(nest, model, nest_params, h, T_SPIKE_SCENARIOS, spikes=spikes)
            inputs = {
                "duration": T_SPIKE_SCENARIOS,
                "spikes": {
                    "receptor": 0,
                    "delay": SPIKE_DELAY,
                    "weight_unit": re.split(r"[,:]", cfg["weight"], maxsplit=1)[0],
                    "base_weight_exc": cfg["w_exc"],
                    "base_weight_inh": cfg["w_inh"],
                    "scale": scale,
                    "generators": [
                        {"weight": (m * cfg["w_exc"] if m > 0 else m * cfg["w_inh"]) * scale,
                         "spike_times": list(ts)} for m, ts in SPIKE_GROUPS],
                    "events": spike_events(*spikes, h),
                    "description": "one spike_generator per weight, static_synapse with this "
                    "delay into receptor 0; events: every spike with generator time, delay, "
                    "weight and the step k (integrating (k*h, (k+1)*h]) in which it is "
                    "applied, after the ODE update and before the threshold test, i.e. at time "
                    "+ delay = (k+1)*h; V_m changes first at index k for models whose input "
                    "jumps V_m (iaf_psc_delta, izhikevich), at index k+1 otherwise",
                },
            }
            if scenario == "subthreshold" and res["spike_steps"]:
                raise AssertionError(f"{model} subthreshold at h={h}: spikes {res['spike_times']}")
            if scenario == "spiking" and not res["spike_steps"]:
                raise AssertionError(f"{model} spiking at h={h}: no spikes")
        else:  # step_current
            res = run_nest(nest, model, nest_params, h, T_STEP, dc=cfg["step_amp"])
            inputs = {
                "duration": T_STEP,
                "current": {
                    "generator": "dc_generator",
                    "amplitude": cfg["step_amp"],
                    "start": DC_START,
                    "stop": DC_STOP,
                    "delay": h,
                    "first_step": steps_of(DC_START + h, h),
                    "end_step": steps_of(DC_STOP + h, h),
                    "description": "the neuron's ODEs see I_stim = amplitude (pA) in steps k "
                    "with first_step <= k < end_step (step k integrates (k*h, (k+1)*h]), 0 "
                    "otherwise",
                },
            }
        times, vm = res["times"], res["V_m"]
        spike_times, spike_steps = res["spike_times"], res["spike_steps"]
        extra = {"spike_steps": spike_steps}
        if any(o != 0.0 for o in res["spike_offsets"]):
            extra["spike_offsets"] = res["spike_offsets"]
        status = res["status"]
        # Thinning (documented in record_stride): keep the total size moderate.
        if h == DT_FINE or scenario == "spiking":
            stride = int(round(1.0 / h))  # every 1 ms
        if stride > 1:
            times = times[stride - 1::stride]
            vm = vm[stride - 1::stride]
            notes.append(f"V_m is thinned: record_stride = {stride}, times[i] = (i+1)*"
                         f"{stride}*h, the state after step (i+1)*{stride}-1; NEST recorded "
                         f"every step.")
    fixture = {
        "nest_model": model,
        "nestml_model": f"{model}_neuron",
        "nestml_file": nestml_file,
        "scenario": scenario,
        "resolution": h,
        "nest_version": nest.__version__,
        "nest_parameters": clean(nest_all),
        "nestml_parameters": clean(nestml_vals),
        "parameter_mapping": clean(mapping),
        "nestml_only_parameters": cfg.get("nestml_only", []),
        "nest_only_parameters": cfg.get("nest_only", []),
        "initial_state": clean(initial_state(cfg, status)),
        "nest_integration": cfg["integration"],
        "weight_mapping": cfg["weight"],
        "inputs": clean(inputs),
        "record_stride": stride,
        "times": times,
        "V_m": vm,
        "spike_times": spike_times,
    }
    fixture.update(clean(extra))
    fixture["notes"] = COMMON_NOTES + notes
    fixture["seconds"] = round(time.time() - t0, 3)
    return fixture


def scenarios_for(cfg):
    dts = [DT_COARSE] + ([DT_FINE] if cfg["numeric"] else [])
    return [(s, h) for h in dts for s in ("subthreshold", "spiking", "fI", "step_current")]


def dt_tag(h):
    return f"{h:g}"


def summary_rows(out):
    rows = []
    for model in MODELS:
        d = out / model
        if not d.is_dir():
            continue
        for f in sorted(d.glob("*.json")):
            fx = json.loads(f.read_text())
            sc = fx["scenario"]
            if sc == "fI":
                counts = [len(s) for s in fx["spike_times"]]
                spikes = "/".join(str(c) for c in counts)
            else:
                spikes = str(len(fx["spike_times"]))
            rows.append((model, sc, fx["resolution"], spikes, len(fx["V_m"]),
                         fx["record_stride"], f.stat().st_size, fx.get("seconds", 0.0)))
    return rows


def write_readme(out, timings, self_check_err):
    rows = summary_rows(out)
    order = {"subthreshold": 0, "spiking": 1, "fI": 2, "step_current": 3}
    rows.sort(key=lambda r: (list(MODELS).index(r[0]), r[2] != DT_COARSE, order[r[1]]))
    total = sum(r[6] for r in rows)
    template = (Path(__file__).resolve().parent / "nest_reference_readme.md").read_text()
    table = ["| model | scenario | dt (ms) | #spikes (fI: per I_e) | #V_m samples | stride | "
             "bytes |", "|---|---|---|---|---|---|---|"]
    for model, sc, h, spikes, nvm, stride, size, _ in rows:
        table.append(f"| {model} | {sc} | {h:g} | {spikes} | {nvm} | {stride} | {size} |")
    fi_rows = ["| model | I_e (pA) |", "|---|---|"]
    for model, cfg in MODELS.items():
        fi_rows.append(f"| {model} | {', '.join(f'{v:g}' for v in cfg['fI'])} |")
    mapping_rows = ["| NEST model | NEST → NESTML parameter (NEST default → value used; NESTML "
                    "default if different) | base weights exc / inh, spiking scale, step "
                    "amplitude |", "|---|---|---|"]
    for model, cfg in MODELS.items():
        f = out / model / f"subthreshold_dt{dt_tag(DT_COARSE)}.json"
        if not f.exists():
            continue
        fx = json.loads(f.read_text())
        parts = []
        for m in fx["parameter_mapping"]:
            s = f"{m['nest']}→{m['nestml']}" if m["nest"] != m["nestml"] else m["nest"]
            val = m["nestml_value"]
            if m["nest_value"] != m["nest_default"]:
                s += f" (NEST default {m['nest_default']:g}, used {m['nest_value']:g})"
            if m["nest_value"] != val:
                s += f" [NESTML value {val:g}]"
            if m["nestml_default_differs"]:
                s += f" **set {val:g}** (NESTML default {m['nestml_default_expr']})"
            parts.append(s)
        base = (f"{cfg['w_exc']:g} / {cfg['w_inh']:g}, ×{cfg['spike_scale']:g}, "
                f"{cfg['step_amp']:g} pA" + (f" (I_e = {cfg['base_I_e']:g} pA)"
                                             if cfg.get("base_I_e") else ""))
        mapping_rows.append(f"| {model} | {', '.join(parts)} | {base} |")
    text = (template.replace("{{SUMMARY_TABLE}}", "\n".join(table))
            .replace("{{FI_TABLE}}", "\n".join(fi_rows))
            .replace("{{MAPPING_TABLE}}", "\n".join(mapping_rows))
            .replace("{{TOTAL_BYTES}}", f"{total / 1e6:.2f} MB in {len(rows)} files")
            .replace("{{SELF_CHECK}}", "not run" if self_check_err is None
                     else f"{self_check_err:.2e}")
            .replace("{{TIMINGS}}", timings))
    (out / "README.md").write_text(text)


def import_nest(tool, want=None):
    """Imports NEST quietly (late, so that ``--help`` works without it); warns on stderr when
    its version is not ``want`` (default: NEST_VERSION_WANTED). Shared by the tools/ scripts."""
    os.environ.setdefault("PYNEST_QUIET", "1")
    import nest

    try:
        nest.verbosity = nest.VerbosityLevel.ERROR
    except AttributeError:  # pragma: no cover
        nest.set_verbosity("M_ERROR")
    want = want or NEST_VERSION_WANTED
    if nest.__version__ != want:
        print(f"{tool}: warning: NEST {nest.__version__}, expected {want}", file=sys.stderr)
    return nest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures" / "nest"))
    ap.add_argument("--models", default=str(DEFAULT_MODELS_DIR),
                    help="folder with the NESTML library's <name>_neuron.nestml files")
    ap.add_argument("--only", nargs="*", help="NEST model names to regenerate")
    ap.add_argument("--no-self-check", action="store_true")
    args = ap.parse_args(argv)

    nest = import_nest("nest_reference")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t_all = time.time()
    err = None
    if not args.no_self_check:
        err = self_check(nest)
        print(f"self-check: Python iaf_psc_exp and izhikevich vs NEST, max rel err {err:.2e}")
    models = args.only or list(MODELS)
    timings = []
    for model in models:
        cfg = MODELS[model]
        nestml_path = Path(args.models) / f"{model}_neuron.nestml"
        nestml_params = read_nestml_parameters(nestml_path)
        for pm in cfg["pmap"]:
            if pm[1] not in nestml_params:
                raise AssertionError(f"{model}: NESTML parameter {pm[1]} not in {nestml_path}")
        t0 = time.time()
        (out / model).mkdir(exist_ok=True)
        for scenario, h in scenarios_for(cfg):
            fx = build_fixture(nest, model, cfg, nestml_params, scenario, h)
            path = out / model / f"{scenario}_dt{dt_tag(h)}.json"
            dump_fixture(fx, path)
            n = (sum(len(s) for s in fx["spike_times"]) if scenario == "fI"
                 else len(fx["spike_times"]))
            print(f"{model:18s} {scenario:13s} dt={h:<5g} spikes={n:<5d} "
                  f"{fx['seconds']:7.2f} s  {path.stat().st_size:8d} B", flush=True)
        timings.append(f"| {model} | {time.time() - t0:.1f} |")
    total = time.time() - t_all
    timing_text = ("| model | seconds (all scenarios and resolutions) |\n|---|---|\n"
                   + "\n".join(timings) + f"\n\nTotal {total:.1f} s (this run"
                   + (", --only" if args.only else "") + ").")
    if args.only:
        timing_text = ("(last run was partial, --only; per-file `seconds` are in the fixtures)")
    write_readme(out, timing_text, err)
    print(f"total {total:.1f} s; README at {out / 'README.md'}")


if __name__ == "__main__":
    main()
