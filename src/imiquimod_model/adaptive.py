"""After the first week: dendritic cells carry antigen to the nodes, T cells arrive, memory stays.

The innate chain of :mod:`~imiquimod_model.killers` kills tumour cells and, through TLR7 and
MyD88, matures the dendritic cells that carry their antigen away (Hemmi 2002: no DC
maturation without TLR7 or MyD88; Suzuki 2000: Langerhans cells leave treated skin). The
adaptive arm built on it:

* antigen-loaded dendritic cells leave at a rate ``u = S·Φ·K_pDC·T`` (the TLR7/MyD88 and
  IFNAR signals times the tumour burden killer pDCs kill per day) and reach the lesion as
  primed effector T cells after a delay: a chain of ``n`` equal steps with mean ``τ_D``,
  ``dX_1/dt = u − (n/τ_D)·X_1``, ``dX_i/dt = (n/τ_D)·(X_(i−1) − X_i)``, arrivals
  ``y = (n/τ_D)·X_n``;
* effector T cells in the lesion (0–1): ``dE/dt = g·y·(1 − E) − k_E·E``;
* memory (0–1): ``dM/dt = k_M·E·(1 − M) − k_mem·M``;
* the tumour: ``dT/dt = ρT(1 − T/T_max) − (k_innate + κ_T·E + κ_M·M)·T``.

Only the immune kill primes, and only with interferon. That is a choice the mouse data
force: in Drobits et al. (2012) imiquimod failed in IFNAR1-, CCL2- and pDC-deficient mice
that had T cells, so T cells did not rescue a failed innate arm there. Conditions without
T, B and NK cells (or without CD8α⁺ cells) have no adaptive arm.

Every rate is an assumption (see the registry). Each step is solved exactly with its inputs
held: the delay chain by its closed-form step (Erlang weights), the rest as in
:mod:`~imiquimod_model.killers`.

After treatment, a clinically cleared lesion keeps a residual burden ``r`` (in units of the
smallest size seen in clinic) that regrows at ``ρ_h`` against memory that fades with
half-life ``t½,mem``: ``d ln r/dt = ρ_h − κ_M·M_0·e^(−k_mem·t)``. The lesion recurs once
``ln r`` has climbed to 0. With ``log10 r`` normal across lesions, the share recurred by
``t`` has a closed form (:func:`recurred_fraction`).

Examples
--------
>>> import numpy as np
>>> t = np.arange(0.0, 10.5, 0.5)
>>> arrivals = delayed_arrivals(t, np.ones_like(t), delay_days=2.0, steps=3)
>>> round(float(arrivals[-1]), 6)  # a constant input: nearly all arrive within 5 delays
0.999961
"""

from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from .killers import TREATMENT, condition_named, logistic_step, tumour_course
from .kinetics import at_each_time, rate_from_half_life, relax
from .parameters import PARAMETERS, default, real_numbers, validate

#: Steps in the delay chain: the delay is Erlang-distributed with this shape.
DELAY_STEPS = 3


@dataclass(frozen=True)
class Arms:
    """Which parts of the adaptive arm are present."""

    adaptive: bool = True  # effector T cells (False: a mouse without T, B or NK cells)
    memory: bool = True


def _chain_step(
    rate: float, dt: float, steps: int, exp=math.exp
) -> tuple[list[list[float]], list[float]]:
    """Exact one-step map of the delay chain with the input held over ``dt``.

    Returns ``(Phi, Gamma)`` with ``X(t + dt) = Phi·X(t) + Gamma·u``; for equal rates the
    entries are Poisson (Erlang) weights (arrays of patients for an array of rates with
    ``exp=numpy.exp``).
    """
    x = rate * dt
    decay = exp(-x)
    poisson = [decay * x**k / math.factorial(k) for k in range(steps)]
    phi = [[poisson[i - j] if i >= j else 0.0 for j in range(steps)] for i in range(steps)]
    gamma = [(1.0 - sum(poisson[: i + 1])) / rate for i in range(steps)]
    return phi, gamma


def delayed_arrivals(
    time_days: np.ndarray, departures: np.ndarray, delay_days: float, steps: int = DELAY_STEPS
) -> np.ndarray:
    """Arrivals (per day) at the end of an ``steps``-step chain with mean delay ``delay_days``,
    for departures (per day) held constant over each interval of ``time_days`` (days)."""
    t = real_numbers("time_days", time_days, "days")
    u = real_numbers("departures", departures, "burden killed per day")
    if t.ndim != 1 or len(t) < 2 or np.any(np.diff(t) <= 0) or u.shape != t.shape:
        raise ValueError("time_days must increase and match departures in length")
    if not 0 < delay_days < math.inf:
        raise ValueError(f"delay_days = {delay_days!r} days must be positive and finite")
    rate = steps / delay_days
    steps_h = np.diff(t).tolist()
    maps = {dt: _chain_step(rate, dt, steps) for dt in set(steps_h)}  # one map per step length
    x = [0.0] * steps
    out = [0.0]
    for dt, held in zip(steps_h, u[:-1].tolist(), strict=True):
        phi, gamma = maps[dt]
        x = [sum(phi[i][j] * x[j] for j in range(i + 1)) + gamma[i] * held for i in range(steps)]
        out.append(rate * x[-1])
    return np.array(out)


@functools.lru_cache(maxsize=64)
def _innate_course(
    condition: str, applications_per_week: float, days: float, rates: tuple
) -> dict[str, np.ndarray]:
    """Chapter 3's chain for a condition, kept for the explorer's adaptive-only moves."""
    out = tumour_course(
        condition, applications_per_week=applications_per_week, days_followed=days, **dict(rates)
    )
    for array in out.values():
        array.setflags(write=False)  # shared between calls: read-only
    return out


def lesion_course(
    condition: str = "wild type",
    arms: Arms = Arms(),
    *,
    applications_per_week: float = TREATMENT.applications_per_week,
    days: float = 56,
    dc_priming_delay_days: float = default("dc_priming_delay_days"),
    t_cell_recruitment_gain: float = default("t_cell_recruitment_gain"),
    effector_t_cell_half_life_days: float = default("effector_t_cell_half_life_days"),
    t_cell_killing_rate_per_day: float = default("t_cell_killing_rate_per_day"),
    memory_formation_rate_per_day: float = default("memory_formation_rate_per_day"),
    memory_half_life_days: float = default("memory_half_life_days"),
    memory_killing_rate_per_day: float = default("memory_killing_rate_per_day"),
    tumour_growth_rate_per_day: float = default("tumour_growth_rate_per_day"),
    tumour_capacity: float = default("tumour_capacity"),
    **innate_rates: float,
) -> dict[str, np.ndarray]:
    """Innate and adaptive killing of a lesion over ``days`` days of the killers chapter's
    course (4 weeks of cream at ``applications_per_week``), hourly.

    Returns the innate, T-cell and memory kill rates (per day), effector T cells and memory
    (0–1), the tumour burden (1 at the start) and ``time_days``. ``condition`` is one of
    :data:`killers.CONDITIONS`; ``innate_rates`` are the killers model's keywords.
    """
    if not isinstance(arms, Arms):
        raise ValueError("arms must be an adaptive.Arms")
    chosen = condition_named(condition)
    if not 28 <= days <= 364:
        raise ValueError(f"days = {days!r} (days followed) must lie between 28 and 364 days")
    delay = validate("dc_priming_delay_days", dc_priming_delay_days)
    gain = validate("t_cell_recruitment_gain", t_cell_recruitment_gain)
    k_e = rate_from_half_life(
        validate("effector_t_cell_half_life_days", effector_t_cell_half_life_days)
    )
    kappa_t = validate("t_cell_killing_rate_per_day", t_cell_killing_rate_per_day)
    k_m = validate("memory_formation_rate_per_day", memory_formation_rate_per_day)
    k_mem = rate_from_half_life(validate("memory_half_life_days", memory_half_life_days))
    kappa_m = validate("memory_killing_rate_per_day", memory_killing_rate_per_day)
    rho = validate("tumour_growth_rate_per_day", tumour_growth_rate_per_day)
    capacity = validate("tumour_capacity", tumour_capacity)
    innate_rates = {
        **innate_rates,
        "tumour_growth_rate_per_day": rho,
        "tumour_capacity": capacity,
    }

    # the innate arm: chapter 3's chain (its kill rate leaves out chapter 3's lymphocytes)
    innate = _innate_course(
        condition, applications_per_week, days, tuple(sorted(innate_rates.items()))
    )
    time_days = innate["time_days"]
    k_innate = innate["innate_kill_per_day"].tolist()
    k_pdc = innate["pdc_kill_per_day"].tolist()
    matures = (innate["signal"] * innate["ifnar_signal"]).tolist()  # TLR7/MyD88 and IFNAR
    has_t_cells = arms.adaptive and chosen.adaptive_and_nk and chosen.cd8a_cells
    present = 1.0 if has_t_cells else 0.0
    remembers = 1.0 if (has_t_cells and arms.memory) else 0.0
    rate = DELAY_STEPS / delay
    dt = float(time_days[1] - time_days[0])  # the innate course's even grid
    phi, (g0, g1, g2) = _chain_step(rate, dt, DELAY_STEPS)
    (p0, _, _), (p1, p0_, _), (p2, p1_, p0__) = phi
    x0 = x1 = x2 = 0.0  # the chain, unrolled for its DELAY_STEPS = 3 steps
    e = m = 0.0
    tumour = 1.0
    rows = [(0.0, e, m, tumour)]
    departures = []
    for i in range(len(time_days) - 1):
        kill = k_innate[i] + present * kappa_t * e + remembers * kappa_m * m
        departing = matures[i] * k_pdc[i] * tumour  # DCs loaded with what pDCs killed
        departures.append(departing)
        x0, x1, x2 = (
            p0 * x0 + g0 * departing,
            p1 * x0 + p0_ * x1 + g1 * departing,
            p2 * x0 + p1_ * x1 + p0__ * x2 + g2 * departing,
        )
        arrivals = rate * x2
        tumour = logistic_step(tumour, rho, rho / capacity, kill, dt)
        e = relax(e, present * gain * arrivals, k_e, dt)
        m = relax(m, remembers * k_m * e, k_mem, dt)
        rows.append((arrivals, e, m, tumour))
    states = np.array(rows)
    out = {
        "time_days": time_days,
        "t_cell_arrivals_per_day": states[:, 0],
        "effector_t_cells": states[:, 1],
        "memory": states[:, 2],
        "tumour": states[:, 3],
        "innate_kill_per_day": innate["innate_kill_per_day"],
        "dc_departures_per_day": np.array([*departures, 0.0]),
    }
    out["t_cell_kill_per_day"] = present * kappa_t * out["effector_t_cells"]
    out["memory_kill_per_day"] = remembers * kappa_m * out["memory"]
    return out


def t_cells_and_memory(
    time_days: np.ndarray,
    departures: np.ndarray,
    *,
    remembers: bool = True,
    dc_priming_delay_days: float = default("dc_priming_delay_days"),
    t_cell_recruitment_gain: float = default("t_cell_recruitment_gain"),
    effector_t_cell_half_life_days: float = default("effector_t_cell_half_life_days"),
    memory_formation_rate_per_day: float = default("memory_formation_rate_per_day"),
    memory_half_life_days: float = default("memory_half_life_days"),
) -> tuple[np.ndarray, np.ndarray]:
    """Effector T cells in the lesion and memory (both 0–1) on ``time_days`` (days, an even
    grid) for antigen-loaded dendritic cells leaving at ``departures`` (per day, held over
    each step): the delay chain, ``dE/dt = g·y·(1 − E) − k_E·E`` and
    ``dM/dt = k_M·E·(1 − M) − k_mem·M`` of :func:`lesion_course`, without its tumour."""
    t = real_numbers("time_days", time_days, "days")
    u = real_numbers("departures", departures, "burden killed per day")
    if t.ndim != 1 or len(t) < 2 or u.shape != t.shape or np.any(~np.isfinite(u)):
        raise ValueError("time_days and departures (per day) must be finite and of one length")
    dt = float(t[1] - t[0])
    if dt <= 0 or not np.allclose(np.diff(t), dt):
        raise ValueError("time_days must be an even, increasing grid (days)")
    given = locals()
    numbers = {name: validate(name, given[name]) for name in T_CELL_NUMBERS}
    return t_cell_states(dt, u, numbers, remembers=remembers)


def t_cell_states(
    dt_days: float, departures: np.ndarray, numbers: dict, *, remembers: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """The loop of :func:`t_cells_and_memory`, written once for one patient and for many:
    ``departures`` (per day) on an even grid of step ``dt_days``, shape (T,) for one
    patient or (T, N) for N patients (time first), and ``numbers`` the registry numbers of
    :data:`T_CELL_NUMBERS`, already checked (floats, or arrays of shape (N,)). Returns
    effector T cells and memory, each time first."""
    u, zero, exp = at_each_time(departures)
    rate = DELAY_STEPS / numbers["dc_priming_delay_days"]
    gain = numbers["t_cell_recruitment_gain"]
    k_e = rate_from_half_life(numbers["effector_t_cell_half_life_days"])
    k_m = numbers["memory_formation_rate_per_day"]
    k_m *= 1.0 if remembers else 0.0
    k_mem = rate_from_half_life(numbers["memory_half_life_days"])
    dt = dt_days
    phi, (g0, g1, g2) = _chain_step(rate, dt, DELAY_STEPS, exp)
    (p0, _, _), (p1, p0_, _), (p2, p1_, p0__) = phi
    x0 = x1 = x2 = e = m = zero  # the delay chain unrolled, as in lesion_course
    rows = [(e, m)]
    for departing in u[:-1]:
        x0, x1, x2 = (
            p0 * x0 + g0 * departing,
            p1 * x0 + p0_ * x1 + g1 * departing,
            p2 * x0 + p1_ * x1 + p0__ * x2 + g2 * departing,
        )
        e = relax(e, gain * rate * x2, k_e, dt, exp)
        m = relax(m, k_m * e, k_mem, dt, exp)
        rows.append((e, m))
    states = np.array(rows)
    return states[:, 0], states[:, 1]


#: The registry numbers of the T cells and memory (keywords of :func:`t_cells_and_memory`).
T_CELL_NUMBERS = tuple(
    p for p in inspect.signature(t_cells_and_memory).parameters if p in PARAMETERS
)


DAYS_PER_MONTH = 365.25 / 12
#: The assumed numbers of recurrence after treatment (keywords of :func:`recurred_fraction`).
RECURRENCE_ASSUMPTIONS = (
    "memory_killing_rate_per_day",
    "memory_half_life_days",
    "residual_regrowth_rate_per_day",
    "residual_median_log10",
    "residual_log10_sd",
    "one_cell_log10",
)
#: The assumed numbers of the adaptive arm during treatment (keywords of :func:`lesion_course`).
COURSE_ASSUMPTIONS = (
    "dc_priming_delay_days",
    "t_cell_recruitment_gain",
    "effector_t_cell_half_life_days",
    "t_cell_killing_rate_per_day",
    "memory_formation_rate_per_day",
    "memory_half_life_days",
    "memory_killing_rate_per_day",
)


def recurred_fraction(
    months: np.ndarray,
    memory_at_end: float,
    *,
    memory_killing_rate_per_day: float = default("memory_killing_rate_per_day"),
    memory_half_life_days: float = default("memory_half_life_days"),
    residual_regrowth_rate_per_day: float = default("residual_regrowth_rate_per_day"),
    residual_median_log10: float = default("residual_median_log10"),
    residual_log10_sd: float = default("residual_log10_sd"),
    one_cell_log10: float = default("one_cell_log10"),
) -> np.ndarray:
    """Share (0–1) of clinically cleared lesions that have recurred by each time (months
    after the end of treatment), with memory ``memory_at_end`` (0–1) left by the treatment
    (0 for a destructive treatment, which primes nothing).

    A lesion with residual burden ``r`` recurs by ``t`` once ``max G(s) ≥ −ln r`` over
    ``s ≤ t``, where ``G(t) = ρ_h·t − κ_M·M_0·(1 − e^(−k·t))/k`` is its net log-growth.
    ``G`` is convex (its slope only rises as memory fades), so the maximum is
    ``max(0, G(t))``; with ``log10 r`` normal, the share is a ratio of normal
    distribution functions, conditioned on the lesion being clear at the start. A residue
    smaller than one cell is no residue: such lesions are cured and never recur.
    """
    t = real_numbers("months", months, "months")
    if t.ndim != 1 or np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("months (time after treatment) must be finite and ≥ 0 months")
    if (
        isinstance(memory_at_end, bool)
        or not isinstance(memory_at_end, int | float)
        or not 0 <= memory_at_end <= 1
    ):
        raise ValueError(f"memory_at_end = {memory_at_end!r} must lie between 0 and 1")
    kappa = validate("memory_killing_rate_per_day", memory_killing_rate_per_day)
    k = rate_from_half_life(validate("memory_half_life_days", memory_half_life_days))
    rho = validate("residual_regrowth_rate_per_day", residual_regrowth_rate_per_day)
    median = validate("residual_median_log10", residual_median_log10)
    spread = validate("residual_log10_sd", residual_log10_sd)
    cured_below = -math.log(10) * validate("one_cell_log10", one_cell_log10)  # −ln r
    days = t * DAYS_PER_MONTH
    net_growth = rho * days - kappa * memory_at_end * -np.expm1(-k * days) / k
    needed_mean, needed_sd = -math.log(10) * median, math.log(10) * spread  # −ln r
    clear_at_start = ndtr(-needed_mean / needed_sd)  # share with r ≥ 1: not cleared
    climbed = np.clip(net_growth, 0.0, cured_below)
    reached = ndtr((climbed - needed_mean) / needed_sd)
    return (reached - clear_at_start) / (1.0 - clear_at_start)
