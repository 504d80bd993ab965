"""The trial data: every row sourced, internally consistent, and as in the fact sheet."""

from __future__ import annotations

import re

import numpy as np
import pytest

from imiquimod_model.outcomes import trial_arms

from .conftest import ROOT

BIB = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "book" / "references.bib").read_text(), re.M))
FACTS = ROOT.parent / "shared" / "science" / "facts.md"
ARMS = trial_arms()


def test_there_are_arms_for_every_indication():
    indications = {a.indication for a in ARMS}
    assert {
        "actinic keratosis",
        "superficial basal cell carcinoma",
        "external genital warts",
    } <= indications


@pytest.mark.parametrize("arm", ARMS, ids=lambda a: f"{a.trial}-{a.treatment}-{a.endpoint}")
def test_row_is_sourced_and_consistent(arm):
    assert arm.source in BIB
    assert (arm.n is None) == (arm.responders is None)
    assert (arm.n is None) != (arm.percent is None), "counts or a percentage, not both"
    if arm.n is not None:
        assert 0 <= arm.responders <= arm.n
    else:
        assert 0 <= arm.percent <= 100 and arm.note, "a percentage-only row says why"
    if arm.treatment == "imiquimod" and arm.applications_per_week is not None:
        assert 1 <= arm.applications_per_week <= 14
        # a strength Aldara or Zyclara sells, or the 1% that Edwards 1998 tested
        assert arm.strength_percent in (1, 2.5, 3.75, 5)


@pytest.mark.skipif(not FACTS.exists(), reason="shared/science/facts.md is not beside the repo")
@pytest.mark.parametrize("arm", ARMS, ids=lambda a: f"{a.trial}-{a.treatment}-{a.endpoint}")
def test_row_agrees_with_the_fact_sheet(arm):
    facts = FACTS.read_text()
    if arm.endpoint.endswith((" in women", " in men")):
        # counts derived from the published percentages by sex (test_trial_design checks
        # that they are the only split that gives them): the percentage is in the sheet
        assert f"{round(100 * arm.responders / arm.n)}% {arm.sex}" in facts
    elif arm.n is not None:
        counts = {
            f"{arm.responders}/{arm.n}",
            f"{arm.n - arm.responders}/{arm.n}",
            f"{arm.responders} of {arm.n}",
        }
        assert any(c in facts for c in counts), counts
    else:
        shown = (f"{arm.percent:.1f}%", f"{arm.percent:.1f} ", f"{arm.percent:g}% of")
        assert any(s in facts for s in shown), shown


def test_difference_interval_matches_newcombes_worked_example():
    """Newcombe (Stat Med 1998;17:873), 56/70 against 48/80: difference 0.2000, 95% interval
    0.0524 to 0.3339 by the hybrid score method (his method 10)."""
    from dataclasses import replace

    from imiquimod_model.outcomes import difference_interval

    arm = ARMS[0]
    first = replace(arm, responders=56, n=70, n_assumed=None, percent=None)
    second = replace(arm, responders=48, n=80, n_assumed=None, percent=None)
    assert difference_interval(first, second) == pytest.approx((0.2, 0.0524, 0.3339), abs=1e-4)


def _clasp() -> tuple[np.ndarray, np.ndarray]:
    """The CLASP example of DerSimonian and Kacker (Contemp Clin Trials 2007;28:105): six
    trials' log odds ratios and their sampling variances."""
    n1 = np.array([156, 303, 565, 1570, 103, 4659])
    n2 = np.array([74, 303, 477, 1565, 105, 4650])
    a = np.array([5, 5, 12, 69, 9, 313])
    c = np.array([8, 17, 9, 94, 11, 352])
    log_or = np.log(a / (n1 - a)) - np.log(c / (n2 - c))
    return log_or, 1 / a + 1 / (n1 - a) + 1 / c + 1 / (n2 - c)


def test_random_effects_match_the_published_dersimonian_laird_example():
    """DerSimonian and Kacker 2007, tables 3 and 4, DerSimonian–Laird: τ 0.2323, pooled log
    odds ratio −0.3240, standard error 0.1540."""
    from imiquimod_model.outcomes import random_effects

    mean, se, tau = random_effects(*_clasp())
    assert (tau, mean, se) == pytest.approx((0.2323, -0.3240, 0.1540), abs=1e-4)


def test_the_spread_interval_is_where_q_meets_its_chi_square_quantiles():
    """At each end of the Q-profile interval the generalised Q equals its χ² quantile (or,
    at 0, stays below it), and the interval holds the point estimate; studies that agree
    better than chance give 0."""
    from scipy.stats import chi2

    from imiquimod_model.outcomes import random_effects, spread_interval

    y, v = _clasp()
    low, high = spread_interval(y, v)
    for tau, quantile in ((low, 0.975), (high, 0.025)):
        w = 1 / (v + tau**2)
        q = w @ (y - w @ y / w.sum()) ** 2
        target = chi2.ppf(quantile, len(y) - 1)
        assert q == pytest.approx(target, rel=1e-6) if tau > 0 else q <= target
    assert low == 0.0 < high  # CLASP's Q (9.7 on 5 df) is below its upper quantile
    assert low <= random_effects(y, v)[2] <= high
    same = np.zeros(4), np.full(4, 0.1)
    assert random_effects(*same)[2] == 0.0 and spread_interval(*same)[0] == 0.0


@pytest.mark.parametrize(
    "estimates, variances", [([0.1], [0.1]), ([0.1, 0.2], [0.1, 0.0]), ([0.1, np.nan], [1, 1])]
)
def test_random_effects_refuse_what_is_no_meta_analysis(estimates, variances):
    from imiquimod_model.outcomes import random_effects, spread_interval

    with pytest.raises(ValueError, match="estimates"):
        random_effects(estimates, variances)
    with pytest.raises(ValueError, match="estimates"):
        spread_interval(estimates, variances)


def test_wilson_interval_matches_a_hand_computed_value():
    # 15/29 (Geisse 2002, 3/week): Wilson 95% interval 0.344 to 0.686 by hand
    arm = next(a for a in ARMS if a.trial == "Geisse2002" and a.applications_per_week == 3)
    low, high = arm.wilson_interval()
    assert low == pytest.approx(0.344, abs=0.001) and high == pytest.approx(0.686, abs=0.001)
    with pytest.raises(ValueError, match="no counts"):
        next(a for a in ARMS if a.likelihood_n is None).wilson_interval()
