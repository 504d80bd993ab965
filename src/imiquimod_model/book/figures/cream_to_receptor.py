"""Chapter 1, "From cream to receptor": its explorer and tables.

Examples
--------
>>> out = cream_to_receptor(cream_strength_percent=5, treated_area_cm2=25, applications_per_week=2)
>>> sorted(out)[:3]
['ec50_uM', 'free_uM', 'serum_engagement']
"""

from __future__ import annotations

import numpy as np

from ... import pk
from ...parameters import default, whole
from ...receptor import tlr7_engagement
from ..explorers import Control, Curve, Explorer, Panel
from ..reporting import number_text
from .common import every, low_high_rows

DAYS_SHOWN = 14
HOURS_BETWEEN_POINTS = 2  # enough for 8-h contacts; keeps the static page light


def cream_to_receptor(
    *,
    cream_strength_percent: float = default("cream_strength_percent"),
    treated_area_cm2: float = default("treated_area_cm2"),
    applications_per_week: float = default("applications_per_week"),
    tlr7_ec50_uM: float = default("tlr7_ec50_uM"),
    **pk_assumptions: float,
) -> dict[str, np.ndarray]:
    """Free and total drug in the viable skin and serum (µM), and TLR7 engagement (0–1),
    every 2 hours over 2 weeks of one 250 mg sachet per application, 8 h each.

    ``pk_assumptions`` are keyword arguments of :func:`~imiquimod_model.pk.topical_exposure`.
    """
    schedule = pk.Schedule(
        applications_per_week=whole("applications_per_week", applications_per_week),
        weeks=2,
        cream_percent=cream_strength_percent,
        area_cm2=treated_area_cm2,
    )
    exposure = pk.topical_exposure(schedule, duration_h=DAYS_SHOWN * 24, **pk_assumptions)
    out = every(
        {
            "time_h": exposure.time_h,
            "free_uM": exposure.free_concentration_uM,
            "total_uM": exposure.total_skin_concentration_uM,
            "serum_uM": exposure.serum_concentration_uM,
        },
        round(HOURS_BETWEEN_POINTS / (exposure.time_h[1] - exposure.time_h[0])),
        ("time_h", "free_uM", "total_uM", "serum_uM"),
    )
    free, serum = out["free_uM"], out["serum_uM"]
    return {
        "time_days": out.pop("time_h") / 24.0,
        **out,
        "ec50_uM": np.full_like(free, tlr7_ec50_uM),
        "skin_engagement": tlr7_engagement(free, tlr7_ec50_uM),
        "serum_engagement": tlr7_engagement(serum, tlr7_ec50_uM),
    }


CREAM_TO_RECEPTOR = Explorer(
    name="cream-to-receptor",
    title="From cream to receptor: two weeks of the label schedule for actinic keratosis",
    model=cream_to_receptor,
    x="time_days",
    x_label="time since the first application (days)",
    controls=(
        Control("cream_strength_percent", (0, 1, 2.5, 3.75, 5)),
        Control("treated_area_cm2", (5, 25, 100, 250, 1000), log=True),
        Control("applications_per_week", (1, 2, 3, 5, 7), step=1),
    ),
    panels=(
        Panel("concentration (µM)", log_y=True, y_range=(-6, 3)),
        # a log scale: engagement in blood is a thousandth of the skin's, on a linear axis
        # a line along the x-axis; down to 1e-6, where the label course's troughs in blood lie
        Panel("TLR7 engaged (fraction)", log_y=True, y_range=(-6, 0.1)),
    ),
    curves=(
        Curve("total_uM", "all drug in viable skin", panel=0, dash="dot"),
        Curve("free_uM", "free drug in viable skin", panel=0),
        Curve("serum_uM", "serum", panel=0),
        Curve("ec50_uM", "assumed EC50", panel=0, dash="dash", color="#777777"),
        Curve("skin_engagement", "TLR7 in treated skin (free drug)", panel=1),
        Curve("serum_engagement", "TLR7 in blood cells", panel=1),
    ),
    description=(
        "Two panels over 14 days. Top: imiquimod in the viable skin (all of it, and the "
        "free share the receptor sees) and in serum on a log scale, with the assumed EC50 "
        "as a dashed line. Bottom: the fraction of maximal TLR7 engagement in skin and in "
        "blood, also on a log scale."
    ),
)


def engagement_by_ec50(ec50_values_uM: tuple[float, ...]) -> list[dict[str, str]]:
    """For each assumed EC50 (µM): TLR7 engagement in skin and blood over 2 weeks of the label.

    Rows give the time-averaged engagement in treated skin and the peak engagement in blood
    at the registry's other defaults, as percentages formatted for a table.
    """
    rows = []
    for ec50 in ec50_values_uM:
        out = cream_to_receptor(tlr7_ec50_uM=ec50)
        rows.append(
            {
                "assumed EC50 (µM)": f"{ec50:g}",
                "skin engagement, 2-week mean (%)": f"{100 * out['skin_engagement'].mean():.1f}",
                "blood engagement, peak (%)": number_text(100 * out["serum_engagement"].max(), 2),
            }
        )
    return rows


def label_peak_comparison() -> list[dict[str, str]]:
    """The label study's serum peaks beside the model's, with the model's time to peak."""
    rows = []
    for row in pk.label_pk_peaks():
        schedule = pk.label_pk_schedule(row)
        peak, delay = pk.final_serum_peak(pk.topical_exposure(schedule), schedule)
        rows.append(
            {
                "body site (cream)": f"{row['site']} ({row['sachets']:g} × 250 mg)",
                "area assumed (cm²)": f"{row['area_cm2']:g}",
                "label peak (ng/mL)": f"{row['peak_ng_per_mL']:g}",
                "model peak (ng/mL)": f"{peak:.2f}",
                "model / label": f"{peak / row['peak_ng_per_mL']:.2f}",
                "model time to peak (h)": f"{delay:.1f}",
            }
        )
    return rows


#: The assumed numbers of the skin model whose effect on the free concentration is shown.
SKIN_ASSUMPTIONS = (
    "stratum_corneum_flux_ug_per_cm2_h",
    "unbound_fraction_in_skin",
    "viable_skin_half_life_h",
    "stratum_corneum_half_life_h",
    "skin_layer_depth_um",
    "aqueous_solubility_uM",
)


def _free_summary(**pk_assumptions: float) -> dict[str, float]:
    """Peak and 2-week mean free concentration (µM) at the label for actinic keratosis."""
    free = cream_to_receptor(**pk_assumptions)["free_uM"]
    return {"peak free drug (µM)": float(free.max()), "2-week mean (µM)": float(free.mean())}


def free_drug_sensitivity() -> list[dict[str, str]]:
    """How the label's free concentration in skin moves when each assumed number is set to
    the low and the high end of its registry range (the others at their defaults)."""
    return low_high_rows(SKIN_ASSUMPTIONS, _free_summary)
