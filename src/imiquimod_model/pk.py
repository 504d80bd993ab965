"""Topical pharmacokinetics: from a layer of cream to free drug in the skin and to serum.

The cream is a finite reservoir on the treated area. While it is on, imiquimod crosses into
the stratum corneum with a flux proportional to its concentration in the cream, which is
the cream's strength at first and falls as the layer is depleted (Fick's first law for a
finite dose):

    J(t) = J_ref · (s / 5%) · A_cream(t) / A_cream(0)        [µg/cm²/h]

so the flux per cm² grows with strength, the amount entering the skin grows with the
treated area, and more cream on the same area adds almost nothing (the layer is far from
depleted in 8 h). The stratum corneum is a reservoir: it passes drug on to the viable skin
slowly and loses some by desquamation. From the viable skin (epidermis and upper dermis)
drug is cleared into the blood. The receptors see the **free** drug in the viable skin:
the total concentration times the unbound fraction, never above imiquimod's aqueous
solubility (the rest is bound or undissolved).

Places the drug can be (amounts in mg over the whole treated area): ``cream``,
``stratum_corneum``, ``viable_skin``, ``blood``, and the exits ``eliminated``,
``washed_off`` and ``desquamated``. ``absorbed`` counts everything that ever entered the
skin. The transfer equations are linear, so the response to a schedule is the sum of
single-application responses, each computed exactly with the matrix exponential; the cap at
solubility acts on the free concentration only (clearance is taken as linear in the total,
which is exact while the cap does not bind).

Examples
--------
>>> label_ak = Schedule(applications_per_week=2, weeks=16)
>>> label_ak.application_times_h()[:4]
array([  0.,  72., 168., 240.])
>>> label_ak.dose_mg  # one 250 mg sachet of 5% cream
12.5
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy.linalg import expm

from .kinetics import rate_from_half_life
from .parameters import PARAMETERS, default, real_numbers, validate

HOURS_PER_WEEK = 168.0
REFERENCE_STRENGTH_PERCENT = 5.0  # the strength at which the registry's flux is stated
PLACES = (
    "cream",
    "stratum_corneum",
    "viable_skin",
    "blood",
    "eliminated",
    "washed_off",
    "desquamated",
    "absorbed",
)
CREAM, SC, VIABLE, BLOOD, ELIMINATED, WASHED_OFF, DESQUAMATED, ABSORBED = range(len(PLACES))
#: The places that hold drug at any time (``absorbed`` is a running count, not a place).
HOLDING = PLACES[:ABSORBED]


@dataclass(frozen=True)
class Schedule:
    """A course of cream: what is applied, where, how often and for how long.

    ``weeks`` of treatment then ``rest_weeks`` without, ``cycles`` times. Applications
    fall on whole days when there are at most 7 a week (2/week: days 0 and 3; 3/week:
    days 0, 2, 4; daily: every day) and are evenly spaced in hours when there are more
    (14/week: every 12 h). Each puts ``cream_mg`` of cream of strength ``cream_percent``
    (% w/w) on ``area_cm2`` of skin for ``contact_hours``.

    Examples
    --------
    >>> Schedule(applications_per_week=3, weeks=1).application_times_h()
    array([ 0., 48., 96.])
    >>> Schedule(applications_per_week=14, weeks=1, contact_hours=13)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: contact_hours = 13 h is longer than the 12 h between applications at 14 ...
    """

    applications_per_week: int
    weeks: int
    rest_weeks: int = 0
    cycles: int = 1
    contact_hours: float = default("contact_time_h")
    cream_percent: float = default("cream_strength_percent")
    cream_mg: float = default("cream_mg_per_application")
    area_cm2: float = default("treated_area_cm2")

    def __post_init__(self) -> None:
        validate("applications_per_week", self.applications_per_week)
        validate("treatment_weeks", self.weeks)
        validate("rest_weeks", self.rest_weeks)
        validate("cycles", self.cycles)
        validate("contact_time_h", self.contact_hours)
        validate("cream_strength_percent", self.cream_percent)
        validate("cream_mg_per_application", self.cream_mg)
        validate("treated_area_cm2", self.area_cm2)
        gap = self.shortest_gap_h
        if self.contact_hours > gap:
            raise ValueError(
                f"contact_hours = {self.contact_hours:g} h is longer than the {gap:g} h "
                f"between applications at {self.applications_per_week} applications/week"
            )

    @property
    def dose_mg(self) -> float:
        """Imiquimod applied at each application, mg."""
        return self.cream_mg * self.cream_percent / 100.0

    def _week_offsets_h(self) -> np.ndarray:
        n = int(self.applications_per_week)
        k = np.arange(n)
        if n <= 7:
            return np.floor(k * 7 / n) * 24.0
        return k * HOURS_PER_WEEK / n

    @property
    def shortest_gap_h(self) -> float:
        """Shortest time between two applications, h (across the week boundary too)."""
        offsets = self._week_offsets_h()
        return float(np.min(np.diff(np.append(offsets, offsets[0] + HOURS_PER_WEEK))))

    @property
    def cycle_h(self) -> float:
        """Length of one treatment-plus-rest cycle, h."""
        return (self.weeks + self.rest_weeks) * HOURS_PER_WEEK

    @property
    def duration_h(self) -> float:
        """Length of the whole course including rests, h."""
        return self.cycles * self.cycle_h

    def application_times_h(self) -> np.ndarray:
        """Start time of every application, h from the first one."""
        week_starts = np.arange(self.weeks) * HOURS_PER_WEEK
        one_cycle = (week_starts[:, None] + self._week_offsets_h()[None, :]).ravel()
        cycle_starts = np.arange(self.cycles) * self.cycle_h
        return (cycle_starts[:, None] + one_cycle[None, :]).ravel()


def uptake_rate_per_h(
    schedule: Schedule, flux_ug_per_cm2_h: float, site_flux_factor: float = 1.0
) -> float:
    """First-order rate constant of drug leaving the cream layer into the skin, 1/h.

    ``flux_ug_per_cm2_h`` is the flux from a fresh layer of 5% cream on the face or scalp,
    ``site_flux_factor`` that on the treated skin relative to it. The flux is proportional
    to the drug's concentration in the layer, so the fraction of the layer's drug taken up
    per hour is flux × area / drug in the layer, whatever the strength.
    """
    flux = validate("stratum_corneum_flux_ug_per_cm2_h", flux_ug_per_cm2_h)
    flux *= validate("site_flux_factor", site_flux_factor)
    return _uptake(schedule, flux)


def _uptake(schedule: Schedule, flux):
    """:func:`uptake_rate_per_h` for a checked flux on the treated skin (a number, or an
    array of patients)."""
    if schedule.cream_mg == 0:
        return 0.0 * flux
    drug_at_reference_mg = schedule.cream_mg * REFERENCE_STRENGTH_PERCENT / 100.0
    if drug_at_reference_mg == 0.0:  # a layer too thin to hold a representable amount
        return 0.0 * flux + math.inf
    return flux * 1e-3 * schedule.area_cm2 / drug_at_reference_mg


def transfer_rates(schedule: Schedule, numbers: dict, site_flux_factor=1.0) -> dict:
    """The first-order rates (1/h) between the places, from checked registry numbers of
    :data:`NUMBERS` and flux factor (numbers, or arrays of patients)."""
    return {
        "uptake": _uptake(
            schedule, numbers["stratum_corneum_flux_ug_per_cm2_h"] * site_flux_factor
        ),
        "release": rate_from_half_life(numbers["stratum_corneum_half_life_h"]),
        "desquamation": 1.0 / (24.0 * numbers["stratum_corneum_turnover_days"]),
        "clearance": rate_from_half_life(numbers["viable_skin_half_life_h"]),
        "elimination": rate_from_half_life(numbers["serum_elimination_half_life_h"]),
    }


def _rate_matrix(rates: dict[str, float], cream_on: bool) -> np.ndarray:
    """Matrix K of dx/dt = K x over the places of :data:`PLACES`, 1/h (a stack of them,
    shape (N, places, places), for rates that are arrays of N patients)."""
    shape = np.broadcast_shapes(*(np.shape(rate) for rate in rates.values()))
    k = np.zeros((*shape, len(PLACES), len(PLACES)))

    def move(source: int, target: int, rate: float) -> None:
        k[..., source, source] -= rate
        k[..., target, source] += rate

    if cream_on:
        move(CREAM, SC, rates["uptake"])
        k[..., ABSORBED, CREAM] += rates["uptake"]
    move(SC, VIABLE, rates["release"])
    move(SC, DESQUAMATED, rates["desquamation"])
    move(VIABLE, BLOOD, rates["clearance"])
    move(BLOOD, ELIMINATED, rates["elimination"])
    return k


def _trajectory(step: np.ndarray, x: np.ndarray, n: int, keep: slice = slice(None)) -> np.ndarray:
    """Rows x, S·x, S²·x, ... (``n`` rows) for the one-step matrix S = ``step``, with the
    places ``keep`` of each row; for a stack of N matrices and N states, N such tables.

    Computed in blocks of about √n rows: the first block step by step, each later one from
    the block before in one product with S^m, so that the work in Python grows as √n.
    """
    m = max(1, math.isqrt(n))
    block = np.empty((*x.shape[:-1], m, x.shape[-1]))
    block[..., 0, :] = x
    for k in range(1, m):
        block[..., k, :] = (step @ block[..., k - 1, :, None])[..., 0]
    jump_t = np.linalg.matrix_power(step, m).swapaxes(-1, -2)
    out = np.empty((*x.shape[:-1], n, len(range(x.shape[-1])[keep])))
    for start in range(0, n, m):
        rows = min(m, n - start)
        out[..., start : start + rows, :] = block[..., :rows, keep]
        block = block @ jump_t
    return out


#: Uptake faster than e^-50 of the layer left per time step counts as complete at once
#: (the exact limit, within double precision; it keeps the matrix exponential finite).
_INSTANT = 50.0


def _single_application(
    n_steps: int, dt_h: float, contact_h: float, rates: dict, keep: slice = slice(None)
) -> np.ndarray:
    """Amounts (n_steps × places ``keep``) after applying 1 mg at t = 0, on the grid k·dt;
    for rates that are arrays of N patients, shape (N, n_steps, places kept)."""
    shape = np.broadcast_shapes(*(np.shape(rate) for rate in rates.values()))
    instant = np.asarray(rates["uptake"]) * dt_h > _INSTANT  # a layer gone within one step
    start = np.zeros((*shape, len(PLACES)))
    start[..., SC] = start[..., ABSORBED] = instant
    start[..., CREAM] = ~instant
    rates = {**rates, "uptake": np.where(instant, 0.0, rates["uptake"])}
    on = _rate_matrix(rates, cream_on=True)
    off = _rate_matrix(rates, cream_on=False)
    n_on = min(n_steps, math.ceil(contact_h / dt_h - 1e-9))
    # grid points strictly inside the contact period
    out = np.empty((*shape, n_steps, len(range(len(PLACES))[keep])))
    out[..., :n_on, :] = _trajectory(expm(on * dt_h), start, n_on, keep)
    if n_on < n_steps:
        x = (expm(on * contact_h) @ start[..., None])[..., 0]
        x[..., WASHED_OFF] += x[..., CREAM]  # wash-off at the end of contact
        x[..., CREAM] = 0.0
        x = (expm(off * (n_on * dt_h - contact_h)) @ x[..., None])[..., 0]
        out[..., n_on:, :] = _trajectory(expm(off * dt_h), x, n_steps - n_on, keep)
    return out


def time_grid(schedule: Schedule, duration_h: object, time_step_h: object) -> np.ndarray:
    """The grid (h) of :func:`topical_exposure`, or its clear error for a bad duration or
    step."""
    if isinstance(time_step_h, bool) or not (
        isinstance(time_step_h, int | float) and 0.01 <= time_step_h <= 1.0
    ):
        raise ValueError(f"time_step_h = {time_step_h!r} h is outside 0.01 to 1 h")
    given = None if duration_h is None else real_numbers("duration_h", duration_h, "h")
    if given is not None and given.ndim:
        raise ValueError(f"duration_h = {duration_h!r} must be one number of hours")
    total_h = schedule.duration_h if given is None else float(given)
    if not 0 < total_h <= 20 * 52 * HOURS_PER_WEEK:
        raise ValueError(f"duration_h = {duration_h!r} h must be positive and at most 20 years")
    n = round(total_h / time_step_h) + 1
    return np.arange(n) * time_step_h


def course_amounts(
    schedule: Schedule, rates: dict, n: int, time_step_h: float, keep: slice = slice(None)
) -> np.ndarray:
    """Amounts (mg) in the places ``keep`` at the ``n`` times k·``time_step_h`` (h) for the
    whole schedule: each application's response, shifted to its start (the transfer is
    linear). Shape (n, places kept), or (N, n, places kept) for rates that are arrays of N
    patients (:func:`transfer_rates`)."""
    dose = schedule.dose_mg * _single_application(
        n, time_step_h, schedule.contact_hours, rates, keep
    )
    amounts = np.zeros_like(dose)
    for i in _application_steps(schedule, time_step_h, n):
        amounts[..., i:, :] += dose[..., : n - i, :]
    return amounts


def _application_steps(schedule: Schedule, time_step_h: float, n: int) -> np.ndarray:
    """The grid points (indices) at which an application starts, before the n-th."""
    starts = np.rint(schedule.application_times_h() / time_step_h).astype(int)
    return starts[starts < n]


def skin_concentration_uM(viable_skin_mg, area_cm2, depth_um, molar_mass_g_per_mol):
    """All drug in the viable skin layer (free, bound or undissolved) per volume, µM, for
    ``viable_skin_mg`` over ``area_cm2`` in a layer ``depth_um`` deep."""
    volume_mL = area_cm2 * depth_um * 1e-4  # cm³
    grams_per_litre = viable_skin_mg / volume_mL  # mg/mL = g/L
    return grams_per_litre / molar_mass_g_per_mol * 1e6


def free_concentration(total_uM, unbound_fraction, solubility_uM):
    """Free drug in the viable skin, µM: the unbound share of the total, at most soluble."""
    return np.minimum(unbound_fraction * total_uM, solubility_uM)


@dataclass(frozen=True)
class Exposure:
    """Drug amounts over time (mg) and the concentrations that follow from them."""

    time_h: np.ndarray
    amounts_mg: np.ndarray  # shape (time, place), places in the order of PLACES
    applied_mg: np.ndarray  # cumulative dose applied by each time
    treated_area_cm2: float
    skin_layer_depth_um: float
    unbound_fraction: float
    solubility_uM: float
    volume_of_distribution_L: float
    molar_mass_g_per_mol: float

    def amount(self, place: str) -> np.ndarray:
        """Amount of drug in ``place`` (one of :data:`PLACES`), mg."""
        return self.amounts_mg[:, PLACES.index(place)]

    @cached_property
    def total_skin_concentration_uM(self) -> np.ndarray:
        """All drug in the viable skin layer (free, bound or undissolved) per volume, µM."""
        return skin_concentration_uM(
            self.amount("viable_skin"),
            self.treated_area_cm2,
            self.skin_layer_depth_um,
            self.molar_mass_g_per_mol,
        )

    @cached_property
    def free_concentration_uM(self) -> np.ndarray:
        """Free drug in the viable skin, µM: unbound share of the total, at most soluble."""
        return free_concentration(
            self.total_skin_concentration_uM, self.unbound_fraction, self.solubility_uM
        )

    @cached_property
    def serum_concentration_ng_per_mL(self) -> np.ndarray:
        """Concentration in serum, ng/mL (= µg/L)."""
        return self.amount("blood") * 1e3 / self.volume_of_distribution_L

    @cached_property
    def serum_concentration_uM(self) -> np.ndarray:
        """Concentration in serum, µM (ng/mL ÷ g/mol = µmol/L)."""
        return self.serum_concentration_ng_per_mL / self.molar_mass_g_per_mol


def topical_exposure(
    schedule: Schedule,
    *,
    stratum_corneum_flux_ug_per_cm2_h: float = default("stratum_corneum_flux_ug_per_cm2_h"),
    stratum_corneum_half_life_h: float = default("stratum_corneum_half_life_h"),
    stratum_corneum_turnover_days: float = default("stratum_corneum_turnover_days"),
    viable_skin_half_life_h: float = default("viable_skin_half_life_h"),
    skin_layer_depth_um: float = default("skin_layer_depth_um"),
    unbound_fraction_in_skin: float = default("unbound_fraction_in_skin"),
    aqueous_solubility_uM: float = default("aqueous_solubility_uM"),
    serum_elimination_half_life_h: float = default("serum_elimination_half_life_h"),
    volume_of_distribution_L: float = default("volume_of_distribution_L"),
    site_flux_factor: float = 1.0,
    duration_h: float | None = None,
    time_step_h: float = 0.25,
) -> Exposure:
    """Simulate a cream schedule; amounts in mg on a grid of ``time_step_h`` hours.

    ``site_flux_factor`` is the flux on the treated skin relative to the face or scalp
    (a body site's, see :mod:`~imiquimod_model.design`). ``duration_h`` defaults to the
    whole course. Applications that do not fall on the
    grid are moved to the nearest grid point (at most half a step).
    """
    if not isinstance(schedule, Schedule):
        raise ValueError("schedule must be a pk.Schedule")
    time = time_grid(schedule, duration_h, time_step_h)
    given = locals()
    numbers = {name: validate(name, given[name]) for name in NUMBERS}
    rates = transfer_rates(schedule, numbers, validate("site_flux_factor", site_flux_factor))
    depth = numbers["skin_layer_depth_um"]
    unbound = numbers["unbound_fraction_in_skin"]
    solubility = numbers["aqueous_solubility_uM"]
    volume = numbers["volume_of_distribution_L"]
    amounts = course_amounts(schedule, rates, len(time), time_step_h)
    applied = np.zeros(len(time))
    for i in _application_steps(schedule, time_step_h, len(time)):
        applied[i:] += schedule.dose_mg
    return Exposure(
        time,
        amounts,
        applied,
        schedule.area_cm2,
        depth,
        unbound,
        solubility,
        volume,
        default("molar_mass_g_per_mol"),
    )


#: The registry numbers of the transfer (keywords of :func:`topical_exposure`), but for the
#: flux factor of the treated skin, which is the patient's rather than the drug's.
NUMBERS = tuple(
    p
    for p in inspect.signature(topical_exposure).parameters
    if p in PARAMETERS and p != "site_flux_factor"
)


def absorbed_fraction(
    schedule: Schedule,
    stratum_corneum_flux_ug_per_cm2_h: float = default("stratum_corneum_flux_ug_per_cm2_h"),
) -> float:
    """Share of one application's dose that enters the skin before wash-off (0–1)."""
    k = uptake_rate_per_h(schedule, stratum_corneum_flux_ug_per_cm2_h)
    return -math.expm1(-k * schedule.contact_hours)


#: The label's schedule for actinic keratosis: one 250 mg sachet of 5% cream on about
#: 25 cm², twice a week for 16 weeks (registry defaults).
LABEL_AK_SCHEDULE = Schedule(
    applications_per_week=int(default("applications_per_week")),
    weeks=int(default("treatment_weeks")),
)


# --- the label's pharmacokinetic study, used to calibrate V
def label_pk_peaks() -> list[dict[str, object]]:
    """Rows of the label PK study: sachets, body site, treated area (cm²), observed peak
    (ng/mL) and the source of each."""
    path = Path(__file__).parent / "data" / "label_pk_peaks.csv"
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    for row in rows:
        for column in ("sachets", "area_cm2", "peak_ng_per_mL"):
            row[column] = float(row[column])
    return rows


def label_pk_schedule(row: dict[str, object]) -> Schedule:
    """The label PK study's course for one row: 3 a week for 16 weeks, the row's cream."""
    return Schedule(
        applications_per_week=3,
        weeks=16,
        cream_mg=row["sachets"] * default("cream_per_sachet_mg"),
        area_cm2=row["area_cm2"],
    )


def final_serum_peak(exposure: Exposure, schedule: Schedule) -> tuple[float, float]:
    """Peak serum concentration after the last application (ng/mL) and its delay (h)."""
    last = schedule.application_times_h()[-1]
    after = exposure.time_h >= last
    conc = exposure.serum_concentration_ng_per_mL[after]
    i = int(np.argmax(conc))
    return float(conc[i]), float(exposure.time_h[after][i] - last)


def calibrate_volume_of_distribution() -> float:
    """The volume V (L) whose serum peaks best match the label study, in log space.

    Serum concentration is proportional to 1/V, so the least-squares fit of
    log(peak) has a closed form: V = geometric mean of (peak at V = 1 L / observed).
    """
    ratios = []
    for row in label_pk_peaks():
        schedule = label_pk_schedule(row)
        exposure = topical_exposure(
            schedule, volume_of_distribution_L=validate("volume_of_distribution_L", 5.0)
        )
        peak_at_5_litres, _ = final_serum_peak(exposure, schedule)
        ratios.append(peak_at_5_litres * 5.0 / row["peak_ng_per_mL"])
    return float(np.exp(np.mean(np.log(ratios))))
