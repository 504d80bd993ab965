"""Predictions published before the data, and how they fared.

Each row of ``data/preregistered.csv`` is a prediction the model made, at the commit it
names, for a trial it had not seen: the design, the predicted complete clearance and the
model's 95% band, exactly as printed then. The record is never recomputed by the model
as it stands now. Once the trial is released, its published arm (``trials.csv``) scores
the prediction: the result with its 95% Wilson interval, and whether it fell in the band.

Examples
--------
>>> first = preregistered_predictions()[0]
>>> first.prediction, first.percent, first.low, first.high
('Jorizzo 2007, course 1', 29.0, 26.6, 44.2)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .outcomes import TrialArm, arm_id, trial_arms

DATA = Path(__file__).parent / "data" / "preregistered.csv"


@dataclass(frozen=True)
class Preregistered:
    """One prediction as it was made (percentages 0–100) and the arm that scores it."""

    prediction: str
    indication: str
    applications_per_week: int
    weeks: int
    rest_weeks: int
    cycles: int
    cream_percent: float
    cream_mg_per_application: float
    treated_area_cm2: float
    assessed_weeks_after: float
    commit: str
    percent: float
    low: float
    high: float
    result_arm: str
    how: str

    @property
    def result(self) -> TrialArm | None:
        """The published arm that scores this prediction (None while it is reserved)."""
        if not self.result_arm:
            return None
        return {arm_id(a): a for a in trial_arms()}[self.result_arm]

    def scored(self) -> dict[str, float | bool] | None:
        """The result (%) with its 95% Wilson interval and whether it fell in the band;
        None while the trial is reserved."""
        arm = self.result
        if arm is None:
            return None
        low, high = arm.wilson_interval()
        observed = 100 * arm.proportion
        return {
            "observed": observed,
            "observed_low": 100 * low,
            "observed_high": 100 * high,
            "in_band": self.low <= observed <= self.high,
        }


@cache
def preregistered_predictions() -> tuple[Preregistered, ...]:
    """Every stored prediction, in the order it was recorded."""
    lines = [line for line in DATA.read_text().splitlines() if not line.startswith("#")]
    whole = {"applications_per_week", "weeks", "rest_weeks", "cycles"}
    text = {"prediction", "indication", "commit", "result_arm", "how"}
    rows = []
    for row in csv.DictReader(lines):
        rows.append(
            Preregistered(
                **{
                    k: (v if k in text else int(v) if k in whole else float(v))
                    for k, v in row.items()
                }
            )
        )
    return tuple(rows)
