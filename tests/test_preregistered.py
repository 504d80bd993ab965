"""The predictions made before their trials were seen, as stored and as scored.

The expected numbers are those the issue that released Jorizzo 2007 and Marks 2001
published from commit c8a17613 (issue 24), and the trials' own abstracts (facts.md,
turn-3 section): nothing here is computed by the model as it stands.
"""

import ast
from pathlib import Path

import pytest

from imiquimod_model import preregistered
from imiquimod_model.preregistered import preregistered_predictions

PUBLISHED = {  # prediction → (percent, low, high), as the issue printed them
    "Jorizzo 2007, course 1": (29.0, 26.6, 44.2),
    "Marks 2001, once daily": (79.8, 72.4, 80.4),
    "Marks 2001, once daily 3 days a week": (72.6, 65.3, 74.0),
}
OBSERVED = {  # prediction → (result %, in the band?) from the abstracts
    "Jorizzo 2007, course 1": (26.8, True),
    "Marks 2001, once daily": (100 * 29 / 33, False),
    "Marks 2001, once daily 3 days a week": (100 * 23 / 33, True),
}


def by_name():
    return {p.prediction: p for p in preregistered_predictions()}


@pytest.mark.parametrize("name", PUBLISHED)
def test_the_stored_prediction_is_the_one_published(name):
    p = by_name()[name]
    assert (p.percent, p.low, p.high) == PUBLISHED[name]
    assert p.commit.startswith("c8a17613")


@pytest.mark.parametrize("name", OBSERVED)
def test_each_released_trial_scores_its_prediction(name):
    scored = by_name()[name].scored()
    observed, inside = OBSERVED[name]
    assert scored["observed"] == pytest.approx(observed, abs=0.05)
    assert scored["in_band"] is inside
    assert scored["observed_low"] < scored["observed"] < scored["observed_high"]


def test_reserved_trials_stay_unscored_and_unnamed():
    waiting = [p for p in preregistered_predictions() if not p.result_arm]
    assert {p.prediction for p in waiting} == {
        "Zyclara 3.75%, two 2-week cycles",
        "Zyclara 2.5%, two 2-week cycles",
    }
    assert all(p.scored() is None for p in waiting)


def test_the_record_is_never_recomputed_by_the_model():
    tree = ast.parse(Path(preregistered.__file__).read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & {"clinic", "killers", "pk", "signalling", "adaptive"}
