#!/usr/bin/env python3
"""Record what ODE-toolbox 3.0 decides and computes for every NESTML model, as driven by PyNESTML 9.0.

Usage:
    odetoolbox_reference.py [--models DIR] [--out DIR] [--jobs N] [--python PY]
                            [--only NAME ...] [--timeout S]

For every ``.nestml`` file under DIR (default: ``../shared/nestml-models`` next to
the repository), one fresh Python subprocess (PyNESTML keeps global state) runs
PyNESTML's NEST code generation (``generate_target(target_platform="NEST")``,
code is written to a temporary directory, nothing is built) with two hooks:

* ``odetoolbox.analysis`` is replaced by a wrapper that records the input dict
  and the keyword arguments PyNESTML passes, ODE-toolbox's raw output (the
  solver list) and ODE-toolbox's internal system ``x' = A x + b + c`` (from
  ``odetoolbox._analysis``, which ``analysis`` calls anyway) and its warnings;
* ``ODEToolboxTransformer.ode_toolbox_analysis`` (PyNESTML's only caller of
  ``odetoolbox.analysis`` for the NEST target) is wrapped so that every call is
  labelled with the model it analyses, and the model's parameters, internals,
  state initial values and input ports are read at that moment.

PyNESTML calls ODE-toolbox once per model with equations (``label = "full"``:
analytic solver enabled, stiffness test disabled, singularity detection on,
singularity mitigation off) and, if that result has a numeric part next to an
analytic one, a second time with the analytic solver disabled
(``label = "numeric_only"``) to get a numeric stepping function over all state
variables.

Synapses with more than one spike input port (all STDP models) fail in
PyNESTML's NEST code generator ("Synapses only support one spiking input
port"), but only after the transformers have run, so the standalone ODE-toolbox
call is still recorded (``codegen_error`` says what failed afterwards). For these
synapses a second subprocess additionally generates the synapse paired with a
neuron through ``codegen_opts={"neuron_synapse_pairs": ...}`` (``paired_run`` in
the fixture; there the postsynaptic traces move into the neuron).

The analytic blocks are then evaluated at the model's default parameter values
and h = 0.1 ms:

* ``odetoolbox.P`` / ``odetoolbox.q``: the propagators ``__P__x__y`` and the
  update expressions evaluated with 100-digit inputs (the exact decimal values),
  stored to 50 significant digits (``"hp"``), and in plain float64 (``P_f64``,
  ``q_f64``); ``q`` is the update at state 0; ``P_from_update_expressions`` is
  the column-by-column cross-check ``update(e_j) - update(0)``;
* ``reference``: ``expm`` of the augmented matrix ``[[A, B], [0, 0]] * h`` with
  mpmath at 70 digits (rounded to 50), from ODE-toolbox's own system matrix A
  and inhomogeneous vector b of the block; this gives ``P`` and ``q`` (and the
  per-input columns of ``q``) independently of ODE-toolbox's closed forms;
* ``singular_in_odetoolbox``: ODE-toolbox's closed form is non-finite at the
  defaults or differs from the reference by more than 1e-30 (relative) even at
  50 digits; ``f64_precision_loss``: its float64 evaluation differs from the
  reference by more than 1e-12 (relative, per entry) or is not finite;
* ``singularity_probes``: for every condition ODE-toolbox warns about (e.g.
  ``tau_m = tau_syn_exc``; PyNESTML switches ODE-toolbox's mitigation off), the
  block evaluated (closed forms in float64 and the expm reference) with one
  symbol set to the other's default value times 1, 1 +- 1e-8 and 1 +- 1e-4
  (``__h = 0`` at h = 0).

Values used for the evaluation: parameters and internals as PyNESTML's C++
printer would see them (number literals with units converted to NEST's units
ms, mV, pA, nS, pF, ...; full float precision), ``resolution()`` = h; state
variables that are not integrated by the block but occur in it take their
initial values; continuous input ports and spike input ports are 0 (``q`` is
affine in them: ``q_input_columns`` gives the column per input). Every value
that had to be assumed is listed in ``assumed_values``. Where PyNESTML's
ODE-toolbox printer hands ODE-toolbox a different value (unit of a number
literal dropped, or only 9 significant digits printed), the declaration is
listed in ``odetoolbox_printer_discrepancies``.

The (kernel, spike port) entries that PyNESTML appends to the ODE-toolbox input
come in a run-dependent order (PyNESTML iterates over a set of AST objects); the
hook sorts them before calling ODE-toolbox, and workers run with
PYTHONHASHSEED=0, so that the fixtures are reproducible.

Output: one ``<model name>.json`` per model (keys sorted, floats as Python
``repr``; non-finite numbers as ``null`` with the string next to it) and
``SUMMARY.md``. Must be run by (or pointed with --python at) a Python that has
nestml==9.0.0 and odetoolbox==3.0.0 (``bash tools/setup_venv.sh``).
"""

import argparse
import concurrent.futures
import copy
import fractions
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback

H_MS = "1/10"                 # the time step, ms, as an exact rational
HP_DIGITS = 50                # significant digits stored
WORK_DPS = 70                 # working precision of the mpmath reference
SUBS_DPS = 100                # precision of the values substituted into ODE-toolbox's expressions
SINGULAR_HP_TOL = 1e-30       # ODE-toolbox's closed form at 50 digits vs. the expm reference
F64_TOL = 1e-12               # ODE-toolbox's closed form in float64 vs. the expm reference
WORKER_TIMEOUT_S = 1800
PROBE_RATIOS_STR = ["1", "1 + 1/10**8", "1 - 1/10**8", "1 + 1/10**4", "1 - 1/10**4"]
NEST_VERSION = "v3.8.0"       # assumed NEST version (PyNESTML otherwise imports nest to detect it)

# Synapses that have more spike ports than pre_spikes: the neuron to pair them with
# and the neuron_synapse_pairs entry (format of PyNESTML 9).
PAIRINGS = {
    "stdsp_synapse": ("tutorials/iaf_psc_exp_nonlineardendrite_neuron.nestml",
                      {"post_ports": ["post_spikes", ["dAP_trace", "dAP_trace"]]}),
    "neuromodulated_stdp_synapse": ("neurons/iaf_psc_exp_neuron.nestml",
                                    {"post_ports": ["post_spikes"], "vt_ports": ["mod_spikes"]}),
}
DEFAULT_PAIR_NEURON = "neurons/iaf_psc_exp_neuron.nestml"


# ----------------------------------------------------------------------------------------------
# worker side: runs PyNESTML in a fresh process
# ----------------------------------------------------------------------------------------------

def _probe_ratios():
    import sympy
    return [sympy.Rational(1), sympy.Rational(1) + sympy.Rational(1, 10**8), sympy.Rational(1) - sympy.Rational(1, 10**8),
            sympy.Rational(1) + sympy.Rational(1, 10**4), sympy.Rational(1) - sympy.Rational(1, 10**4)]


def _jsonable(obj):
    """Deep-copy an ODE-toolbox dict into plain JSON types (sympy objects become strings)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else repr(obj)
    return str(obj)


class _Recorder:
    def __init__(self):
        self.contexts = []          # one per call of ODEToolboxTransformer.ode_toolbox_analysis
        self.current = None
        self.stray_calls = []       # odetoolbox.analysis calls made outside of the transformer


def _install_hooks(rec):
    import logging
    import odetoolbox
    import pynestml.frontend.pynestml_frontend as fe
    from pynestml.codegeneration.nest_tools import NESTTools
    from pynestml.transformers.ode_toolbox_transformer import ODEToolboxTransformer

    # PyNESTML's NEST code generator imports the nest module to learn its version; we have no NEST
    NESTTools.detect_nest_version = classmethod(lambda cls: NEST_VERSION)
    # generate code only, never build
    fe.builder_from_target_name = lambda target_name, options=None: (None, dict(options or {}))

    original_analysis = odetoolbox._analysis

    class _ListHandler(logging.Handler):
        def __init__(self):
            super().__init__(level=logging.WARNING)
            self.records = []

        def emit(self, record):
            self.records.append("%s: %s" % (record.levelname, record.getMessage()))

    def hooked_analysis(indict, **kwargs):
        # PyNESTML appends one entry per (kernel, spike port) pair after the ODEs, iterating over a
        # set of AST objects: their order changes from run to run. Sort these entries (only them)
        # so that the fixtures are reproducible; the order only permutes ODE-toolbox's states.
        indict = copy.deepcopy(indict)
        dyn = indict.get("dynamics", [])
        kernel_idx = [i for i, e in enumerate(dyn) if "__X__" in e.get("expression", "").split("=")[0]]
        for i, e in zip(kernel_idx, sorted((dyn[i] for i in kernel_idx), key=lambda e: e["expression"])):
            dyn[i] = e
        call = {"input": _jsonable(copy.deepcopy(indict)), "kwargs": _jsonable(dict(kwargs))}
        handler = _ListHandler()
        logger = logging.getLogger("odetoolbox")
        logger.addHandler(handler)
        run_kwargs = dict(kwargs)
        run_kwargs["log_level"] = "WARNING"   # PyNESTML passes ERROR; we want to see the warnings
        t0 = time.time()
        try:
            result, shape_sys, _shapes = original_analysis(indict, **run_kwargs)
        finally:
            logger.removeHandler(handler)
        call["seconds"] = round(time.time() - t0, 3)
        call["warnings"] = handler.records
        call["output"] = _jsonable(copy.deepcopy(result))
        call["_shape_sys"] = shape_sys      # kept in memory for the evaluation, not written
        if rec.current is not None:
            n = len(rec.current["calls"])
            call["label"] = "full" if n == 0 else ("numeric_only" if n == 1 else "call_%d" % n)
            rec.current["calls"].append(call)
        else:
            call["label"] = "outside_transformer"
            rec.stray_calls.append(call)
        return result

    odetoolbox.analysis = hooked_analysis

    original_ota = ODEToolboxTransformer.ode_toolbox_analysis

    def hooked_ota(self, model, kernel_buffers, metadata):
        ctx = {"model": model.get_name(), "calls": []}
        rec.current = ctx
        try:
            return original_ota(self, model, kernel_buffers, metadata)
        finally:
            rec.current = None
            try:
                ctx["declarations"] = _read_declarations(model, self._ode_toolbox_printer)
            except Exception:  # noqa: BLE001
                ctx["declarations_error"] = traceback.format_exc()
            rec.contexts.append(ctx)

    ODEToolboxTransformer.ode_toolbox_analysis = hooked_ota


def _faithful_printer():
    """An ODE-toolbox (sympy syntax) expression printer that keeps the units of number literals
    (converted to NEST's units as PyNESTML's C++ printer does) and prints floats with full precision."""
    import astropy.units
    from pynestml.codegeneration.nest_unit_converter import NESTUnitConverter
    from pynestml.codegeneration.printers.constant_printer import ConstantPrinter
    from pynestml.codegeneration.printers.ode_toolbox_expression_printer import ODEToolboxExpressionPrinter
    from pynestml.codegeneration.printers.ode_toolbox_function_call_printer import ODEToolboxFunctionCallPrinter
    from pynestml.codegeneration.printers.ode_toolbox_variable_printer import ODEToolboxVariablePrinter
    from pynestml.codegeneration.printers.sympy_simple_expression_printer import SympySimpleExpressionPrinter
    from pynestml.symbols.predefined_units import PredefinedUnits

    class FullPrecisionConstantPrinter(ConstantPrinter):
        def print_constant(self, node):
            short = super().print_constant(node)
            if isinstance(node, float) and float(short) != node:
                return repr(node)    # PyNESTML's 9 significant digits would change the value
            return short

    class UnitFaithfulSimplePrinter(SympySimpleExpressionPrinter):
        def print_simple_expression(self, node):
            if node.is_numeric_literal_with_unit():
                factor = 1
                try:
                    factor = NESTUnitConverter.get_factor(PredefinedUnits.get_unit(node.get_variable().get_complete_name()).get_unit())
                except BaseException:  # noqa: B036
                    pass
                try:
                    factor = NESTUnitConverter.get_factor(astropy.units.Unit(str(node.unitType)))
                except BaseException:  # noqa: B036
                    pass
                literal = self._constant_printer.print_constant(node.get_numeric_literal())
                # astropy's factors carry rounding noise (uS -> nS is 999.9999999999999); unit factors
                # are exact powers of ten and their products, so 12 significant digits restore them
                factor = float("%.12g" % factor)
                if factor != 1:
                    return "(" + literal + " * " + repr(factor) + ")"
                return literal
            return super().print_simple_expression(node)

    var_printer = ODEToolboxVariablePrinter(None)
    fn_printer = ODEToolboxFunctionCallPrinter(None)
    printer = ODEToolboxExpressionPrinter(simple_expression_printer=UnitFaithfulSimplePrinter(
        variable_printer=var_printer, constant_printer=FullPrecisionConstantPrinter(), function_call_printer=fn_printer))
    var_printer._expression_printer = printer
    fn_printer._expression_printer = printer
    return printer


def _read_declarations(model, otb_printer):
    """Parameters, internals, state initial values, input ports and ODE right-hand sides of the model,
    printed both by PyNESTML's ODE-toolbox printer and by a unit- and precision-faithful printer."""
    from pynestml.utils.ast_utils import ASTUtils
    faithful = _faithful_printer()

    def block_decls(blocks):
        out = []
        for block in blocks:
            for decl in block.get_declarations():
                if decl.get_expression() is None:
                    continue
                for var in decl.get_variables():
                    item = {"name": ASTUtils.to_ode_toolbox_name(var.get_complete_name()) if hasattr(ASTUtils, "to_ode_toolbox_name") else var.get_complete_name()}
                    for key, printer in (("odetoolbox_printer", otb_printer), ("faithful", faithful)):
                        try:
                            item[key] = printer.print(decl.get_expression())
                        except Exception as e:  # noqa: BLE001
                            item[key] = None
                            item[key + "_error"] = "%s: %s" % (type(e).__name__, e)
                    out.append(item)
        return out

    decls = {
        "parameters": block_decls(model.get_parameters_blocks()),
        "internals": block_decls(model.get_internals_blocks()),
        "state": block_decls(model.get_state_blocks()),
        "input_ports": [],
        "odes": [],
    }
    for block in model.get_input_blocks():
        for port in block.get_input_ports():
            decls["input_ports"].append({"name": port.get_name(),
                                         "kind": "spike" if port.is_spike() else "continuous"})
    for eqs in model.get_equations_blocks():
        for ode in eqs.get_ode_equations():
            item = {"lhs": ASTUtils.to_ode_toolbox_name(ode.get_lhs().get_complete_name())}
            for key, printer in (("odetoolbox_printer", otb_printer), ("faithful", faithful)):
                try:
                    item[key] = printer.print(ode.get_rhs())
                except Exception as e:  # noqa: BLE001
                    item[key] = None
                    item[key + "_error"] = "%s: %s" % (type(e).__name__, e)
            decls["odes"].append(item)
    return decls


# ---------------- evaluation ----------------

def _sympy_env():
    import sympy
    from odetoolbox.shapes import Shape
    env = dict(Shape._sympy_globals)
    env.update({
        "ln": sympy.log, "log10": lambda x: sympy.log(x, 10), "expm1": lambda x: sympy.exp(x) - 1,
        "erf": sympy.erf, "erfc": sympy.erfc, "sqrt": sympy.sqrt, "abs": sympy.Abs, "Abs": sympy.Abs,
        "Piecewise": sympy.Piecewise, "Min": sympy.Min, "Max": sympy.Max, "Heaviside": sympy.Heaviside,
        "inf": sympy.oo, "oo": sympy.oo, "pi": sympy.pi, "ceiling": sympy.ceiling, "floor": sympy.floor,
        "sign": sympy.sign, "Mod": sympy.Mod, "sympy": sympy, "True": sympy.true, "False": sympy.false,
        "log": sympy.log, "exp": sympy.exp, "zoo": sympy.zoo, "nan": sympy.nan,
    })
    return env


def _parse(s):
    from odetoolbox.sympy_helpers import _sympy_parse_real
    s = s.replace("resolution()", "__h")
    s = re.sub(r"\bsteps\(", "__steps(", s)
    import sympy
    env = _sympy_env()
    # NEST's steps(): number of time steps, taken here as the nearest integer of x / h (only internals
    # such as refractory counts use it; it never enters an ODE of the library)
    env["__steps"] = lambda x: sympy.floor(x / sympy.Symbol("__h", real=True) + sympy.Rational(1, 2))
    return _sympy_parse_real(s, global_dict=env)


def _rationalize(expr):
    """Replace every float in the expression by the exact rational with the same decimal digits."""
    import sympy
    return expr.replace(lambda e: isinstance(e, sympy.Float), lambda e: sympy.Rational(str(e)) if e.is_finite else e)


def _hp(v):
    """A value ready for substitution: exact rationals become SUBS_DPS-digit floats, so that sympy
    never evaluates transcendental functions of big rationals exactly (which can take forever)."""
    import sympy
    return sympy.Float(v, SUBS_DPS) if isinstance(v, sympy.Rational) else v


def _subs_hp(expr, values):
    """The expression with every known symbol replaced by its SUBS_DPS-digit value."""
    return _rationalize(expr).xreplace({s: _hp(values[str(s)]) for s in expr.free_symbols if str(s) in values})


def _exact_value(expr, values):
    """Value of a declaration's expression: an exact rational if it is a rational function of exact
    values, else a SUBS_DPS-digit float; None if symbols without a value remain."""
    import sympy
    expr = _rationalize(expr)
    sub = {s: values[str(s)] for s in expr.free_symbols if str(s) in values}
    rational_only = (not expr.atoms(sympy.Function) and all(p.exp.is_Integer for p in expr.atoms(sympy.Pow))
                     and all(isinstance(v, sympy.Rational) for v in sub.values()))
    if rational_only:
        val = expr.xreplace(sub)
    else:
        val = _subs_hp(expr, values)
    if val.free_symbols or val.atoms(sympy.core.function.AppliedUndef):
        return None    # unknown symbols, or functions without a value (random numbers, user functions)
    if isinstance(val, sympy.Rational) or val.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return val
    try:
        return sympy.Float(sympy.N(val, SUBS_DPS), SUBS_DPS)
    except (TypeError, ValueError):
        return val


def _num_str(v, digits=HP_DIGITS):
    import sympy
    if v is None:
        return None
    v = sympy.sympify(v)
    if v.has(sympy.nan) or v.has(sympy.zoo) or v.has(sympy.oo) or v.has(-sympy.oo):
        return str(v)
    n = sympy.N(v, digits)
    if n.is_zero:
        return "0"
    return str(n)


def _exact_str(v):
    """An exact rational as "p/q" or "p"; anything else to HP_DIGITS digits."""
    import sympy
    v = sympy.sympify(v)
    if v.is_Rational:
        return str(v)
    return _num_str(v)


def _to_float(v):
    """(float or None, string of the non-finite value or None)"""
    import sympy
    if v is None:
        return None, "unevaluable"
    try:
        v = sympy.sympify(v)
        if v.has(sympy.nan) or v.has(sympy.zoo):
            return None, str(v)
        f = float(sympy.N(v, 60))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as e:
        return None, "%s" % (e,)
    if not math.isfinite(f):
        return None, repr(f)
    return f, None


def _num_entry(v):
    f, bad = _to_float(v)
    entry = {"hp": _num_str(v), "float": f}
    if bad is not None:
        entry["nonfinite"] = bad
    return entry


def _resolve_values(ctx, overrides=None, check_printer=True):
    """Exact values of __h, parameters, internals and state initial values (as the C++ code sees them);
    ``overrides`` (name -> exact value) replace declarations, and everything depending on them follows.

    Returns (values, provenance, discrepancies)."""
    import sympy
    values = {"__h": sympy.Rational(H_MS)}
    provenance = {"__h": "time step h = 0.1 ms"}
    for k, v in (overrides or {}).items():
        values[k] = v
        provenance[k] = "override"
    decls = ctx.get("declarations", {})
    groups = [("parameters", decls.get("parameters", [])), ("internals", decls.get("internals", [])),
              ("state", decls.get("state", []))]
    pending = []
    for group, items in groups:
        for item in items:
            if item.get("faithful") is None:
                continue
            try:
                pending.append((group, item, _parse(item["faithful"])))
            except Exception as e:  # noqa: BLE001
                provenance.setdefault("_unparsed", []).append("%s %s: %s" % (group, item["name"], e))
    progress = True
    while pending and progress:
        progress = False
        rest = []
        for group, item, expr in pending:
            if item["name"] in values:
                continue
            v = _exact_value(expr, values)
            if v is None:
                rest.append((group, item, expr))
                continue
            values[item["name"]] = v
            provenance[item["name"]] = group
            progress = True
        pending = rest

    discrepancies = []
    if not check_printer:
        return values, provenance, discrepancies
    for group, items in groups[:2]:
        for item in items:
            name = item["name"]
            if name not in values or item.get("odetoolbox_printer") is None:
                continue
            try:
                v_otb = _exact_value(_parse(item["odetoolbox_printer"]), values)
            except Exception:  # noqa: BLE001
                v_otb = None
            if v_otb is None:
                continue
            try:
                same = v_otb == values[name] or sympy.simplify(v_otb - values[name]) == 0
            except Exception:  # noqa: BLE001
                same = False
            if not same:
                discrepancies.append({"name": name, "block": group,
                                      "odetoolbox_printer": item["odetoolbox_printer"],
                                      "faithful": item["faithful"],
                                      "odetoolbox_value": _num_str(v_otb, 20), "faithful_value": _num_str(values[name], 20)})
    for item in decls.get("odes", []):
        if item.get("odetoolbox_printer") != item.get("faithful"):
            discrepancies.append({"name": item["lhs"], "block": "equations",
                                  "odetoolbox_printer": item["odetoolbox_printer"], "faithful": item["faithful"]})
    return values, provenance, discrepancies


def _rel_err(a, ref):
    """|a - ref| / |ref| (|a - ref| where ref == 0); mpmath numbers; None if a is not finite."""
    import mpmath
    if a is None or not mpmath.isfinite(a):
        return None
    d = abs(a - ref)
    return d / abs(ref) if ref != 0 else d


def _evaluate_block(solver, shape_sys, ctx_values, provenance, decls, compact=False):
    import mpmath
    import sympy
    from odetoolbox.config import Config

    state = list(solver["state_variables"])
    n = len(state)
    syms = [sympy.Symbol(s, real=True) for s in state]
    sub = shape_sys.get_sub_system(syms)
    # the sub-system keeps the order of shape_sys.x_; reorder to the solver's state order
    order = [[str(x) for x in sub.x_].index(s) for s in state]
    A = sympy.Matrix(n, n, lambda i, j: sub.A_[order[i], order[j]])
    b = sympy.Matrix(n, 1, lambda i, _j: sub.b_[order[i], 0])
    c = sympy.Matrix(n, 1, lambda i, _j: sub.c_[order[i], 0])
    h_sym = Config().output_timestep_symbol
    prefix = Config().propagators_prefix

    prop_exprs = {k: _parse(v) for k, v in solver.get("propagators", {}).items()}
    upd_exprs = {k: _parse(v) for k, v in solver.get("update_expressions", {}).items()}

    # classify the free symbols of the block
    state_names = set(state)
    port_kinds = {p["name"]: p["kind"] for p in decls.get("input_ports", [])}
    all_free = set()
    for e in list(A) + list(b) + list(c) + list(prop_exprs.values()) + list(upd_exprs.values()):
        all_free |= {str(s) for s in e.free_symbols}
    all_free -= state_names
    all_free -= set(prop_exprs.keys())
    values = {h_sym: ctx_values.get(h_sym, sympy.Rational(H_MS))}
    assumed = {}
    inputs = []           # symbols q is affine in (held constant over the step)
    unresolved = []
    for name in sorted(all_free):
        if name == h_sym:
            continue
        if name in port_kinds:
            values[name] = sympy.Integer(0)
            inputs.append(name)
            assumed[name] = {"value": "0", "why": "%s input port, held over the step; q is given for 0 and per unit (q_input_columns)" % port_kinds[name]}
        elif name in ctx_values and provenance.get(name) == "state":
            values[name] = ctx_values[name]
            inputs.append(name)
            assumed[name] = {"value": _num_str(ctx_values[name], 20), "why": "state variable not integrated by this block: its initial value; q_input_columns gives the column per unit"}
        elif name in ctx_values:
            values[name] = ctx_values[name]
        else:
            unresolved.append(name)

    block = {} if compact else {
        "state_variables": state,
        "system": {"A": [[str(A[i, j]) for j in range(n)] for i in range(n)],
                   "b": [str(b[i, 0]) for i in range(n)],
                   "c": [str(c[i, 0]) for i in range(n)]},
        "initial_values": solver.get("initial_values", {}),
        "propagators": solver.get("propagators", {}),
        "update_expressions": solver.get("update_expressions", {}),
    }
    block.update({
        "assumed_values": assumed,
        "values_used": {k: _exact_str(v) for k, v in sorted(values.items())},
        "inputs": inputs,
    })
    if unresolved:
        block["unresolved_symbols"] = unresolved
        block["evaluation_error"] = "symbols without a value: " + ", ".join(unresolved)
        return block
    if any(not sympy.sympify(ci).is_zero for ci in c):
        block["evaluation_error"] = "nonlinear part c of the analytic block is not zero"
        return block

    def exact(e):
        return _subs_hp(e, values)

    # ---- ODE-toolbox's closed forms at 50 digits ----
    P_hp = [[None] * n for _ in range(n)]
    P_exact = {}
    for i in range(n):
        for j in range(n):
            key = "%s__%s__%s" % (prefix, state[i], state[j])
            if key in prop_exprs:
                v = exact(prop_exprs[key])
                P_exact[key] = v
                P_hp[i][j] = v
            else:
                P_hp[i][j] = sympy.Integer(0)

    def upd_at(x_vals, input_vals=None):
        out = []
        for i in range(n):
            e = upd_exprs[state[i]]
            subs = {sympy.Symbol(k, real=True): v for k, v in P_exact.items()}
            for j in range(n):
                subs[syms[j]] = x_vals[j]
            e = _rationalize(e).xreplace(subs)
            vals = dict(values)
            if input_vals:
                vals.update(input_vals)
            e = e.xreplace({s: _hp(vals[str(s)]) for s in e.free_symbols if str(s) in vals})
            out.append(e)
        return out

    zero = [sympy.Integer(0)] * n
    q_hp = upd_at(zero)
    P_upd = [[None] * n for _ in range(n)]
    for j in range(n):
        ej = [sympy.Integer(1 if k == j else 0) for k in range(n)]
        col = upd_at(ej)
        for i in range(n):
            P_upd[i][j] = col[i] - q_hp[i]
    q_cols_hp = {}
    for name in inputs:
        base = {name: values[name]}
        plus = {name: values[name] + 1}
        q0 = upd_at(zero, base)
        q1 = upd_at(zero, plus)
        q_cols_hp[name] = [q1[i] - q0[i] for i in range(n)]

    # ---- ODE-toolbox's closed forms in float64 ----
    fvals = {}
    for k, v in values.items():
        try:
            fvals[k] = float(sympy.N(v, 30))
        except (TypeError, ValueError):
            fvals[k] = float("nan")

    def f64_eval(e, extra=None):
        env = dict(fvals)
        if extra:
            env.update(extra)
        fs = sorted(e.free_symbols, key=str)
        try:
            fn = sympy.lambdify(fs, e, modules=["math"])
            return float(fn(*[env[str(s)] for s in fs]))
        except (ZeroDivisionError, OverflowError, ValueError, KeyError, TypeError):
            return float("nan")

    P_f64 = [[0.0] * n for _ in range(n)]
    P_f64_named = {}
    for i in range(n):
        for j in range(n):
            key = "%s__%s__%s" % (prefix, state[i], state[j])
            if key in prop_exprs:
                P_f64[i][j] = f64_eval(prop_exprs[key])
                P_f64_named[key] = P_f64[i][j]
    q_f64 = []
    for i in range(n):
        extra = dict(P_f64_named)
        extra.update({s: 0.0 for s in state})
        q_f64.append(f64_eval(upd_exprs[state[i]], extra))

    # ---- independent reference: expm of the augmented matrix, mpmath ----
    mpmath.mp.dps = WORK_DPS
    cols = [b.applyfunc(exact)]
    for name in inputs:
        cols.append(b.applyfunc(lambda e: sympy.diff(e, sympy.Symbol(name, real=True))).applyfunc(exact))
    m = n + len(cols)
    M = mpmath.zeros(m, m)

    def to_mp(e):
        return mpmath.mpf(str(sympy.N(e, WORK_DPS + 10)))

    h_mp = to_mp(values[h_sym])

    for i in range(n):
        for j in range(n):
            M[i, j] = to_mp(exact(A[i, j])) * h_mp
        for k, col in enumerate(cols):
            M[i, n + k] = to_mp(col[i, 0]) * h_mp
    E = mpmath.expm(M, method="taylor")
    E2 = mpmath.expm(M, method="pade")
    ref_check = max([abs(E[i, j] - E2[i, j]) / max(abs(E[i, j]), mpmath.mpf(10) ** -WORK_DPS)
                     for i in range(m) for j in range(m)] or [mpmath.mpf(0)])
    P_ref = [[E[i, j] for j in range(n)] for i in range(n)]
    q_ref = [E[i, n] for i in range(n)]
    q_cols_ref = {name: [E[i, n + 1 + k] for i in range(n)] for k, name in enumerate(inputs)}

    def mp_str(x):
        if x == 0:
            return "0"
        return mpmath.nstr(x, HP_DIGITS, strip_zeros=False)

    def mp_entry(x):
        return {"hp": mp_str(x), "float": float(x)}

    def sym_to_mp(v):
        try:
            vv = sympy.N(v, WORK_DPS)
            if vv.has(sympy.nan) or vv.has(sympy.zoo) or vv.has(sympy.oo) or vv.has(-sympy.oo) or vv.free_symbols:
                return None
            return mpmath.mpf(str(vv))
        except (TypeError, ValueError):
            return None

    # ---- comparisons ----
    def max_rel(pairs):
        worst = mpmath.mpf(0)
        bad = 0
        for a, r in pairs:
            e = _rel_err(a, r)
            if e is None:
                bad += 1
            elif e > worst:
                worst = e
        return worst, bad

    P_pairs_hp = [(sym_to_mp(P_hp[i][j]), P_ref[i][j]) for i in range(n) for j in range(n)]
    q_pairs_hp = [(sym_to_mp(q_hp[i]), q_ref[i]) for i in range(n)]
    qc_pairs_hp = [(sym_to_mp(q_cols_hp[nm][i]), q_cols_ref[nm][i]) for nm in inputs for i in range(n)]
    P_pairs_f = [(mpmath.mpf(P_f64[i][j]) if math.isfinite(P_f64[i][j]) else None, P_ref[i][j]) for i in range(n) for j in range(n)]
    q_pairs_f = [(mpmath.mpf(q_f64[i]) if math.isfinite(q_f64[i]) else None, q_ref[i]) for i in range(n)]
    upd_pairs = [(sym_to_mp(P_upd[i][j]), sym_to_mp(P_hp[i][j]) if sym_to_mp(P_hp[i][j]) is not None else mpmath.mpf(0))
                 for i in range(n) for j in range(n)]

    err_P_hp, bad_P_hp = max_rel(P_pairs_hp)
    err_q_hp, bad_q_hp = max_rel(q_pairs_hp + qc_pairs_hp)
    err_P_f, bad_P_f = max_rel(P_pairs_f)
    err_q_f, bad_q_f = max_rel(q_pairs_f)
    err_upd, bad_upd = max_rel(upd_pairs)

    singular_entries = []
    for i in range(n):
        for j in range(n):
            e = _rel_err(P_pairs_hp[i * n + j][0], P_ref[i][j])
            if e is None or e > SINGULAR_HP_TOL:
                singular_entries.append({"entry": "P[%s, %s]" % (state[i], state[j]),
                                         "odetoolbox_hp": _num_str(P_hp[i][j]), "reference": mp_str(P_ref[i][j])})
    for i in range(n):
        e = _rel_err(q_pairs_hp[i][0], q_ref[i])
        if e is None or e > SINGULAR_HP_TOL:
            singular_entries.append({"entry": "q[%s]" % state[i], "odetoolbox_hp": _num_str(q_hp[i]), "reference": mp_str(q_ref[i])})
    f64_entries = []
    for i in range(n):
        for j in range(n):
            e = _rel_err(P_pairs_f[i * n + j][0], P_ref[i][j])
            if e is None or e > F64_TOL:
                f64_entries.append({"entry": "P[%s, %s]" % (state[i], state[j]), "odetoolbox_f64": _float_or_str(P_f64[i][j]),
                                    "reference": float(P_ref[i][j]), "rel_err": None if e is None else float(e)})
    for i in range(n):
        e = _rel_err(q_pairs_f[i][0], q_ref[i])
        if e is None or e > F64_TOL:
            f64_entries.append({"entry": "q[%s]" % state[i], "odetoolbox_f64": _float_or_str(q_f64[i]),
                                "reference": float(q_ref[i]), "rel_err": None if e is None else float(e)})

    block["odetoolbox"] = {
        "P": [[_num_entry(P_hp[i][j]) for j in range(n)] for i in range(n)],
        "q": [_num_entry(q_hp[i]) for i in range(n)],
        "q_input_columns": {nm: [_num_entry(v) for v in q_cols_hp[nm]] for nm in inputs},
        "P_f64": [[_float_or_str(P_f64[i][j]) for j in range(n)] for i in range(n)],
        "q_f64": [_float_or_str(v) for v in q_f64],
        "P_from_update_expressions": [[_num_entry(P_upd[i][j]) for j in range(n)] for i in range(n)],
    }
    if compact:   # probes: ODE-toolbox's values in float64 only (its 50-digit values are in singular_entries)
        block["odetoolbox"] = {k: block["odetoolbox"][k] for k in ("P_f64", "q_f64")}
        block.pop("values_used", None)
    block["reference"] = {
        "method": "mpmath.expm(method='taylor') of [[A, b, db/du...], [0, 0]] * h at %d digits, stored to %d; "
                  "max relative difference to mpmath's Pade expm: %s" % (WORK_DPS, HP_DIGITS, mpmath.nstr(ref_check, 3)),
        "P": [[mp_entry(P_ref[i][j]) for j in range(n)] for i in range(n)],
        "q": [mp_entry(v) for v in q_ref],
        "q_input_columns": {nm: [mp_entry(v) for v in q_cols_ref[nm]] for nm in inputs},
    }
    block["comparison"] = {
        "max_rel_err_P_hp": float(err_P_hp), "nonfinite_P_hp": bad_P_hp,
        "max_rel_err_q_hp": float(err_q_hp), "nonfinite_q_hp": bad_q_hp,
        "max_rel_err_P_f64": float(err_P_f), "nonfinite_P_f64": bad_P_f,
        "max_rel_err_q_f64": float(err_q_f), "nonfinite_q_f64": bad_q_f,
        "max_rel_err_update_vs_propagators": float(err_upd), "nonfinite_update_vs_propagators": bad_upd,
    }
    block["singular_in_odetoolbox"] = bool(singular_entries)
    block["singular_entries"] = singular_entries
    block["f64_precision_loss"] = bool(f64_entries)
    block["f64_precision_loss_entries"] = f64_entries
    return block


def _float_or_str(x):
    return x if math.isfinite(x) else repr(x)


def _singularity_conditions(warnings):
    """The conditions ODE-toolbox lists after "List of all conditions that result in a division by zero"."""
    conds = []
    listing = False
    for w in warnings:
        msg = w.split(": ", 1)[1] if ": " in w else w
        if msg.startswith("List of all conditions"):
            listing = True
            continue
        if listing and msg.startswith("\t") and " = " in msg:
            lhs, rhs = msg.strip().split(" = ", 1)
            if (lhs, rhs) not in conds:
                conds.append((lhs, rhs))
            continue
        listing = False
    return conds


def _singularity_probes(ctx, solver, shape_sys, values, conds):
    """Evaluate the block where ODE-toolbox says its propagators divide by zero: one symbol of the
    condition is set to the other one's default value times each of PROBE_RATIOS (the one that occurs
    in fewer conditions is changed, so that e.g. tau_syn_inh := tau_m rather than tau_m := tau_syn_inh);
    ``__h = 0`` is probed at h = 0."""
    import sympy
    names = set()
    for e in list(solver.get("propagators", {}).values()) + list(solver.get("update_expressions", {}).values()):
        names |= {str(x) for x in _parse(e).free_symbols}
    count = {}
    for lhs, rhs in conds:
        for x in (lhs, rhs):
            count[x] = count.get(x, 0) + 1
    probes = []
    for lhs, rhs in conds:
        entry = {"condition": "%s = %s" % (lhs, rhs), "points": []}
        probes.append(entry)
        if not (lhs in names or any(str(x) in names for x in _parse(rhs).free_symbols)):
            entry["skipped"] = "condition does not concern this block"
            continue
        if lhs == "__h" or rhs == "__h":
            target, ratios, base = "__h", [None], sympy.Integer(0)
        else:
            target, other = lhs, rhs
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rhs) and count.get(rhs, 0) < count.get(lhs, 0):
                target, other = rhs, lhs
            base = _exact_value(_parse(other), values)
            if base is None:
                entry["skipped"] = "no value for " + other
                continue
            if base == 0:
                entry["skipped"] = "degenerate: %s = 0 makes the system matrix infinite; no reference" % target
                continue
            ratios = _probe_ratios()
        for ratio in ratios:
            v = base if ratio is None else base * ratio
            vals, prov, _ = _resolve_values(ctx, overrides={target: v}, check_printer=False)
            try:
                pb = _evaluate_block(solver, shape_sys, vals, prov, ctx.get("declarations", {}), compact=True)
            except Exception:  # noqa: BLE001
                pb = {"evaluation_error": traceback.format_exc()}
            pb["override"] = {"name": target, "value": _exact_str(v),
                              "ratio": "1" if ratio is None else str(ratio)}
            entry["points"].append(pb)
    return probes


def _evaluate_context(ctx):
    out = {"model": ctx["model"], "calls": []}
    for call in ctx["calls"]:
        c = {k: v for k, v in call.items() if not k.startswith("_")}
        ss = call.get("_shape_sys")
        if ss is not None:
            c["system"] = {"x": [str(v) for v in ss.x_],
                           "A": [[str(ss.A_[i, j]) for j in range(ss.A_.shape[1])] for i in range(ss.A_.shape[0])],
                           "b": [str(v) for v in ss.b_], "c": [str(v) for v in ss.c_]}
        out["calls"].append(c)
    if "declarations_error" in ctx:
        out["declarations_error"] = ctx["declarations_error"]
    out["declarations"] = ctx.get("declarations")
    values, provenance, discrepancies = _resolve_values(ctx)
    out["odetoolbox_printer_discrepancies"] = discrepancies
    out["default_values"] = {k: {"from": provenance.get(k), "value": _exact_str(v)}
                             for k, v in sorted(values.items())}
    if "_unparsed" in provenance:
        out["unparsed_declarations"] = provenance["_unparsed"]

    full = [c for c in ctx["calls"] if c.get("label") == "full"]
    out["analytic_blocks"] = []
    out["numeric"] = None
    if full:
        call = full[0]
        for solver in call["output"]:
            if solver["solver"].startswith("analytic"):
                try:
                    blk = _evaluate_block(solver, call["_shape_sys"], values, provenance, ctx.get("declarations", {}))
                    conds = _singularity_conditions(call.get("warnings", []))
                    blk["odetoolbox_singularity_conditions"] = ["%s = %s" % c for c in conds]
                    blk["singularity_probes"] = _singularity_probes(ctx, solver, call["_shape_sys"], values, conds)
                    out["analytic_blocks"].append(blk)
                except Exception:  # noqa: BLE001
                    out["analytic_blocks"].append({"state_variables": solver.get("state_variables"),
                                                   "evaluation_error": traceback.format_exc()})
            elif solver["solver"].startswith("numeric"):
                out["numeric"] = {"state_variables": solver["state_variables"], "solver": solver["solver"]}
        numeric_only = [c for c in ctx["calls"] if c.get("label") == "numeric_only"]
        if out["numeric"] is not None and numeric_only:
            ns = [s for s in numeric_only[0]["output"] if s["solver"].startswith("numeric")]
            if ns:
                out["numeric"]["numeric_only_rerun_state_variables"] = ns[0]["state_variables"]
    return out


def _worker(mode, nestml_file, work_dir, result_file, pair_neuron=None, pair_spec=None):
    import contextlib
    import io
    import faulthandler
    import signal
    faulthandler.register(signal.SIGUSR1)   # kill -USR1 <pid> prints where a slow worker is
    os.chdir(work_dir)
    sys.setrecursionlimit(10000)   # as PyNESTML's command-line entry point does
    rec = _Recorder()
    result = {"mode": mode, "codegen_error": None}
    captured = io.StringIO()
    t0 = time.time()
    try:
        _install_hooks(rec)
        from importlib.metadata import version
        from pynestml.codegeneration.nest_code_generator import NESTCodeGenerator
        from pynestml.frontend.pynestml_frontend import generate_target
        from pynestml.utils.logger import Logger, LoggingLevel
        result["versions"] = {"nestml": version("nestml"), "odetoolbox": version("odetoolbox"),
                              "sympy": version("sympy"), "mpmath": version("mpmath")}
        result["numeric_solver_option"] = NESTCodeGenerator._default_options.get("numeric_solver")
        codegen_opts = {}
        inputs = [nestml_file]
        if mode == "paired":
            inputs = [pair_neuron, nestml_file]
            codegen_opts["neuron_synapse_pairs"] = [pair_spec]
            # required by the NEST code generator for paired synapses; every synapse of the library calls it w
            codegen_opts["weight_variable"] = {syn: "w" for syn in pair_spec["synapses"]}
            result["codegen_opts"] = codegen_opts
        try:
            with contextlib.redirect_stdout(captured):
                generate_target(input_path=inputs if len(inputs) > 1 else inputs[0],
                                target_platform="NEST",
                                target_path=os.path.join(work_dir, "target"),
                                logging_level="ERROR",
                                module_name="nestmlmodule",
                                codegen_opts=codegen_opts or None)
        except BaseException as e:  # noqa: B036 -- PyNESTML can raise anything, even SystemExit
            result["codegen_error"] = "%s: %s" % (type(e).__name__, str(e).strip() or "(no message)")
            result["codegen_traceback"] = traceback.format_exc()[-3000:]
        errors = []
        for _, entry in sorted(Logger.get_log().items()):
            _artifact, _node, level, code, _pos, message = entry
            if level == LoggingLevel.ERROR:
                errors.append(str(message))
        result["pynestml_errors"] = errors
        result["pynestml_seconds"] = round(time.time() - t0, 2)
        result["analyses"] = [_evaluate_context(ctx) for ctx in rec.contexts]
        result["stray_calls"] = [{k: v for k, v in c.items() if not k.startswith("_")} for c in rec.stray_calls]
    except BaseException as e:  # noqa: B036
        result["worker_error"] = "%s: %s" % (type(e).__name__, e)
        result["worker_traceback"] = traceback.format_exc()
    result["seconds"] = round(time.time() - t0, 2)
    with open(result_file, "w", encoding="utf-8") as f:
        json.dump(result, f, sort_keys=True)


# ----------------------------------------------------------------------------------------------
# orchestrator side
# ----------------------------------------------------------------------------------------------

def _model_name(path):
    with open(path, encoding="utf-8") as f:
        m = re.search(r"^\s*model\s+([A-Za-z_][A-Za-z0-9_]*)\s*:", f.read(), re.M)
    return m.group(1) if m else os.path.splitext(os.path.basename(path))[0]


def _spike_ports(path):
    with open(path, encoding="utf-8") as f:
        return re.findall(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\]]*\])?\s*<-\s*(?:[a-z]+\s+)*spike\b", f.read(), re.M)


def _run_worker(python, args, timeout):
    with tempfile.TemporaryDirectory(prefix="otb_ref_") as tmp:
        result_file = os.path.join(tmp, "result.json")
        cmd = [python, os.path.abspath(__file__), "--worker", args[0], args[1], tmp, result_file] + list(args[2:])
        # a fixed hash seed makes ODE-toolbox's set iteration orders (and so its output order) reproducible
        env = dict(os.environ, PYTHONHASHSEED="0")
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, text=True, env=env)
        except subprocess.TimeoutExpired:
            return {"worker_error": "timeout after %d s" % timeout}
        if not os.path.exists(result_file):
            tail = (proc.stderr or "").strip().splitlines()[-8:]
            return {"worker_error": "worker exited with %d: %s" % (proc.returncode, " | ".join(tail))}
        with open(result_file, encoding="utf-8") as f:
            return json.load(f)


def _plan(models_dir, only):
    jobs = []
    for sub in ("neurons", "synapses", "tutorials"):
        d = os.path.join(models_dir, sub)
        if not os.path.isdir(d):
            continue
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(".nestml"):
                continue
            path = os.path.join(d, fn)
            name = _model_name(path)
            if only and name not in only:
                continue
            kind = "synapse" if sub == "synapses" else "neuron"
            job = {"name": name, "path": path, "rel": sub + "/" + fn, "kind": kind, "pair": None}
            ports = _spike_ports(path)
            if kind == "synapse" and len(ports) > 1:
                neuron_rel, spec = PAIRINGS.get(name, (DEFAULT_PAIR_NEURON, None))
                if spec is None:
                    spec = {"post_ports": [p for p in ports if "post" in p]}
                neuron_path = os.path.join(models_dir, neuron_rel)
                job["pair"] = {"neuron_rel": neuron_rel, "neuron_path": neuron_path,
                               "spec": {"neuron": _model_name(neuron_path), "synapses": {name: spec}}}
            jobs.append(job)
    return jobs


def _run_job(python, job, timeout):
    t0 = time.time()
    std = _run_worker(python, ["standalone", job["path"]], timeout)
    out = {"job": job, "standalone": std}
    if job["pair"] is not None:
        out["paired"] = _run_worker(python, ["paired", job["path"], job["pair"]["neuron_path"],
                                             json.dumps(job["pair"]["spec"])], timeout)
    out["seconds"] = round(time.time() - t0, 1)
    return out


def _clean_floats(obj):
    if isinstance(obj, dict):
        return {k: _clean_floats(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean_floats(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    return obj


def _fixture(res, h):
    job = res["job"]
    std = res["standalone"]
    fx = {
        "model": job["name"],
        "kind": job["kind"],
        "source": job["rel"],
        "h_ms": h,
        "driver": ("PyNESTML generate_target(target_platform='NEST') in a fresh process, code generated but not "
                   "built (NEST version assumed %s), odetoolbox.analysis hooked" % NEST_VERSION),
        "versions": std.get("versions"),
        "numeric_stepper": std.get("numeric_solver_option"),
        "numeric_stepper_note": ("PyNESTML calls ODE-toolbox with disable_stiffness_check=True, so ODE-toolbox "
                                 "returns solver 'numeric' without a stepper; the NEST code uses the code generator "
                                 "option numeric_solver, default shown here (GSL rkf45)."),
        "codegen_error": std.get("codegen_error"),
        "pynestml_errors": std.get("pynestml_errors"),
        "worker_error": std.get("worker_error"),
        "analyses": std.get("analyses", []),
        "stray_calls": std.get("stray_calls", []),
    }
    if "worker_traceback" in std:
        fx["worker_traceback"] = std["worker_traceback"]
    main = [a for a in fx["analyses"] if a["model"] == job["name"]]
    fx["main_analysis_index"] = fx["analyses"].index(main[0]) if main else None
    if "paired" in res:
        p = res["paired"]
        fx["paired_run"] = {
            "neuron_source": job["pair"]["neuron_rel"],
            "codegen_opts": p.get("codegen_opts"),
            "codegen_error": p.get("codegen_error"),
            "pynestml_errors": p.get("pynestml_errors"),
            "worker_error": p.get("worker_error"),
            "analyses": [a for a in p.get("analyses", []) if "__with_" in a["model"]],
            "note": "only the analyses of the paired models (names with '__with_') are kept; the unpaired neuron has its own fixture",
        }
    return _clean_floats(fx)


def _summary_row(fx):
    main = fx["analyses"][fx["main_analysis_index"]] if fx.get("main_analysis_index") is not None else None
    n_an = n_num = 0
    solver = "-"
    singular = []
    f64 = []
    errs = []
    conds = []
    if main is not None:
        for blk in main["analytic_blocks"]:
            n_an += len(blk["state_variables"])
            if blk.get("evaluation_error"):
                errs.append("evaluation: " + blk["evaluation_error"].strip().splitlines()[-1])
            for e in blk.get("singular_entries", []):
                singular.append(e["entry"])
            for e in blk.get("f64_precision_loss_entries", []):
                f64.append(e["entry"])
            for probe in blk.get("singularity_probes", []):
                conds.append(_probe_summary(probe))
        if main["numeric"]:
            n_num = len(main["numeric"]["state_variables"])
        parts = []
        if n_an:
            parts.append("analytic")
        if n_num:
            parts.append("numeric (%s)" % fx["numeric_stepper"])
        solver = " + ".join(parts) if parts else "-"
    elif fx.get("worker_error"):
        errs.append(fx["worker_error"])
    else:
        solver = "no ODEs"
    if fx.get("codegen_error"):
        errs.append("codegen: " + fx["codegen_error"].splitlines()[0])
    paired = ""
    if "paired_run" in fx:
        pr = fx["paired_run"]
        bits = []
        for a in pr["analyses"]:
            na = sum(len(b["state_variables"]) for b in a["analytic_blocks"])
            nn = len(a["numeric"]["state_variables"]) if a["numeric"] else 0
            bits.append("%s: %d/%d" % (a["model"], na, nn))
        if pr.get("codegen_error"):
            bits.append("codegen: " + pr["codegen_error"].splitlines()[0])
        paired = "; ".join(bits)
    return {"model": fx["model"], "source": fx["source"], "analytic": n_an, "numeric": n_num, "solver": solver,
            "singular": singular, "f64": f64, "errors": errs, "paired": paired, "conditions": conds}


def _probe_summary(probe):
    """One line per ODE-toolbox singularity condition: what its closed form gives there and nearby."""
    if probe.get("skipped"):
        return "%s (not probed: %s)" % (probe["condition"], probe["skipped"])
    bits = []
    by_ratio = {}
    for pt in probe["points"]:
        by_ratio.setdefault(pt["override"]["ratio"], []).append(pt)
        if pt["override"]["ratio"] == "1":
            if pt.get("evaluation_error"):
                bits.append("evaluation failed")
            else:
                n_bad = sum(1 for e in pt.get("singular_entries", []) if e["entry"].startswith("P"))
                bits.append("at %s = %s: %d P entries non-finite" % (pt["override"]["name"], pt["override"]["value"], n_bad))
    for label, ratios in (("1±1e-8", ("100000001/100000000", "99999999/100000000")),
                          ("1±1e-4", ("10001/10000", "9999/10000"))):
        errs = [pt["comparison"]["max_rel_err_P_f64"] for r in ratios for pt in by_ratio.get(r, []) if "comparison" in pt]
        if errs:
            bits.append("f64 max rel. err at ratio %s: %.2g" % (label, max(errs)))
    return "%s (%s)" % (probe["condition"], "; ".join(bits))


def _write_summary(out_dir, rows):
    lines = ["# ODE-toolbox 3.0 reference (PyNESTML 9.0, NEST target): summary", "",
             "Generated by `tools/odetoolbox_reference.py`; see README.md. #analytic / #numeric count the state "
             "variables of the model's own analysis (the `full` ODE-toolbox call). \"singular\" lists the entries "
             "where ODE-toolbox's closed form is non-finite or wrong at the default parameters even at 50 digits; "
             "\"f64 loss\" the entries where its float64 evaluation is more than 1e-12 (relative) off the "
             "expm reference. \"ODE-toolbox singularity conditions\" are the conditions ODE-toolbox warns about "
             "(PyNESTML switches its mitigation off) with the probe results: the number of non-finite propagator "
             "entries at the coincidence, and the worst relative error of the float64 closed forms at parameter "
             "ratios 1±1e-8 and 1±1e-4 from it.", "",
             "| model | source | #analytic | #numeric | solver | singular at defaults | f64 loss > 1e-12 at defaults | ODE-toolbox singularity conditions | notes |",
             "|---|---|---:|---:|---|---|---|---|---|"]
    for r in rows:
        notes = list(r["errors"])
        if r["paired"]:
            notes.append("paired run (analytic/numeric): " + r["paired"])
        lines.append("| %s | %s | %d | %d | %s | %s | %s | %s | %s |" % (
            r["model"], r["source"], r["analytic"], r["numeric"], r["solver"],
            ", ".join(r["singular"]) or "-", ", ".join(r["f64"]) or "-",
            "<br>".join(r["conditions"]) or "-",
            "; ".join(n.replace("|", "\\|") for n in notes) or ""))
    lines.append("")
    with open(os.path.join(out_dir, "SUMMARY.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        mode, nestml_file, work_dir, result_file = argv[1:5]
        if mode == "paired":
            _worker(mode, nestml_file, work_dir, result_file, pair_neuron=argv[5], pair_spec=json.loads(argv[6]))
        else:
            _worker(mode, nestml_file, work_dir, result_file)
        return 0

    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description="Record ODE-toolbox 3.0's analysis of every NESTML model (via PyNESTML 9.0).")
    ap.add_argument("--models", default=os.path.join(repo_root, "..", "shared", "nestml-models"),
                    help="folder with neurons/, synapses/, tutorials/ (default: ../shared/nestml-models)")
    ap.add_argument("--out", default=os.path.join(repo_root, "tests", "fixtures", "odetoolbox"))
    ap.add_argument("--jobs", type=int, default=2, help="parallel subprocesses (default 2)")
    ap.add_argument("--python", default=sys.executable, help="Python with nestml 9.0.0 and odetoolbox 3.0.0")
    ap.add_argument("--only", nargs="*", metavar="MODEL", help="only these model names")
    ap.add_argument("--timeout", type=int, default=WORKER_TIMEOUT_S, help="seconds per subprocess")
    args = ap.parse_args(argv)

    models_dir = os.path.abspath(args.models)
    jobs = _plan(models_dir, set(args.only or []))
    if not jobs:
        sys.exit("odetoolbox_reference: no models found under %s" % models_dir)
    os.makedirs(args.out, exist_ok=True)
    h = float(fractions.Fraction(H_MS))

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futs = {ex.submit(_run_job, args.python, job, args.timeout): job for job in jobs}
        for fut in concurrent.futures.as_completed(futs):
            res = fut.result()
            fx = _fixture(res, h)
            with open(os.path.join(args.out, fx["model"] + ".json"), "w", encoding="utf-8") as f:
                json.dump(fx, f, sort_keys=True, indent=1, allow_nan=False)
                f.write("\n")
            row = _summary_row(fx)
            print("%-45s %6.1f s  analytic %2d  numeric %2d  %s%s" % (
                fx["model"], res["seconds"], row["analytic"], row["numeric"],
                ("singular: " + ", ".join(row["singular"])) if row["singular"] else "",
                ("  ERR " + "; ".join(row["errors"])) if row["errors"] else ""), flush=True)

    # the summary covers every fixture in the folder (also those not regenerated by this run)
    rows = []
    for fn in sorted(os.listdir(args.out)):
        if fn.endswith(".json"):
            with open(os.path.join(args.out, fn), encoding="utf-8") as f:
                fx = json.load(f)
            if isinstance(fx, dict) and "model" in fx and "analyses" in fx:
                rows.append(_summary_row(fx))
    rows.sort(key=lambda r: r["source"])
    _write_summary(args.out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
