"""The trial data: every row sourced, internally consistent, and as in the fact sheet."""

from __future__ import annotations

import re

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


def test_wilson_interval_matches_a_hand_computed_value():
    # 15/29 (Geisse 2002, 3/week): Wilson 95% interval 0.344 to 0.686 by hand
    arm = next(a for a in ARMS if a.trial == "Geisse2002" and a.applications_per_week == 3)
    low, high = arm.wilson_interval()
    assert low == pytest.approx(0.344, abs=0.001) and high == pytest.approx(0.686, abs=0.001)
    with pytest.raises(ValueError, match="no counts"):
        next(a for a in ARMS if a.likelihood_n is None).wilson_interval()
