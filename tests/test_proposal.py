"""Where the virtual population's sets are drawn (a defensive mixture of the priors and a
neighbourhood of the chapters' values): the draws follow the density the weights use, and
the weights turn draws from the mixture, screened, into the target distribution, checked
on a target whose mean is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from imiquimod_model import clinic
from imiquimod_model.clinic import assumptions, proposal
from imiquimod_model.parameters import default

PEAKED = clinic.Proposal(np.array([[0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]]))


def test_draws_follow_the_density_the_weights_use():
    """Bin frequencies of many draws match the bin probabilities, and the density
    integrates to 1 over the cube (exactly, on a grid of bin centres)."""
    u = PEAKED.local_units(np.random.default_rng(3).random((40_000, 2)))
    assert u.min() >= 0 and u.max() <= 1
    counts = np.bincount(np.minimum((u[:, 0] * 4).astype(int), 3), minlength=4) / len(u)
    assert counts == pytest.approx([0.7, 0.1, 0.1, 0.1], abs=0.01)
    centres = (np.arange(4) + 0.5) / 4
    grid = np.array([[a, b] for a in centres for b in centres])
    assert PEAKED.local_density(grid).mean() == pytest.approx(1.0)


def test_a_flat_profile_draws_from_the_prior_and_a_peak_draws_near_it():
    flat = clinic.proposal_from(np.zeros((3, 6)))
    assert flat.bin_probabilities == pytest.approx(np.full((3, 6), 1 / 6))
    profile = np.array([[-40.0, -20.0, 0.0, -20.0, -40.0, -60.0]])
    peaked = clinic.proposal_from(profile, temperature=0.5, floor=0.2)
    p = peaked.bin_probabilities[0]
    assert np.argmax(p) == 2 and p.sum() == pytest.approx(1.0)
    assert p.min() >= 0.2 / 6, "the floor keeps every part of the range"


@pytest.mark.parametrize(
    ("keyword", "value"), [("temperature", 0.0), ("temperature", 1.5), ("floor", 0.0)]
)
def test_bad_tempering_is_refused(keyword, value):
    with pytest.raises(ValueError, match=keyword):
        clinic.proposal_from(np.zeros((2, 4)), **{keyword: value})


def test_weighed_draws_from_the_screened_mixture_give_the_target():
    """Target: uniform prior on the unit square, screened to u₀ ≥ 0.25 (a stand-in for the
    plausibility check), times a likelihood exp(−20 (u₁ − 0.8)²). Its mean of u₁ is
    known in closed form; half the draws come from the prior, half from a local half
    peaked near the likelihood's top, both screened, and each is weighed by its likelihood
    and its ``log prior − log q``."""
    from scipy.stats import norm

    rng = np.random.default_rng(11)
    local = clinic.Proposal(np.array([[0.25] * 4, [0.05, 0.05, 0.3, 0.6]]))
    halves = []
    for units in (rng.random((60_000, 2)), local.local_units(rng.random((60_000, 2)))):
        keep = units[:, 0] >= 0.25
        halves.append((units[keep][:20_000], keep.mean()))
    units = np.vstack([h[0] for h in halves])
    kept, passed = (20_000, 20_000), (halves[0][1], halves[1][1])
    log_w = -20 * (units[:, 1] - 0.8) ** 2 + proposal.log_prior_over_proposal(
        units, local, kept, passed
    )
    w = np.exp(log_w - log_w.max())
    estimate = np.sum(w * units[:, 1]) / w.sum()
    sd = np.sqrt(1 / 40)  # the likelihood is a normal of this sd, truncated to [0, 1]
    a, b = (0 - 0.8) / sd, (1 - 0.8) / sd
    exact = 0.8 + sd * (norm.pdf(a) - norm.pdf(b)) / (norm.cdf(b) - norm.cdf(a))
    assert estimate == pytest.approx(exact, abs=0.005)
    wrong = np.sum(np.exp(-20 * (units[:, 1] - 0.8) ** 2) * units[:, 1]) / np.sum(
        np.exp(-20 * (units[:, 1] - 0.8) ** 2)
    )
    assert abs(wrong - exact) > 0.01, "without the correction the local draws would bias it"


def test_choosing_from_a_pool_by_a_rough_guide_keeps_the_target():
    """A pool of candidates from the prior (uniform on [0, 1]); the target weighs each by
    exp(−30 (u − 0.7)²), whose mean is known in closed form. A guide that is right only
    roughly (the log target plus noise of sd 1 log unit) leans the choice of a few hundred
    candidates; each chosen one is weighed by its target over its chance of being chosen.
    The mean comes out right, and the guide gives more effective draws than choosing
    blindly."""
    from scipy.stats import norm

    rng = np.random.default_rng(21)
    pool = rng.random(20_000)
    log_target = -30 * (pool - 0.7) ** 2
    sd = np.sqrt(1 / 60)
    a, b = (0 - 0.7) / sd, (1 - 0.7) / sd
    exact = 0.7 + sd * (norm.pdf(a) - norm.pdf(b)) / (norm.cdf(b) - norm.cdf(a))

    exact_sd = sd * np.sqrt(
        1
        + (a * norm.pdf(a) - b * norm.pdf(b)) / (norm.cdf(b) - norm.cdf(a))
        - ((norm.pdf(a) - norm.pdf(b)) / (norm.cdf(b) - norm.cdf(a))) ** 2
    )

    def weighed(guide: np.ndarray, seed: int, corrected: bool = True) -> tuple[float, ...]:
        p = proposal.selection_probabilities(guide, temperature=0.5, floor=0.2)
        which, times = proposal.chosen(p, 400, seed)
        log_w = log_target[which] + corrected * proposal.log_chosen_over_pool(times, p[which], 400)
        w = np.exp(log_w - log_w.max()) / np.sum(np.exp(log_w - log_w.max()))
        mean = float(np.sum(w * pool[which]))
        spread = float(np.sqrt(np.sum(w * (pool[which] - mean) ** 2)))
        return mean, spread, float(1 / np.sum(w**2))

    guide = log_target + rng.normal(0, 1, len(pool))
    estimates = np.array([weighed(guide, seed) for seed in range(20)]).mean(axis=0)
    assert estimates[0] == pytest.approx(exact, abs=0.005)
    assert estimates[1] == pytest.approx(exact_sd, rel=0.05)
    blind = np.array([weighed(np.zeros(len(pool)), seed) for seed in range(20)]).mean(axis=0)
    assert estimates[2] > 1.2 * blind[2], "an informative guide gives more effective draws"
    wrong = np.array([weighed(guide, seed, False) for seed in range(20)]).mean(axis=0)
    assert wrong[1] < 0.9 * exact_sd, "without the correction the choice would narrow it"


@pytest.mark.parametrize(
    ("keyword", "value"), [("temperature", 0.0), ("temperature", 2.0), ("floor", 1.5)]
)
def test_bad_choice_tempering_is_refused(keyword, value):
    with pytest.raises(ValueError, match=keyword):
        proposal.selection_probabilities(np.zeros(4), **{keyword: value})


def test_the_chapters_values_sit_where_their_quantiles_say():
    u = np.array([clinic.prior_of(n).quantile_of(default(n)) for n in assumptions.SAMPLED])
    assert u.shape == (len(assumptions.SAMPLED),) and np.all((0 <= u) & (u <= 1))
    assert dict(assumptions.values_at(u)) == pytest.approx(
        {n: clinic.prior_of(n).value_at(x) for n, x in zip(assumptions.SAMPLED, u, strict=True)}
    )


def test_the_stored_weights_follow_from_the_stored_profiles():
    """The stored importance corrections are those of the mixture the stored profiles,
    counts and screening shares define."""
    fit = clinic.fitted()
    population = fit["virtual_population"]
    local = clinic.proposal_from(np.array(fit["profiles"]))
    units = np.array(
        [
            [clinic.prior_of(n).quantile_of(s[n]) for n in assumptions.SAMPLED]
            for s in fit["assumption_sets"]
        ]
    )
    kept = tuple(population["pool"])
    again = proposal.log_prior_over_proposal(units, local, kept, tuple(population["passed"]))
    choice = fit["set_choice"]
    again += proposal.log_chosen_over_pool(
        np.array([c["times_chosen"] for c in choice]),
        np.array([c["probability"] for c in choice]),
        population["choices"],
    )
    assert again == pytest.approx(fit["set_log_prior_over_proposal"], abs=0.02)


def test_a_normal_posterior_gives_its_evidence_exactly_and_bounds_cut_it():
    """Where the posterior is the normal approximation times a constant, every weight is
    that constant; where half of it lies outside the bounds, the evidence is half."""
    from scipy.stats import multivariate_normal

    mode, cov = np.array([0.3, -1.0]), np.array([[0.5, 0.2], [0.2, 0.4]])
    theta = np.random.default_rng(5).multivariate_normal(mode, cov, size=20_000)
    log_normal = multivariate_normal(mode, cov).logpdf(theta)
    log_w, evidence = clinic.importance_evidence(log_normal - 7.0, log_normal, len(theta))
    assert evidence == pytest.approx(-7.0, abs=1e-9) and np.ptp(log_w) < 1e-9
    inside = theta[:, 0] >= mode[0]
    _, cut = clinic.importance_evidence(log_normal[inside] - 7.0, log_normal[inside], len(theta))
    assert cut == pytest.approx(-7.0 + np.log(0.5), abs=0.03)
    assert clinic.importance_evidence(np.array([]), np.array([]), 10)[1] == -np.inf
