"""Chapter 2, "TLR7 signalling and the cytokine cascade": its explorers, tables and the
outputs of its sensitivity screen."""

from __future__ import annotations

import numpy as np

from ... import cytokines, pk
from ...parameters import GROUPS, default
from ...signalling import GENOTYPES
from ..explorers import Control, Curve, Explorer, Panel
from .common import hourly, sensitivity_figure

__all__ = ["sensitivity_figure"]  # the chapter draws its screen with the shared helper

WEEK_H = 7 * 24
SCREENED_SIGNALLING = (*GROUPS["TLR7 signalling"], "ifn_alpha_half_life_h", "tnf_alpha_half_life_h")


def cytokine_week(
    *,
    tolerance_onset_time_h: float = default("tolerance_onset_time_h"),
    tolerance_recovery_half_life_h: float = default("tolerance_recovery_half_life_h"),
    ifn_alpha_half_life_h: float = default("ifn_alpha_half_life_h"),
    applications_per_week: float = default("applications_per_week"),
) -> dict[str, np.ndarray]:
    """Cytokines (relative units) and the TLR7 signal, hourly over the first week of a
    16-week course (one sachet, 8 h contact; the label's 2 applications a week)."""
    schedule = pk.Schedule(applications_per_week=round(applications_per_week), weeks=16)
    out = cytokines.cytokines_after_cream(
        schedule,
        duration_h=WEEK_H,
        tolerance_onset_time_h=tolerance_onset_time_h,
        tolerance_recovery_half_life_h=tolerance_recovery_half_life_h,
        ifn_alpha_half_life_h=ifn_alpha_half_life_h,
    )
    shown = hourly(out, ("time_h", "ifn_alpha", "tnf_alpha", "il6", "engagement", "refractory"))
    shown["time_days"] = shown.pop("time_h") / 24.0
    return shown


CYTOKINE_WEEK = Explorer(
    name="cytokine-week",
    title="The cytokine response over the first week of treatment",
    model=cytokine_week,
    x="time_days",
    x_label="time since the first application (days)",
    controls=(
        Control("tolerance_onset_time_h", (4, 8, 12, 24, 48, 96), log=True),
        Control("tolerance_recovery_half_life_h", (24, 48, 72, 120, 168, 336), log=True),
        Control("ifn_alpha_half_life_h", (0.25, 0.5, 1, 2, 4), log=True),
    ),
    panels=(
        Panel("cytokine (relative)", y_range=(0, 1)),
        Panel("TLR7 in skin (fraction)", y_range=(0, 1.05)),
    ),
    curves=(
        Curve("ifn_alpha", "IFN-α (pDC, IRF7)", panel=0),
        Curve("tnf_alpha", "TNF-α, IL-1, IL-12 (myeloid cells, NF-κB)", panel=0),
        Curve("il6", "IL-6, IL-8 (myeloid cells and keratinocytes)", panel=0),
        Curve("engagement", "engaged", panel=1, color="#777777"),
        Curve("refractory", "refractory (tolerance)", panel=1, dash="dot", color="#444444"),
    ),
    description=(
        "Two panels over 7 days. Top: IFN-α, TNF-α and IL-6 in relative units. Bottom: "
        "the fraction of TLR7 engaged in treated skin and the refractory fraction."
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
        one, duration_h=72, genotype=genotype, ifn_loop_gain=ifn_loop_gain
    )
    return hourly(out, ("time_h", "ifn_alpha", "tnf_alpha", "il6", "irf7", "nfkb_myeloid"))


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
        Curve("il6", "IL-6, IL-8", panel=0),
        Curve("irf7", "IRF7 (pDC)", panel=1, dash="dot"),
        Curve("nfkb_myeloid", "NF-κB (myeloid cells)", panel=1, dash="dot"),
    ),
    description=(
        "Two panels over 72 hours after one application. Top: IFN-α, TNF-α and IL-6 in "
        "relative units. Bottom: IRF7 activity in pDCs and NF-κB activity in myeloid cells."
    ),
)


def signalling_key_outputs(**rates: float) -> dict[str, float]:
    """Peak IFN-α, its time (h) and the AUC of TNF-α (relative·h) over the label's first
    week (2 applications, one sachet), for the given signalling rates."""
    out = cytokines.cytokines_after_cream(pk.LABEL_AK_SCHEDULE, duration_h=WEEK_H, **rates)
    ifn = out["ifn_alpha"]
    return {
        "peak IFN-α": float(ifn.max()),
        "time to peak IFN-α": float(out["time_h"][np.argmax(ifn)]),
        "AUC of TNF-α": float(np.trapezoid(out["tnf_alpha"], out["time_h"])),
    }


def producer_rows() -> list[dict[str, str]]:
    """Which cell makes which cytokine in the model, with the sources, as table rows."""
    return [
        {
            "cytokine": cytokines.NAMES[key],
            "made by (in the model)": cells,
            "branch": branch,
            "source": " ".join(f"{{cite:p}}`{k}`" for k in keys),
        }
        for key, (cells, branch, keys) in cytokines.PRODUCERS.items()
    ]


def knockout_rows() -> list[dict[str, str]]:
    """Peak of each cytokine in each genotype, as % of wild type, one application."""
    wild = knockout_day()
    keys = ("ifn_alpha", "tnf_alpha", "il6")
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
