"""Mast cells, CCL2 and pDCs turned into tumour killers (after Drobits et al. 2012).

The chain, each link a switch that a condition can remove:

* mast cells are activated by the MyD88 signal *and* IFNAR signalling (from
  :mod:`~imiquimod_model.signalling`): ``dM/dt = S·φ/τ_M·(1 − M) − k_M·M``;
* they make CCL2, in multiples of the level that gives half-maximal recruitment:
  ``dC/dt = k_C·(G·M − C)``;
* CCL2 recruits CD8α⁺ pDCs through saturable chemotaxis, ``dP/dt = k_P·(C/(1 + C) − P)``,
  with ``P`` in units of the maximal recruited number;
* recruited pDCs become TRAIL⁺ granzyme B⁺ killers, again needing TLR7/MyD88 and IFNAR:
  ``dA/dt = S·φ/τ_A·(1 − A) − k_A·A``;
* the tumour grows logistically and is killed by killer pDCs, (weakly) by T, B and NK
  cells whose response ``Y`` builds over about a week, and by imiquimod itself, which
  drives tumour cells into apoptosis without any TLR (Schön et al. 2003, 2004):
  ``dT/dt = ρ·T·(1 − T/T_max) − (κ·P·A·b + κ_TBNK·Y + κ_apo·C/(C + EC50_apo))·T``,
  where ``b`` is 1, or the residual fraction when TRAIL and granzyme B are blocked, and
  ``C`` is the free imiquimod concentration.

Every rate is an assumption (see the registry); the model is semi-quantitative. Each step
is solved exactly with its rates held, so activities stay in [0, 1], the tumour stays
positive, and without treatment the tumour follows the logistic closed form exactly.

Examples
--------
>>> [c for c in CONDITIONS][:3]
['wild type', 'no T, B or NK cells', 'TLR7 knockout']
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass

import numpy as np

from . import pk
from .kinetics import at_each_time, rate_from_half_life, relax, toward
from .parameters import PARAMETERS, default, one_of, real_numbers, validate, whole
from .receptor import adenosine_receptor_occupancy, competitive_occupancy, tlr7_engagement
from .signalling import NUMBERS as SIGNALLING_NUMBERS
from .signalling import Genotype, checked_inputs, signalling_states

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class Condition(Genotype):
    """An experimental condition: the signalling genotype (TLR7, MyD88, IFNAR1, pDCs) and
    the rest of the chain that may be present."""

    ccl2: bool = True
    cd8a_cells: bool = True
    adaptive_and_nk: bool = True
    trail_and_granzyme_b: bool = True
    imiquimod: bool = True
    direct_apoptosis: bool = True


#: The conditions of Drobits et al. 2012 with the outcome its abstract states.
CONDITIONS: dict[str, Condition] = {
    "wild type": Condition(),
    "no T, B or NK cells": Condition(adaptive_and_nk=False),
    "TLR7 knockout": Condition(tlr7=False),
    "MyD88 knockout": Condition(myd88=False),
    "IFNAR1 knockout": Condition(ifnar1=False),
    "CCL2 absent": Condition(ccl2=False),
    "pDC depleted": Condition(pdc=False),
    "CD8α⁺ cells depleted": Condition(cd8a_cells=False, adaptive_and_nk=False),
    "TRAIL and granzyme B blocked": Condition(trail_and_granzyme_b=False),
    "untreated": Condition(imiquimod=False),
}
PAPER_OUTCOME: dict[str, str] = {
    "wild type": "regresses",
    "no T, B or NK cells": "regresses",
    "TLR7 knockout": "no regression",
    "MyD88 knockout": "no regression",
    "IFNAR1 knockout": "no regression",
    "CCL2 absent": "no regression",
    "pDC depleted": "no regression",
    "CD8α⁺ cells depleted": "no regression",
    "TRAIL and granzyme B blocked": "impaired",
}
REGRESSION_BELOW = 0.1  # final burden ≤ 10% of the starting burden: "regresses"
NO_EFFECT_ABOVE = 0.9  # final burden ≥ 90% of the untreated tumour's: "no regression"


def condition_named(name: str) -> Condition:
    """The condition called ``name``; a clear error for an unknown one."""
    return CONDITIONS[one_of("condition", name, CONDITIONS)]


def logistic_step(t0: float, growth: float, crowding: float, death: float, dt: float) -> float:
    """Exact step of dT/dt = growth·T − crowding·T² − death·T over dt (all per day)."""
    r = growth - death
    if abs(r) < 1e-12:
        return t0 / (1.0 + crowding * t0 * dt)
    e = math.exp(r * dt)
    return r * t0 * e / (r + crowding * t0 * (e - 1.0))


def tumour_response(
    time_h: np.ndarray,
    engagement: np.ndarray,
    condition: Condition,
    *,
    free_concentration_uM: np.ndarray,
    adenosine_receptor_ki_uM: float = default("adenosine_receptor_ki_uM"),
    direct_apoptosis_ec50_uM: float = default("direct_apoptosis_ec50_uM"),
    direct_apoptosis_max_rate_per_day: float = default("direct_apoptosis_max_rate_per_day"),
    mast_activation_time_h: float = default("mast_activation_time_h"),
    mast_off_half_life_h: float = default("mast_off_half_life_h"),
    ccl2_production_gain: float = default("ccl2_production_gain"),
    ccl2_half_life_h: float = default("ccl2_half_life_h"),
    pdc_skin_half_life_h: float = default("pdc_skin_half_life_h"),
    killer_activation_time_h: float = default("killer_activation_time_h"),
    killer_off_half_life_h: float = default("killer_off_half_life_h"),
    pdc_killing_rate_per_day: float = default("pdc_killing_rate_per_day"),
    trail_gzmb_residual_fraction: float = default("trail_gzmb_residual_fraction"),
    adaptive_nk_killing_rate_per_day: float = default("adaptive_nk_killing_rate_per_day"),
    adaptive_activation_time_h: float = default("adaptive_activation_time_h"),
    tumour_growth_rate_per_day: float = default("tumour_growth_rate_per_day"),
    tumour_capacity: float = default("tumour_capacity"),
    **signalling_rates: float,
) -> dict[str, np.ndarray]:
    """Mast cells, CCL2, recruited and killer pDCs and tumour burden on the grid ``time_h``.

    ``engagement`` is TLR7 engagement (0–1) and ``free_concentration_uM`` the free
    imiquimod (µM) at each time; the tumour burden starts at 1 (the burden when treatment
    starts) and is in the same units throughout.
    """
    if not isinstance(condition, Condition):
        raise ValueError("condition must be a killers.Condition; see CONDITIONS")
    t = real_numbers("time_h", time_h, "h")
    free = real_numbers("free_concentration_uM", free_concentration_uM, "µM")
    if free.shape != t.shape or np.any(~np.isfinite(free)) or np.any(free < 0):
        raise ValueError("free_concentration_uM must be ≥ 0 µM at every time of time_h")
    if not condition.imiquimod:
        free = np.zeros(len(t))
    e = real_numbers("engagement", engagement) if condition.imiquimod else np.zeros(len(t))
    occupancy = adenosine_receptor_occupancy(free, adenosine_receptor_ki_uM)
    checked_inputs(t, e, occupancy)
    given = locals()
    unknown = sorted(set(signalling_rates) - set(SIGNALLING_NUMBERS))
    if unknown:
        raise ValueError(f"unknown parameter {unknown[0]!r} of the killers model")
    numbers = {name: validate(name, given[name]) for name in OWN_NUMBERS}
    for name in SIGNALLING_NUMBERS:
        numbers[name] = validate(name, signalling_rates.get(name, default(name)))
    out = innate_response(np.diff(t).tolist(), e, free, condition, numbers)
    # the tumour, killed by pDCs, imiquimod itself and T, B and NK cells at each time
    rho, capacity = numbers["tumour_growth_rate_per_day"], numbers["tumour_capacity"]
    lymphocytes = 1.0 if condition.adaptive_and_nk else 0.0
    kill = (
        out["pdc_kill_per_day"]
        + out["direct_apoptosis_per_day"]
        + numbers["adaptive_nk_killing_rate_per_day"] * out["tbnk_response"] * lymphocytes
    )
    tumour = 1.0
    burden = [tumour]
    for dt, kill_per_day in zip(np.diff(t).tolist(), kill[:-1].tolist(), strict=True):
        tumour = logistic_step(tumour, rho, rho / capacity, kill_per_day, dt / HOURS_PER_DAY)
        burden.append(tumour)
    out["tumour"] = np.array(burden)
    return out


def innate_response(
    steps_h: list,
    engagement: np.ndarray,
    free_concentration_uM: np.ndarray,
    condition: Condition,
    numbers: dict,
) -> dict[str, np.ndarray]:
    """The chain of :func:`tumour_response` up to the kill rates, written once for one
    patient and for many: ``engagement`` and ``free_concentration_uM`` on the time grid,
    shape (T,) for one patient or (T, N) for N patients (time first), ``steps_h`` the T − 1
    time steps (h), and ``numbers`` the registry numbers of :data:`OWN_NUMBERS` and
    :data:`SIGNALLING_NUMBERS`, already checked (floats, or arrays of shape (N,)).

    Returns signalling's quantities and the killers' states, the kill rates by killer pDCs
    and by imiquimod itself (per day) and their sum, each time first; no tumour.
    """
    free = free_concentration_uM if condition.imiquimod else np.zeros_like(free_concentration_uM)
    e = engagement if condition.imiquimod else np.zeros_like(free)
    occupancy = competitive_occupancy(free, numbers["adenosine_receptor_ki_uM"])
    signals = signalling_states(steps_h, e, occupancy, condition, numbers)
    ec50_apo = numbers["direct_apoptosis_ec50_uM"]
    kappa_apo = numbers["direct_apoptosis_max_rate_per_day"]
    if not condition.direct_apoptosis:
        kappa_apo = 0.0
    apoptosis = kappa_apo * free / (free + ec50_apo)  # per day, TLR-independent
    k_m_on = 1 / numbers["mast_activation_time_h"]
    k_m_off = rate_from_half_life(numbers["mast_off_half_life_h"])
    gain = numbers["ccl2_production_gain"] if condition.ccl2 else 0.0
    k_c = rate_from_half_life(numbers["ccl2_half_life_h"])
    k_p = rate_from_half_life(numbers["pdc_skin_half_life_h"])
    k_a_on = 1 / numbers["killer_activation_time_h"]
    k_a_off = rate_from_half_life(numbers["killer_off_half_life_h"])
    kappa = numbers["pdc_killing_rate_per_day"]
    residual = numbers["trail_gzmb_residual_fraction"]
    k_y = 1 / numbers["adaptive_activation_time_h"]

    recruitable = 1.0 if (condition.pdc and condition.cd8a_cells) else 0.0
    blockade = 1.0 if condition.trail_and_granzyme_b else residual
    names = ("mast_cells", "ccl2", "recruited_pdc", "killer_fraction", "tbnk_response")
    # the loop takes Python floats for one patient (numpy scalars cost ten times as much)
    drive, zero, exp = at_each_time(signals["signal"] * signals["ifnar_signal"])  # TLR7, IFNAR
    ifnar, _, _ = at_each_time(signals["ifnar_signal"])
    m = c = p = a = y = zero
    rows = [(m, c, p, a, y)]  # the states above, at each time
    for dt, driven, ifnar_now in zip(steps_h, drive[:-1], ifnar[:-1], strict=True):
        m = relax(m, k_m_on * driven, k_m_off, dt, exp)
        c = toward(c, gain * m, k_c, dt, exp)
        p = toward(p, recruitable * c / (1.0 + c), k_p, dt, exp)
        a = relax(a, k_a_on * driven, k_a_off, dt, exp)
        y = toward(y, ifnar_now, k_y, dt, exp)
        rows.append((m, c, p, a, y))
    states = np.array(rows)
    out = {name: states[:, j] for j, name in enumerate(names)}
    out["ifn_alpha"] = signals["ifn_alpha"]
    out["signal"], out["ifnar_signal"] = signals["signal"], signals["ifnar_signal"]
    out["direct_apoptosis_per_day"] = apoptosis
    out["pdc_kill_per_day"] = kappa * out["recruited_pdc"] * out["killer_fraction"] * blockade
    out["innate_kill_per_day"] = out["pdc_kill_per_day"] + out["direct_apoptosis_per_day"]
    return out


#: The registry numbers of the killers model itself (keywords of :func:`tumour_response`).
OWN_NUMBERS = tuple(p for p in inspect.signature(tumour_response).parameters if p in PARAMETERS)


def verdict(final_burden: float, untreated_final_burden: float) -> str:
    """The rule, stated once: regresses, impaired or no regression."""
    if final_burden <= REGRESSION_BELOW:
        return "regresses"
    if final_burden >= NO_EFFECT_ABOVE * untreated_final_burden:
        return "no regression"
    return "impaired"


TREATMENT = pk.Schedule(applications_per_week=5, weeks=4)
DAYS_FOLLOWED = 28


def tumour_course(
    condition: str = "wild type",
    *,
    applications_per_week: float = TREATMENT.applications_per_week,
    days_followed: float = DAYS_FOLLOWED,
    time_step_h: float = 1.0,
    **rates: float,
) -> dict[str, np.ndarray]:
    """The whole chain for one condition over 4 weeks of cream, followed for
    ``days_followed`` days (28 to 364; hourly grid)."""
    chosen = condition_named(condition)
    if (
        isinstance(days_followed, bool)
        or not isinstance(days_followed, int | float)
        or not DAYS_FOLLOWED <= days_followed <= 364
    ):
        raise ValueError(f"days_followed = {days_followed!r} days must lie between 28 and 364")
    schedule = pk.Schedule(
        applications_per_week=whole("applications_per_week", applications_per_week), weeks=4
    )
    exposure = pk.topical_exposure(
        schedule, duration_h=days_followed * HOURS_PER_DAY, time_step_h=time_step_h
    )
    free = exposure.free_concentration_uM
    ec50 = rates.pop("tlr7_ec50_uM", default("tlr7_ec50_uM"))
    out = tumour_response(
        exposure.time_h, tlr7_engagement(free, ec50), chosen, free_concentration_uM=free, **rates
    )
    out["time_days"] = exposure.time_h / HOURS_PER_DAY
    return out


def knockout_table(**rates: float) -> list[dict[str, object]]:
    """For each condition of the paper: final burden, the model's verdict and the paper's."""
    untreated = tumour_course("untreated", **rates)["tumour"][-1]
    rows = []
    for name, stated in PAPER_OUTCOME.items():
        final = tumour_course(name, **rates)["tumour"][-1]
        rows.append(
            {
                "condition": name,
                "final_burden": float(final),
                "model": verdict(final, untreated),
                "paper": stated,
            }
        )
    return rows
