"""Morris screening against a model whose elementary effects are known exactly."""

from __future__ import annotations

import pytest

from imiquimod_model.parameters import PARAMETERS
from imiquimod_model.sensitivity import morris_screening


def test_linear_model_gives_its_exact_elementary_effects():
    # y = 10·h + 1·s; an elementary effect is the change over the whole range per unit
    # of normalised step: 10·(3 − 0.5) and 1·(5 − 0); relative to y at the defaults (15).
    hill, strength = PARAMETERS["tlr7_hill_coefficient"], PARAMETERS["cream_strength_percent"]

    def model(tlr7_hill_coefficient, cream_strength_percent):
        return {"y": 10 * tlr7_hill_coefficient + cream_strength_percent}

    rows = morris_screening(
        model, ("tlr7_hill_coefficient", "cream_strength_percent"), trajectories=10
    )
    mu = {r["parameter"]: r["mu_star"] for r in rows}
    y0 = 10 * hill.value + strength.value
    assert mu["tlr7_hill_coefficient"] == pytest.approx(10 * (hill.high - hill.low) / y0)
    assert mu["cream_strength_percent"] == pytest.approx(1 * (strength.high - strength.low) / y0)
    assert all(r["sigma"] == pytest.approx(0, abs=1e-9) for r in rows)


def test_a_parameter_the_model_ignores_scores_zero():
    rows = morris_screening(
        lambda tlr7_ec50_uM, tlr7_hill_coefficient: {"y": tlr7_ec50_uM},
        ("tlr7_ec50_uM", "tlr7_hill_coefficient"),
        trajectories=6,
    )
    mu = {r["parameter"]: r["mu_star"] for r in rows}
    assert mu["tlr7_hill_coefficient"] == 0 and mu["tlr7_ec50_uM"] > 0


def test_unknown_parameters_are_refused():
    with pytest.raises(ValueError, match="registry"):
        morris_screening(lambda x: {"y": x}, ("x",))
    with pytest.raises(ValueError):
        morris_screening(lambda: {"y": 1}, ())
