"""Chapter 2, "TLR7 signalling and the cytokine cascade": its explorers, tables and the
outputs of its sensitivity screen."""

from __future__ import annotations

import functools

import numpy as np

from ... import cytokines, pk
from ...parameters import GROUPS, PARAMETERS, default, whole
from ...receptor import adenosine_receptor_occupancy
from ...signalling import GENOTYPES
from ..explorers import Control, Curve, Explorer, Panel
from ..reporting import citation, default_text
from .common import every, hourly, low_high_rows, sensitivity_figure

__all__ = ["sensitivity_figure"]  # the chapter draws its screen with the shared helper

WEEK_H = 7 * 24
COURSE_H = 2 * WEEK_H
HOURS_BETWEEN_POINTS = 2
SCREENED_SIGNALLING = (
    *GROUPS["TLR7 signalling"],
    "adenosine_receptor_ki_uM",
    "ifn_alpha_half_life_h",
    "tnf_alpha_half_life_h",
)


def cytokine_fortnight(
    *,
    applications_per_week: float = default("applications_per_week"),
    tolerance_recovery_half_life_h: float = default("tolerance_recovery_half_life_h"),
    tlr7_priming_gain: float = default("tlr7_priming_gain"),
) -> dict[str, np.ndarray]:
    """Cytokines (relative units), TLR7 engagement, tolerance and sensitisation every 2 h over the
    first two weeks of a 16-week course of the label's cream (one sachet of 5%, 8 h on)."""
    schedule = pk.Schedule(
        applications_per_week=whole("applications_per_week", applications_per_week), weeks=16
    )
    out = cytokines.cytokines_after_cream(
        schedule,
        duration_h=COURSE_H,
        tolerance_recovery_half_life_h=tolerance_recovery_half_life_h,
        tlr7_priming_gain=tlr7_priming_gain,
    )
    shown = every(
        out,
        round(HOURS_BETWEEN_POINTS / (out["time_h"][1] - out["time_h"][0])),
        ("time_h", "ifn_alpha", "tnf_alpha", "il8", "engagement", "refractory", "priming"),
    )
    shown["time_days"] = shown.pop("time_h") / 24.0
    return shown


TOLERANCE_AND_PRIMING = Explorer(
    name="tolerance-priming",
    title="Tolerance and sensitisation over the first two weeks of treatment",
    model=cytokine_fortnight,
    x="time_days",
    x_label="time since the first application (days)",
    controls=(
        Control("applications_per_week", (1, 2, 3, 5, 7)),
        Control("tolerance_recovery_half_life_h", (12, 24, 72, 168, 336), log=True),
        Control("tlr7_priming_gain", (0, 0.5, 1, 2, 5)),
    ),
    panels=(
        Panel("cytokine (relative)", y_range=(0, 1)),
        Panel("TLR7 in skin (fraction)", y_range=(0, 1.05)),
    ),
    curves=(
        Curve("ifn_alpha", "IFN-α (pDCs, TLR7 → IRF7)", panel=0),
        Curve("tnf_alpha", "TNF-α (mostly monocytes; TLR7 → NF-κB)", panel=0),
        Curve("il8", "IL-8 (keratinocytes; no TLR)", panel=0),
        Curve("engagement", "engaged", panel=1, color="#777777"),
        Curve("refractory", "tolerance (TLR7 lost)", panel=1, dash="dot", color="#444444"),
        Curve("priming", "sensitisation (TLR7 induced)", panel=1, dash="dash", color="#7a4f9a"),
    ),
    description=(
        "Two panels over 14 days. Top: IFN-α, TNF-α and IL-8 in relative units. Bottom: "
        "the fraction of TLR7 engaged in treated skin, the tolerance and the sensitisation."
    ),
)


def knockout_day(
    *,
    genotype: str = "wild type",
    ifn_loop_gain: float = default("ifn_loop_gain"),
) -> dict[str, np.ndarray]:
    """Cytokines (relative units) over 3 days after one application, for a genotype."""
    one = pk.Schedule(applications_per_week=1, weeks=1)
    out = cytokines.cytokines_after_cream(
        one,
        duration_h=72,
        genotype=genotype,
        ifn_loop_gain=ifn_loop_gain,
    )
    keys = ("ifn_alpha", "tnf_alpha", "il6", "il8", "irf7", "nfkb_immune", "nfkb_keratinocyte")
    return hourly(out, ("time_h", *keys))


KNOCKOUTS = Explorer(
    name="knockouts",
    title="Knockouts: which cytokines need which part of the pathway",
    model=knockout_day,
    x="time_h",
    x_label="time since one application (h)",
    controls=(
        Control("genotype", tuple(GENOTYPES), title="Genotype"),
        Control("ifn_loop_gain", (0, 1, 2, 5, 10)),
    ),
    panels=(
        Panel("cytokine (relative)", y_range=(0, 1)),
        Panel("branch activity (fraction)", y_range=(0, 1)),
    ),
    curves=(
        Curve("ifn_alpha", "IFN-α", panel=0),
        Curve("tnf_alpha", "TNF-α, IL-1, IL-12", panel=0),
        Curve("il6", "IL-6", panel=0),
        Curve("il8", "IL-8", panel=0),
        Curve("irf7", "IRF7 (pDCs)", panel=1, dash="dot"),
        Curve("nfkb_immune", "NF-κB (monocytes, pDCs)", panel=1, dash="dot"),
        Curve("nfkb_keratinocyte", "NF-κB (keratinocytes)", panel=1, dash="dot"),
    ),
    description=(
        "Two panels over 72 hours after one application. Top: IFN-α, TNF-α, IL-6 and IL-8 "
        "in relative units. Bottom: IRF7 activity in pDCs and NF-κB activity in monocytes "
        "and pDCs and in keratinocytes."
    ),
)


def signalling_key_outputs(**rates: float) -> dict[str, float]:
    """Peak IFN-α, its time (h) and the AUCs of TNF-α and IL-8 (relative·h) over the
    label's first week (2 applications, one sachet), for the given signalling rates."""
    out = cytokines.cytokines_after_cream(pk.LABEL_AK_SCHEDULE, duration_h=WEEK_H, **rates)
    ifn = out["ifn_alpha"]
    return {
        "peak IFN-α": float(ifn.max()),
        "time to peak IFN-α": float(out["time_h"][np.argmax(ifn)]),
        "AUC of TNF-α": float(np.trapezoid(out["tnf_alpha"], out["time_h"])),
        "AUC of IL-8": float(np.trapezoid(out["il8"], out["time_h"])),
    }


def producer_rows() -> list[dict[str, str]]:
    """Which cell makes which cytokine in the model, with the sources, as table rows."""
    return [
        {
            "cytokine": cytokines.NAMES[key],
            "made by (in the model)": cells,
            "branch": branch,
            "source": citation(keys),
        }
        for key, (cells, branch, keys) in cytokines.PRODUCERS.items()
    ]


def knockout_rows() -> list[dict[str, str]]:
    """Peak of each cytokine in each genotype, as % of wild type, one application."""
    wild = knockout_day()
    keys = ("ifn_alpha", "tnf_alpha", "il6", "il8")
    rows = []
    for name in GENOTYPES:
        out = knockout_day(genotype=name)
        row = {"genotype": name}
        for key in keys:
            row[f"peak {cytokines.NAMES[key]} (% of wild type)"] = (
                f"{100 * out[key].max() / wild[key].max():.0f}"
            )
        rows.append(row)
    return rows


@functools.cache
def _fortnight(applications_per_week: int, cream_percent: float, rates: tuple) -> dict:
    """The chain over the first two weeks of a course of one sachet (solved once per
    schedule and rates: the chapter's tables ask for the same course several times)."""
    schedule = pk.Schedule(
        applications_per_week=applications_per_week, weeks=16, cream_percent=cream_percent
    )
    out = cytokines.cytokines_after_cream(schedule, duration_h=COURSE_H, **dict(rates))
    for array in out.values():
        array.setflags(write=False)  # shared between calls: read-only
    return out


def ifn_by_week(
    applications_per_week: int = 2, cream_percent: float = 5.0, **rates: float
) -> tuple[float, float]:
    """IFN-α exposure (relative units × h) in weeks 1 and 2 of a course of one sachet."""
    out = _fortnight(applications_per_week, cream_percent, tuple(sorted(rates.items())))
    t, ifn = out["time_h"], out["ifn_alpha"]
    first, second = t <= WEEK_H, t >= WEEK_H
    return float(np.trapezoid(ifn[first], t[first])), float(np.trapezoid(ifn[second], t[second]))


def dose_peaks(applications_per_week: int = 2, **rates: float) -> list[float]:
    """The IFN-α peak (relative) after each application in the first two weeks."""
    schedule = pk.Schedule(applications_per_week=applications_per_week, weeks=16)
    out = _fortnight(applications_per_week, schedule.cream_percent, tuple(sorted(rates.items())))
    t, ifn = out["time_h"], out["ifn_alpha"]
    starts = [s for s in schedule.application_times_h() if s < COURSE_H]
    ends = [*starts[1:], COURSE_H + 1]
    return [float(ifn[(t >= a) & (t < b)].max()) for a, b in zip(starts, ends, strict=True)]


#: The assumed numbers of tolerance and sensitisation whose consequences the chapter tabulates.
REPEAT_DOSING_ASSUMPTIONS = (
    "tolerance_onset_time_h",
    "tolerance_recovery_half_life_h",
    "tlr7_priming_gain",
    "tlr7_priming_half_life_h",
)


def _repeat_dosing_summary(**rates: float) -> dict[str, float]:
    """What repeated doses do: the last dose's IFN-α peak in week 2 relative to the first's
    (twice a week), and week-2 IFN-α exposure daily relative to once a week."""
    peaks = dose_peaks(2, **rates)
    return {
        "last peak / first, twice a week": peaks[-1] / peaks[0],
        "week-2 IFN-α, daily / weekly": ifn_by_week(7, **rates)[1] / ifn_by_week(1, **rates)[1],
    }


def tolerance_priming_sensitivity() -> list[dict[str, str]]:
    """How repeated dosing plays out with each tolerance and sensitisation assumption at the
    ends of its registry range."""
    return low_high_rows(REPEAT_DOSING_ASSUMPTIONS, _repeat_dosing_summary)


def label_free_peak_uM() -> float:
    """Peak free imiquimod (µM) in treated skin over two weeks of the AK label schedule."""
    exposure = pk.topical_exposure(pk.LABEL_AK_SCHEDULE, duration_h=COURSE_H)
    return float(exposure.free_concentration_uM.max())


def tlr_independent_rows() -> list[dict[str, str]]:
    """Imiquimod's actions without TLR7: what was seen, where, at what concentration, and
    what the model assumes and makes of it at the label's peak free concentration."""
    free = label_free_peak_uM()
    ki = PARAMETERS["adenosine_receptor_ki_uM"]
    ec50 = PARAMETERS["direct_apoptosis_ec50_uM"]
    kappa = PARAMETERS["direct_apoptosis_max_rate_per_day"]
    occupancy = float(adenosine_receptor_occupancy(free, ki.value))
    return [
        {
            "action": "NF-κB and cytokines without TLR7 and TLR8; adenosine A1/A2A "
            "antagonism; keratinocyte cytokines without immune cells",
            "seen in": "{cite:t}`Schon2006`",
            "concentration in the source": "“relevant in clinical settings”; no number "
            "in the abstract",
            "model's assumption": f"${ki.symbol}$ = {default_text(ki.name)}",
            "at the label's peak free drug": f"{100 * occupancy:.0f}% of receptors held",
        },
        {
            "action": "tumour-selective apoptosis (Bcl-2, cytochrome c), not with resiquimod",
            "seen in": "{cite:t}`Schon2003`, {cite:t}`Schon2004`",
            "concentration in the source": "no number in the abstracts",
            "model's assumption": f"${ec50.symbol}$ = {default_text(ec50.name)}, "
            f"${kappa.symbol}$ = {default_text(kappa.name)}",
            "at the label's peak free drug": f"kills {kappa.value * free / (free + ec50.value):.3f}"
            " of the tumour cells per day",
        },
    ]
