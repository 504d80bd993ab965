"""The parameter registry: every number the models use, with its unit, range and source.

A model function never holds a literal constant. It takes its numbers as keyword arguments
whose names are registry names, takes their defaults from here, and checks every value
with :func:`validate`. The appendix table, the sliders' ranges and the error messages all
come from this one table.

Examples
--------
>>> PARAMETERS["molar_mass_g_per_mol"].value
240.3
>>> validate("tlr7_ec50_uM", 5.0)
5.0
>>> validate("tlr7_ec50_uM", -1)
Traceback (most recent call last):
...
ValueError: tlr7_ec50_uM (TLR7 EC50 of imiquimod) = -1 µM is outside the allowed range 0.1 to 50 µM
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    """One number a model uses.

    ``low`` and ``high`` bound the values a model accepts (and the sliders offer).
    ``sources`` are citation keys in ``book/references.bib``; where ``assumed`` is true
    the value is a modelling choice, and ``note`` says what bounds it; where ``fitted`` is
    true the value was fitted to the data in its source.
    """

    name: str
    symbol: str
    meaning: str
    value: float
    unit: str
    low: float
    high: float
    sources: tuple[str, ...]
    assumed: bool
    note: str
    integer: bool = False
    fitted: bool = False

    def __post_init__(self) -> None:
        if not self.low <= self.value <= self.high:
            raise ValueError(f"registry entry {self.name}: default outside its own range")
        if not self.assumed and not self.sources:
            raise ValueError(f"registry entry {self.name}: a measured value needs a source")
        if self.assumed and not self.note:
            raise ValueError(f"registry entry {self.name}: an assumption needs a note")


_ENTRIES = (
    # --- the drug and the cream -------------------------------------------------------
    Parameter(
        "molar_mass_g_per_mol",
        "M",
        "molar mass of imiquimod (C14H16N4)",
        240.3,
        "g/mol",
        240.3,
        240.3,
        ("AldaraLabel",),
        False,
        "",
    ),
    Parameter(
        "cream_per_sachet_mg",
        r"m_\mathrm{s}",
        "cream in one single-use sachet",
        250.0,
        "mg",
        250.0,
        250.0,
        ("AldaraLabel",),
        False,
        "12.5 mg imiquimod per sachet at 5%",
    ),
    Parameter(
        "cream_strength_percent",
        "s",
        "imiquimod content of the cream",
        5.0,
        "% w/w",
        0.0,
        5.0,
        ("AldaraLabel", "ZyclaraLabel"),
        False,
        "Aldara 5%; Zyclara 3.75% and 2.5%",
    ),
    Parameter(
        "sachets_per_application",
        r"n_\mathrm{s}",
        "cream applied at each application",
        1.0,
        "sachet(s)",
        0.0,
        6.0,
        ("AldaraLabel", "AldaraSmPC"),
        False,
        "label for actinic keratosis: at most 1 sachet on about 25 cm²; the label PK study "
        "used 1, 2 and 6 sachets",
    ),
    Parameter(
        "treated_area_cm2",
        "A",
        "skin area the cream is spread over",
        25.0,
        "cm²",
        1.0,
        500.0,
        ("AldaraLabel",),
        False,
        "label for actinic keratosis: about 25 cm² of face or scalp",
    ),
    # --- schedule ------------------------------------------------------------------------
    Parameter(
        "applications_per_week",
        "f",
        "applications of cream per week",
        2.0,
        "applications/week",
        1.0,
        14.0,
        ("AldaraLabel", "Geisse2002"),
        False,
        "label: 2/week (actinic keratosis), 3/week (warts), 5/week (superficial BCC); "
        "twice daily (14/week) was tested in superficial BCC",
        integer=True,
    ),
    Parameter(
        "treatment_weeks",
        "w",
        "weeks of treatment in one cycle",
        16.0,
        "weeks",
        1.0,
        52.0,
        ("AldaraLabel",),
        False,
        "label: 16 weeks (actinic keratosis and warts), 6 weeks (superficial BCC)",
        integer=True,
    ),
    Parameter(
        "rest_weeks",
        r"w_\mathrm{r}",
        "weeks without cream after each cycle",
        0.0,
        "weeks",
        0.0,
        52.0,
        ("Krawtchenko2007",),
        False,
        "0 for a single course; cyclic regimens rest for some weeks between courses",
        integer=True,
    ),
    Parameter(
        "cycles",
        "c",
        "number of treatment cycles",
        1.0,
        "cycles",
        1.0,
        10.0,
        ("Krawtchenko2007",),
        False,
        "Krawtchenko 2007 gave one or two courses",
        integer=True,
    ),
    Parameter(
        "contact_time_h",
        r"\tau",
        "time the cream stays on the skin before it is washed off",
        8.0,
        "h",
        1.0,
        24.0,
        ("AldaraLabel",),
        False,
        "label: about 8 h (actinic keratosis, superficial BCC), 6–10 h (warts)",
    ),
    # --- skin absorption and local concentration --------------------------------------
    Parameter(
        "fraction_absorbed_percent",
        "F",
        "share of the applied dose that enters the skin during an 8-h contact",
        0.5,
        "%",
        0.01,
        0.9,
        ("AldaraLabel",),
        True,
        "bounded above by the label: less than 0.9% of a single [14C] dose was "
        "recovered in urine and faeces",
    ),
    Parameter(
        "skin_layer_depth_um",
        "d",
        "depth of the skin layer the absorbed drug spreads into",
        100.0,
        "µm",
        25.0,
        400.0,
        ("SandbyMoller2003",),
        True,
        "viable epidermis measures 57–82 µm (forearm, shoulder, buttock), and "
        "the drug reaches some dermis too",
    ),
    Parameter(
        "skin_release_half_life_h",
        r"t_{1/2,\mathrm{skin}}",
        "half-life of drug leaving the skin into blood",
        24.0,
        "h",
        2.0,
        72.0,
        ("AldaraLabel",),
        True,
        "an apparent serum half-life of 20–29 h after topical use is reported "
        "second-hand from the U.S. label (not verified); with absorption-limited kinetics "
        "the skin release sets it",
    ),
    # --- systemic exposure ----------------------------------------------------------------
    Parameter(
        "serum_elimination_half_life_h",
        r"t_{1/2,\mathrm{el}}",
        "elimination half-life from blood",
        2.0,
        "h",
        0.5,
        12.0,
        ("AldaraLabel",),
        True,
        "about 2 h after subcutaneous dosing is reported second-hand from the "
        "U.S. label (not verified)",
    ),
    Parameter(
        "volume_of_distribution_L",
        "V",
        "apparent volume of distribution of absorbed drug",
        40.0,
        "L",
        5.0,
        1000.0,
        ("AldaraSmPC",),
        False,
        "the single value that best reproduces the label's serum peaks (0.1, 0.2 "
        "and 1.6 ng/mL for 1, 2 and 6 sachets) given the other defaults; see "
        "pk.calibrate_volume_of_distribution",
        fitted=True,
    ),
    # --- the receptor -------------------------------------------------------------------------
    Parameter(
        "tlr7_ec50_uM",
        r"\mathrm{EC}_{50}",
        "TLR7 EC50 of imiquimod",
        5.0,
        "µM",
        0.1,
        50.0,
        ("KeratinocyteIMQ1994", "Shukla2010"),
        True,
        "no measured value was found; cells respond to 1–10 µg/mL (4–42 µM) in "
        "vitro, and the most potent analogue of the series reaches 8.6 nM",
    ),
    Parameter(
        "tlr7_hill_coefficient",
        r"n_\mathrm{H}",
        "Hill coefficient of TLR7 engagement",
        1.0,
        "",
        0.5,
        3.0,
        (),
        True,
        "no measured slope was found; 1 is one ligand binding one receptor",
    ),
    # --- TLR7 signalling -------------------------------------------------------------------
    Parameter(
        "myeloid_activation_time_h",
        r"\tau_\mathrm{N}",
        "time constant of NF-κB activation in monocytes and myeloid dendritic cells at full signal",
        1.0,
        "h",
        0.1,
        4.0,
        ("Testerman1995",),
        True,
        "bounded by the onset of cytokine production 1–4 h after stimulation of blood cells",
    ),
    Parameter(
        "myeloid_off_half_life_h",
        r"t_{1/2,\mathrm{N}}",
        "half-life of NF-κB activity in monocytes once the signal stops",
        1.0,
        "h",
        0.1,
        12.0,
        ("Testerman1995",),
        True,
        "order of the 1–4 h onset; no measured value was found",
    ),
    Parameter(
        "keratinocyte_activation_time_h",
        r"\tau_\mathrm{K}",
        "time constant of NF-κB activation in keratinocytes at full signal",
        8.0,
        "h",
        1.0,
        48.0,
        ("KeratinocyteIMQ1994",),
        True,
        "keratinocyte IL-6 and IL-8 mRNA still rise from 6 h to 24 h of exposure",
    ),
    Parameter(
        "keratinocyte_off_half_life_h",
        r"t_{1/2,\mathrm{K}}",
        "half-life of NF-κB activity in keratinocytes once the signal stops",
        12.0,
        "h",
        1.0,
        72.0,
        ("KeratinocyteIMQ1994",),
        True,
        "no measured value was found; slower than monocytes",
    ),
    Parameter(
        "irf7_activation_time_h",
        r"\tau_\mathrm{I}",
        "time constant of IRF7 activation in plasmacytoid dendritic cells at full signal",
        3.0,
        "h",
        0.5,
        12.0,
        ("Testerman1995", "Witt1993"),
        True,
        "bounded by the 1–4 h onset in blood cells and by serum IFN-α peaking 8–24 h after "
        "an oral dose",
    ),
    Parameter(
        "irf7_off_half_life_h",
        r"t_{1/2,\mathrm{I}}",
        "half-life of IRF7 activity once the signal stops",
        4.0,
        "h",
        0.5,
        24.0,
        ("Witt1993",),
        True,
        "no measured value was found; IFN-α stays up for hours after an oral dose",
    ),
    Parameter(
        "ifn_loop_gain",
        "g",
        "extra IRF7 activation at full IFNAR signalling (IFN-α → IFNAR → IRF7 loop)",
        2.0,
        "",
        0.0,
        10.0,
        ("Kawai2004",),
        True,
        "no measured value was found; 0 removes the loop, 2 triples IRF7 activation",
    ),
    Parameter(
        "ifn_loop_half_saturation",
        r"K_\mathrm{IFN}",
        "IFN-α level giving half-maximal IFNAR signalling",
        0.3,
        "relative",
        0.01,
        1.0,
        (),
        True,
        "in the model's relative units (1 = sustained maximal IFN-α); no measured value",
    ),
    Parameter(
        "tolerance_onset_time_h",
        r"\tau_\mathrm{R}",
        "time constant for the refractory state to build up at full engagement",
        12.0,
        "h",
        2.0,
        96.0,
        ("MouseCytokineIMQ1994", "Savage1996"),
        True,
        "daily oral dosing for 5 days blunted the IFN response in mice; no rate was reported",
    ),
    Parameter(
        "tolerance_recovery_half_life_h",
        r"t_{1/2,\mathrm{R}}",
        "half-life of recovery from the refractory state",
        72.0,
        "h",
        12.0,
        336.0,
        ("MouseCytokineIMQ1994", "Savage1996"),
        True,
        "no measured value was found; responses in patients on repeated oral dosing "
        "recovered over days",
    ),
    # --- mast cells, CCL2, pDC recruitment and killing (Drobits 2012) ------------------
    Parameter(
        "mast_activation_time_h",
        r"\tau_\mathrm{M}",
        "time constant of mast-cell activation at full TLR7 and IFNAR signalling",
        6.0,
        "h",
        0.5,
        48.0,
        ("Drobits2012", "Heib2007"),
        True,
        "no rate was retrieved; mast cells drive the early skin reaction",
    ),
    Parameter(
        "mast_off_half_life_h",
        r"t_{1/2,\mathrm{M}}",
        "half-life of mast-cell activation once the signal stops",
        48.0,
        "h",
        1.0,
        96.0,
        ("Drobits2012",),
        True,
        "no rate was retrieved",
    ),
    Parameter(
        "ccl2_production_gain",
        r"G_\mathrm{CCL2}",
        "CCL2 level sustained by fully activated "
        "mast cells, in multiples of the CCL2 level that gives half-maximal pDC recruitment",
        10.0,
        "",
        0.1,
        30.0,
        ("Drobits2012",),
        True,
        "no CCL2 concentration or CCR2 affinity was retrieved; 1 means fully activated mast "
        "cells just reach half-maximal recruitment",
    ),
    Parameter(
        "ccl2_half_life_h",
        r"t_{1/2,\mathrm{CCL2}}",
        "half-life of CCL2 in skin",
        2.0,
        "h",
        0.1,
        24.0,
        (),
        True,
        "no half-life was searched or found",
    ),
    Parameter(
        "pdc_skin_half_life_h",
        r"t_{1/2,\mathrm{P}}",
        "half-life of recruited pDCs in the skin (death or emigration)",
        96.0,
        "h",
        6.0,
        240.0,
        ("pDClikeSkin2004",),
        True,
        "no rate was retrieved; pDC-like cells accumulate in treated skin over days",
    ),
    Parameter(
        "killer_activation_time_h",
        r"\tau_\mathrm{A}",
        "time constant for recruited pDCs to become TRAIL+ granzyme B+ killers at full signalling",
        6.0,
        "h",
        1.0,
        96.0,
        ("Drobits2012", "Stary2007"),
        True,
        "no rate was retrieved; needs TLR7/MyD88 and IFNAR1",
    ),
    Parameter(
        "killer_off_half_life_h",
        r"t_{1/2,\mathrm{A}}",
        "half-life of the killer state once the signal stops",
        72.0,
        "h",
        2.0,
        168.0,
        ("Drobits2012",),
        True,
        "no rate was retrieved",
    ),
    Parameter(
        "pdc_killing_rate_per_day",
        r"\kappa",
        "tumour-cell kill rate at maximal recruitment with every recruited pDC a killer",
        3.0,
        "1/day",
        0.05,
        10.0,
        ("Drobits2012",),
        True,
        "no killing rate or effector-to-target ratio was retrieved",
    ),
    Parameter(
        "trail_gzmb_residual_fraction",
        r"f_\mathrm{res}",
        "share of pDC killing left when TRAIL and granzyme B are both blocked",
        0.3,
        "",
        0.0,
        1.0,
        ("Drobits2012",),
        True,
        "the paper reports impaired, not abolished, killing; the share was not given",
    ),
    Parameter(
        "adaptive_nk_killing_rate_per_day",
        r"\kappa_\mathrm{TBNK}",
        "tumour-cell kill rate by T, B and NK cells at their full response",
        0.02,
        "1/day",
        0.0,
        1.0,
        ("Drobits2012",),
        True,
        "small by assumption: in the mouse model tumours cleared without these cells",
    ),
    Parameter(
        "adaptive_activation_time_h",
        r"\tau_\mathrm{TBNK}",
        "time constant of the T, B and NK response at full interferon signalling",
        168.0,
        "h",
        24.0,
        672.0,
        (),
        True,
        "an adaptive response takes about a week; no rate was retrieved",
    ),
    Parameter(
        "tumour_growth_rate_per_day",
        r"\rho",
        "growth rate of the untreated tumour",
        0.3,
        "1/day",
        0.05,
        1.0,
        (),
        True,
        "tumour sizes and growth curves in the mouse model were not retrieved",
    ),
    Parameter(
        "tumour_capacity",
        r"T_\mathrm{max}",
        "largest tumour burden the site supports, in multiples of the burden when treatment starts",
        20.0,
        "",
        2.0,
        200.0,
        (),
        True,
        "logistic growth; not retrieved",
    ),
    # --- cytokine half-lives -----------------------------------------------------------------
    *(
        Parameter(
            f"{key}_half_life_h",
            rf"t_{{1/2,\mathrm{{{label}}}}}",
            f"half-life of {label} in treated skin",
            1.0,
            "h",
            0.1,
            12.0,
            (),
            True,
            "no half-life was searched or found; minutes to a few hours is assumed",
        )
        for key, label in (
            ("ifn_alpha", "IFN-α"),
            ("tnf_alpha", "TNF-α"),
            ("il1", "IL-1"),
            ("il6", "IL-6"),
            ("il8", "IL-8"),
            ("il12", "IL-12"),
        )
    ),
)

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _ENTRIES}

#: The registry in the order the appendix shows it, one table per part of the model.
GROUPS: dict[str, tuple[str, ...]] = {
    "The drug and the cream": (
        "molar_mass_g_per_mol",
        "cream_per_sachet_mg",
        "cream_strength_percent",
        "sachets_per_application",
        "treated_area_cm2",
    ),
    "The schedule": (
        "applications_per_week",
        "treatment_weeks",
        "rest_weeks",
        "cycles",
        "contact_time_h",
    ),
    "Skin absorption and local concentration": (
        "fraction_absorbed_percent",
        "skin_layer_depth_um",
        "skin_release_half_life_h",
    ),
    "Systemic exposure": ("serum_elimination_half_life_h", "volume_of_distribution_L"),
    "The receptor": ("tlr7_ec50_uM", "tlr7_hill_coefficient"),
    "TLR7 signalling": (
        "myeloid_activation_time_h",
        "myeloid_off_half_life_h",
        "keratinocyte_activation_time_h",
        "keratinocyte_off_half_life_h",
        "irf7_activation_time_h",
        "irf7_off_half_life_h",
        "ifn_loop_gain",
        "ifn_loop_half_saturation",
        "tolerance_onset_time_h",
        "tolerance_recovery_half_life_h",
    ),
    "Mast cells, CCL2 and killer pDCs": (
        "mast_activation_time_h",
        "mast_off_half_life_h",
        "ccl2_production_gain",
        "ccl2_half_life_h",
        "pdc_skin_half_life_h",
        "killer_activation_time_h",
        "killer_off_half_life_h",
        "pdc_killing_rate_per_day",
        "trail_gzmb_residual_fraction",
        "adaptive_nk_killing_rate_per_day",
        "adaptive_activation_time_h",
    ),
    "Tumour growth": ("tumour_growth_rate_per_day", "tumour_capacity"),
    "Cytokine half-lives": tuple(
        f"{key}_half_life_h" for key in ("ifn_alpha", "tnf_alpha", "il1", "il6", "il8", "il12")
    ),
}


def default(name: str) -> float:
    """Return the registry value of ``name`` (in the parameter's own unit)."""
    return PARAMETERS[name].value


def _describe(p: Parameter, value: object) -> str:
    unit = f" {p.unit}" if p.unit else ""
    return f"{p.name} ({p.meaning}) = {value!r}{unit}"


def _range(p: Parameter) -> str:
    unit = f" {p.unit}" if p.unit else ""
    kind = "a whole number from" if p.integer else "the allowed range"
    return f"{kind} {p.low:g} to {p.high:g}{unit}"


def validate(name: str, value: object) -> float:
    """Return ``value`` as a float if it is allowed for parameter ``name``.

    Raises ``ValueError`` naming the parameter, its unit and its allowed range for
    values that are not real numbers, NaN, infinite, out of range, or not whole where a
    whole number is needed.
    """
    if name not in PARAMETERS:
        raise ValueError(f"unknown parameter {name!r}")
    p = PARAMETERS[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{_describe(p, value)} is not a number; give {_range(p)}")
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"{_describe(p, value)} is not finite; give {_range(p)}")
    if not p.low <= x <= p.high:
        unit = f" {p.unit}" if p.unit else ""
        raise ValueError(f"{p.name} ({p.meaning}) = {value!r}{unit} is outside {_range(p)}")
    if p.integer and x != round(x):
        raise ValueError(f"{_describe(p, value)} is not whole; give {_range(p)}")
    return x


def parameter_table_markdown(group: str) -> str:
    """Return one group of the registry as a MyST Markdown table with citations."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; choose from {sorted(GROUPS)}")
    rows = [
        "| parameter | value (allowed range) | source | measured or assumed |",
        "|---|---|---|---|",
    ]
    for p in (PARAMETERS[name] for name in GROUPS[group]):
        unit = f" {p.unit}" if p.unit else ""
        cite = " ".join(f"{{cite:p}}`{key}`" for key in p.sources) or "none"
        if p.assumed:
            status = f"**assumed**: {p.note}"
        elif p.fitted:
            status = f"**fitted** to the source: {p.note}"
        else:
            status = f"from the source. {p.note}".rstrip(". ")
        allowed = "fixed" if p.low == p.high else f"{p.low:g} to {p.high:g}"
        rows.append(
            f"| ${p.symbol}$ {p.meaning}<br>`{p.name}` | {p.value:g}{unit} ({allowed}) "
            f"| {cite} | {status.replace('|', '/')} |"
        )
    return "\n".join(rows)
