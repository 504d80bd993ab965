"""Chapter 1, "From cream to receptor": its explorer and tables.

Examples
--------
>>> out = cream_to_receptor(sachets_per_application=1, tlr7_ec50_uM=5, skin_layer_depth_um=100)
>>> sorted(out)[:3]
['ec50_uM', 'serum_engagement', 'serum_uM']
"""

from __future__ import annotations

import numpy as np

from ... import pk
from ...parameters import default
from ...receptor import tlr7_engagement
from ..explorers import Control, Curve, Explorer, Panel

DAYS_SHOWN = 14


def cream_to_receptor(
    *,
    sachets_per_application: float = default("sachets_per_application"),
    tlr7_ec50_uM: float = default("tlr7_ec50_uM"),
    skin_layer_depth_um: float = default("skin_layer_depth_um"),
) -> dict[str, np.ndarray]:
    """Skin and serum concentration (µM) and TLR7 engagement (0–1), hourly over 2 weeks.

    The schedule is the label's for actinic keratosis (2 applications a week, 8 h each).
    """
    exposure = pk.topical_exposure(
        pk.LABEL_AK_SCHEDULE,
        sachets_per_application=sachets_per_application,
        skin_layer_depth_um=skin_layer_depth_um,
        duration_h=DAYS_SHOWN * 24,
    )
    hourly = slice(None, None, round(1.0 / (exposure.time_h[1] - exposure.time_h[0])))
    skin = exposure.skin_concentration_uM[hourly]
    serum = exposure.serum_concentration_uM[hourly]
    return {
        "time_days": exposure.time_h[hourly] / 24.0,
        "skin_uM": skin,
        "serum_uM": serum,
        "ec50_uM": np.full_like(skin, tlr7_ec50_uM),
        "skin_engagement": tlr7_engagement(skin, tlr7_ec50_uM),
        "serum_engagement": tlr7_engagement(serum, tlr7_ec50_uM),
    }


CREAM_TO_RECEPTOR = Explorer(
    name="cream-to-receptor",
    title="From cream to receptor: two weeks of the label schedule for actinic keratosis",
    model=cream_to_receptor,
    x="time_days",
    x_label="time since the first application (days)",
    controls=(
        Control("sachets_per_application", (1, 2, 3, 4, 5, 6), step=1),
        Control("tlr7_ec50_uM", (0.1, 0.3, 1, 3, 5, 10, 30, 50), log=True),
        Control("skin_layer_depth_um", (25, 50, 100, 200, 400), step=5),
    ),
    panels=(
        Panel("concentration (µM)", log_y=True, y_range=(-5, 4.5)),
        Panel("TLR7 engaged (fraction)", y_range=(0, 1.05)),
    ),
    curves=(
        Curve("skin_uM", "treated skin", panel=0),
        Curve("serum_uM", "serum", panel=0),
        Curve("ec50_uM", "assumed EC50", panel=0, dash="dash", color="#777777"),
        Curve("skin_engagement", "TLR7 in treated skin", panel=1),
        Curve("serum_engagement", "TLR7 in blood cells", panel=1),
    ),
    description=(
        "Two panels over 14 days. Top: imiquimod concentration in treated skin and in "
        "serum on a log scale, with the assumed EC50 as a dashed line. Bottom: the "
        "fraction of maximal TLR7 engagement in skin and in blood."
    ),
)


def engagement_by_ec50(ec50_values_uM: tuple[float, ...]) -> list[dict[str, str]]:
    """For each assumed EC50 (µM): TLR7 engagement in skin and blood over the explorer's 2 weeks.

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
                "blood engagement, peak (%)": f"{100 * out['serum_engagement'].max():.1e}",
            }
        )
    return rows


def label_peak_comparison() -> list[dict[str, str]]:
    """The label study's serum peaks beside the model's, with the model's time to peak."""
    rows = []
    for row in pk.label_pk_peaks():
        exposure = pk.topical_exposure(pk.LABEL_PK_STUDY, sachets_per_application=row["sachets"])
        peak, delay = pk.final_serum_peak(exposure, pk.LABEL_PK_STUDY)
        rows.append(
            {
                "sachets (body site)": f"{row['sachets']:g} ({row['site']})",
                "label peak (ng/mL)": f"{row['peak_ng_per_mL']:g}",
                "model peak (ng/mL)": f"{peak:.2f}",
                "model / label": f"{peak / row['peak_ng_per_mL']:.2f}",
                "model time to peak (h)": f"{delay:.1f}",
            }
        )
    return rows
