"""Chapter 4, "After the first week: T cells and memory": the innate-and-adaptive explorer,
the recurrence explorer with the published long-term arms, and the chapter's tables."""

from __future__ import annotations

import functools
import re

import numpy as np

from ... import adaptive, killers, outcomes
from ...parameters import PARAMETERS, default
from ..explorers import PALETTE, Control, Curve, Explorer, Panel
from ..reporting import default_text
from .common import every, low_high_rows, percent

HOURS_BETWEEN_POINTS = 6
DAYS_SHOWN = 56


def innate_and_adaptive(
    *,
    dc_priming_delay_days: float = default("dc_priming_delay_days"),
    t_cell_killing_rate_per_day: float = default("t_cell_killing_rate_per_day"),
    pdc_killing_rate_per_day: float = default("pdc_killing_rate_per_day"),
) -> dict[str, np.ndarray]:
    """Kill rates (per day) by the innate arm, T cells and memory, effector T cells and
    memory (0–1) and the tumour burden, every 6 h over 8 weeks (4 weeks of cream)."""
    out = adaptive.lesion_course(
        days=DAYS_SHOWN,
        dc_priming_delay_days=dc_priming_delay_days,
        t_cell_killing_rate_per_day=t_cell_killing_rate_per_day,
        pdc_killing_rate_per_day=pdc_killing_rate_per_day,
    )
    keys = (
        "time_days",
        "innate_kill_per_day",
        "t_cell_kill_per_day",
        "memory_kill_per_day",
        "effector_t_cells",
        "memory",
        "tumour",
    )
    shown = every(out, HOURS_BETWEEN_POINTS, keys)
    shown["tumour"] = np.maximum(shown["tumour"], 1e-8)  # below one cell in 10⁸: gone
    return shown


INNATE_AND_ADAPTIVE = Explorer(
    name="innate-adaptive",
    title="Who kills the tumour, and when: the innate arm, T cells and memory",
    model=innate_and_adaptive,
    x="time_days",
    x_label="days since the first application (cream for 4 weeks)",
    controls=(
        Control("dc_priming_delay_days", (2, 4, 7, 14, 21), log=True),
        Control("t_cell_killing_rate_per_day", (0, 0.1, 0.3, 1, 3)),
        Control("pdc_killing_rate_per_day", (0.5, 0.6, 1, 3, 6, 10), log=True),  # 0.6: the text
    ),
    panels=(
        Panel("tumour-cell kill rate (per day)", y_range=(0, 3)),
        Panel("T cells, memory (fraction)", y_range=(0, 1.05)),
        Panel("tumour burden (× start)", log_y=True, y_range=(-8, 1.5)),
    ),
    curves=(
        Curve(
            "innate_kill_per_day",
            "killing by the innate arm (pDCs, direct action)",
            panel=0,
            color=PALETTE[0],
        ),
        Curve("t_cell_kill_per_day", "killing by effector T cells", panel=0, color=PALETTE[1]),
        Curve("memory_kill_per_day", "killing by memory", panel=0, dash="dot", color=PALETTE[3]),
        Curve("effector_t_cells", "effector T cells in the lesion", panel=1, color=PALETTE[1]),
        Curve("memory", "memory", panel=1, dash="dot", color=PALETTE[3]),
        Curve("tumour", "tumour burden", panel=2, color="#444444"),
    ),
    description=(
        "Three panels over 8 weeks. Top: the tumour-cell kill rate by the innate arm, by "
        "effector T cells and by memory. Middle: effector T cells and memory. Bottom: the "
        "tumour burden on a log scale."
    ),
)


# --- recurrence after treatment
MONTHS = np.arange(0.0, 61.0, 1.0)
#: The published long-term arms: (trial, endpoint) → months after treatment.
LONG_TERM = {
    ("Arits2013", "tumour-free at 12 months"): 12,
    ("Jansen2018", "tumour-free at 5 years"): 60,
    ("Williams2017", "success at 3 years"): 36,
    ("Williams2017", "success at 5 years"): 60,
}
#: Treatments drawn, with the curve each is compared with.
SERIES = {
    "imiquimod (Arits, Jansen)": ("imiquimod", ("Arits2013", "Jansen2018")),
    "photodynamic therapy (Arits, Jansen)": ("MAL-PDT", ("Arits2013", "Jansen2018")),
    "fluorouracil (Arits, Jansen)": ("5-fluorouracil", ("Arits2013", "Jansen2018")),
    "imiquimod (SINS)": ("imiquimod", ("Williams2017",)),
    "surgery (SINS)": ("surgery", ("Williams2017",)),
}


def _interval_percent(arm: outcomes.TrialArm) -> tuple[float, float]:
    """The arm's 95% interval (%): Wilson from the counts, else the one its note gives."""
    if arm.n:
        low, high = arm.wilson_interval()
        return 100 * low, 100 * high
    found = re.search(r"95% CI ([\d.]+)-([\d.]+)", arm.note)
    if not found:
        raise ValueError(f"{arm.trial} {arm.treatment}: no interval in the data")
    return float(found[1]), float(found[2])


def published_points(name: str) -> dict[str, np.ndarray]:
    """One series of published long-term arms on the month grid (%, NaN between points)."""
    treatment, trials = SERIES[name]
    y, low, high = (np.full(len(MONTHS), np.nan) for _ in range(3))
    for arm in outcomes.trial_arms():
        month = LONG_TERM.get((arm.trial, arm.endpoint))
        if month is not None and arm.trial in trials and arm.treatment == treatment:
            i = int(np.searchsorted(MONTHS, month))
            y[i] = 100 * arm.proportion
            low[i], high[i] = _interval_percent(arm)
    return {"y": y, "low": low, "high": high}


def _first_point(name: str) -> float:
    """A series' 12-month tumour-free share (%): the model's curves start from it."""
    points = published_points(name)["y"]
    return float(points[~np.isnan(points)][0])


@functools.cache
def memory_after_imiquimod() -> float:
    """Memory (0–1) the lesion course leaves at the end of 8 weeks, at the defaults."""
    return float(adaptive.lesion_course(days=DAYS_SHOWN)["memory"][-1])


def recurrence_explorer(
    *,
    memory_killing_rate_per_day: float = default("memory_killing_rate_per_day"),
    memory_half_life_days: float = default("memory_half_life_days"),
    residual_regrowth_rate_per_day: float = default("residual_regrowth_rate_per_day"),
) -> dict[str, np.ndarray]:
    """Tumour-free (%) over 60 months: imiquimod with the memory it leaves and a treatment
    that leaves none, each starting from its trial's 12-month share; and the published
    long-term arms with their 95% intervals."""
    rates = {
        "memory_killing_rate_per_day": memory_killing_rate_per_day,
        "memory_half_life_days": memory_half_life_days,
        "residual_regrowth_rate_per_day": residual_regrowth_rate_per_day,
    }
    later = np.clip(MONTHS - 12, 0, None)  # recurrence counted from the 12-month visit
    before = np.where(MONTHS < 12, np.nan, 1.0)  # the model starts at the 12-month visit
    left = memory_after_imiquimod()
    with_memory = before * (1 - adaptive.recurred_fraction(later, left, **rates))
    without = before * (1 - adaptive.recurred_fraction(later, 0.0, **rates))
    out = {
        "months": MONTHS,
        "imiquimod_model": _first_point("imiquimod (Arits, Jansen)") * with_memory,
        "pdt_model": _first_point("photodynamic therapy (Arits, Jansen)") * without,
    }
    for key, name in zip(("imq", "pdt", "fu", "sins_imq", "sins_surgery"), SERIES, strict=True):
        points = published_points(name)
        out[key], out[f"{key}_low"], out[f"{key}_high"] = points["y"], points["low"], points["high"]
    return out


RECURRENCE = Explorer(
    name="recurrence",
    title="Does memory keep cleared lesions clear? Five years after treatment",
    model=recurrence_explorer,
    x="months",
    x_label="months after treatment",
    controls=(
        Control("residual_regrowth_rate_per_day", (0.005, 0.01, 0.02, 0.05), log=True),
        # at the assumed 0.2 per day memory holds every residue down whatever its half-life
        # (as any rate above about 0.025 does), so the explorer opens at a tenth of it, where
        # the half-life and the regrowth show what they do; the other stops lie below that
        Control("memory_killing_rate_per_day", (0, 0.005, 0.01, 0.02, 0.2), opens_at=0.02),
        Control("memory_half_life_days", (150, 250, 365, 2922), log=True),
    ),
    panels=(Panel("tumour-free (%)", y_range=(40, 102)),),
    curves=(
        Curve("imiquimod_model", "model: imiquimod, with memory", color=PALETTE[0], gaps=True),
        Curve(
            "pdt_model",
            "model: no memory (photodynamic therapy)",
            color=PALETTE[1],
            gaps=True,
        ),
        *(
            Curve(
                key,
                name,
                color=colour,
                markers=True,
                gaps=True,
                low=f"{key}_low",
                high=f"{key}_high",
            )
            for key, name, colour in zip(
                ("imq", "pdt", "fu", "sins_imq", "sins_surgery"),
                SERIES,
                (PALETTE[0], PALETTE[1], PALETTE[4], PALETTE[3], "#222222"),
                strict=True,
            )
        ),
    ),
    description=(
        "One panel over 60 months after treatment of superficial basal cell carcinoma: the "
        "model's tumour-free share after imiquimod (with memory) and after a treatment that "
        "leaves none, and the published arms with their 95% intervals."
    ),
)


def memory_kill_that_suffices(step: float = 0.005, within: float = 0.1) -> float:
    """The smallest memory kill rate (per day, a multiple of ``step``) at which imiquimod's
    five-year tumour-free share comes within ``within`` points (%) of its share at the
    registry's rate: above it, the exact rate no longer matters."""
    assumed = default("memory_killing_rate_per_day")
    target = recurrence_explorer()["imiquimod_model"][-1]
    for rate in np.arange(step, assumed + step / 2, step):
        share = recurrence_explorer(memory_killing_rate_per_day=float(rate))["imiquimod_model"]
        if abs(share[-1] - target) <= within:
            return float(rate)
    return assumed


def recurrence_sensitivity() -> list[dict[str, str]]:
    """Recurrence among cleared lesions by 5 years, without and with imiquimod's memory,
    with each assumption of recurrence at the ends of its range."""

    def summary(**rates: float) -> dict[str, float]:
        months = np.array([60.0])
        return {
            "recurred by 5 years, no memory (%)": 100
            * float(adaptive.recurred_fraction(months, 0.0, **rates)[0]),
            "with imiquimod's memory (%)": 100
            * float(adaptive.recurred_fraction(months, memory_after_imiquimod(), **rates)[0]),
        }

    return low_high_rows(adaptive.RECURRENCE_ASSUMPTIONS, summary, percent)


#: Memory a destructive comparator might leave, as a share of what imiquimod leaves.
COMPARATOR_MEMORY_SHARES = (0.0, 0.5, 0.6, 0.75, 1.0)


def comparator_memory_rows() -> list[dict[str, str]]:
    """What the memory comparison becomes if photodynamic therapy primes some memory: the
    model's five-year tumour-free share (%) after photodynamic therapy, from its trial's
    12-month share, for each share of imiquimod's memory it might leave, beside the
    observed five-year share, and the model's loss after 12 months beside imiquimod's."""
    months = np.array([48.0])  # from the 12-month visit to 5 years
    left = memory_after_imiquimod()
    start = _first_point("photodynamic therapy (Arits, Jansen)")
    points = published_points("photodynamic therapy (Arits, Jansen)")["y"]
    observed = float(points[~np.isnan(points)][-1])  # Jansen 2018, five years
    imiquimod_lost = 100 * float(adaptive.recurred_fraction(months, left)[0])
    rows = []
    for share in COMPARATOR_MEMORY_SHARES:
        kept = 1 - float(adaptive.recurred_fraction(months, share * left)[0])
        rows.append(
            {
                "memory after photodynamic therapy (share of imiquimod's)": f"{share:g}",
                "model: tumour-free at 5 years (%)": f"{start * kept:.1f}",
                "observed (%)": f"{observed:.1f}",
                "model: cleared lesions lost from 1 to 5 years (%)": f"{100 * (1 - kept):.1f}",
                "the same after imiquimod (%)": f"{imiquimod_lost:.1f}",
            }
        )
    return rows


def assumption_rows() -> list[dict[str, str]]:
    """The adaptive arm's assumed numbers, with what bounds them."""
    return [
        {
            "number": f"{PARAMETERS[n].meaning} (${PARAMETERS[n].symbol}$)",
            "value": default_text(n),
            "what bounds it": PARAMETERS[n].note,
        }
        for n in dict.fromkeys((*adaptive.COURSE_ASSUMPTIONS, *adaptive.RECURRENCE_ASSUMPTIONS))
    ]


def kill_shares(**rates: float) -> dict[str, float]:
    """Share (%) of all tumour cells killed over 8 weeks by the innate arm, by effector T
    cells and by memory (the kill rate times the burden, integrated)."""
    out = adaptive.lesion_course(days=DAYS_SHOWN, **rates)
    t, burden = out["time_days"], out["tumour"]
    killed = {
        arm: float(np.trapezoid(out[f"{key}_kill_per_day"] * burden, t))
        for arm, key in (("innate", "innate"), ("T cells", "t_cell"), ("memory", "memory"))
    }
    total = sum(killed.values())
    return {arm: 100 * value / total for arm, value in killed.items()}


def drobits_verdicts_with_t_cells() -> list[dict[str, str]]:
    """Chapter 3's conditions over its 28 days with the adaptive arm added: the verdicts."""
    untreated = killers.tumour_course("untreated")["tumour"][-1]
    rows = []
    for condition, stated in killers.PAPER_OUTCOME.items():
        final = adaptive.lesion_course(condition, days=28)["tumour"][-1]
        rows.append(
            {
                "condition": condition,
                "model, with T cells": killers.verdict(final, untreated),
                "paper": stated,
            }
        )
    return rows
