"""The whole calibration, run by hand (``python -m imiquimod_model.clinic.refit``) and stored
as data; the book only reads it.

It builds the virtual population of :mod:`.selection`: plausible sets of the assumed numbers,
half drawn from the priors and half near the chapters' values (:mod:`.proposal`), each
calibrated and weighed by the arms and by its importance correction; keeps 200 draws of the
joint posterior; scores every trial left out, refitting each set the kept draws use, and
the chapters' values alone the same way; and writes the registry's fitted rows from the
posterior mode at the registry's assumed numbers (the values the chapters use). The
chapters' own set is calibrated but not weighed in the population: it was chosen by hand
with these trials in view, so it is not a draw.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..outcomes import TrialArm, arm_id
from ..parameters import default
from .assumptions import SAMPLED, prior_of
from .calibration import (
    PARAMETER_NAMES,
    background_trials,
    calibration_arms,
    log_posterior,
    posterior_mode,
    prepared,
    solve_chains,
)
from .courses import kill_course
from .proposal import profiles, proposal_from, systematic_resample
from .scores import held_out_trials, in_sample_bands, leave_one_trial_out
from .selection import (
    SetFit,
    draw_population,
    effective_sample_size,
    fit_population,
    normalised,
    other_searches,
    pooled,
    weighted_quantiles,
)
from .stacking import stacking_weights
from .store import FIT_FILE, REGISTRY_VALUES, fitted, sets_in, store_in_registry

#: choices of sets to calibrate among the pool of plausible candidates (a set chosen more
#: than once is calibrated once)
SETS = 64
#: the sets the posterior weighs most, refitted without each trial in turn and weighed by
#: stacking (:mod:`.stacking`)
CANDIDATES = 24
#: importance draws of the fitted numbers per set
DRAWS_PER_SET = 128
#: posterior draws kept
KEPT = 200


def what_the_trials_teach(
    fits: list[SetFit], weights: np.ndarray, which: np.ndarray, theta: np.ndarray
) -> dict[str, dict[str, object]]:
    """For each sampled assumed number: its prior range and the 5%, 50% and 95% points of
    its posterior; for each fitted number, its posterior points (in the registry's units)."""
    out = {}
    for name in SAMPLED:
        prior = prior_of(name)
        values = np.array([dict(f.values).get(name, default(name)) for f in fits])[which]
        out[name] = {
            "prior": [prior.low, prior.high],
            "log": prior.log,
            "registry": default(name),
            "posterior": [
                round(v, 6) for v in weighted_quantiles(values, weights, (0.05, 0.5, 0.95))
            ],
        }
    for name, (key, back) in REGISTRY_VALUES.items():
        column = np.array([back(x) for x in theta[:, PARAMETER_NAMES.index(key)]])
        points = weighted_quantiles(column, weights, (0.05, 0.5, 0.95))
        out[name] = {"fitted": True, "posterior": [round(v, 6) for v in points]}
    return out


def stage_minutes(began: float, ends: dict[str, float]) -> dict[str, float]:
    """Minutes each stage took, from the clock readings at their ends (in order)."""
    starts = [began, *list(ends.values())[:-1]]
    return {
        name: round((end - start) / 60, 2)
        for (name, end), start in zip(ends.items(), starts, strict=True)
    }


def parameter_names(arms: tuple[TrialArm, ...]) -> list[str]:
    """The names of a parameter vector: PARAMETER_NAMES, then each trial's background."""
    return [*PARAMETER_NAMES, *(f"logit background {t}" for t in background_trials(arms))]


#: how much more probable (log units) a mode found afresh must be to replace the stored one
KEPT_MODE_MARGIN = 1e-3


def most_probable(arms: tuple[TrialArm, ...]) -> tuple[np.ndarray, float]:
    """The posterior mode at the registry's assumed numbers: the better of the default
    starts and the stored fit's mode (when it has the same parameters). The posterior has
    more than one mode, so a refit never settles below the mode it already knew; and it
    keeps the stored mode unless it finds one clearly more probable, since the optimiser
    wanders by about 1e-5 along the posterior's flat ridges and every later stage of the
    calibration starts from the mode (so refits give the same result, bit for bit)."""
    found = posterior_mode(arms)
    stored = fitted()
    if stored["parameter_names"] == parameter_names(arms):
        known = np.array(stored["posterior_mode"], dtype=float)
        warm = posterior_mode(arms, known)
        found = max(found, warm, key=lambda mode: mode[1])
        at = float(log_posterior(known, arms)[0])
        if found[1] < at + KEPT_MODE_MARGIN:  # nothing clearly better: a refit changes nothing
            return known, at
    return found


def calibrate(
    seed: int = 2026,
    sets: int = SETS,
    draws_per_set: int = DRAWS_PER_SET,
    kept: int = KEPT,
    workers: int = 2,
) -> dict[str, object]:
    """The whole calibration (minutes): the posterior mode at the registry's assumed
    numbers, the profiles that shape where sets are drawn, the virtual population, its kept
    draws, the in-sample bands and every trial left out in turn (with the population, and
    with the chapters' values alone)."""
    began = time.perf_counter()
    stages: dict[str, float] = {}
    arms = calibration_arms()
    best, log_post = most_probable(arms)
    best = np.array([round(float(x), 6) for x in best])  # as stored: set fits start there
    profile = profiles(arms, best, workers=workers)
    proposal = proposal_from(profile)
    stages["mode and profiles"] = time.perf_counter()
    drawn = draw_population(sets, proposal, arms, best, seed, workers)
    solve_chains(arms, [(), *drawn.values])
    registry, *fits = fit_population([(), *drawn.values], arms, best, draws_per_set, seed, workers)
    fits = [
        replace(f, log_prior_over_proposal=float(c))
        for f, c in zip(fits, drawn.log_prior_over_proposal, strict=True)
    ]
    posterior = normalised(np.array([f.log_evidence + f.log_prior_over_proposal for f in fits]))
    candidates = np.argsort(posterior)[::-1][:CANDIDATES]
    stages["population"] = time.perf_counter()
    held_out, log_density, averaged = leave_one_trial_out([fits[m] for m in candidates], arms)
    stages["trials left out, for stacking"] = time.perf_counter()
    stacked = np.zeros(len(fits))
    stacked[candidates] = stacking_weights(log_density)
    theta, which, _, _ = pooled(fits)
    weights = np.concatenate(
        [stacked[m] * normalised(f.draw_log_weights) for m, f in enumerate(fits)]
    )
    pick = systematic_resample(weights, kept, seed)
    used = sorted(set(which[pick].tolist()))
    index = {m: i for i, m in enumerate(used)}
    draws, draw_sets = theta[pick], np.array([index[m] for m in which[pick]])
    values = [fits[m].values for m in used]
    held_out_registry, _, _ = leave_one_trial_out([registry], arms)
    stages["trials left out, chapters' values"] = time.perf_counter()
    return {
        "parameter_names": parameter_names(arms),
        "arms": [arm_id(a) for a in arms],
        "background_trials": list(background_trials(arms)),
        "trial_indication": {a.trial: a.indication for a in arms},
        "posterior_mode": best.tolist(),
        "log_posterior": round(log_post, 4),
        "virtual_population": {
            "seed": seed,
            "screened": list(drawn.screened),
            "passed": list(drawn.passed),
            "pool": list(drawn.pool),
            "choices": sets,
            "calibrated": len(fits),
            "from_priors": drawn.from_priors,
            "draws_per_set": draws_per_set,
            "candidates": len(candidates),
            "effective_sample_size": round(effective_sample_size(weights), 1),
            "effective_sets": round(effective_sample_size(stacked), 2),
            "effective_sets_by_marginal_likelihood": round(effective_sample_size(posterior), 2),
            "sets_carrying_90_percent": int(
                np.searchsorted(np.cumsum(np.sort(stacked)[::-1]), 0.9) + 1
            ),
            "weight_of_sets_drawn_near_the_chapters": round(
                float(stacked[drawn.from_priors :].sum()), 4
            ),
            "registry_log_evidence_above_best_set": round(
                registry.log_evidence - max(f.log_evidence for f in fits), 2
            ),
            "minutes": round((time.perf_counter() - began) / 60, 1),
            "minutes_by_stage": stage_minutes(began, stages),
        },
        "profiles": [[round(float(x), 3) for x in row] for row in profile],
        "assumption_sets": [dict(v) for v in values],
        "set_modes": [[round(float(x), 6) for x in fits[m].mode] for m in used],
        "set_log_evidence": [round(fits[m].log_evidence, 4) for m in used],
        "set_log_prior_over_proposal": [round(fits[m].log_prior_over_proposal, 4) for m in used],
        "set_stacking_weight": [round(float(stacked[m]), 6) for m in used],
        "set_other_searches": other_searches(values, [fits[m].mode for m in used], arms, workers),
        "held_out_log_density": {
            "sets": [int(m) for m in candidates],
            "trials": list(held_out_trials()),
            "values": [[round(float(x), 4) for x in row] for row in log_density],
        },
        "set_choice": [
            {
                "quick_log_likelihood": round(float(drawn.quick[m]), 4),
                "times_chosen": int(drawn.times[m]),
                "probability": float(drawn.probabilities[m]),
            }
            for m in used
        ],
        "draws": [[round(float(x), 5) for x in row] for row in draws],
        "draw_sets": draw_sets.tolist(),
        "predictive_bands": in_sample_bands(draws, draw_sets, values, arms),
        "leave_one_trial_out": held_out,
        "leave_one_trial_out_registry": held_out_registry,
        "leave_one_trial_out_by_marginal_likelihood": averaged,
        "what_the_trials_teach": what_the_trials_teach(fits, weights, which, theta),
    }


def calibrate_afresh(seed: int) -> dict[str, object]:
    """:func:`calibrate` with every chain solved afresh in a store of its own, as on a clean
    clone: a chain solved with other sets and one solved alone agree only to about 1e-9,
    which is enough to send the optimiser elsewhere along a flat ridge of the posterior, so
    a refit that read chains other runs had stored could differ."""
    before = os.environ.get("IMIQUIMOD_CACHE")
    with tempfile.TemporaryDirectory() as store:
        os.environ["IMIQUIMOD_CACHE"] = store
        kill_course.cache_clear()  # type: ignore[attr-defined]
        prepared.cache_clear()
        try:
            return calibrate(seed)
        finally:
            if before is None:
                del os.environ["IMIQUIMOD_CACHE"]
            else:
                os.environ["IMIQUIMOD_CACHE"] = before


def write_fit(path: Path = FIT_FILE, seed: int = 2026) -> None:
    """Run the calibration, store it as data and put its values in the registry
    (``python -m imiquimod_model.clinic.refit``)."""
    fit = calibrate_afresh(seed)
    path.write_text(json.dumps(fit, indent=1) + "\n")
    store_in_registry(fit)


def add_another_seed(seed: int, path: Path = FIT_FILE) -> None:
    """Run the calibration again with other draws (``seed``) and store, beside the stored
    fit, how its population came out and its trials left out
    (``python -m imiquimod_model.clinic.refit --another-seed 2027``): how much the
    population's score depends on which sets were drawn."""
    other = calibrate_afresh(seed)
    fit = json.loads(path.read_text())
    fit["another_seed"] = {"seed": seed, "virtual_population": other["virtual_population"]}
    fit["leave_one_trial_out_another_seed"] = other["leave_one_trial_out"]
    path.write_text(json.dumps(fit, indent=1) + "\n")


def add_other_searches(path: Path = FIT_FILE) -> None:
    """Search each stored set's posterior again from other starts and store what the
    searches found beside the stored fit, which they leave as it is (``python -m
    imiquimod_model.clinic.refit --other-searches``; :func:`.selection.other_searches`)."""
    fit = json.loads(path.read_text())
    modes = [np.array(m) for m in fit["set_modes"]]
    fit["set_other_searches"] = other_searches(list(sets_in(fit)), modes, calibration_arms())
    path.write_text(json.dumps(fit, indent=1) + "\n")


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--another-seed"]:
        add_another_seed(int(sys.argv[2]))
    elif sys.argv[1:2] == ["--other-searches"]:
        add_other_searches()
    else:
        write_fit()
