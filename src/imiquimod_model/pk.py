"""Topical pharmacokinetics: from cream on the skin to local and serum concentrations.

The model is linear and has four places the drug can be (amounts in mg):

* ``cream`` on the skin surface, absorbed with rate constant ``k_abs`` while the cream is
  on and washed off at the end of each contact period;
* ``skin``, the treated skin layer (area × depth), which releases drug into the blood
  with rate constant ``k_skin``;
* ``blood``, a single systemic compartment of volume ``V``, eliminated with ``k_el``;
* ``eliminated`` and ``washed_off``, the two exits.

A seventh number, ``absorbed``, counts everything that has ever crossed into the skin, so
that mass balance (applied = absorbed + washed off + still on the skin) can be checked.
Because the model is linear, the response to a schedule is the sum of single-application
responses, each computed exactly with the matrix exponential.

Examples
--------
>>> label_ak = Schedule(applications_per_week=2, weeks=16)
>>> label_ak.application_times_h()[:4]
array([  0.,  72., 168., 240.])
>>> round(applied_dose_mg(sachets_per_application=1, cream_strength_percent=5), 3)
12.5
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy.linalg import expm

from .kinetics import rate_from_half_life
from .parameters import default, validate

HOURS_PER_WEEK = 168.0
_STATES = ("cream", "skin", "blood", "eliminated", "washed_off", "absorbed")
CREAM, SKIN, BLOOD, ELIMINATED, WASHED_OFF, ABSORBED = range(len(_STATES))


@dataclass(frozen=True)
class Schedule:
    """A course of cream: ``weeks`` of treatment then ``rest_weeks`` without, ``cycles`` times.

    Applications fall on whole days when there are at most 7 a week (2/week: days 0
    and 3; 3/week: days 0, 2, 4; daily: every day) and are evenly spaced in hours when
    there are more (14/week: every 12 h). Each stays on for ``contact_hours``.

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

    def __post_init__(self) -> None:
        validate("applications_per_week", self.applications_per_week)
        validate("treatment_weeks", self.weeks)
        validate("rest_weeks", self.rest_weeks)
        validate("cycles", self.cycles)
        validate("contact_time_h", self.contact_hours)
        gap = self.shortest_gap_h
        if self.contact_hours > gap:
            raise ValueError(
                f"contact_hours = {self.contact_hours:g} h is longer than the {gap:g} h "
                f"between applications at {self.applications_per_week} applications/week"
            )

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


def applied_dose_mg(
    sachets_per_application: float = default("sachets_per_application"),
    cream_strength_percent: float = default("cream_strength_percent"),
    cream_per_sachet_mg: float = default("cream_per_sachet_mg"),
) -> float:
    """Imiquimod applied at one application, mg."""
    sachets = validate("sachets_per_application", sachets_per_application)
    strength = validate("cream_strength_percent", cream_strength_percent)
    cream = validate("cream_per_sachet_mg", cream_per_sachet_mg)
    return sachets * cream * strength / 100.0


def absorption_rate_per_h(
    fraction_absorbed_percent: float = default("fraction_absorbed_percent"),
) -> float:
    """First-order rate constant of uptake from cream into skin, 1/h.

    Defined so that ``fraction_absorbed_percent`` of the cream is taken up during the
    label's reference contact time (the registry's ``contact_time_h``).
    """
    fraction = validate("fraction_absorbed_percent", fraction_absorbed_percent) / 100.0
    return -math.log1p(-fraction) / default("contact_time_h")


def _rate_matrix(k_abs: float, k_skin: float, k_el: float, cream_on: bool) -> np.ndarray:
    """Matrix K of dx/dt = K x for the seven-place linear model, 1/h."""
    k = np.zeros((len(_STATES), len(_STATES)))
    if cream_on:
        k[CREAM, CREAM] = -k_abs
        k[SKIN, CREAM] = k_abs
        k[ABSORBED, CREAM] = k_abs
    k[SKIN, SKIN] = -k_skin
    k[BLOOD, SKIN] = k_skin
    k[BLOOD, BLOOD] = -k_el
    k[ELIMINATED, BLOOD] = k_el
    return k


def _trajectory(step: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
    """Rows x, S·x, S²·x, ... (``n`` rows) for the one-step matrix S = ``step``.

    Computed in blocks of about √n rows: the first block step by step, each later one from
    the block before in one product with S^m, so that the work in Python grows as √n.
    """
    m = max(1, math.isqrt(n))
    block = np.empty((m, len(x)))
    block[0] = x
    for k in range(1, m):
        block[k] = step @ block[k - 1]
    jump_t = np.linalg.matrix_power(step, m).T
    out = np.empty((n, len(x)))
    for start in range(0, n, m):
        rows = min(m, n - start)
        out[start : start + rows] = block[:rows]
        block = block @ jump_t
    return out


def _single_application(
    n_steps: int, dt_h: float, contact_h: float, k_abs: float, k_skin: float, k_el: float
) -> np.ndarray:
    """Amounts (n_steps × places) after applying 1 mg at t = 0, on the grid k·dt."""
    on = _rate_matrix(k_abs, k_skin, k_el, cream_on=True)
    off = _rate_matrix(k_abs, k_skin, k_el, cream_on=False)
    out = np.empty((n_steps, len(_STATES)))
    start = np.zeros(len(_STATES))
    start[CREAM] = 1.0
    n_on = min(n_steps, math.ceil(contact_h / dt_h - 1e-9))
    # grid points strictly inside the contact period
    out[:n_on] = _trajectory(expm(on * dt_h), start, n_on)
    if n_on < n_steps:
        x = expm(on * contact_h) @ start
        x[WASHED_OFF] += x[CREAM]  # wash-off at the end of contact
        x[CREAM] = 0.0
        x = expm(off * (n_on * dt_h - contact_h)) @ x
        out[n_on:] = _trajectory(expm(off * dt_h), x, n_steps - n_on)
    return out


@dataclass(frozen=True)
class Exposure:
    """Drug amounts over time (mg) and the concentrations that follow from them."""

    time_h: np.ndarray
    amounts_mg: np.ndarray  # shape (time, place), places in the order of _STATES
    applied_mg: np.ndarray  # cumulative dose applied by each time
    treated_area_cm2: float
    skin_layer_depth_um: float
    volume_of_distribution_L: float
    molar_mass_g_per_mol: float

    def amount(self, place: str) -> np.ndarray:
        """Amount of drug in ``place`` (one of cream, skin, blood, ...), mg."""
        return self.amounts_mg[:, _STATES.index(place)]

    @cached_property
    def skin_concentration_uM(self) -> np.ndarray:
        """Concentration in the treated skin layer, µM."""
        volume_mL = self.treated_area_cm2 * self.skin_layer_depth_um * 1e-4  # cm³
        grams_per_litre = self.amount("skin") / volume_mL  # mg/mL = g/L
        return grams_per_litre / self.molar_mass_g_per_mol * 1e6

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
    sachets_per_application: float = default("sachets_per_application"),
    cream_strength_percent: float = default("cream_strength_percent"),
    treated_area_cm2: float = default("treated_area_cm2"),
    fraction_absorbed_percent: float = default("fraction_absorbed_percent"),
    skin_layer_depth_um: float = default("skin_layer_depth_um"),
    skin_release_half_life_h: float = default("skin_release_half_life_h"),
    serum_elimination_half_life_h: float = default("serum_elimination_half_life_h"),
    volume_of_distribution_L: float = default("volume_of_distribution_L"),
    duration_h: float | None = None,
    time_step_h: float = 0.25,
) -> Exposure:
    """Simulate a cream schedule; amounts in mg on a grid of ``time_step_h`` hours.

    ``duration_h`` defaults to the whole course. Applications that do not fall on the
    grid are moved to the nearest grid point (at most half a step).
    """
    if not isinstance(schedule, Schedule):
        raise ValueError("schedule must be a pk.Schedule")
    if not (isinstance(time_step_h, (int, float)) and 0.01 <= time_step_h <= 1.0):
        raise ValueError(f"time_step_h = {time_step_h!r} h is outside 0.01 to 1 h")
    dose = applied_dose_mg(sachets_per_application, cream_strength_percent)
    area = validate("treated_area_cm2", treated_area_cm2)
    depth = validate("skin_layer_depth_um", skin_layer_depth_um)
    k_abs = absorption_rate_per_h(fraction_absorbed_percent)
    k_skin = rate_from_half_life(validate("skin_release_half_life_h", skin_release_half_life_h))
    k_el = rate_from_half_life(
        validate("serum_elimination_half_life_h", serum_elimination_half_life_h)
    )
    volume = validate("volume_of_distribution_L", volume_of_distribution_L)
    total_h = schedule.duration_h if duration_h is None else float(duration_h)
    if not 0 < total_h <= 20 * 52 * HOURS_PER_WEEK:
        raise ValueError(f"duration_h = {duration_h!r} h must be positive and at most 20 years")

    n = round(total_h / time_step_h) + 1
    time = np.arange(n) * time_step_h
    unit = _single_application(n, time_step_h, schedule.contact_hours, k_abs, k_skin, k_el)
    amounts = np.zeros_like(unit)
    applied = np.zeros(n)
    starts = np.rint(schedule.application_times_h() / time_step_h).astype(int)
    for i in starts[starts < n]:
        amounts[i:] += dose * unit[: n - i]
        applied[i:] += dose
    return Exposure(time, amounts, applied, area, depth, volume, default("molar_mass_g_per_mol"))


#: The label's schedule for actinic keratosis (registry defaults: 2 a week for 16 weeks).
LABEL_AK_SCHEDULE = Schedule(
    applications_per_week=int(default("applications_per_week")),
    weeks=int(default("treatment_weeks")),
)


# --- the label's pharmacokinetic study, used to calibrate V
LABEL_PK_STUDY = Schedule(applications_per_week=3, weeks=16)


def label_pk_peaks() -> list[dict[str, object]]:
    """Rows of the label PK study: sachets, body site, observed peak (ng/mL), source."""
    path = Path(__file__).parent / "data" / "label_pk_peaks.csv"
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    for row in rows:
        row["sachets"] = float(row["sachets"])
        row["peak_ng_per_mL"] = float(row["peak_ng_per_mL"])
    return rows


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
        exposure = topical_exposure(
            LABEL_PK_STUDY,
            sachets_per_application=row["sachets"],
            volume_of_distribution_L=validate("volume_of_distribution_L", 5.0),
            duration_h=LABEL_PK_STUDY.duration_h,
        )
        peak_at_5_litres, _ = final_serum_peak(exposure, LABEL_PK_STUDY)
        ratios.append(peak_at_5_litres * 5.0 / row["peak_ng_per_mL"])
    return float(np.exp(np.mean(np.log(ratios))))
