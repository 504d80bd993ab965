"""The stored calibration (``data/trial_fit.json``), read by the book and the predictions;
never refitted at build time.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import numpy as np

from ..outcomes import INDICATIONS
from .calibration import indication_mean_background
from .patients import INDICATION

FIT_FILE = Path(__file__).parents[1] / "data" / "trial_fit.json"


# --- the fit, kept as data
@functools.cache
def fitted() -> dict[str, object]:
    """The stored calibration (``data/trial_fit.json``): the maximum-likelihood values,
    the arms they came from, and posterior draws of the parameters."""
    return json.loads(FIT_FILE.read_text())


def posterior_sample() -> np.ndarray:
    """The stored posterior draws of the fitted numbers (rows as PARAMETER_NAMES, then the
    backgrounds)."""
    return np.array(fitted()["draws"], dtype=float)


def draw_sets() -> np.ndarray:
    """For each stored draw, the index of its set of assumed numbers (:func:`stored_sets`)."""
    return np.array(fitted()["draw_sets"], dtype=int)


@functools.cache
def stored_sets() -> tuple[tuple[tuple[str, float], ...], ...]:
    """The sets of assumed numbers the stored draws use ((name, value) pairs)."""
    return sets_in(fitted())


def sets_in(fit: dict[str, object]) -> tuple[tuple[tuple[str, float], ...], ...]:
    """The sets of assumed numbers a calibration's draws use ((name, value) pairs)."""
    return tuple(tuple(sorted(s.items())) for s in fit["assumption_sets"])


def indication_background(indication: str, theta: np.ndarray) -> np.ndarray:
    """Background clearance of an indication for each draw: the mean over its trials with
    a vehicle arm (0 where it has none)."""
    fit = fitted()
    return indication_mean_background(
        theta, fit["background_trials"], fit["trial_indication"], indication
    )


def mode_vector() -> np.ndarray:
    """The stored posterior mode at the registry's assumed numbers (the chapters'), as one
    row."""
    return np.array(fitted()["posterior_mode"], dtype=float)[None, :]


#: registry rows that hold the maximum-likelihood values: name → (fitted number, back-transform)
REGISTRY_VALUES = {
    "immune_responsiveness_median": ("log immune_responsiveness_median", math.exp),
    "immune_responsiveness_log_sd": ("log immune_responsiveness_log_sd", math.exp),
    "severe_reaction_threshold": ("log severe_reaction_threshold", math.exp),
    "severe_reaction_background": (
        "logit severe_reaction_background",
        lambda x: 1 / (1 + math.exp(-x)),
    ),
    **{INDICATION[i].burden: (INDICATION[i].burden, float) for i in INDICATIONS},
    "between_trial_logit_sd": ("log between_trial_logit_sd", math.exp),
}


def registry_values(fit: dict[str, object]) -> dict[str, float]:
    """The registry's fitted numbers from a stored calibration (4 significant digits)."""
    best = dict(zip(fit["parameter_names"], fit["posterior_mode"], strict=True))
    return {name: float(f"{back(best[key]):.4g}") for name, (key, back) in REGISTRY_VALUES.items()}


def store_in_registry(fit: dict[str, object]) -> None:
    """Write a calibration's values into the registry's fitted rows."""
    import csv
    import io

    from ..parameters import REGISTRY_FILE

    values = registry_values(fit)
    rows = list(csv.reader(io.StringIO(REGISTRY_FILE.read_text())))
    for row in rows[1:]:
        if row[1] in values:
            row[4] = f"{values[row[1]]:g}"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    REGISTRY_FILE.write_text(out.getvalue())
