"""Clinical outcomes: published trial arms, with their sources.

The arms live in ``data/trials.csv``, one row per arm and endpoint, each with its source
key. Counts are given where the trial published them; otherwise the percentage, with a
note saying why.

Examples
--------
>>> arms = trial_arms()
>>> sorted({a.indication for a in arms})[:2]
['actinic keratosis', 'basal cell carcinoma (nodular or superficial)']
>>> geisse = [a for a in arms if a.trial == "Geisse2002" and a.applications_per_week == 3]
>>> geisse[0].responders, geisse[0].n, round(geisse[0].proportion, 3)
(15, 29, 0.517)
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "trials.csv"
INDICATIONS = (
    "actinic keratosis",
    "superficial basal cell carcinoma",
    "external genital warts",
)


@dataclass(frozen=True)
class TrialArm:
    """One arm of a published trial, for one endpoint."""

    trial: str
    indication: str
    body_site: str
    treatment: str
    strength_percent: float | None
    applications_per_week: int | None
    weeks: int | None
    rest_weeks: int | None
    cycles: int | None
    endpoint: str
    assessment: str
    responders: int | None
    n: int | None
    percent: float | None
    note: str
    source: str

    @property
    def proportion(self) -> float:
        """Share of responders (0–1), from the counts where published."""
        if self.n:
            return self.responders / self.n
        return self.percent / 100.0

    def wilson_interval(self, z: float = 1.959963984540054) -> tuple[float, float]:
        """95% Wilson score interval of the proportion (needs counts)."""
        if not self.n:
            raise ValueError(f"{self.trial} {self.treatment}: no counts, so no interval")
        p, n = self.proportion, self.n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)


def _number(text: str, kind=float):
    return kind(text) if text.strip() else None


@cache
def trial_arms() -> tuple[TrialArm, ...]:
    """Every arm in ``data/trials.csv``."""
    lines = [line for line in DATA.read_text().splitlines() if not line.startswith("#")]
    arms = []
    for row in csv.DictReader(lines):
        arms.append(
            TrialArm(
                trial=row["trial"],
                indication=row["indication"],
                body_site=row["body_site"],
                treatment=row["treatment"],
                strength_percent=_number(row["strength_percent"]),
                applications_per_week=_number(row["applications_per_week"], int),
                weeks=_number(row["weeks"], int),
                rest_weeks=_number(row["rest_weeks"], int),
                cycles=_number(row["cycles"], int),
                endpoint=row["endpoint"],
                assessment=row["assessment"],
                responders=_number(row["responders"], int),
                n=_number(row["n"], int),
                percent=_number(row["percent"]),
                note=row["note"],
                source=row["source"],
            )
        )
    return tuple(arms)
