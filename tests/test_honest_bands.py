"""Honest bands (issue 25): the assumed numbers and the spread between trials carried into
every prediction, checked against what is known independently: simulated trials from known
numbers, the direction bands must move, and the trials left out."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from imiquimod_model import clinic, outcomes
from imiquimod_model.clinic import assumptions, calibration, selection
from imiquimod_model.design import LABEL_DESIGN
from imiquimod_model.parameters import PARAMETERS

ARMS = clinic.calibration_arms()
OBSERVED = {clinic.arm_id(a): a.proportion for a in outcomes.trial_arms()}
AK = "actinic keratosis"
LOO = clinic.fitted()["leave_one_trial_out"]


def _covered(rows: list[dict], band: int) -> float:
    low, high = f"q{round(10 * (100 - band) / 2):03d}", f"q{round(10 * (100 + band) / 2):03d}"
    return float(np.mean([r[low] <= OBSERVED[r["arm"]] <= r[high] for r in rows]))


# --- the priors and the plausible sets
def test_priors_are_log_uniform_where_the_range_spans_a_factor_of_ten():
    for name in set(assumptions.SAMPLED) - set(assumptions.COUNTED):
        p = PARAMETERS[name]
        assert p.assumed, f"{name} is sampled but not marked assumed in the registry"
        prior = assumptions.prior_of(name)
        assert (prior.low, prior.high) == (p.low, p.high)
        assert prior.log == (p.low > 0 and p.high / p.low >= 10)
        u = np.array([0.0, 0.5, 1.0])
        middle = math.sqrt(p.low * p.high) if prior.log else (p.low + p.high) / 2
        assert prior.value_at(u) == pytest.approx([p.low, middle, p.high])


def test_a_counted_prior_is_the_share_a_uniform_prior_leaves_after_the_count():
    """Baker 2011's 6 withdrawals among 15 severe reactions, by rejection: shares drawn
    uniformly, each a binomial count of 15 made, those that gave 6 kept. Their quantiles
    are the prior's (no beta function involved in the check)."""
    prior = assumptions.prior_of("withdrawal_share_of_severe_reactions")
    events, total, source = assumptions.COUNTED[prior.name]
    assert (events, total, source) == (6, 15, "Baker2011")
    rng = np.random.default_rng(5)
    share = rng.random(400_000)
    kept = share[rng.binomial(total, share) == events]
    levels = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    assert prior.value_at(levels) == pytest.approx(np.quantile(kept, levels), abs=0.006)
    for u in levels:
        assert prior.quantile_of(float(prior.value_at(u))) == pytest.approx(u)


def test_moist_skin_never_lets_in_less_drug_than_keratinised_skin():
    """The stratum corneum is the barrier; moist skin has none to speak of. A set with the
    keratinised factor above the moist one is refused before any chain is solved."""
    higher = (("site_flux_factor_anogenital_keratinised", 2.0),)
    assert not assumptions.keeps_orderings(higher)
    assert not assumptions.plausible(higher)
    assert assumptions.keeps_orderings((("site_flux_factor_anogenital_keratinised", 1.0),))
    for values in clinic.stored_sets():
        given = dict(values)
        assert (
            given["site_flux_factor_anogenital_keratinised"]
            <= given["site_flux_factor_anogenital_moist"]
        )


def test_the_same_seed_gives_the_same_sets_bit_for_bit():
    assert assumptions.assumption_sets(8, seed=7) == assumptions.assumption_sets(8, seed=7)
    assert assumptions.assumption_sets(8, seed=7) != assumptions.assumption_sets(8, seed=8)


def test_every_stored_set_keeps_the_verdicts_of_drobits():
    for values in clinic.stored_sets():
        assert {name for name, _ in values} == set(assumptions.SAMPLED)
        assert assumptions.plausible(values)


def test_a_set_that_breaks_a_knockout_is_not_plausible():
    """Direct killing strong enough to clear tumours without TLR7 contradicts the paper."""
    assert assumptions.plausible(())
    assert not assumptions.plausible((("direct_apoptosis_max_rate_per_day", 2.0),))


# --- the direction the bands move
def test_a_wider_spread_between_trials_widens_the_band():
    base, effect = np.full(50, 0.1), np.linspace(0.4, 0.6, 50)
    widths = [
        np.diff(clinic.share_quantiles(base, effect, np.full(50, tau), (0.05, 0.95)))[0]
        for tau in (0.0, 0.3, 0.9)
    ]
    assert widths[0] < widths[1] < widths[2]


def test_a_wider_range_of_an_assumed_number_widens_the_band():
    """The same fitted numbers, the EC50 of TLR7 spread over a narrow and a wide range: the
    label AK prediction spreads more with the wide one."""
    theta = np.repeat(clinic.mode_vector(), 5, axis=0)
    sets = np.arange(5)
    spans = []
    for low, high in ((4.0, 6.0), (1.0, 25.0)):
        values = tuple((("tlr7_ec50_uM", float(v)),) for v in np.geomspace(low, high, 5))
        o = clinic.fitted_outcome(
            AK, clinic.INDICATION[AK].label, LABEL_DESIGN[AK], theta, sets=sets, set_values=values
        )
        spans.append(np.ptp(o.drug_clearance))
    assert spans[0] < spans[1]


def test_the_hessian_of_a_quadratic_is_exact():
    a = np.array([[2.0, 0.3, 0.0], [0.3, 1.0, -0.2], [0.0, -0.2, 0.5]])
    b = np.array([0.1, -0.4, 0.2])

    def f(x: np.ndarray) -> np.ndarray:
        return -0.5 * np.einsum("ni,ij,nj->n", x, a, x) + x @ b

    bounds = np.array([[-5.0, 5.0]] * 3)
    found = calibration.central_hessian(f, np.array([0.2, -0.1, 0.4]), 0.02, bounds)
    assert found == pytest.approx(-a, abs=1e-8)


def test_separate_terms_need_no_cross_differences():
    def f(x: np.ndarray) -> np.ndarray:  # x0 with x1, and x2 alone
        return np.sin(x[:, 0] * x[:, 1]) + np.cos(x[:, 0]) + x[:, 2] ** 4

    x, bounds = np.array([0.3, 0.7, -0.5]), np.array([[-5.0, 5.0]] * 3)
    full = calibration.central_hessian(f, x, 0.01, bounds)
    skipped = calibration.central_hessian(f, x, 0.01, bounds, frozenset({(0, 2), (1, 2)}))
    assert skipped == pytest.approx(full, abs=1e-9)
    assert full[0, 1] == pytest.approx(np.cos(0.21) - 0.21 * np.sin(0.21), abs=1e-3)


def test_only_backgrounds_of_different_indications_separate():
    trials = calibration.background_trials(ARMS)
    indication = {a.trial: a.indication for a in ARMS}
    pairs = calibration.separate_backgrounds(ARMS)
    first = calibration.FIRST_BACKGROUND
    assert pairs and all(i >= first and j > i for i, j in pairs)
    for i, j in pairs:
        assert indication[trials[i - first]] != indication[trials[j - first]]


def test_more_arms_narrow_the_posterior():
    """At the same fitted numbers, the normal approximation with every arm is narrower than
    without the largest trial (Garland 2001, 943 patients, no vehicle arm of its own, so
    both have the same numbers): the region it holds is smaller, and so are the spread
    between trials and the numbers' standard deviations on average. One number may widen
    a little: where an arm is fitted loosely (Garland: 48% observed, 35% modelled), its
    observed information at the mode is not positive in every direction (two of its
    eigenvalues were −8 and −2), so each number need not narrow, only the whole."""
    best = clinic.mode_vector()[0]
    without = tuple(a for a in ARMS if a.trial != "Garland2001")
    assert len(without) < len(ARMS)
    cov_all = calibration.laplace_covariance(best, ARMS)
    cov_fewer = calibration.laplace_covariance(best, without)
    assert np.linalg.slogdet(cov_all)[1] < np.linalg.slogdet(cov_fewer)[1]
    keep = [0, 1, clinic.TRIAL_SPREAD]  # responsiveness median and spread, between trials
    sd_all = np.sqrt(np.diag(cov_all))[keep]
    sd_fewer = np.sqrt(np.diag(cov_fewer))[keep]
    assert sd_all[-1] < sd_fewer[-1]
    assert np.mean(sd_all) < np.mean(sd_fewer)


# --- simulated trials from known numbers
def _simulated_arms(truth: np.ndarray, rng: np.random.Generator) -> tuple:
    """The calibration arms with counts drawn from the model at ``truth``, each trial with
    its own shift of the drug's effect drawn from the spread between trials."""
    base, effect, shifts = clinic.arm_parts(truth[None, :], ARMS)
    trials = list(dict.fromkeys(a.trial for a in ARMS))
    shift = rng.normal(0.0, math.exp(truth[clinic.TRIAL_SPREAD]), len(trials))
    out = []
    for j, arm in enumerate(ARMS):
        moved = shift[trials.index(arm.trial)] if shifts[j] else 0.0
        p = base[0, j] + (1 - base[0, j]) * clinic.shifted_effect(effect[0, j], moved)
        n = clinic.prepared(arm).n
        out.append(replace(arm, responders=int(rng.binomial(n, p)), n=n, n_assumed=None))
    return tuple(out)


@pytest.fixture(scope="module")
def simulated_fits() -> list[tuple]:
    """Two calibrations to counts simulated from known numbers (a between-trial spread of
    0.8 logit units), each with the simulated trials run again as new trials."""
    truth = clinic.mode_vector()[0].copy()
    truth[clinic.TRIAL_SPREAD] = math.log(0.8)
    rng = np.random.default_rng(2026)
    out = []
    for _ in range(2):
        arms = _simulated_arms(truth, rng)
        mode, _ = calibration.posterior_mode(arms, truth)
        cov = calibration.laplace_covariance(mode, arms)
        out.append((truth, arms, mode, cov, _simulated_arms(truth, rng)))
    return out


def test_bands_from_simulated_trials_cover_new_trials_of_the_same_designs(simulated_fits):
    """90% bands for a new trial of each arm's design cover about 90% of new simulated
    trials (2 calibrations × 22 arms with a drug effect: a binomial margin)."""
    rng = np.random.default_rng(7)
    hits = []
    for _, arms, mode, cov, new in simulated_fits:
        draws = rng.multivariate_normal(mode, cov, size=200)
        base, effect, shifts = clinic.arm_parts(draws, arms)
        spread = np.exp(np.clip(draws[:, clinic.TRIAL_SPREAD], -5, 1.1))
        for j, arm in enumerate(arms):
            if shifts[j]:
                n = clinic.prepared(arm).n
                low, high = clinic.count_quantiles(
                    base[:, j], effect[:, j], spread, n, (0.05, 0.95)
                )
                hits.append(low <= new[j].proportion <= high)
    assert 0.8 <= np.mean(hits) <= 0.99, f"90% bands covered {np.mean(hits):.0%}"


def test_simulated_trials_recover_their_numbers_within_their_intervals(simulated_fits):
    for truth, _, mode, cov, _ in simulated_fits:
        sd = np.sqrt(np.diag(cov))
        keep = [0, 1, clinic.TRIAL_SPREAD]
        assert np.all(np.abs(mode[keep] - truth[keep]) <= 1.96 * sd[keep])


# --- reproducible, and stored as computed
def test_a_stored_set_refits_as_well_as_stored_and_the_same_each_time():
    """Refitted from the stored starting point, a stored set gives the same draws
    and evidence each time, and a mode at least as probable as the stored one and not far
    above it. The mode itself may move: the posterior is flat in some directions, and the
    calibration solved this set's chain together with the others' (the same numbers to
    1e-9), which is enough to send the optimiser elsewhere along a flat ridge."""
    stored = clinic.fitted()
    i = len(stored["set_modes"]) - 1
    values = clinic.stored_sets()[i]
    start = clinic.mode_vector()[0]
    first = selection.fit_set(values, ARMS, start, draws=3, seed=11)
    again = selection.fit_set(values, ARMS, start, draws=3, seed=11)
    assert np.array_equal(first.draws, again.draws) and first.log_evidence == again.log_evidence
    at = calibration.log_posterior(np.vstack([first.mode, stored["set_modes"][i]]), ARMS, values)
    assert at[1] - 0.05 <= at[0] <= at[1] + 0.5


def test_a_mirrored_lesion_size_moves_only_that_indication_and_twice_is_no_move():
    mode = clinic.mode_vector()[0]
    for indication in outcomes.INDICATIONS:
        i = calibration.burden_index(indication)
        low, high = calibration.BOUNDS[i]
        moved = selection.mirrored_lesion_size(mode, indication)
        assert moved[i] == pytest.approx(low + high - mode[i])
        assert np.array_equal(np.delete(moved, i), np.delete(mode, i))
        assert selection.mirrored_lesion_size(moved, indication) == pytest.approx(mode)


def test_the_stored_other_peaks_are_peaks_as_probable_as_stored():
    """The other searches' most probable find is a peak: its log posterior less the set's
    own mode's is the gain stored, a search from it stays there, and it lies well away
    from the set's own mode in some indication's lesion size (log10)."""
    fit = clinic.fitted()
    gains = [[s["log_posterior_gain"] for s in found] for found in fit["set_other_searches"]]
    i, j = np.unravel_index(np.argmax(gains), np.shape(gains))
    values = clinic.stored_sets()[i]
    own, other = np.array(fit["set_modes"][i]), np.array(fit["set_other_searches"][i][j]["mode"])
    at = calibration.log_posterior(np.vstack([own, other]), ARMS, values)
    assert at[1] - at[0] == pytest.approx(gains[i][j], abs=0.01)
    _, again = calibration.posterior_mode(ARMS, other, values)
    assert again == pytest.approx(at[1], abs=0.05)
    sizes = [calibration.burden_index(i) for i in outcomes.INDICATIONS]
    assert np.max(np.abs(other[sizes] - own[sizes])) > 1.0


def test_the_stored_draws_name_stored_sets():
    fit = clinic.fitted()
    assert len(fit["draws"]) == len(fit["draw_sets"]) == 200
    assert set(fit["draw_sets"]) <= set(range(len(fit["assumption_sets"])))
    population = fit["virtual_population"]
    assert sum(population["pool"]) <= sum(population["screened"])
    assert population["calibrated"] <= min(population["choices"], sum(population["pool"]))
    assert population["effective_sample_size"] >= 1
    assert 1 <= population["effective_sets"] <= population["calibrated"]
    assert 0 <= population["weight_of_sets_drawn_near_the_chapters"] <= 1


def test_a_population_of_other_draws_is_stored_beside_the_fit():
    """Chapter 5 sets the population's score beside one of other draws: ``python -m
    imiquimod_model.clinic.refit --another-seed 2027`` after every refit."""
    fit = clinic.fitted()
    other = fit["another_seed"]
    assert other["seed"] != fit["virtual_population"]["seed"]
    assert [r["arm"] for r in fit["leave_one_trial_out_another_seed"]] == [r["arm"] for r in LOO]


# --- scored in the open
def test_every_indication_is_scored_out_of_sample():
    indication_of = {clinic.arm_id(a): a.indication for a in ARMS}
    assert {indication_of[r["arm"]] for r in LOO} == set(clinic.INDICATIONS)
    alone = clinic.fitted()["leave_one_trial_out_registry"]
    assert [r["arm"] for r in alone] == [r["arm"] for r in LOO]
    for r in [*LOO, *alone]:
        levels = [r[f"q{round(1000 * q):03d}"] for q in clinic.SCORED_QUANTILES]
        assert levels == sorted(levels) and 0 <= levels[0] and levels[-1] <= 1


@pytest.mark.parametrize("band", [50, 90])
def test_bands_for_trials_left_out_cover_about_as_often_as_they_say(band):
    """Neither too narrow nor too wide: 90% bands cover 85 to 95% of the arms left out;
    50% bands 35 to 65% (few arms: a binomial margin)."""
    covered = _covered(LOO, band)
    wanted = {50: (0.35, 0.65), 90: (0.85, 0.95)}[band]
    assert wanted[0] <= covered <= wanted[1], f"{band}% bands covered {covered:.0%}"


# --- the error the model expects of itself
def test_expected_miss_without_spread_is_the_binomial_mean_absolute_deviation():
    """No spread between trials: a trial of 40 patients at a true share of 0.3 misses 0.3 by
    the binomial's mean absolute deviation (checked by simulating a million trials)."""
    rng = np.random.default_rng(11)
    simulated = np.mean(np.abs(rng.binomial(40, 0.3, size=1_000_000) / 40 - 0.3))
    one = np.ones(1)
    miss = clinic.expected_miss(0 * one, 0.3 * one, 0 * one, 40, 0.3)
    assert miss == pytest.approx(simulated, abs=5e-4)


def test_expected_miss_of_a_large_trial_is_its_own_shift():
    """A trial so large that sampling vanishes misses by E|expit(logit p + τz) − p| alone
    (numerical integration over the normal shift), here p = 0.5 and τ = 0.8. The model's
    16 Gauss–Hermite nodes meet the kink of |·| at the median to within 3% (found: 0.150
    against 0.146); smaller trials' sampling smooths the kink away."""
    from scipy import integrate, stats

    truth, _ = integrate.quad(
        lambda z: abs(1 / (1 + math.exp(-0.8 * z)) - 0.5) * stats.norm.pdf(z), -12, 12
    )
    one = np.ones(1)
    miss = clinic.expected_miss(0 * one, 0.5 * one, 0.8 * one, 20_000, 0.5)
    assert miss == pytest.approx(truth, rel=0.05)


def test_the_error_the_model_expects_is_stored_for_every_arm_left_out():
    """Each row of the trials left out carries the miss its own draws expect (0–1), which
    grows with the spread between trials: never below what sampling alone gives."""
    for row in LOO:
        assert 0 < row["expected_miss"] < 0.5, row
        n = clinic.prepared(next(a for a in ARMS if clinic.arm_id(a) == row["arm"])).n
        p = row["predicted"]
        sampling_alone = clinic.expected_miss(np.zeros(1), np.full(1, p), np.zeros(1), n, p)
        assert row["expected_miss"] >= 0.9 * sampling_alone, row


def test_trials_left_out_are_missed_about_as_far_as_the_model_expects():
    """The mean error on the arms left out is within what the chance of 20 arms allows of
    the error the population's own predictive distributions expect: its bands are not too
    narrow in the mean, nor so wide that it expects far worse than it does. Absolute errors
    of about 12 points spread by about as much, so a mean of 20 has a standard error of
    about 2 points; 4 is two of them."""
    from imiquimod_model.book.figures import outcomes as figures

    scores = figures.held_out_scores()["all"]
    assert abs(scores["model"] - scores["model_expects"]) <= 4, scores


def test_the_chain_is_solved_once_per_distinct_row_and_gives_the_same_numbers(monkeypatch):
    """A gradient's steps along the backgrounds, the spread between trials or another
    indication's lesion size repeat the rows the chain reads: solving only the distinct
    ones gives every row's effect unchanged, number for number, and solves fewer rows."""
    arm = next(a for a in ARMS if a.treatment == "imiquimod" and a.indication == AK)
    ready = clinic.prepared(arm)
    best = clinic.mode_vector()[0]
    steps = np.vstack([best, best + np.diag(np.full(len(best), 1e-4))])
    solved = []
    original = calibration._effect

    def counted(ready, theta, values):
        solved.append(len(theta))
        return original(ready, theta, values)

    every = original(ready, steps, ())
    monkeypatch.setattr(calibration, "_effect", counted)
    distinct = calibration._distinct_effect(ready, steps, ())
    assert np.array_equal(distinct, every)
    assert solved == [5]  # the mode, and a step in each of the 4 numbers the chain reads


# --- a trial's own shift: the fitted trial, not an average one
def test_a_trial_s_own_share_is_the_shared_share_when_trials_do_not_differ():
    """No spread between trials: the trial's own counts cannot move its share."""
    one = np.ones((1, 1))
    own = clinic.own_trial_shares(
        0 * one, 0.4 * one, np.zeros(1), np.array([90.0]), np.array([100.0]), 0 * one, 0.4 * one
    )
    assert own[0, 0] == pytest.approx(0.4, abs=1e-12)


def test_a_trial_s_own_share_without_counts_is_the_average_over_its_shift():
    """A trial that reported nothing keeps its prior shift: the mean over the normal shift
    (numerical integration), here p = 0.8 and τ = 1."""
    from scipy import integrate, stats

    truth, _ = integrate.quad(
        lambda z: 1 / (1 + math.exp(-(math.log(4) + z))) * stats.norm.pdf(z), -12, 12
    )
    one = np.ones((1, 1))
    own = clinic.own_trial_shares(
        0 * one, 0.8 * one, np.ones(1), np.array([0.0]), np.array([0.0]), 0 * one, 0.8 * one
    )
    assert own[0, 0] == pytest.approx(truth, abs=1e-4)


def test_a_large_trial_s_own_share_is_what_it_reported():
    """A trial of 20,000 patients that reported 90% while the design says 70% (τ = 1): its
    own shift is pinned by its counts, so its fitted share is its own 90%; and the same
    patients on another arm of the trial move by the same shift on the logit scale."""
    one = np.ones((1, 1))
    fitted = clinic.own_trial_shares(
        0 * one,
        0.7 * one,
        np.ones(1),
        np.array([18_000.0]),
        np.array([20_000.0]),
        0 * one,
        np.array([[0.7, 0.5]]),
    )
    assert fitted[0, 0] == pytest.approx(0.9, abs=0.005)
    shift = math.log(9) - math.log(0.7 / 0.3)
    assert fitted[0, 1] == pytest.approx(1 / (1 + math.exp(-shift)), abs=0.01)


def test_trials_of_one_design_alone_put_the_error_beyond_8_points():
    """Without the model: the three AK trials of one or two 4-week courses (Jorizzo 2007's
    overall 53.7% of 41, Rivers 2008's 30/60, Krawtchenko 2007's 22/26) differ so much that
    a prediction at their true average would miss a new trial of their sizes by more than
    issue 25's 8 points; with no spread, sampling alone would keep it under 8."""
    from imiquimod_model.book.figures import outcomes as figures

    chosen = {(a.trial, a.endpoint) for a in figures.same_design_arms()}
    assert chosen == {
        ("Jorizzo2007", "complete clearance overall"),
        ("Rivers2008", "initial clinical clearance"),
        ("Krawtchenko2007", "initial clinical clearance"),
    }
    spread = figures.same_design_spread()
    assert spread["tau_low"] < spread["tau"] < spread["tau_high"]
    assert spread["sampling"] < 8 < spread["miss"]


def test_the_gap_between_two_predictors_has_the_standard_error_of_a_paired_mean():
    """Absolute errors 0.1, 0.2, 0.3 against 0, 0, 0 (shares): gaps of 10, 20, 30 points,
    standard deviation 10, standard error 10/√3."""
    from imiquimod_model.book.figures import outcomes as figures

    rows = [{"arm": a} for a in "abc"]
    seen = dict.fromkeys("abc", 0.5)
    first = {"a": 0.6, "b": 0.3, "c": 0.8}
    assert figures._paired_se(first, seen, seen, rows) == pytest.approx(10 / math.sqrt(3))
    assert math.isnan(figures._paired_se(first, seen, seen, rows[:1]))


def test_a_trial_s_arms_read_alone_keep_the_backgrounds_they_were_fitted_with():
    """The stored draws hold each vehicle trial's background in the column of the whole
    calibration: one trial's arms read alone give the same shares as read with all, and
    all of them give the stored medians (stored to 6 decimals)."""
    from imiquimod_model.clinic import scores

    everything = clinic.calibration_arms()
    base, effect, _ = scores._stored_parts(everything)
    stored = clinic.predictive_bands()
    for j, arm in enumerate(everything):
        median = np.median(base[:, j] + (1 - base[:, j]) * effect[:, j])
        assert median == pytest.approx(stored[clinic.arm_id(arm)][0], abs=2e-6), arm
    for trial in ("Edwards1998", "Baker2011", "Arits2013"):
        mine = tuple(a for a in everything if a.trial == trial)
        alone = scores._stored_parts(mine)
        columns = [everything.index(a) for a in mine]
        assert np.array_equal(alone[0], base[:, columns]), trial
        assert np.array_equal(alone[1], effect[:, columns]), trial


def test_the_same_trial_again_without_spread_is_binomial_sampling():
    """No spread between trials: a re-run of a trial of 50 patients at a share of 0.4
    reports within the binomial's own 95% quantiles."""
    from scipy.stats import binom

    one = np.ones((1, 1))
    band = clinic.same_trial_count_quantiles(
        0 * one, 0.4 * one, np.zeros(1), np.array([20.0]), np.array([50.0]), (0.025, 0.975)
    )
    assert band[0].tolist() == [binom.ppf(0.025, 50, 0.4) / 50, binom.ppf(0.975, 50, 0.4) / 50]


def test_the_same_trial_again_is_surer_than_a_new_trial():
    """A fitted trial's own shift is known better than a new trial's, so the band of the
    same trial run again is no wider than a new trial's, and holds what the trial reported."""
    for arm in clinic.calibration_arms():
        if arm.endpoint not in clinic.CLEARANCE_ENDPOINTS or arm.treatment != "imiquimod":
            continue
        low, high = clinic.same_trial_band(arm)
        _, new_low, new_high = clinic.predictive_bands()[clinic.arm_id(arm)]
        assert high - low <= new_high - new_low + 1e-9, arm
        assert low <= clinic.prepared(arm).responders / clinic.prepared(arm).n <= high, arm
