"""Stacking (Yao et al. 2018): the sets of assumed numbers weighed by how well each
predicts the trials left out, checked against mixtures with known weights, an optimiser
and the predictive density's closed form."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import binom, norm

from imiquimod_model import clinic
from imiquimod_model.clinic.bands import trial_log_density
from imiquimod_model.clinic.stacking import nested_stacking_weights, stacking_weights


def _objective(w: np.ndarray, log_density: np.ndarray) -> float:
    return float(np.sum(np.log(w @ np.exp(log_density))))


def test_stacking_recovers_the_weights_of_a_known_mixture():
    """Trials drawn from 0.3·N(−1, 1) + 0.7·N(2, 1), three sets predicting N(−1, 1),
    N(2, 1) and N(10, 1): the best mixture is the true one, and the useless set gets none."""
    rng = np.random.default_rng(7)
    first = rng.random(4000) < 0.3
    y = np.where(first, rng.normal(-1, 1, 4000), rng.normal(2, 1, 4000))
    log_density = np.array([norm.logpdf(y, m, 1) for m in (-1.0, 2.0, 10.0)])
    w = stacking_weights(log_density)
    assert w[0] == pytest.approx(0.3, abs=0.03)
    assert w[1] == pytest.approx(0.7, abs=0.03)
    assert w[2] < 1e-3


def test_stacking_reaches_the_optimum_an_optimiser_finds():
    rng = np.random.default_rng(3)
    log_density = rng.normal(-5, 2, size=(6, 11))
    w = stacking_weights(log_density)
    assert w.sum() == pytest.approx(1) and np.all(w >= 0)
    found = minimize(
        lambda a: -_objective(np.exp(a) / np.exp(a).sum(), log_density),
        np.zeros(6),
        method="Nelder-Mead",
        options={"maxiter": 20000, "xatol": 1e-10, "fatol": 1e-12},
    )
    assert _objective(w, log_density) >= -found.fun - 1e-6


def test_a_trial_left_out_never_shapes_its_own_weights():
    rng = np.random.default_rng(5)
    log_density = rng.normal(-5, 2, size=(4, 6))
    before = nested_stacking_weights(log_density)
    moved = log_density.copy()
    moved[:, 2] = rng.normal(-5, 2, size=4)
    after = nested_stacking_weights(moved)
    assert np.allclose(before[2], after[2])
    assert not np.allclose(before[0], after[0])


@pytest.mark.parametrize("bad", [np.array([[0.0, np.nan]]), np.zeros((0, 3)), np.zeros(3)], ids=str)
def test_bad_densities_are_refused(bad):
    with pytest.raises(ValueError, match="log_density"):
        stacking_weights(bad)


def test_the_predictive_density_of_a_trial_is_binomial_without_spread():
    """One draw, no spread between trials: the density is the product of binomials."""
    base, effect = np.array([[0.1, 0.1]]), np.array([[0.5, 0.2]])
    got = trial_log_density(base, effect, np.zeros(1), np.array([30, 9]), np.array([50, 40]), [1.0])
    share = 0.1 + 0.9 * np.array([0.5, 0.2])
    assert got == pytest.approx(binom.logpmf([30, 9], [50, 40], share).sum(), abs=1e-9)


def test_the_predictive_density_mixes_draws_by_their_weights():
    base, effect = np.zeros((2, 1)), np.array([[0.3], [0.6]])
    got = trial_log_density(base, effect, np.zeros(2), np.array([12]), np.array([20]), [0.25, 0.75])
    want = np.log(0.25 * binom.pmf(12, 20, 0.3) + 0.75 * binom.pmf(12, 20, 0.6))
    assert got == pytest.approx(want, abs=1e-9)


# --- the stored fit
def test_the_stored_weights_are_the_stacking_of_the_stored_densities():
    fit = clinic.fitted()
    stored = fit["held_out_log_density"]
    w = stacking_weights(np.array(stored["values"]))
    by_set = dict(zip(stored["sets"], w, strict=True))
    population = fit["virtual_population"]
    assert population["candidates"] == len(stored["sets"])
    assert sum(fit["set_stacking_weight"]) == pytest.approx(1, abs=0.02)
    assert population["effective_sets"] == pytest.approx(1 / np.sum(w**2), abs=0.02)
    assert max(by_set.values()) == pytest.approx(max(fit["set_stacking_weight"]), abs=1e-3)


def test_each_trial_left_out_is_weighed_without_itself():
    """The effective sets behind each trial's prediction are those of the weights stacked
    on the other trials' stored densities."""
    fit = clinic.fitted()
    stored = fit["held_out_log_density"]
    nested = nested_stacking_weights(np.array(stored["values"]))
    effective = {t: 1 / np.sum(w**2) for t, w in zip(stored["trials"], nested, strict=True)}
    trial_of = {clinic.arm_id(a): a.trial for a in clinic.calibration_arms()}
    for row in fit["leave_one_trial_out"]:
        assert row["effective_sets"] == pytest.approx(effective[trial_of[row["arm"]]], abs=0.02)


def test_the_same_sets_weighed_by_marginal_likelihood_are_scored_beside_them():
    """Chapter 5 compares stacking with Bayesian model averaging on the same refits."""
    fit = clinic.fitted()
    averaged = fit["leave_one_trial_out_by_marginal_likelihood"]
    assert [r["arm"] for r in averaged] == [r["arm"] for r in fit["leave_one_trial_out"]]
    for row in averaged:
        assert 1 <= row["effective_sets"] <= fit["virtual_population"]["candidates"]
