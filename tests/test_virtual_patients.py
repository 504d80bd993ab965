"""Virtual patients (chapter 4): the lesion model against its exact solution, the
quadrature against simulation, the mechanism's knockouts, monotone dose response,
reproducibility, the calibration and its out-of-sample error."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.special import ndtr
from scipy.stats import poisson

from imiquimod_model import clinic, killers, pk
from imiquimod_model.clinic import refit
from imiquimod_model.design import LABEL_DESIGN, design_for
from imiquimod_model.parameters import PARAMETERS, default

AK, BCC, EGW = clinic.INDICATIONS


def test_lesion_log_burden_is_the_exact_logistic_step():
    kills = np.array([0.5, 0.0, 0.02, 0.3, 1e-13])
    steps = np.array([1.0, 2.0, 1.0, 7.0, 3.0])
    burden, expected = 1.0, [0.0]
    for kill, dt in zip(kills, steps, strict=True):
        burden = killers.logistic_step(burden, 0.02, 0.02, kill, dt)
        expected.append(math.log(burden))
    got = clinic.lesion_log_burden(kills[None, :], steps, 0.02)[0]
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_regrowth_after_a_stop_is_the_course_with_no_kill_from_then_on():
    """The closed-form regrowth equals the stepwise solution with the kill set to 0 from
    each lesion's stop onwards, including a lesion far below one cell (ln B/B0 < −745)."""
    rng = np.random.default_rng(3)
    steps = rng.uniform(0.5, 7.0, 12)
    time_days = np.concatenate([[0.0], np.cumsum(steps)])
    kills = rng.uniform(0.0, 0.8, (2, 3, 12))
    kills[1, 1] = 100.0  # extinct many times over before its stop
    stop = np.array([0, 5, 12])  # at the start, midway, never
    on = np.arange(12)[None, :] < stop[:, None]
    expected = clinic.lesion_log_burden(kills * on, steps, 0.05)
    got = clinic.regrowth_after_stop(
        clinic.lesion_log_burden(kills, steps, 0.05), stop, time_days, 0.05
    )
    assert np.all(np.isfinite(got))
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-10)


def test_untreated_lesion_stays_at_its_plateau():
    got = clinic.lesion_log_burden(np.zeros((1, 10)), np.full(10, 7.0), 0.02)
    assert np.all(got == 0.0)


@pytest.mark.parametrize("mean_lesions", [1, 3, 6.5])
def test_every_lesion_clear_matches_the_poisson_sum(mean_lesions):
    s = np.array([0.1, 0.5, 0.93])
    counts = np.arange(0, 200)
    weights = poisson.pmf(counts, mean_lesions - 1)  # lesions = 1 + Poisson(mean − 1)
    expected = (weights[None, :] * s[:, None] ** (counts[None, :] + 1)).sum(axis=1)
    assert clinic.all_clear(s, mean_lesions) == pytest.approx(expected, rel=1e-12)


def test_quadrature_integrates_normal_moments_exactly():
    z, w = clinic.normal_quadrature(clinic.PERMEABILITY_NODES)
    assert (w.sum(), (w * z**2).sum(), (w * z**4).sum()) == pytest.approx((1, 1, 3))


def test_visible_share_is_the_plain_formula_where_the_normal_cdf_is_skipped():
    """The normal CDF is skipped where the share is certainly 1 or 0: the result is the
    plain formula's to the last bit, infinities and NaN included."""
    mean, sd = np.array([[0.5], [2.0]]), 0.7
    ends = [0.0, 1e300, -1e300, np.inf, -np.inf, np.nan]
    size = np.concatenate([np.linspace(-3.0, 12.0, 3001), ends])[None, :]
    hidden = ndtr(-mean / sd)
    plain = np.clip((ndtr((size - mean) / sd) - hidden) / (1.0 - hidden), 0.0, 1.0)
    assert np.array_equal(clinic.visible_lesion_below(size, mean, sd), plain, equal_nan=True)


FIELDS = tuple(clinic.ArmPrediction.__dataclass_fields__)


def _skin_by_skin_and_draw_by_draw(
    skin: clinic.Skin, days: np.ndarray, chosen, pop, each: bool, r_median: np.ndarray
) -> dict[str, np.ndarray]:
    """:func:`clinic.course_outcome` for each kind of skin alone, weighted by its share, and
    for each draw alone (responsiveness median ``r_median``, log sd 0.6)."""
    rows = []
    for median in r_median:
        parts = [
            clinic.course_outcome(
                clinic.Skin((c,), (1.0,)),
                days,
                chosen,
                1.0,
                pop,
                np.array([median]),
                0.6,
                each=each,
            )
            for c in skin.courses
        ]
        shares = skin.shares
        rows.append(
            {f: sum(s * getattr(o, f) for o, s in zip(parts, shares, strict=True)) for f in FIELDS}
        )
    return {f: np.concatenate([row[f] for row in rows]) for f in FIELDS}


@pytest.mark.parametrize("each", [False, True])
@pytest.mark.parametrize("block", [1, clinic.patients.BLOCK_NUMBERS])
def test_skins_and_draws_worked_out_together_equal_each_alone(each, block, monkeypatch):
    """The kinds of skin are worked out as more permeability nodes and the draws in blocks
    (here one draw a block, or as many as fit); a draw's numbers may be given for some
    (here the responsiveness median) and not others."""
    monkeypatch.setattr(clinic.patients, "BLOCK_NUMBERS", block)
    chosen = design_for(EGW, sex="mixed")
    schedule = clinic.INDICATION[EGW].label
    days = np.array([14.0, 56.0, 112.0, 140.0])
    skin = clinic.skin_of(schedule, float(days.max()), chosen)
    assert len(skin.courses) == 2
    pop = clinic.population_for(EGW)
    r_median = np.array([0.2, 1.0, 3.0])
    together = clinic.course_outcome(skin, days, chosen, 1.0, pop, r_median, 0.6, each=each)
    alone = _skin_by_skin_and_draw_by_draw(skin, days, chosen, pop, each, r_median)
    for field in FIELDS:
        got = getattr(together, field)
        assert got == pytest.approx(alone[field], rel=1e-12, abs=1e-15), field


def _drug_share(schedule: pk.Schedule, **population) -> float:
    chosen = LABEL_DESIGN[BCC]
    days = clinic.assessment_days(chosen, schedule)
    skin = clinic.skin_of(schedule, float(days.max()), chosen)
    pop = clinic.population_for(BCC, withdrawal_share=0.0, **population)
    return float(clinic.course_outcome(skin, days, chosen, 1.0, pop).drug_clearance[0])


def test_clearance_rises_with_frequency_duration_and_strength_before_tolerability():
    frequency = [_drug_share(pk.Schedule(n, 6)) for n in (1, 2, 3, 5, 7)]
    duration = [_drug_share(pk.Schedule(5, w)) for w in (2, 4, 6, 8)]
    strength = [_drug_share(pk.Schedule(5, 6, cream_percent=s)) for s in (1.0, 2.5, 3.75, 5)]
    for series in (frequency, duration, strength):
        assert np.all(np.diff(series) > 0), series


def test_clearance_rises_with_immune_responsiveness():
    shares = [_drug_share(pk.Schedule(5, 6), responsiveness_median=r) for r in (0.01, 0.1, 1)]
    assert np.all(np.diff(shares) > 0), shares


def vehicle_rate(indication: str) -> float:
    """The indication's background clearance (%), the median over the draws a prediction
    uses."""
    theta, _ = clinic.prediction_sample(clinic.PREDICTION_DRAWS)
    return 100 * float(np.median(clinic.indication_background(indication, theta)))


def at_the_mode(indication: str, **design: object) -> float:
    """Clearance (%) at the stored mode with the chapters' assumed numbers, by quadrature:
    what :func:`clinic.virtual_trial` simulates patient by patient."""
    chosen = design_for(indication, **design)
    label = clinic.INDICATION[indication].label
    best = clinic.mode_vector()
    drug = clinic.fitted_outcome(indication, label, chosen, best).drug_clearance[0]
    b = clinic.indication_background(indication, best)[0]
    return 100 * float(b + (1 - b) * drug)


def test_zero_strength_gives_the_vehicle_rate():
    for indication in clinic.INDICATIONS:
        vehicle = clinic.predict_clearance(indication, cream_percent=0)
        assert vehicle.percent == pytest.approx(vehicle_rate(indication), abs=1e-9)
        assert vehicle.severe_reaction_percent == 0


def test_results_are_bit_identical_when_repeated():
    a = clinic.predict_clearance(AK)
    clinic.kill_course.cache_clear()
    b = clinic.predict_clearance(AK)
    assert a == b
    one, two = clinic.virtual_trial(EGW), clinic.virtual_trial(EGW)
    assert all(np.array_equal(one[k], two[k]) for k in one)


def test_virtual_trial_agrees_with_the_quadrature():
    """Monte Carlo over 20,000 simulated patients against Gauss–Hermite quadrature."""
    for indication in (AK, BCC):
        simulated = clinic.virtual_trial(indication, patients=20_000)
        share = 100 * simulated["cleared"].mean()
        assert share == pytest.approx(at_the_mode(indication), abs=1.5), indication


def _virtual_lesion_final(condition: str) -> float:
    """The mouse course of chapter 3 (4 weeks at 5/week, 28 days), with the tumour as a
    virtual lesion: kill integrals from the trial model at the median permeability and a
    responsiveness of 1, mouse growth, the lesion starting below its capacity."""
    course = clinic.kill_course(killers.TREATMENT, 28.0, condition)
    middle = clinic.PERMEABILITY_NODES // 2
    kill = np.diff(course.immune[middle] + course.direct[middle]) / np.diff(course.time_days)
    growth, capacity = default("tumour_growth_rate_per_day"), default("tumour_capacity")
    burden = 1.0
    for rate, dt in zip(kill, np.diff(course.time_days), strict=True):
        burden = killers.logistic_step(burden, growth, growth / capacity, rate, dt)
    return burden


def test_drobits_knockout_table_holds_for_the_virtual_lesion():
    untreated = _virtual_lesion_final("untreated")
    verdicts = {
        name: killers.verdict(_virtual_lesion_final(name), untreated)
        for name in killers.PAPER_OUTCOME
    }
    assert verdicts == killers.PAPER_OUTCOME


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: clinic.predict_clearance("psoriasis"), "indication"),
        (lambda: clinic.predict_clearance(AK, "2/week"), "schedule"),
        (lambda: clinic.predict_clearance(AK, cream_percent=-1), "cream_strength_percent"),
        (lambda: clinic.predict_clearance(AK, cream_percent=float("nan")), "not finite"),
        (lambda: clinic.predict_clearance(AK, treated_area_cm2=0), "treated_area_cm2"),
        (lambda: clinic.predict_clearance(AK, cream_mg_per_application="1"), "not a number"),
        (lambda: clinic.virtual_trial(AK, patients=0), "patients"),
        (lambda: clinic.virtual_trial(AK, patients=True), "patients"),
        (lambda: clinic.virtual_trial(["x"]), "indication"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_label_schedule_is_the_default():
    assert clinic.predict_clearance(BCC) == clinic.predict_clearance(
        BCC, replace(clinic.INDICATION[BCC].label)
    )


# --- the calibration, against the published arms
ARMS = clinic.calibration_arms()
OBSERVED = {clinic.arm_id(a): a.proportion for a in ARMS}


def test_calibration_uses_every_usable_arm_and_no_reserved_trial():
    trials_used = {a.trial for a in ARMS}
    assert {
        "Geisse2002",
        "Lebwohl2004",
        "Korman2005",
        "Krawtchenko2007",
        "Edwards1998",
        "Baker2011",
        "Arits2013",
    } <= trials_used
    assert {"Jorizzo2007", "Marks2001", "Rivers2008", "Garland2001"} <= trials_used  # released
    reserved = ("Swanson", "Hanke", "Szeimies", "Stockfleth", "Sterry", "Quirk", "Beutner")
    assert not any(t.startswith(reserved) for t in trials_used)
    assert sum(a.trial == "Geisse2002" for a in ARMS) == 5
    assert clinic.fitted()["arms"] == [clinic.arm_id(a) for a in ARMS]


@pytest.mark.parametrize("arm", [clinic.arm_id(a) for a in ARMS])
def test_every_arm_is_inside_its_band_or_a_listed_misfit(arm):
    _, low, high = clinic.predictive_bands()[arm]
    ready = clinic.prepared(next(a for a in ARMS if clinic.arm_id(a) == arm))
    inside = low <= ready.responders / ready.n <= high  # the counts the fit saw
    if arm in clinic.KNOWN_MISFITS:
        assert not inside, f"{arm} is back inside its band: take it off KNOWN_MISFITS"
        assert len(clinic.KNOWN_MISFITS[arm]) > 40, "a misfit says why"
    else:
        assert inside, f"{arm}: observed {OBSERVED[arm]:.3f}, band {low:.3f}-{high:.3f}"


def test_registry_holds_the_stored_fit():
    for name, value in clinic.registry_values(clinic.fitted()).items():
        assert default(name) == value, name
        assert PARAMETERS[name].fitted and not PARAMETERS[name].assumed, name


def _log_posterior(theta: np.ndarray) -> np.ndarray:
    return clinic.log_likelihood(theta, ARMS) + clinic.log_prior(theta, ARMS)


def test_a_refit_reproduces_the_stored_posterior_mode():
    """The stored mode is a mode of the likelihood as it stands, and no fresh fit from the
    default starts finds a more probable one."""
    stored = np.array(clinic.fitted()["posterior_mode"])
    assert _log_posterior(stored[None, :])[0] == pytest.approx(
        clinic.fitted()["log_posterior"], abs=1e-3
    )
    theta, log_post = refit.most_probable(ARMS)
    assert log_post == pytest.approx(clinic.fitted()["log_posterior"], abs=0.05)
    assert theta[:8] == pytest.approx(stored[:8], abs=0.05)
    _, fresh = clinic.posterior_mode(ARMS)
    assert fresh <= log_post + 0.05
    _, warm = clinic.posterior_mode(ARMS, stored)  # the optimiser finds nothing above it
    assert warm <= log_post + refit.KEPT_MODE_MARGIN


def test_the_stored_draws_sit_near_their_sets_mode():
    """Each stored set's draws sit within a few units of log posterior of that set's mode
    (13 numbers: a normal approximation puts half within about 6), none above it."""
    fit = clinic.fitted()
    draws, sets = np.array(fit["draws"]), np.array(fit["draw_sets"])
    assert draws.shape[1] == len(fit["parameter_names"])
    for i, values in enumerate(clinic.stored_sets()):
        mine = draws[sets == i][:20]
        points = np.vstack([fit["set_modes"][i], mine])
        log_posts = clinic.log_posterior(points, ARMS, values)
        assert np.all(log_posts[1:] <= log_posts[0] + 1e-6)
        assert np.median(log_posts[0] - log_posts[1:]) < 15


def _loo_error(rows) -> float:
    return 100 * float(np.mean([abs(r["predicted"] - OBSERVED[r["arm"]]) for r in rows]))


def test_mechanism_beats_the_one_hit_baseline_out_of_sample():
    """On the arms both can predict with a trial left out, the virtual patients' error is
    smaller than the fitted one-hit link's."""
    baseline = clinic.one_hit_leave_one_trial_out()
    common = {r["arm"] for r in baseline}
    mine = [r for r in clinic.fitted()["leave_one_trial_out"] if r["arm"] in common]
    assert len(mine) == len(baseline) >= 4
    assert _loo_error(mine) < _loo_error(baseline)


@pytest.mark.parametrize(
    "indication",
    [AK, BCC, EGW],
)
def test_mechanism_beats_the_indication_average_out_of_sample(indication):
    """Out of sample, the virtual patients miss the indication's arms by less than the plain
    average of that indication's other trials does."""
    indication_of = {clinic.arm_id(a): a.indication for a in ARMS}
    mine = [
        r for r in clinic.fitted()["leave_one_trial_out"] if indication_of[r["arm"]] == indication
    ]
    plain = [
        r
        for r in clinic.indication_average_leave_one_trial_out()
        if indication_of[r["arm"]] == indication
    ]
    assert mine and {r["arm"] for r in mine} == {r["arm"] for r in plain}
    assert _loo_error(mine) < _loo_error(plain)


@pytest.mark.xfail(
    strict=True,
    reason="issue 25's target is not met: the stacked virtual population misses the arms "
    "of trials left out by 12.6 points (the chapters' values alone: 13.7; the indication's "
    "average: 13.6), as far as it expects to from the spread between trials and the chance "
    "of enrolment (12.5; sampling alone 5.5); its largest misses: Krawtchenko 2007's "
    "four-week AK course cleared 85% (predicted 50%), Geisse 2002's 3 a week 52% "
    "(predicted 78%), Edwards 1998's women 72% (predicted 47%), Baker 2011's 2.5% cream "
    "28% (predicted 51%)",
)
def test_leave_one_trial_out_error_is_at_most_eight_points():
    assert _loo_error(clinic.fitted()["leave_one_trial_out"]) <= 8


def test_label_prediction_at_the_defaults_is_the_registry_values():
    """Moving no assumed number, or moving each to its own registry value, is the same."""
    for indication in clinic.INDICATIONS:
        same = {
            name: default(name)
            for name in clinic.PATIENT_ASSUMPTIONS
            if name != "bcc_residual_regrowth_rate_per_day" or indication == BCC
        }
        assert clinic.label_prediction(indication) == pytest.approx(
            clinic.label_prediction(indication, **same), abs=1e-9
        )


def test_label_prediction_refuses_what_is_not_an_assumption():
    with pytest.raises(ValueError, match="not an assumed number"):
        clinic.label_prediction(AK, tlr7_ec50_uM=5.0)
    with pytest.raises(ValueError, match="withdrawal_share_of_severe_reactions"):
        clinic.label_prediction(AK, withdrawal_share_of_severe_reactions=2.0)


def test_more_regrowth_never_clears_more():
    """Faster regrowth of what the cream leaves can only lose lesions by the assessment."""
    for indication in clinic.INDICATIONS:
        name = clinic.INDICATION[indication].regrowth
        spec = PARAMETERS[name]
        rates = np.linspace(spec.low, spec.high, 5)
        shares = [clinic.label_prediction(indication, **{name: g}) for g in rates]
        assert np.all(np.diff(shares) <= 1e-9), (indication, shares)


@pytest.mark.parametrize("weeks", [-1, 521, True, "8"])
def test_assessment_time_is_checked(weeks):
    with pytest.raises(ValueError, match="assessed_weeks_after"):
        clinic.predict_clearance(AK, assessed_weeks_after=weeks)


def test_time_course_ends_where_the_prediction_does():
    indication, schedule = BCC, clinic.INDICATION[BCC].label
    weeks = schedule.weeks + np.array(LABEL_DESIGN[BCC].assessed_weeks_after)
    course = clinic.time_course(
        indication, schedule, np.concatenate([[1.0, 3.0], weeks]), draws=clinic.PREDICTION_DRAWS
    )
    assert course["patients_clear"][-1] == pytest.approx(
        clinic.predict_clearance(indication).percent, abs=1e-9
    )
    assert np.all(course["patients_clear_low"] <= course["patients_clear"])
    assert np.all(course["severe_reaction"][1:] >= course["severe_reaction"][:-1])


def test_a_stored_chain_is_the_chain(tmp_path, monkeypatch):
    """The disk store gives back exactly what was solved, and can be turned off."""
    schedule = pk.Schedule(applications_per_week=3, weeks=2)
    monkeypatch.setenv("IMIQUIMOD_CACHE", str(tmp_path))
    clinic.kill_course.cache_clear()
    solved = clinic.kill_course(schedule, 35.0)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    clinic.kill_course.cache_clear()
    stored = clinic.kill_course(schedule, 35.0)
    for name in clinic.KillCourse.__dataclass_fields__:
        assert np.array_equal(getattr(solved, name), getattr(stored, name)), name
    monkeypatch.setenv("IMIQUIMOD_CACHE", "")
    assert clinic.courses._cache_file("anything") is None
    clinic.kill_course.cache_clear()
