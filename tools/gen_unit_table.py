#!/usr/bin/env python3
"""Generate crates/nestml-compiler/src/sema/units/table.rs: every unit name PyNESTML 9 accepts.

PyNESTML registers every astropy unit object found in ``astropy.units.si``, ``astropy.units.cgs``
and ``astropy.units.astrophys`` under all of its ``.names`` (except ``min``, which would shadow
the ``min()`` function).  This script asks PyNESTML for exactly that set of names, decomposes
each unit into the seven SI base units with astropy, splits the scale into an exact (rational)
power of ten and a non-decimal residual factor, and writes a sorted Rust table for binary search.

Run with the PyNESTML 9 virtual environment (which provides astropy):

    /work/venv/bin/python tools/gen_unit_table.py

The script also checks its own output: the split scale must reproduce astropy's scale, and the
rule the Rust code uses for PyNESTML's NEST conversion factor of a bare unit name
(``pynestml_name_nest_scale``) must give what PyNESTML's ``NESTUnitConverter.get_factor``
gives, for every name.
"""

import math
import os
import sys
from fractions import Fraction

import astropy
import astropy.units as u
from pynestml.codegeneration.nest_unit_converter import NESTUnitConverter
from pynestml.symbols.predefined_units import PredefinedUnits

# Order of the dimension vector in the Rust code.
SI_BASES = ["m", "kg", "s", "A", "K", "mol", "cd"]

# astropy irreducible units that are not SI base units.  They have no place in the seven-exponent
# representation: they are treated as dimensionless (angles, counts, photons, ...) or, for
# ``deg_C``, as kelvin, and the row is flagged with FLAG_NON_SI.
NON_SI_AS = {"rad": None, "ph": None, "ct": None, "adu": None, "beam": None, "bin": None,
             "chan": None, "DN": None, "electron": None, "Sun": None, "deg_C": "K"}
FLAG_NON_SI = 1

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                   "crates", "nestml-compiler", "src", "sema", "units", "table.rs")


def exact_log10(x: float, max_den: int = 4):
    """The rational q (denominator <= max_den) with 10**q == x up to rounding, or None."""
    if x <= 0:
        return None
    lg = math.log10(x)
    for den in range(1, max_den + 1):
        num = round(lg * den)
        if abs(lg - num / den) < 1e-10:
            return Fraction(num, den)
    return None


def to_fraction(p) -> Fraction:
    f = Fraction(p).limit_denominator(1000)
    assert abs(float(f) - float(p)) < 1e-12, p
    return f


def split_scale(unit):
    """(exp10: Fraction, factor: float) with 10**exp10 * factor == unit's SI scale."""
    scale = unit.decompose().scale
    prefix_exp = Fraction(0)
    base = unit
    if isinstance(unit, u.PrefixUnit):
        rep = unit._represents
        assert len(rep.bases) == 1 and rep.powers[0] == 1, unit
        prefix_exp = exact_log10(rep.scale, 1)
        assert prefix_exp is not None, (unit, rep.scale)
        base = rep.bases[0]
    base_scale = base.decompose().scale
    q = exact_log10(base_scale)
    if q is not None:
        exp10, factor = prefix_exp + q, 1.0
    else:
        # Non-decimal unit (hour, degree, parsec, ...): keep astropy's scale as the factor so
        # that e.g. day/hour stays an exact 24.
        exp10, factor = prefix_exp, base_scale
    assert math.isclose(float(10.0 ** float(exp10)) * factor, scale, rel_tol=1e-12), (unit, scale)
    return exp10, factor


def dims_of(unit):
    """(dimension exponents as Fractions in SI_BASES order, flags)."""
    dims = [Fraction(0)] * 7
    flags = 0
    d = unit.decompose()
    for b, p in zip(d.bases, d.powers):
        name = b.name
        if name in NON_SI_AS:
            flags |= FLAG_NON_SI
            name = NON_SI_AS[name]
            if name is None:
                continue
        assert name in SI_BASES, (unit, b)
        dims[SI_BASES.index(name)] += to_fraction(p)
    return dims, flags


# The six NEST quantities and the internal units PyNESTML's NEST target uses for them.
V = [2, 1, -3, -1, 0, 0, 0]
NEST_QUANTITIES = {
    "time": [0, 0, 1, 0, 0, 0, 0],
    "potential": V,
    "current": [0, 0, 0, 1, 0, 0, 0],
    "conductance": [-2, -1, 3, 2, 0, 0, 0],
    "capacitance": [-2, -1, 4, 2, 0, 0, 0],
    "resistance": [2, 1, -3, -2, 0, 0, 0],
}


def nest_internal_exp10(dims):
    """Power of ten of NEST's internal unit for this dimension (mV, ms, pA; the rest SI)."""
    b = dims[1]                # kg only enters through the volt
    a = dims[2] + 3 * b        # remaining seconds
    c = dims[3] + b            # remaining amperes
    return -3 * a - 3 * b - 12 * c


def simulated_name_factor(dims, exp10, factor, flags):
    """What the Rust ``pynestml_name_nest_scale`` computes (mirrors its documentation)."""
    if flags & FLAG_NON_SI:
        return 1.0
    ints = [int(x) if x.denominator == 1 else None for x in dims]
    if all(x == 0 for x in dims) or ints in NEST_QUANTITIES.values():
        return 10.0 ** float(exp10 - nest_internal_exp10(dims)) * factor
    return 1.0


def rust_float(x: float) -> str:
    s = repr(float(x))
    assert "inf" not in s and "nan" not in s
    if "." not in s and "e" not in s:
        s += ".0"
    return s


def main():
    PredefinedUnits.register_units()
    name2unit = PredefinedUnits.get_units()
    rows = []
    non_decimal_exp10 = []
    mismatches = []
    for name in sorted(name2unit, key=lambda s: s.encode("utf-8")):
        unit = name2unit[name].get_unit()
        dims, flags = dims_of(unit)
        exp10, factor = split_scale(unit)
        den = 1
        for x in dims + [exp10]:
            den = den * x.denominator // math.gcd(den, x.denominator)
        nums = [int(x * den) for x in dims]
        e_num = int(exp10 * den)
        assert all(-128 <= n <= 127 for n in nums) and -32768 <= e_num <= 32767 and den < 256
        if exp10.denominator != 1:
            non_decimal_exp10.append(name)
        expected = NESTUnitConverter.get_factor(unit)
        if isinstance(expected, u.UnitBase):
            expected = expected.scale
        got = simulated_name_factor(dims, exp10, factor, flags)
        if not math.isclose(float(expected), got, rel_tol=1e-9):
            mismatches.append((name, expected, got))
        rows.append((name, nums, e_num, den, factor, flags))

    if mismatches:
        sys.exit("PyNESTML NEST factor rule mismatch: %r" % mismatches[:20])

    with open(OUT, "w", encoding="utf-8") as f:
        f.write("//! Every unit name PyNESTML 9 accepts, decomposed into SI base units.\n")
        f.write("//!\n")
        f.write("//! GENERATED by `tools/gen_unit_table.py` from astropy %s (BSD-3-Clause "
                "licensed data); do not edit.\n" % astropy.__version__)
        f.write("\n")
        f.write("/// Flag: astropy decomposes the unit into a base outside the seven SI units "
                "(radian,\n/// steradian, photon, count, adu, beam, bin, chan, DN, electron, "
                "Sun: dropped as\n/// dimensionless; `deg_C`: taken as kelvin).\n")
        f.write("pub const FLAG_NON_SI: u8 = %d;\n\n" % FLAG_NON_SI)
        f.write("/// `(name, dimension numerators [m, kg, s, A, K, mol, cd], exp10 numerator, "
                "common denominator,\n/// factor, flags)`: the unit is "
                "`10^(exp10/den) * factor * m^(d0/den) kg^(d1/den) ...`.\n")
        f.write("pub type Row = (&'static str, [i8; 7], i16, u8, f64, u8);\n\n")
        f.write("/// All %d names, sorted by name (byte order) for binary search.\n" % len(rows))
        f.write("#[rustfmt::skip]\n")
        f.write("pub static UNIT_TABLE: &[Row] = &[\n")
        for name, nums, e_num, den, factor, flags in rows:
            f.write('    ("%s", [%s], %d, %d, %s, %d),\n'
                    % (name, ", ".join(str(n) for n in nums), e_num, den, rust_float(factor),
                       flags))
        f.write("];\n")

    print("wrote %d unit names to %s" % (len(rows), os.path.normpath(OUT)))
    print("non-integer powers of ten:", non_decimal_exp10)
    nest = "V mV uV pA nA A nS uS mS S pF uF F ms s Hz kHz MOhm GOhm Ohm mmol mol L um cm nM mM M"
    print("NEST names missing:", [n for n in nest.split() if n not in name2unit])
    print("single-character names:", sorted(n for n in name2unit if len(n) == 1))
    print("non-ASCII names:", len([n for n in name2unit if not n.isascii()]))


if __name__ == "__main__":
    main()
