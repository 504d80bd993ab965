"""The adaptive arm: the delay chain and recurrence against closed forms and brute force,
the switches, and bounds over the registry's ranges."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import gammainc, ndtr

from imiquimod_model import adaptive, killers
from imiquimod_model.parameters import GROUPS, PARAMETERS, default

DAYS = np.arange(0.0, 60.0 + 1 / 24, 1 / 24)


# --- the delay chain
@pytest.mark.parametrize("delay", [1.0, 7.0, 15.0])
@pytest.mark.parametrize("steps", [1, 3, 5])
def test_a_constant_departure_arrives_as_the_erlang_distribution_function(delay, steps):
    """From a constant input switched on at 0, arrivals are u·P(n, n·t/τ) exactly."""
    arrivals = adaptive.delayed_arrivals(DAYS, np.full_like(DAYS, 2.0), delay, steps)
    assert np.allclose(arrivals, 2.0 * gammainc(steps, steps * DAYS / delay), atol=1e-12)


def test_a_pulse_arrives_whole_after_its_mean_delay():
    """Conservation: everything that leaves arrives; the mean transit time is τ."""
    t = np.arange(0.0, 200.0, 0.01)
    pulse = np.where(t < 0.1, 10.0, 0.0)  # 1 unit leaving over the first 0.1 day
    arrivals = adaptive.delayed_arrivals(t, pulse, delay_days=7.0)
    total = np.trapezoid(arrivals, t)
    mean_time = np.trapezoid(t * arrivals, t) / total
    assert total == pytest.approx(1.0, rel=1e-3)
    assert mean_time == pytest.approx(7.0 + 0.05, rel=1e-3)  # plus half the pulse


def test_the_lesion_course_delays_departures_by_the_same_chain(courses):
    """The course's unrolled loop and the general chain give the same arrivals."""
    full = courses["full"]
    expected = adaptive.delayed_arrivals(
        full["time_days"], full["dc_departures_per_day"], default("dc_priming_delay_days")
    )
    assert np.allclose(full["t_cell_arrivals_per_day"], expected, rtol=1e-10, atol=1e-15)


def test_the_delay_chain_rejects_bad_input():
    with pytest.raises(ValueError, match="delay_days"):
        adaptive.delayed_arrivals(DAYS, np.ones_like(DAYS), 0.0)
    with pytest.raises(ValueError, match="time_days"):
        adaptive.delayed_arrivals(DAYS[::-1], np.ones_like(DAYS), 1.0)


# --- switches
@pytest.fixture(scope="module")
def courses():
    return {
        "full": adaptive.lesion_course(),
        "no adaptive": adaptive.lesion_course(arms=adaptive.Arms(adaptive=False)),
        "no memory": adaptive.lesion_course(arms=adaptive.Arms(memory=False)),
    }


def test_without_adaptive_immunity_the_innate_arm_is_chapter_3s_and_still_clears(courses):
    """Drobits 2012: tumours regressed in mice without T, B or NK cells. With the adaptive
    arm off, the lesion follows the innate chain of chapter 3 exactly, and has regressed
    by the end of the paper's 28 days (what happens after, the paper does not say)."""
    innate = killers.tumour_course("no T, B or NK cells", days_followed=56)
    off = courses["no adaptive"]
    assert np.allclose(off["tumour"], innate["tumour"], rtol=1e-12, atol=1e-300)
    day_28 = np.searchsorted(off["time_days"], 28.0)
    assert off["tumour"][day_28] <= killers.REGRESSION_BELOW
    for key in ("effector_t_cells", "memory", "t_cell_kill_per_day", "memory_kill_per_day"):
        assert np.all(off[key] == 0), key
    assert np.array_equal(off["innate_kill_per_day"], courses["full"]["innate_kill_per_day"])


def test_without_memory_no_memory_forms_but_t_cells_still_kill(courses):
    none = courses["no memory"]
    assert np.all(none["memory"] == 0)
    # memory's kill feeds back only through the antigen it spares: a few per cent
    assert np.allclose(none["effector_t_cells"], courses["full"]["effector_t_cells"], rtol=5e-2)
    assert none["t_cell_kill_per_day"].max() > 0


def test_t_cells_arrive_only_after_the_innate_arm_has_killed(courses):
    full = courses["full"]
    first_kill = full["time_days"][np.argmax(full["innate_kill_per_day"] > 0.01)]
    first_t = full["time_days"][np.argmax(full["effector_t_cells"] > 0.01)]
    assert first_t > first_kill


def test_the_adaptive_arm_holds_down_a_lesion_the_innate_arm_alone_loses():
    weak = {"pdc_killing_rate_per_day": 0.6}
    alone = adaptive.lesion_course(arms=adaptive.Arms(adaptive=False), **weak)
    both = adaptive.lesion_course(**weak)
    assert alone["tumour"][-1] > 10.0 and both["tumour"][-1] < 1.0


def test_with_the_adaptive_arm_every_verdict_of_the_mouse_paper_still_holds():
    """Drobits 2012's knockout mice had T cells (except where removed): adding the adaptive
    arm to the 28-day course must not change what the paper saw."""
    untreated = killers.tumour_course("untreated")["tumour"][-1]
    for condition, stated in killers.PAPER_OUTCOME.items():
        final = adaptive.lesion_course(condition, days=28)["tumour"][-1]
        assert killers.verdict(final, untreated) == stated, condition


@pytest.mark.parametrize("condition", ["TLR7 knockout", "MyD88 knockout", "pDC depleted"])
def test_no_innate_killing_no_priming(condition):
    """The adaptive arm is primed by what the innate arm kills: cut the chain, no T cells."""
    out = adaptive.lesion_course(condition)
    assert out["effector_t_cells"].max() < 1e-3


# --- recurrence
MONTHS = np.array([0.0, 3.0, 6.0, 12.0, 24.0, 36.0, 48.0, 60.0])


def _brute_force_recurred(months, memory, **kw):
    """Independent check: integrate each lesion's log-growth on a fine grid and weigh the
    lesions by the normal density of −ln r (no convexity argument, no closed form)."""
    p = {n: kw.get(n, default(n)) for n in adaptive.RECURRENCE_ASSUMPTIONS}
    k = math.log(2) / p["memory_half_life_days"]
    days = np.linspace(0.0, months.max() * adaptive.DAYS_PER_MONTH, 200_001)
    rate = p["residual_regrowth_rate_per_day"] - p["memory_killing_rate_per_day"] * memory * (
        np.exp(-k * days)
    )
    growth = np.concatenate([[0.0], np.cumsum((rate[1:] + rate[:-1]) / 2 * np.diff(days))])
    best = np.maximum.accumulate(growth)
    ln10 = math.log(10)
    needed = np.linspace(1e-9, -ln10 * p["one_cell_log10"], 4001)  # −ln r of curable residues
    mean, sd = -ln10 * p["residual_median_log10"], ln10 * p["residual_log10_sd"]
    density = np.exp(-0.5 * ((needed - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
    cleared = 1 - ndtr(-mean / sd)
    out = []
    for m in months:
        reach = best[np.searchsorted(days, m * adaptive.DAYS_PER_MONTH)]
        out.append(np.trapezoid(density * (needed <= reach), needed) / cleared)
    return np.array(out)


@pytest.mark.parametrize("memory", [0.0, 0.4, 0.9])
@pytest.mark.parametrize(
    "kw",
    [{}, {"memory_killing_rate_per_day": 0.05}, {"residual_regrowth_rate_per_day": 0.005}],
)
def test_recurrence_matches_a_brute_force_integration(memory, kw):
    closed = adaptive.recurred_fraction(MONTHS, memory, **kw)
    assert np.allclose(closed, _brute_force_recurred(MONTHS, memory, **kw), atol=2e-3)


def test_a_destructive_treatment_has_no_memory_term():
    """With no memory the net growth is ρ_h·t whatever memory's rate and half-life."""
    plain = adaptive.recurred_fraction(MONTHS, 0.0)
    for kw in ({"memory_killing_rate_per_day": 0.2}, {"memory_half_life_days": 30.0}):
        assert np.array_equal(adaptive.recurred_fraction(MONTHS, 0.0, **kw), plain)


def test_memory_lowers_recurrence_and_losing_it_raises_it(courses):
    left = float(courses["full"]["memory"][-1])
    with_memory = adaptive.recurred_fraction(MONTHS, left)
    without = adaptive.recurred_fraction(MONTHS, float(courses["no memory"]["memory"][-1]))
    assert np.all(with_memory <= without) and with_memory[5] < without[5]


def test_recurrence_starts_at_zero_and_stops_at_the_uncured_share():
    r = adaptive.recurred_fraction(np.array([0.0, 1200.0]), 0.0)
    ln10 = math.log(10)
    mean, sd = -ln10 * default("residual_median_log10"), ln10 * default("residual_log10_sd")
    cap = -ln10 * default("one_cell_log10")
    uncured = (ndtr((cap - mean) / sd) - ndtr(-mean / sd)) / (1 - ndtr(-mean / sd))
    assert r[0] == 0.0 and r[1] == pytest.approx(uncured, rel=1e-12)


# --- properties over the registry's ranges
@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    memory=st.floats(0, 1),
)
def test_recurrence_is_a_share_that_only_grows_with_time_and_falls_with_memory(data, memory):
    kw = {
        n: data.draw(st.floats(PARAMETERS[n].low, PARAMETERS[n].high), label=n)
        for n in adaptive.RECURRENCE_ASSUMPTIONS
    }
    r = adaptive.recurred_fraction(MONTHS, memory, **kw)
    assert np.all(np.isfinite(r)) and np.all((r >= -1e-12) & (r <= 1 + 1e-12))
    assert np.all(np.diff(r) >= -1e-12)
    assert np.all(adaptive.recurred_fraction(MONTHS, 0.0, **kw) >= r - 1e-12)


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_lesion_course_is_finite_and_bounded(data):
    kw = {
        n: data.draw(st.floats(PARAMETERS[n].low, PARAMETERS[n].high), label=n)
        for n in adaptive.COURSE_ASSUMPTIONS
    }
    out = adaptive.lesion_course(**kw)
    for key, arr in out.items():
        assert np.all(np.isfinite(arr)) and np.all(arr >= 0), key
    for key in ("effector_t_cells", "memory"):
        assert np.all(out[key] <= 1 + 1e-12), key


@pytest.mark.parametrize("name", GROUPS["Adaptive immunity and memory"])
def test_bad_values_give_the_registry_error(name):
    bad = {name: PARAMETERS[name].high + 1000}
    with pytest.raises(ValueError, match=name):
        if name in adaptive.RECURRENCE_ASSUMPTIONS:
            adaptive.recurred_fraction(MONTHS, 0.5, **bad)
        else:
            adaptive.lesion_course(**bad)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="memory_at_end"):
        adaptive.recurred_fraction(MONTHS, 1.5)
    with pytest.raises(ValueError, match="months"):
        adaptive.recurred_fraction(np.array([-1.0]), 0.5)
    with pytest.raises(ValueError, match="days"):
        adaptive.lesion_course(days=5)
    with pytest.raises(ValueError, match="wild type"):
        adaptive.lesion_course("nude")
    with pytest.raises(ValueError, match="Arms"):
        adaptive.lesion_course(arms="all")


def test_t_cells_and_memory_match_the_general_delay_chain():
    """The unrolled three-step chain against delayed_arrivals and the same relaxations."""
    from imiquimod_model.kinetics import rate_from_half_life, relax

    t = np.arange(0.0, 60.0, 1 / 24)
    departures = np.where(t < 20, 1.0, 0.0)
    effectors, memory = adaptive.t_cells_and_memory(t, departures)
    arrivals = adaptive.delayed_arrivals(t, departures, default("dc_priming_delay_days"))
    e = m = 0.0
    expected_e, expected_m = [0.0], [0.0]
    k_e = rate_from_half_life(default("effector_t_cell_half_life_days"))
    k_mem = rate_from_half_life(default("memory_half_life_days"))
    for arriving in arrivals[1:]:
        e = relax(e, default("t_cell_recruitment_gain") * arriving, k_e, 1 / 24)
        m = relax(m, default("memory_formation_rate_per_day") * e, k_mem, 1 / 24)
        expected_e.append(e)
        expected_m.append(m)
    assert effectors == pytest.approx(expected_e, abs=1e-12)
    assert memory == pytest.approx(expected_m, abs=1e-12)


def test_if_the_comparator_primed_memory_its_lesions_would_recur_less():
    """Issue 26, finding 8: the memory comparison assumes destructive treatments prime
    nothing. Giving photodynamic therapy part of imiquimod's memory can only raise its
    five-year share, and with all of it PDT's cleared lesions recur exactly as imiquimod's
    do (the recurrence model sees only the memory, not the treatment)."""
    from imiquimod_model.book.figures.adaptive import comparator_memory_rows

    rows = comparator_memory_rows()
    five_years = [float(r["model: tumour-free at 5 years (%)"]) for r in rows]
    assert all(a <= b for a, b in pairwise(five_years))
    assert five_years[-1] > five_years[0]
    last = rows[-1]
    assert float(last["memory after photodynamic therapy (share of imiquimod's)"]) == 1.0
    assert (
        last["model: cleared lesions lost from 1 to 5 years (%)"]
        == (last["the same after imiquimod (%)"])
    )


def test_the_recurrence_caption_names_the_rate_its_explorer_opens_at_and_the_assumed_one():
    from imiquimod_model.book.figures import adaptive as chapter

    from .conftest import ROOT

    control = next(
        c for c in chapter.RECURRENCE.controls if c.parameter == "memory_killing_rate_per_day"
    )
    caption = " ".join((ROOT / "book" / "adaptive.md").read_text().split())
    assumed = PARAMETERS["memory_killing_rate_per_day"].value
    assert f"memory killing at {control.live_default:g} per day" in caption
    assert f"at the assumed {assumed:g} per day" in caption
    assert control.live_default < chapter.memory_kill_that_suffices() <= assumed


def test_the_memory_kill_rate_that_suffices_is_the_smallest_that_does():
    """Above the rate found, the five-year share is the assumed rate's; just below, it is
    not; and the rate lies near where memory's killing first matches regrowth
    (κ_M·M_0 = ρ_h), the threshold of the chapter's exercise."""
    from imiquimod_model.book.figures import adaptive as chapter

    found = chapter.memory_kill_that_suffices(step=0.005)
    five_years = {
        rate: chapter.recurrence_explorer(memory_killing_rate_per_day=rate)["imiquimod_model"][-1]
        for rate in (found - 0.005, found, default("memory_killing_rate_per_day"))
    }
    shares = list(five_years.values())
    assert abs(shares[1] - shares[2]) <= 0.1 < abs(shares[0] - shares[2])
    matches = default("residual_regrowth_rate_per_day") / chapter.memory_after_imiquimod()
    assert 0.5 * matches < found < 1.5 * matches
