"""The whole chain for many patients and parameter sets at once.

Cream → free drug in the skin (:mod:`~imiquimod_model.pk`) → TLR7 engagement
(:mod:`~imiquimod_model.receptor`) → MyD88 and IFNAR signalling
(:mod:`~imiquimod_model.signalling`) → mast cells, CCL2 and killer pDCs
(:mod:`~imiquimod_model.killers`) → T cells and memory (:mod:`~imiquimod_model.adaptive`),
hour by hour for N patients in one pass: every quantity is an array of N patients at each
time, and the only Python loop is the one over time. The equations are those of the
one-patient functions, which call the same step loops (with floats where these get arrays
of patients), so a row of a :class:`ChainRun` is the one-patient chain with that
patient's numbers.

A patient here is one set of registry numbers (``values``) on skin with one flux factor
(``flux_factors``): N = parameter sets × permeability nodes, for example.

Examples
--------
>>> import numpy as np
>>> from imiquimod_model import pk
>>> run = solve_chain(
...     pk.Schedule(applications_per_week=3, weeks=2),
...     flux_factors=np.array([0.5, 1.0, 2.0]),
...     duration_h=4 * 168,
...     values={"pdc_killing_rate_per_day": np.array([0.5, 1.0, 1.5])},
... )
>>> run.immune_kill_per_day.shape, run.time_h.shape
((3, 673), (673,))
>>> bool(np.all(np.diff(run.free_concentration_uM.max(axis=1)) > 0))  # more flux, more drug
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from . import adaptive, killers, pk, receptor
from .parameters import default, real_numbers, validate_array

HOURS_PER_DAY = 24.0
#: The glue of the clinic's chain: what T cells and memory kill per day at full presence.
IMMUNE_KILL_NUMBERS = ("t_cell_killing_rate_per_day", "memory_killing_rate_per_day")
#: Every registry number the chain uses; ``values`` may give any of them.
NUMBERS: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            *pk.NUMBERS,
            "tlr7_ec50_uM",
            "tlr7_hill_coefficient",
            *killers.OWN_NUMBERS,
            *killers.SIGNALLING_NUMBERS,
            *adaptive.T_CELL_NUMBERS,
            *IMMUNE_KILL_NUMBERS,
        )
    )
)


@dataclass(frozen=True)
class ChainRun:
    """The chain for N patients on ``time_h`` (T,): each other field has shape (N, T) (a
    view of the time-first array the loops fill; ``np.ascontiguousarray`` makes a copy
    whose rows are contiguous)."""

    time_h: np.ndarray
    free_concentration_uM: np.ndarray  # free imiquimod in the viable skin, µM
    signal: np.ndarray  # MyD88 signal (TLR7 engagement with tolerance and priming)
    ifnar_signal: np.ndarray  # IFNAR signal (0–1)
    pdc_kill_per_day: np.ndarray  # kill rate by killer pDCs, per day
    direct_apoptosis_per_day: np.ndarray  # kill rate by imiquimod itself (no TLR), per day
    effectors: np.ndarray  # effector T cells in the lesion (0–1)
    memory: np.ndarray  # memory (0–1)
    immune_kill_per_day: np.ndarray  # pDCs, and T cells and memory where present, per day


def checked_values(values: Mapping[str, object] | None, size: int) -> dict[str, object]:
    """Every number of :data:`NUMBERS`: the registry default, or the value given (a number,
    or one per patient, shape (``size``,)), checked against the registry's range."""
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise ValueError(f"values = {values!r} must map registry names to numbers or arrays")
    for name in values:
        if name not in NUMBERS:
            raise ValueError(
                f"values: {name!r} is not a registry number the chain uses "
                f"(one of: {', '.join(NUMBERS)})"
            )
    return {name: validate_array(name, values.get(name, default(name)), size) for name in NUMBERS}


#: up to this many patients, the hourly loops run patient by patient on Python floats,
#: which is faster than NumPy's per-step overhead on short rows
FEW_PATIENTS = 12


def _immune_states(
    steps_h: list[float],
    engagement: np.ndarray,
    free: np.ndarray,
    chosen: killers.Condition,
    numbers: dict[str, np.ndarray | float],
    step_days: float,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Signalling, killers (dict of (T, N) arrays), effector T cells and memory ((T, N)),
    for all patients at once or, when they are few, one by one (the same loops)."""
    n = engagement.shape[1]
    if n > FEW_PATIENTS:
        innate = killers.innate_response(steps_h, engagement, free, chosen, numbers)
        departures = innate["signal"] * innate["ifnar_signal"] * innate["pdc_kill_per_day"]
        return (innate, *adaptive.t_cell_states(step_days, departures, numbers))
    rows = []
    for i in range(n):
        own = {k: (float(v[i]) if np.ndim(v) else v) for k, v in numbers.items()}
        innate = killers.innate_response(steps_h, engagement[:, i], free[:, i], chosen, own)
        departures = innate["signal"] * innate["ifnar_signal"] * innate["pdc_kill_per_day"]
        rows.append((innate, *adaptive.t_cell_states(step_days, departures, own)))
    innate = {k: np.stack([r[0][k] for r in rows], axis=1) for k in rows[0][0]}
    return innate, np.stack([r[1] for r in rows], axis=1), np.stack([r[2] for r in rows], axis=1)


def solve_chain(
    schedule: pk.Schedule,
    flux_factors: np.ndarray,
    duration_h: float,
    condition: str = "wild type",
    values: Mapping[str, np.ndarray | float] | None = None,
    time_step_h: float = 1.0,
) -> ChainRun:
    """The chain for N patients over ``duration_h`` hours of ``schedule`` (on a grid of
    ``time_step_h`` hours), in one pass.

    ``flux_factors`` (N,) are the patients' flux into the skin relative to the face or
    scalp (``site_flux_factor`` of :func:`pk.topical_exposure`); ``values`` maps registry
    names of :data:`NUMBERS` to a number or to one value per patient (N,), every other
    number being the registry's; ``condition`` is one of :data:`killers.CONDITIONS`.
    """
    if not isinstance(schedule, pk.Schedule):
        raise ValueError("schedule must be a pk.Schedule")
    flux = real_numbers("flux_factors", flux_factors)
    if flux.ndim != 1 or len(flux) == 0:
        raise ValueError(
            f"flux_factors must be one flux factor per patient, shape (N,), not {flux.shape}"
        )
    n = len(flux)
    flux = validate_array("site_flux_factor", flux, n)
    chosen = killers.condition_named(condition)
    numbers = checked_values(values, n)
    time_h = pk.time_grid(schedule, duration_h, time_step_h)

    # cream → free drug in the viable skin, time first: (T, N)
    rates = pk.transfer_rates(schedule, numbers, flux)
    viable = pk.course_amounts(
        schedule, rates, len(time_h), time_step_h, keep=slice(pk.VIABLE, pk.VIABLE + 1)
    )[..., 0].T
    total = pk.skin_concentration_uM(
        viable,
        schedule.area_cm2,
        numbers["skin_layer_depth_um"],
        default("molar_mass_g_per_mol"),
    )
    free = pk.free_concentration(
        total, numbers["unbound_fraction_in_skin"], numbers["aqueous_solubility_uM"]
    )
    # → TLR7, signalling and the killers
    engagement = receptor.hill_engagement(
        free, numbers["tlr7_ec50_uM"], numbers["tlr7_hill_coefficient"]
    )
    innate, effectors, memory = _immune_states(
        np.diff(time_h).tolist(), engagement, free, chosen, numbers, time_step_h / HOURS_PER_DAY
    )
    present = 1.0 if (chosen.adaptive_and_nk and chosen.cd8a_cells) else 0.0
    immune = innate["pdc_kill_per_day"] + present * (
        numbers["t_cell_killing_rate_per_day"] * effectors
        + numbers["memory_killing_rate_per_day"] * memory
    )
    return ChainRun(
        time_h=time_h,
        free_concentration_uM=free.T,
        signal=innate["signal"].T,
        ifnar_signal=innate["ifnar_signal"].T,
        pdc_kill_per_day=innate["pdc_kill_per_day"].T,
        direct_apoptosis_per_day=innate["direct_apoptosis_per_day"].T,
        effectors=effectors.T,
        memory=memory.T,
        immune_kill_per_day=immune.T,
    )
