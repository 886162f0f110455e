"""Is a unit string a valid UCUM code? (The Unified Code for Units of Measure, case-sensitive.)

Lantern keeps a quantity's unit as one string (the source's `unit`, or its `code` when it gave
no `unit`), not the pair of system and code. A FHIR Quantity carries `system` and `code` only
when they say something true, so the export writes the UCUM system and code only for a unit that
parses as UCUM (`mg/dL`, `mm[Hg]`, `10*3/uL`, `mL/min/{1.73_m2}`); any other unit stays as the
display text (`unit`) alone. The grammar is UCUM's (§2 of the specification); the atoms are the
ones of its essence table that medicine uses, so a rarer but valid unit is written as text only,
never with a code that was guessed.
"""

from __future__ import annotations

import re
from functools import lru_cache

UCUM_SYSTEM = "http://unitsofmeasure.org"


def _symbols(text: str) -> frozenset[str]:
    return frozenset(text.split())


PREFIXES = _symbols("Y Z E P T G M k h da d c m u n p f a z y Ki Mi Gi Ti")
# Atoms that take a prefix (UCUM's "metric" units).
# fmt: off
METRIC_ATOMS = _symbols(
    """
    m s g rad K C cd mol sr Hz N Pa J W A V F Ohm S Wb Cel T H lm lx Bq Gy Sv l L ar t bar u eV
    pc [c] [h] [k] [eps_0] [mu_0] [e] [m_e] [m_p] [G] [g] [ly] gf Ky Gal dyn erg P St Mx G Oe Gb
    sb Lmb ph Ci R RAD REM cal_[15] cal_[20] cal_m cal_IT cal_th cal tex mho st B B[SPL] B[V]
    B[mV] B[uV] B[10.nV] B[W] B[kW] Np eq osm g% kat U [iU] [IU] bit By Bd m[Hg] m[H2O]
    """
)
OTHER_ATOMS = _symbols(
    """
    10* 10^ [pi] % [ppth] [ppm] [ppb] [pptr] gon deg ' '' min h d a_t a_j a_g a wk mo_s mo_j mo_g
    mo [in_i] [ft_i] [yd_i] [mi_i] [fth_i] [nmi_i] [kn_i] [sin_i] [sft_i] [syd_i] [cin_i] [cft_i]
    [cyd_i] [bf_i] [cr_i] [mil_i] [cml_i] [hd_i] [ft_us] [yd_us] [in_us] [rd_us] [ch_us]
    [lk_us] [rch_us] [rlk_us] [fth_us] [fur_us] [mi_us] [acr_us] [srd_us] [smi_us] [sct] [twp]
    [mil_us] [in_br] [ft_br] [rd_br] [ch_br] [lk_br] [fth_br] [pc_br] [yd_br] [mi_br] [nmi_br]
    [kn_br] [acr_br] [gal_us] [bbl_us] [qt_us] [pt_us] [gil_us] [foz_us] [fdr_us] [min_us]
    [crd_us] [bu_us] [gal_wi] [pk_us] [dqt_us] [dpt_us] [tbs_us] [tsp_us] [cup_us] [foz_m]
    [cup_m] [tsp_m] [tbs_m] [gal_br] [pk_br] [bu_br] [qt_br] [pt_br] [gil_br] [foz_br]
    [fdr_br] [min_br] [gr] [lb_av] [oz_av] [dr_av] [scwt_av] [lcwt_av] [ston_av] [lton_av]
    [stone_av] [pwt_tr] [oz_tr] [lb_tr] [sc_ap] [dr_ap] [oz_ap] [lb_ap] [oz_m] [lne] [pnt]
    [pca] [pnt_pr] [pca_pr] [pied] [pouce] [ligne] [didot] [cicero] [degF] [degR] [degRe]
    [Cal] [Btu_39] [Btu_59] [Btu_60] [Btu_m] [Btu_IT] [Btu_th] [Btu] [HP] atm att [in_i'Hg]
    [in_i'H2O] [PRU] [wood'U] [diop] [p'diop] %[slope] [mesh_i] [Ch] [drp] [hnsf'U] [MET]
    [hp'_X] [hp'_C] [hp'_M] [hp'_Q] [hp_X] [hp_C] [hp_M] [hp_Q] [kp_X] [kp_C] [kp_M] [kp_Q]
    [pH] [S] [HPF] [LPF] [arb'U] [USP'U] [GPL'U] [MPL'U] [APL'U] [beth'U] [anti'Xa'U] [todd'U]
    [dye'U] [smgy'U] [bdsk'U] [ka'U] [knk'U] [mclg'U] [tb'U] [CCID_50] [TCID_50] [EID_50]
    [PFU] [FFU] [CFU] [IR] [BAU] [AU] [Amb'a'1'U] [PNU] [Lf] [D'ag'U] [FEU] [ELU] [EU]
    [car_m] [car_Au] [smoot] [psi] circ sph [m/s2/Hz^(1/2)]
    """
)
# fmt: on
ATOMS = METRIC_ATOMS | OTHER_ATOMS

_EXPONENT = re.compile(r"^(?P<symbol>.*?)(?P<exponent>[+-]?\d+)$")
_ANNOTATION = re.compile(r"\{[\x21-\x7a\x7c\x7e]*\}")


def is_ucum(unit: str) -> bool:
    """Whether `unit` is a valid UCUM code (case-sensitive form)."""
    return bool(unit) and unit.isascii() and _valid(unit)


@lru_cache(maxsize=1024)
def _valid(unit: str) -> bool:
    try:
        rest = unit[1:] if unit.startswith("/") else unit
        end = _term(rest, 0)
    except _NotUcum:
        return False
    return end == len(rest)


class _NotUcum(ValueError):
    pass


def _term(text: str, at: int) -> int:
    at = _component(text, at)
    while at < len(text) and text[at] in "./":
        at = _component(text, at + 1)
    return at


def _component(text: str, at: int) -> int:
    if at >= len(text):
        raise _NotUcum
    if text[at] == "(":
        end = _term(text, at + 1)
        if end >= len(text) or text[end] != ")":
            raise _NotUcum
        return _annotation(text, end + 1, optional=True)
    if text[at] == "{":
        return _annotation(text, at, optional=False)
    end = _symbol_end(text, at)
    if end == at:
        raise _NotUcum
    if not _annotatable(text[at:end]):
        raise _NotUcum
    return _annotation(text, end, optional=True)


def _annotation(text: str, at: int, *, optional: bool) -> int:
    if at < len(text) and text[at] == "{":
        match = _ANNOTATION.match(text, at)
        if match is None:
            raise _NotUcum
        return match.end()
    if not optional:
        raise _NotUcum
    return at


def _symbol_end(text: str, at: int) -> int:
    """Where a unit symbol with its exponent ends: brackets may hold '.', '/' and digits."""
    depth = 0
    while at < len(text):
        char = text[at]
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0 and char in "./(){}":
            break
        at += 1
    return at


def _annotatable(symbol: str) -> bool:
    if symbol.isdigit():
        # A factor (a positive integer such as 1 or 1000).
        return True
    match = _EXPONENT.match(symbol)
    if match and match["symbol"] and _simple_unit(match["symbol"]):
        return True
    return _simple_unit(symbol)


def _simple_unit(symbol: str) -> bool:
    if symbol in ATOMS:
        return True
    return any(
        symbol.startswith(prefix) and symbol[len(prefix) :] in METRIC_ATOMS for prefix in PREFIXES
    )
