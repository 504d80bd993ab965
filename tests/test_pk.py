"""The PK model against hand calculation, mass balance, an independent ODE solve, the
solubility cap and the label."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from imiquimod_model import pk
from imiquimod_model.parameters import PARAMETERS, default

ONE_DOSE = pk.Schedule(applications_per_week=1, weeks=1)


# --- schedules
@pytest.mark.parametrize(
    ("per_week", "days"),
    [(1, [0]), (2, [0, 3]), (3, [0, 2, 4]), (5, [0, 1, 2, 4, 5]), (7, list(range(7)))],
)
def test_applications_fall_on_whole_days(per_week, days):
    times = pk.Schedule(applications_per_week=per_week, weeks=1).application_times_h()
    assert times.tolist() == [24.0 * d for d in days]


def test_twice_daily_is_every_12_hours():
    times = pk.Schedule(applications_per_week=14, weeks=2).application_times_h()
    assert np.allclose(np.diff(times), 12.0) and len(times) == 28


def test_rest_weeks_and_cycles_repeat_the_course():
    s = pk.Schedule(applications_per_week=3, weeks=4, rest_weeks=4, cycles=2)
    times = s.application_times_h()
    assert len(times) == 2 * 4 * 3
    assert s.duration_h == 2 * 8 * 168
    # the second cycle starts 8 weeks after the first and repeats it exactly
    assert np.allclose(times[12:], times[:12] + 8 * 168)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"applications_per_week": 0, "weeks": 4},
        {"applications_per_week": 15, "weeks": 4},
        {"applications_per_week": 2.5, "weeks": 4},
        {"applications_per_week": 3, "weeks": 0},
        {"applications_per_week": 3, "weeks": 4, "rest_weeks": -1},
        {"applications_per_week": 3, "weeks": 4, "cycles": 0},
        {"applications_per_week": 3, "weeks": 4, "contact_hours": 0},
        {"applications_per_week": 14, "weeks": 1, "contact_hours": 13},
        {"applications_per_week": "3", "weeks": 4},
        {"applications_per_week": 3, "weeks": float("nan")},
    ],
)
def test_impossible_schedules_are_rejected_clearly(kwargs):
    with pytest.raises(ValueError) as err:
        pk.Schedule(**kwargs)
    assert any(word in str(err.value) for word in ("applications", "weeks", "cycles", "contact"))


def test_the_schedule_carries_the_dose_and_rejects_impossible_creams():
    # label: 250 mg of cream at 50 mg/g is 12.5 mg of imiquimod
    assert pk.Schedule(applications_per_week=2, weeks=1).dose_mg == pytest.approx(12.5)
    zyclara = pk.Schedule(applications_per_week=7, weeks=2, cream_percent=3.75, cream_mg=500)
    assert zyclara.dose_mg == pytest.approx(18.75)
    for bad, name in (
        ({"cream_percent": 6}, "cream_strength_percent"),
        ({"cream_mg": -1}, "cream_mg_per_application"),
        ({"area_cm2": 0}, "treated_area_cm2"),
        ({"area_cm2": float("nan")}, "treated_area_cm2"),
    ):
        with pytest.raises(ValueError, match=name):
            pk.Schedule(applications_per_week=2, weeks=1, **bad)


# --- zero dose
@pytest.mark.parametrize("kw", [{"cream_mg": 0}, {"cream_percent": 0}])
def test_zero_dose_gives_zero_everywhere(kw):
    e = pk.topical_exposure(pk.Schedule(applications_per_week=1, weeks=1, **kw))
    assert np.all(e.amounts_mg == 0)
    assert np.all(e.free_concentration_uM == 0) and np.all(e.serum_concentration_uM == 0)


def test_one_ng_per_mL_is_about_4_2_nM():
    # facts.md: 1 ng/mL ≈ 4.2 nM for a molar mass of 240.3 g/mol
    e = pk.topical_exposure(ONE_DOSE, duration_h=24)
    i = np.argmax(e.serum_concentration_ng_per_mL)
    ratio = e.serum_concentration_uM[i] / e.serum_concentration_ng_per_mL[i]
    assert ratio * 1e3 == pytest.approx(4.16, abs=0.01)


# --- uptake from the layer of cream, by hand
def test_uptake_in_8_hours_by_hand():
    """J = 0.3 µg/cm²/h from 5% cream on 25 cm² is 7.5 µg/h out of 12.5 mg at first: the
    layer loses 6e-4 of its drug per hour, 0.479% in 8 h."""
    s = pk.Schedule(applications_per_week=1, weeks=1)
    assert pk.uptake_rate_per_h(s, 0.3) == pytest.approx(0.3e-3 * 25 / 12.5)
    assert pk.absorbed_fraction(s, stratum_corneum_flux_ug_per_cm2_h=0.3) == pytest.approx(
        1 - math.exp(-6e-4 * 8)
    )


def test_absorbed_share_is_within_the_labels_bound():
    # label: less than 0.9% of a single [14C] dose was recovered in urine and faeces
    assert 0 < pk.absorbed_fraction(pk.LABEL_AK_SCHEDULE) < 0.009


def test_flux_scales_with_strength_and_area_and_hardly_with_amount():
    """Fick's law for a layer far from depleted: the amount taken up in 8 h is J·A·τ·s/5%,
    whatever the amount of cream on that area."""

    def taken_up_mg(**kw):
        s = pk.Schedule(applications_per_week=1, weeks=1, **kw)
        return s.dose_mg * pk.absorbed_fraction(s)

    base = taken_up_mg()
    assert taken_up_mg(cream_percent=2.5) == pytest.approx(base / 2, rel=1e-9)
    assert taken_up_mg(area_cm2=50, cream_mg=500) == pytest.approx(2 * base, rel=1e-9)
    hand = default("stratum_corneum_flux_ug_per_cm2_h") * 1e-3 * 25 * 8  # J·A·τ, mg
    assert base == pytest.approx(hand, rel=0.01)
    more_cream = taken_up_mg(cream_mg=500)
    assert base < more_cream < 1.01 * base  # strictly more, by less than 1%


# --- mass balance, and an independent solve
def test_mass_balance_closes_over_a_whole_course():
    s = pk.Schedule(applications_per_week=5, weeks=3, rest_weeks=2, cycles=2, contact_hours=6.5)
    e = pk.topical_exposure(s, time_step_h=0.5)
    held = sum(e.amount(place) for place in pk.HOLDING)
    assert np.allclose(held, e.applied_mg, rtol=0, atol=1e-6 * e.applied_mg.max())
    # everything that left the cream into the skin is in the skin, blood or the exits
    downstream = held - e.amount("cream") - e.amount("washed_off")
    assert np.allclose(downstream, e.amount("absorbed"), atol=1e-6 * e.applied_mg.max())


@pytest.mark.parametrize("n", [0, 1, 2, 3, 15, 16, 17, 1345])
def test_trajectory_rows_are_powers_of_the_step_matrix(n):
    """Row k is S^k·x, whatever the block size (√n) and the remainder of the last block."""
    step = np.array([[0.9, 0.0, 0.0], [0.08, 0.97, 0.0], [0.02, 0.03, 1.0]])
    x = np.array([1.0, 0.5, 0.0])
    rows = pk._trajectory(step, x, n)
    assert rows.shape == (n, 3)
    for k in {0, 1, n // 2, n - 1} & set(range(n)):
        assert np.allclose(rows[k], np.linalg.matrix_power(step, k) @ x, rtol=1e-12, atol=1e-15)


def test_matches_an_independent_ode_solve_with_wash_offs():
    s = pk.Schedule(applications_per_week=3, weeks=2, contact_hours=8)
    e = pk.topical_exposure(s, duration_h=14 * 24)
    ln2 = math.log(2)
    k_in = default("stratum_corneum_flux_ug_per_cm2_h") * 1e-3 * 25 / 12.5
    k_sc = ln2 / default("stratum_corneum_half_life_h")
    k_desq = 1 / (24 * default("stratum_corneum_turnover_days"))
    k_v = ln2 / default("viable_skin_half_life_h")
    k_el = ln2 / default("serum_elimination_half_life_h")
    starts = s.application_times_h()

    def rhs(t, y, on):
        cream, sc, viable, blood = y
        uptake = k_in * cream if on else 0.0
        return [
            -uptake,
            uptake - (k_sc + k_desq) * sc,
            k_sc * sc - k_v * viable,
            k_v * viable - k_el * blood,
        ]

    y = np.zeros(4)
    t_eval = e.time_h
    solved = np.zeros((len(t_eval), 4))
    edges = sorted({*starts, *(starts + 8), 14 * 24.0})
    t0 = 0.0
    for t1 in edges:
        if t1 <= t0:
            if t1 == t0 and t1 in starts:
                y[0] += 12.5
            continue
        on = any(a <= t0 < a + 8 for a in starts)
        mask = (t_eval >= t0) & (t_eval <= t1)
        sol = solve_ivp(
            rhs,
            (t0, t1),
            y,
            args=(on,),
            t_eval=t_eval[mask],
            method="LSODA",
            rtol=1e-10,
            atol=1e-14,
        )
        solved[mask] = sol.y.T
        y = sol.y[:, -1].copy()
        if t1 in starts + 8:
            y[0] = 0.0  # wash-off
        if t1 in starts:
            y[0] += 12.5
        t0 = t1
    for j, place in enumerate(("stratum_corneum", "viable_skin", "blood"), start=1):
        model = e.amount(place)
        assert np.allclose(model, solved[:, j], rtol=1e-6, atol=1e-9 * model.max())


# --- the receptor sees free drug, never more than dissolves
def test_free_drug_is_the_unbound_share_below_the_cap_and_the_cap_above():
    e = pk.topical_exposure(pk.LABEL_AK_SCHEDULE, duration_h=14 * 24)
    fu, cap = default("unbound_fraction_in_skin"), default("aqueous_solubility_uM")
    expected = np.minimum(fu * e.total_skin_concentration_uM, cap)
    assert np.array_equal(e.free_concentration_uM, expected)
    # total in µM by hand: mg / (25 cm² × 100 µm = 0.25 mL) / 240.3 g/mol
    i = int(np.argmax(e.amount("viable_skin")))
    by_hand = e.amount("viable_skin")[i] / 0.25 / 240.3 * 1e6
    assert e.total_skin_concentration_uM[i] == pytest.approx(by_hand, rel=1e-12)


def test_at_the_label_the_receptor_is_not_pinned_at_the_solubility_cap():
    e = pk.topical_exposure(pk.LABEL_AK_SCHEDULE, duration_h=14 * 24)
    assert e.free_concentration_uM.max() < 0.5 * default("aqueous_solubility_uM")


def _in(name):
    p = PARAMETERS[name]
    return st.floats(min_value=p.low, max_value=p.high, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    strength=_in("cream_strength_percent"),
    cream=_in("cream_mg_per_application"),
    area=_in("treated_area_cm2"),
    flux=_in("stratum_corneum_flux_ug_per_cm2_h"),
    unbound=_in("unbound_fraction_in_skin"),
    depth=_in("skin_layer_depth_um"),
    solubility=_in("aqueous_solubility_uM"),
    t_sc=_in("stratum_corneum_half_life_h"),
    t_v=_in("viable_skin_half_life_h"),
    per_week=st.integers(1, 7),
)
def test_finite_non_negative_capped_and_balanced_over_the_registry_ranges(
    strength, cream, area, flux, unbound, depth, solubility, t_sc, t_v, per_week
):
    s = pk.Schedule(
        applications_per_week=per_week,
        weeks=2,
        cream_percent=strength,
        cream_mg=cream,
        area_cm2=area,
    )
    e = pk.topical_exposure(
        s,
        stratum_corneum_flux_ug_per_cm2_h=flux,
        unbound_fraction_in_skin=unbound,
        skin_layer_depth_um=depth,
        aqueous_solubility_uM=solubility,
        stratum_corneum_half_life_h=t_sc,
        viable_skin_half_life_h=t_v,
        time_step_h=0.5,
    )
    for arr in (e.amounts_mg, e.free_concentration_uM, e.serum_concentration_uM):
        assert np.all(np.isfinite(arr))
        assert np.all(arr >= -1e-12 * max(1.0, float(np.max(np.abs(arr)))))
    assert np.all(e.free_concentration_uM <= solubility)
    held = sum(e.amount(place) for place in pk.HOLDING)
    assert np.allclose(held, e.applied_mg, rtol=0, atol=1e-6 * max(1e-9, e.applied_mg.max()))


def test_a_vanishingly_thin_layer_is_taken_up_at_once():
    s = pk.Schedule(applications_per_week=1, weeks=1, cream_mg=1e-40, area_cm2=1000)
    e = pk.topical_exposure(s, duration_h=24)
    assert np.all(np.isfinite(e.amounts_mg)) and np.all(e.amount("cream") == 0)
    assert e.amount("absorbed")[-1] == pytest.approx(s.dose_mg, rel=1e-12)


# --- dose matters: strength, amount and frequency, each on its own
def _free(**kw):
    s = pk.Schedule(weeks=2, **{"applications_per_week": 2, **kw})
    free = pk.topical_exposure(s, duration_h=14 * 24).free_concentration_uM
    return free.max(), free.mean()


def test_free_drug_rises_strictly_with_strength_amount_and_frequency():
    by_strength = [_free(cream_percent=p) for p in (2.5, 3.75, 5.0)]
    by_amount = [_free(cream_mg=m) for m in (125, 250, 500)]
    by_frequency = [_free(applications_per_week=f) for f in (1, 2, 3, 5, 7)]
    for series in (by_strength, by_amount, by_frequency):
        peaks, means = zip(*series, strict=True)
        assert all(a < b for a, b in pairwise(peaks)), series
        assert all(a < b for a, b in pairwise(means)), series
    # strength in proportion (far below the cap); the amount on a fixed area barely
    assert by_strength[0][1] / by_strength[2][1] == pytest.approx(0.5, rel=1e-9)
    assert by_amount[2][1] / by_amount[1][1] < 1.01


def test_local_free_drug_does_not_depend_on_the_area_but_serum_does():
    small = pk.topical_exposure(pk.Schedule(applications_per_week=2, weeks=1, area_cm2=25))
    large = pk.topical_exposure(
        pk.Schedule(applications_per_week=2, weeks=1, area_cm2=100, cream_mg=1000)
    )
    assert np.allclose(small.free_concentration_uM, large.free_concentration_uM, rtol=1e-9)
    assert large.serum_concentration_uM.max() == pytest.approx(
        4 * small.serum_concentration_uM.max(), rel=1e-9
    )


# --- the label's serum peaks
def test_label_serum_peaks_and_their_timing():
    """Face and scalp within 40%, hands and arms within a factor of 2, all peaking 9-12.5 h
    after the last application (label: 9-12 h).

    Why not closer: the study's treated areas were not found, so each sachet is taken to
    cover the label's 25 cm²; serum is then proportional to the cream (1 : 2 : 6), while the
    label reports 1 : 2 : 16. The model peaks half an hour after the label's window because
    the stratum corneum keeps releasing drug after the wash-off at 8 h (a shorter contact in
    the study would move it earlier)."""
    checks = {"face": 1.4, "scalp": 1.4, "hands and arms": 2.0}
    for row in pk.label_pk_peaks():
        schedule = pk.label_pk_schedule(row)
        peak, delay = pk.final_serum_peak(pk.topical_exposure(schedule), schedule)
        worst = checks[row["site"]]
        assert 1 / worst <= peak / row["peak_ng_per_mL"] <= worst, row
        assert 9.0 <= delay <= 12.5


def test_registry_volume_is_the_calibrated_one():
    assert pk.calibrate_volume_of_distribution() == pytest.approx(
        default("volume_of_distribution_L"), rel=0.02
    )


def test_face_and_scalp_peaks_scale_with_the_area_as_the_label_says():
    # 1 → 2 sachets on twice the area doubles the label peak (0.1 → 0.2 ng/mL); so must the model
    face, scalp = pk.label_pk_peaks()[:2]
    peaks = []
    for row in (face, scalp):
        schedule = pk.label_pk_schedule(row)
        peaks.append(pk.final_serum_peak(pk.topical_exposure(schedule), schedule)[0])
    assert peaks[1] / peaks[0] == pytest.approx(0.2 / 0.1, rel=1e-9)


@pytest.mark.parametrize(
    "kw",
    [
        {"stratum_corneum_flux_ug_per_cm2_h": 5},
        {"skin_layer_depth_um": float("nan")},
        {"unbound_fraction_in_skin": 0},
        {"volume_of_distribution_L": "40"},
        {"time_step_h": 0},
        {"duration_h": -5},
    ],
)
def test_bad_inputs_raise_value_error(kw):
    with pytest.raises(ValueError):
        pk.topical_exposure(ONE_DOSE, **kw)
