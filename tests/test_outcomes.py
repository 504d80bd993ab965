"""The baseline one-hit link: its exposure measure, likelihood fit and bands against the trials."""

from __future__ import annotations

import pytest

from imiquimod_model import outcomes, pk

INDICATIONS = outcomes.INDICATIONS


def test_exposure_is_zero_without_drug_and_grows_with_applications():
    s = pk.Schedule(applications_per_week=3, weeks=4)
    assert outcomes.signal_hours_under_cream(s, 0.0) == 0.0
    more = pk.Schedule(applications_per_week=5, weeks=4)
    assert outcomes.signal_hours_under_cream(more) > outcomes.signal_hours_under_cream(s) > 0


def test_two_arm_fit_reproduces_both_arms_exactly():
    # with one vehicle and one active arm the two-parameter model is saturated: the maximum
    # likelihood puts each arm's prediction at its observed proportion (Edwards 1998)
    arms = tuple(
        a
        for a in outcomes.fitted_arms("external genital warts")
        if a.trial == "Edwards1998" and a.strength_percent in (0, 5)
    )
    active = next(a for a in arms if a.treatment == "imiquimod")
    background, potency = outcomes._fit(*outcomes._arrays(arms))
    assert background == pytest.approx(11 / 100, abs=1e-5)
    predicted = outcomes.clearance_probability(outcomes.arm_exposure(active), background, potency)
    assert predicted == pytest.approx(54 / 109, abs=1e-5)


@pytest.mark.parametrize("indication", INDICATIONS)
def test_every_arm_is_inside_the_band_or_a_listed_misfit(indication):
    fit = outcomes.fitted(indication)
    for arm in outcomes.fitted_arms(indication):
        _, low, high = fit.band(outcomes.arm_exposure(arm))
        inside = low <= arm.proportion <= high
        listed = outcomes.arm_key(arm) in outcomes.KNOWN_MISFITS
        assert inside != listed, (arm.trial, arm.treatment, arm.applications_per_week)


def test_unknown_exposure_assumption_is_refused():
    with pytest.raises(ValueError, match="not an exposure assumption"):
        outcomes.signal_hours_under_cream(
            pk.Schedule(applications_per_week=3, weeks=1), 5.0, ifn_loop_gain=3.0
        )
