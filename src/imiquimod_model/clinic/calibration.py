"""Calibration: the trial arms, their likelihood with a spread between trials, the posterior
mode and the posterior sample.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .. import pk
from ..design import LABEL_DESIGN, Design, arm_design
from ..outcomes import INDICATIONS, TrialArm, schedule_of, trial_arms
from ..parameters import value_of
from .bands import TRIAL_EFFECT_NODES, shifted_effect
from .courses import Skin, normal_quadrature, skin_of, skins_of
from .patients import (
    INDICATION,
    ArmPrediction,
    assessment_days,
    course_outcome,
    population_for,
)

# --- the trial arms the model is calibrated to
#: endpoints of clearance the model is fitted to (patients clear of every lesion)
CLEARANCE_ENDPOINTS = (
    "complete clearance",
    "histological clearance",
    "initial clinical clearance",
    "tumour-free at 12 months",
    "tumour-free at 5 years",
    "complete clearance in women",
    "complete clearance in men",
)
REACTION_ENDPOINT = "severe local reaction"
#: the label's superficial BCC trials: patients who looked clear 12 weeks after the course
#: but had tumour in the excised area, out of every patient assessed both ways. The model's
#: share is clinical clearance minus histological clearance (the vehicle's clearance, 2%
#: composite, is left out of this small difference); it measures how much deeper histology
#: sees than the eye.
HIDDEN_RESIDUE_ENDPOINT = "clinically clear but tumour on excision"


def arm_schedule(arm: TrialArm) -> pk.Schedule:
    """The course of an imiquimod arm, at its strength."""
    return replace(schedule_of(arm), cream_percent=arm.strength_percent)


def calibration_arms() -> tuple[TrialArm, ...]:
    """Every arm with counts (or a flagged n), a schedule and a clearance endpoint, or the
    severe reactions that go with an arm that is fitted."""
    chosen = []
    for arm in trial_arms():
        if arm.treatment not in ("imiquimod", "vehicle") or not arm.likelihood_n:
            continue
        if arm.indication not in INDICATIONS:
            continue  # nodular or mixed basal cell carcinoma: not modelled
        if sex_arms(arm):
            continue  # its women and men are fitted apart, each with their own skin
        if arm.endpoint in CLEARANCE_ENDPOINTS and arm.cleared:
            if arm.trial == "Krawtchenko2007" and arm.endpoint != "initial clinical clearance":
                continue  # one endpoint per trial arm: the clinical one
            chosen.append(arm)
        elif arm.endpoint == REACTION_ENDPOINT and arm.applications_per_week:
            chosen.append(arm)
        elif arm.endpoint == HIDDEN_RESIDUE_ENDPOINT:
            chosen.append(arm)
    return tuple(chosen)


def sex_arms(arm: TrialArm) -> tuple[TrialArm, ...]:
    """The same trial's arm reported for its women and its men apart, where ``arm`` is a
    mixed arm the trial split by sex (else none)."""
    if arm.sex != "mixed":
        return ()
    same = {
        other.endpoint: other
        for other in trial_arms()
        if (other.trial, other.treatment, other.strength_percent)
        == (arm.trial, arm.treatment, arm.strength_percent)
    }
    return tuple(same[e] for e in (f"{arm.endpoint} in {s}" for s in ("women", "men")) if e in same)


def background_trials(arms: tuple[TrialArm, ...]) -> tuple[str, ...]:
    """Trials whose vehicle arm gives their background (spontaneous) clearance."""
    return tuple(
        sorted(
            {a.trial for a in arms if a.treatment == "vehicle" and a.endpoint != REACTION_ENDPOINT}
        )
    )


@dataclass(frozen=True)
class Prepared:
    """An arm made ready for the likelihood: its design, its courses (None for vehicle)
    and counts."""

    arm: TrialArm
    design: Design
    skin: Skin | None
    assessment_days: np.ndarray
    responders: int
    n: int


@functools.cache
def prepared(arm: TrialArm, values: tuple[tuple[str, float], ...] = ()) -> Prepared:
    """The arm's courses at every permeability node, with the registry's numbers or those
    ``values`` ((name, value) pairs) give (cached: the expensive step)."""
    n = arm.likelihood_n
    k = round(arm.proportion * n)
    if arm.endpoint == REACTION_ENDPOINT:
        design = LABEL_DESIGN[arm.indication]
    elif arm.endpoint == HIDDEN_RESIDUE_ENDPOINT:  # read by the microscope; the eye below
        design = arm_design(replace(arm, endpoint="histological clearance"))
    else:
        design = arm_design(arm)
    if arm.treatment == "vehicle":
        return Prepared(arm, design, None, np.zeros(1), k, n)
    schedule = arm_schedule(arm)
    days = assessment_days(design, schedule)
    sd = value_of("skin_permeability_log_sd", values)
    skin = skin_of(schedule, float(days.max()), design, sd, values)
    return Prepared(arm, design, skin, days, k, n)


def solve_chains(arms: tuple[TrialArm, ...], sets: list[tuple[tuple[str, float], ...]]) -> None:
    """Solve (and store) every arm's courses for every set at once, one vectorised pass per
    arm, so that each set's calibration finds them ready."""
    for arm in arms:
        ready = prepared(arm)
        if ready.skin is None:
            continue
        requests = tuple((value_of("skin_permeability_log_sd", v), v) for v in sets)
        skins_of(arm_schedule(arm), float(ready.assessment_days.max()), ready.design, requests)


PARAMETER_NAMES = (
    "log immune_responsiveness_median",
    "log immune_responsiveness_log_sd",
    "log severe_reaction_threshold",
    "logit severe_reaction_background",
    *(INDICATION[i].burden for i in INDICATIONS),
    "log between_trial_logit_sd",
)
FIRST_BACKGROUND = len(PARAMETER_NAMES)
#: where the between-trial spread sits in a parameter vector
TRIAL_SPREAD = PARAMETER_NAMES.index("log between_trial_logit_sd")


def burden_index(indication: str) -> int:
    """Where ``indication``'s mean lesion size sits in a parameter vector."""
    return PARAMETER_NAMES.index(INDICATION[indication].burden)


def burden_of(indication: str, theta: np.ndarray) -> np.ndarray:
    """The mean lesion size of ``indication`` for each parameter vector."""
    return theta[:, burden_index(indication)]


def indication_mean_background(
    theta: np.ndarray, trials: list[str], indication_of: dict[str, str], indication: str
) -> np.ndarray:
    """For each row of ``theta``, the mean background clearance of ``indication``'s trials
    among ``trials`` (those with a vehicle arm, in the order of their logit columns), or 0
    where it has none."""
    columns = [FIRST_BACKGROUND + i for i, t in enumerate(trials) if indication_of[t] == indication]
    if not columns:
        return np.zeros(len(theta))
    return (1 / (1 + np.exp(-theta[:, columns]))).mean(axis=1)


def _trial_backgrounds(theta: np.ndarray, arms: tuple[TrialArm, ...]) -> dict[str, np.ndarray]:
    """Each trial's background clearance for each row of ``theta``: its own vehicle arm's
    where it had one, else the mean of its indication's trials that had one (0 if none)."""
    with_vehicle = list(background_trials(arms))
    indication_of = {a.trial: a.indication for a in arms}
    return {
        trial: 1 / (1 + np.exp(-theta[:, FIRST_BACKGROUND + with_vehicle.index(trial)]))
        if trial in with_vehicle
        else indication_mean_background(theta, with_vehicle, indication_of, indication)
        for trial, indication in indication_of.items()
    }


def _distinct_effect(
    ready: Prepared, theta: np.ndarray, values: tuple[tuple[str, float], ...]
) -> np.ndarray:
    """:func:`_effect` solved once per distinct row of the numbers the chain reads (the
    patients' responsiveness, the reaction threshold and the arm's lesion size) and spread
    back over ``theta``: a gradient's steps along a background, the spread between trials
    or another indication's lesion size leave the arm's outcome as it was. Each row is
    solved on its own, so the result is the same, number for number."""
    burden = burden_index(ready.arm.indication)
    read = theta[:, [0, 1, 2, burden]]
    _, first, back = np.unique(read, axis=0, return_index=True, return_inverse=True)
    if len(first) == len(theta):
        return _effect(ready, theta, values)
    return _effect(ready, theta[first], values)[np.ravel(back)]


def _effect(
    ready: Prepared, theta: np.ndarray, values: tuple[tuple[str, float], ...]
) -> np.ndarray:
    """The modelled share (0–1) of an imiquimod arm's patients that the drug moves to its
    endpoint, for each row of ``theta``: cleared, a severe reaction, or clear to the eye
    but not to the microscope."""
    arm = ready.arm

    def outcome(design: Design) -> ArmPrediction:
        return course_outcome(
            ready.skin,
            ready.assessment_days,
            design,
            burden_of(arm.indication, theta),
            population_for(arm.indication, values),
            np.exp(theta[:, 0]),
            np.exp(theta[:, 1]),
            np.exp(theta[:, 2]),
        )

    if arm.endpoint == REACTION_ENDPOINT:
        return outcome(ready.design).severe_reaction
    if arm.endpoint == HIDDEN_RESIDUE_ENDPOINT:
        eye = outcome(replace(ready.design, endpoint="complete clearance")).drug_clearance
        return np.clip(eye - outcome(ready.design).drug_clearance, 0.0, 1.0)
    return outcome(ready.design).drug_clearance


def arm_parts(
    theta: np.ndarray,
    arms: tuple[TrialArm, ...],
    values: tuple[tuple[str, float], ...] = (),
    fitted_with: tuple[TrialArm, ...] | None = None,
) -> tuple[np.ndarray, ...]:
    """For each row of ``theta`` and each arm: the share that would respond without the
    drug (a trial's vehicle background, the background of severe reactions, or none for
    a residue histology finds) and the modelled share of the rest that the drug moves to
    the endpoint, both (rows, arms); and, per arm, whether it is a clearance arm whose drug
    effect shifts from trial to trial. ``fitted_with``: the arms ``theta`` was fitted to,
    whose trials' backgrounds its last columns hold (default ``arms``)."""
    theta = np.atleast_2d(theta)
    background = _trial_backgrounds(theta, arms if fitted_with is None else fitted_with)
    base = {
        REACTION_ENDPOINT: 1 / (1 + np.exp(-theta[:, 3])),
        HIDDEN_RESIDUE_ENDPOINT: np.zeros(len(theta)),
    }
    parts, shifts = [], []
    for arm in arms:
        ready = prepared(arm, values)
        clearance = arm.endpoint in CLEARANCE_ENDPOINTS
        shifts.append(clearance and ready.skin is not None)
        effect = (
            np.zeros(len(theta)) if ready.skin is None else _distinct_effect(ready, theta, values)
        )
        parts.append((base.get(arm.endpoint, background[arm.trial]), effect))
    base_of, effect_of = zip(*parts, strict=True)
    return np.array(base_of).T, np.array(effect_of).T, np.array(shifts)


def arm_probabilities(
    theta: np.ndarray, arms: tuple[TrialArm, ...], values: tuple[tuple[str, float], ...] = ()
) -> np.ndarray:
    """Modelled share (0–1) of each arm in a trial of average responsiveness, for each
    parameter vector (rows of ``theta``): those named in PARAMETER_NAMES, then the logit
    background of each trial in ``background_trials(arms)``."""
    base, effect, _ = arm_parts(theta, arms, values)
    return base + (1 - base) * effect  # (draws, arms)


def trial_log_likelihoods(
    theta: np.ndarray, arms: tuple[TrialArm, ...], values: tuple[tuple[str, float], ...] = ()
) -> np.ndarray:
    """Binomial log-likelihood of each trial's counts (rows of ``theta`` × trials, in the
    order the trials first appear in ``arms``), the trial's own shift of the drug's effect
    integrated over its normal spread between trials (Gauss–Hermite)."""
    theta = np.atleast_2d(theta)
    base, effect, shifts = arm_parts(theta, arms, values)
    spread = np.exp(theta[:, TRIAL_SPREAD])
    z, w = normal_quadrature(TRIAL_EFFECT_NODES)
    shift = spread[:, None, None] * z[None, None, :] * shifts[None, :, None]  # (R, A, K)
    moved = shifted_effect(effect[:, :, None], shift)
    p = np.clip(base[:, :, None] + (1 - base[:, :, None]) * moved, 1e-12, 1 - 1e-12)
    k = np.array([prepared(a).responders for a in arms], dtype=float)[None, :, None]
    n = np.array([prepared(a).n for a in arms], dtype=float)[None, :, None]
    per_arm = k * np.log(p) + (n - k) * np.log1p(-p)  # (R, A, K)
    trials = list(dict.fromkeys(a.trial for a in arms))
    of_trial = np.array([trials.index(a.trial) for a in arms])
    out = np.empty((len(theta), len(trials)))
    for j in range(len(trials)):
        joint = per_arm[:, of_trial == j, :].sum(axis=1) + np.log(w)[None, :]
        top = joint.max(axis=1, keepdims=True)
        out[:, j] = top[:, 0] + np.log(np.exp(joint - top).sum(axis=1))
    return out


def log_likelihood(
    theta: np.ndarray, arms: tuple[TrialArm, ...], values: tuple[tuple[str, float], ...] = ()
) -> np.ndarray:
    """Log-likelihood of every arm's counts for each row of ``theta``, trials independent,
    each with its own shift of the drug's effect."""
    return trial_log_likelihoods(theta, arms, values).sum(axis=1)


# --- calibration: maximum likelihood, then the posterior by an ensemble sampler
#: bounds of each fitted number (the transformed scale of PARAMETER_NAMES; backgrounds
#: are logits); the prior is uniform within them
BOUNDS = (
    (math.log(1e-4), math.log(10.0)),
    (math.log(0.05), math.log(3.0)),
    (math.log(1e-5), math.log(10.0)),
    (-8.0, 0.0),
    (0.0, 6.0),
    (0.0, 6.0),
    (0.0, 6.0),
    (math.log(0.01), math.log(3.0)),
)
BACKGROUND_BOUNDS = (-6.0, 2.0)
#: scale (logit units) of the half-normal prior on the spread between trials (Röver 2021)
TRIAL_SPREAD_PRIOR_SCALE = 1.0


def log_prior(theta: np.ndarray, arms: tuple[TrialArm, ...]) -> np.ndarray:
    """Log prior density of each row of ``theta``: uniform within the bounds on the
    transformed scale, except the spread between trials, half-normal on its own scale
    (written for its logarithm, hence the Jacobian ``+ ln τ``); −∞ outside the bounds."""
    theta = np.atleast_2d(theta)
    bounds = np.array(bounds_of(arms))
    inside = np.all((theta >= bounds[:, 0]) & (theta <= bounds[:, 1]), axis=1)
    log_tau = theta[:, TRIAL_SPREAD]
    density = -0.5 * (np.exp(log_tau) / TRIAL_SPREAD_PRIOR_SCALE) ** 2 + log_tau
    return np.where(inside, density, -np.inf)


def bounds_of(arms: tuple[TrialArm, ...]) -> list[tuple[float, float]]:
    return [*BOUNDS, *[BACKGROUND_BOUNDS] * len(background_trials(arms))]


def _value_and_gradient(
    x: np.ndarray, arms: tuple[TrialArm, ...], values: tuple[tuple[str, float], ...]
) -> tuple[float, np.ndarray]:
    """Minus the log posterior at ``x`` and its gradient by one-sided differences (inward at
    a bound), every point in one vectorised call."""
    bounds = np.array(bounds_of(arms))
    h = 1e-4 * np.where(x + 1e-4 <= bounds[:, 1], 1.0, -1.0)
    points = np.vstack([x, x + np.diag(h)])
    f = log_posterior(points, arms, values)
    return -float(f[0]), -(f[1:] - f[0]) / h


#: relative change of the log posterior at which a set's calibration stops its search for
#: the mode (about 0.002 log units): its draws are weighed by the posterior itself, so a
#: mode found roughly costs only a little efficiency, and the search takes a third less time
ROUGH_MODE_TOLERANCE = 1e-6


def posterior_mode(
    arms: tuple[TrialArm, ...],
    start: np.ndarray | None = None,
    values: tuple[tuple[str, float], ...] = (),
    tolerance: float | None = None,
) -> tuple[np.ndarray, float]:
    """The most probable parameter vector (PARAMETER_NAMES, then backgrounds) and its log
    likelihood plus log prior, by bounded quasi-Newton from ``start`` or, without one, from
    two starts (a narrow and a wide patient spread); ``values`` may replace assumed numbers;
    ``tolerance``, the relative change of the log posterior at which the search stops
    (SciPy's default, about 2e-9, without one)."""
    from scipy.optimize import minimize

    backgrounds = [-2.0] * len(background_trials(arms))
    spread = math.log(0.5)
    starts = (
        [math.log(0.05), math.log(0.7), math.log(0.3), -3.0, 1.0, 1.0, 1.0, spread, *backgrounds],
        [math.log(0.05), math.log(2.0), math.log(0.3), -3.0, 2.0, 1.0, 2.0, spread, *backgrounds],
    )
    if start is not None:
        starts = (np.clip(start, *np.array(bounds_of(arms)).T),)
    best = None
    for start in starts:
        found = minimize(
            _value_and_gradient,
            np.array(start),
            args=(arms, values),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds_of(arms),
            options={} if tolerance is None else {"ftol": tolerance},
        )
        if best is None or found.fun < best.fun:
            best = found
    return best.x, float(-best.fun)


def log_posterior(
    theta: np.ndarray, arms: tuple[TrialArm, ...], values: tuple[tuple[str, float], ...] = ()
) -> np.ndarray:
    """Log likelihood plus log prior of each row of ``theta`` (−∞ outside the bounds)."""
    out = log_prior(theta, arms)
    inside = np.isfinite(out)
    if inside.any():
        out[inside] += log_likelihood(np.atleast_2d(theta)[inside], arms, values)
    return out


def central_hessian(
    f: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    step: float,
    bounds: np.ndarray,
    separate: frozenset[tuple[int, int]] = frozenset(),
) -> np.ndarray:
    """Hessian of ``f`` (rows of points → values) at ``x`` by central differences with
    ``step``, every point in one call, points clipped to ``bounds`` (d, 2): each diagonal
    term from ``f(x ± 2·step)``, each cross term from the four corners ``x ± step ± step``;
    pairs (i < j) in ``separate``, where ``f`` is a sum of one part in ``x_i`` and another
    in ``x_j``, are 0 without being evaluated. A point where ``f`` is not finite counts as
    ``f(x)``."""
    d = len(x)
    crosses = [(i, j) for i in range(d) for j in range(i + 1, d) if (i, j) not in separate]
    steps = [np.zeros(d)]
    for i in range(d):
        for sign in (2, -2):
            steps.append(np.eye(d)[i] * sign * step)
    for i, j in crosses:
        for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            steps.append((np.eye(d)[i] * si + np.eye(d)[j] * sj) * step)
    points = np.clip(x[None, :] + np.array(steps), bounds[:, 0], bounds[:, 1])
    values = f(points)
    values = np.where(np.isfinite(values), values, values[0])
    hessian = np.zeros((d, d))
    for i in range(d):
        plus, minus = values[1 + 2 * i : 3 + 2 * i]
        hessian[i, i] = (plus - 2 * values[0] + minus) / (4 * step * step)
    first = 1 + 2 * d
    for m, (i, j) in enumerate(crosses):
        pp, pm, mp, mm = values[first + 4 * m : first + 4 * m + 4]
        hessian[i, j] = hessian[j, i] = (pp - pm - mp + mm) / (4 * step * step)
    return hessian


def separate_backgrounds(arms: tuple[TrialArm, ...]) -> frozenset[tuple[int, int]]:
    """Pairs of parameter indices whose log posterior terms separate: the backgrounds of
    trials of different indications (an open-label trial borrows only its own
    indication's)."""
    trials = background_trials(arms)
    indication_of = {a.trial: a.indication for a in arms}
    return frozenset(
        (FIRST_BACKGROUND + i, FIRST_BACKGROUND + j)
        for i in range(len(trials))
        for j in range(i + 1, len(trials))
        if indication_of[trials[i]] != indication_of[trials[j]]
    )


def laplace_covariance(
    mode: np.ndarray, arms: tuple[TrialArm, ...], values: tuple[tuple[str, float], ...] = ()
) -> np.ndarray:
    """Covariance of the normal approximation to the posterior at its ``mode``: the
    inverse Hessian of the log posterior by central differences (:func:`central_hessian`).
    Directions the arms do not pin down get the spread of a uniform prior over their
    bounds."""
    bounds = np.array(bounds_of(arms))
    hessian = central_hessian(
        lambda points: log_posterior(points, arms, values),
        mode,
        0.02,
        bounds,
        separate_backgrounds(arms),
    )
    curvature, vectors = np.linalg.eigh(-hessian)
    widest = ((bounds[:, 1] - bounds[:, 0]) ** 2 / 12).max()  # a uniform prior's variance
    curvature = np.maximum(curvature, 1 / widest)
    return (vectors / curvature) @ vectors.T


#: candidates drawn per draw kept, to sample the normal approximation within the bounds
CANDIDATES_PER_DRAW = 64


def laplace_draws(
    mode: np.ndarray, covariance: np.ndarray, arms: tuple[TrialArm, ...], count: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``count`` draws from the normal approximation at ``mode`` cut to the bounds
    (where the prior is not 0), and the log density of that cut normal at each: the
    normal's, over the share of its candidates inside the bounds. None if no candidate
    of ``CANDIDATES_PER_DRAW · count`` falls inside."""
    from scipy.stats import multivariate_normal

    candidates = np.random.default_rng(seed).multivariate_normal(
        mode, covariance, size=CANDIDATES_PER_DRAW * count, method="eigh"
    )
    bounds = np.array(bounds_of(arms))
    inside = np.all((candidates >= bounds[:, 0]) & (candidates <= bounds[:, 1]), axis=1)
    theta = candidates[inside][:count]
    if not len(theta):
        return theta, np.empty(0)
    normal = multivariate_normal(mode, covariance, allow_singular=True)
    return theta, np.atleast_1d(normal.logpdf(theta)) - math.log(inside.mean())


def importance_evidence(
    log_posteriors: np.ndarray, log_normal: np.ndarray, count: int
) -> tuple[np.ndarray, float]:
    """Each draw's log importance weight (its log posterior less the log density it was
    drawn with) and the log marginal likelihood their mean estimates, over all ``count``
    draws made (any not given weigh 0). Where the posterior is the normal approximation,
    every weight is the marginal likelihood; where it is skewed, the weights say so and
    the Laplace value's excess is removed."""
    log_w = np.asarray(log_posteriors, dtype=float) - np.asarray(log_normal, dtype=float)
    if not len(log_w) or not np.isfinite(log_w).any():
        return log_w, -math.inf
    top = float(np.max(log_w))
    return log_w, top + math.log(float(np.sum(np.exp(log_w - top))) / count)


def importance_draws(
    mode: np.ndarray,
    covariance: np.ndarray,
    arms: tuple[TrialArm, ...],
    values: tuple[tuple[str, float], ...],
    count: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Up to ``count`` draws of the fitted numbers from the normal approximation cut to the
    bounds (:func:`laplace_draws`), each trial's log-likelihood at each, each draw's log
    importance weight and the log marginal likelihood they estimate
    (:func:`importance_evidence`; −∞ if no draw falls inside the bounds)."""
    theta, log_normal = laplace_draws(mode, covariance, arms, count, seed)
    if not len(theta):
        return theta, np.empty((0, len({a.trial for a in arms}))), np.empty(0), -math.inf
    per_trial = trial_log_likelihoods(theta, arms, values)
    log_post = per_trial.sum(axis=1) + log_prior(theta, arms)
    log_w, evidence = importance_evidence(log_post, log_normal, len(theta))
    return theta, per_trial, log_w, evidence
