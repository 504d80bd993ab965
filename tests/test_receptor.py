"""TLR7 engagement: the Hill curve's known points and limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imiquimod_model.parameters import PARAMETERS
from imiquimod_model.receptor import adenosine_receptor_occupancy, tlr7_engagement

EC50 = PARAMETERS["tlr7_ec50_uM"]
HILL = PARAMETERS["tlr7_hill_coefficient"]


@settings(max_examples=60, deadline=None)
@given(ec50=st.floats(EC50.low, EC50.high), hill=st.floats(HILL.low, HILL.high))
def test_half_maximal_at_ec50_and_zero_at_zero(ec50, hill):
    assert float(tlr7_engagement(ec50, ec50, hill)) == pytest.approx(0.5)
    assert float(tlr7_engagement(0.0, ec50, hill)) == 0.0


@settings(max_examples=60, deadline=None)
@given(ec50=st.floats(EC50.low, EC50.high), hill=st.floats(HILL.low, HILL.high))
def test_bounded_monotone_and_saturating(ec50, hill):
    conc = np.logspace(-4, 6, 200)
    e = tlr7_engagement(conc, ec50, hill)
    assert np.all(np.isfinite(e)) and np.all((e >= 0) & (e <= 1))
    assert np.all(np.diff(e) >= 0)
    assert e[-1] > 0.99 or hill < 1  # far above EC50 it saturates
    # the Hill form's defining property: logit(E) = n·ln(C/EC50)
    mid = (e > 1e-6) & (e < 1 - 1e-6)
    logit = np.log(e[mid] / (1 - e[mid]))
    assert np.allclose(logit, hill * np.log(conc[mid] / ec50), rtol=1e-6, atol=1e-6)


def test_mass_action_case_is_c_over_c_plus_ec50():
    c = np.array([0.5, 5.0, 50.0])
    assert np.allclose(tlr7_engagement(c, 5.0, 1.0), c / (c + 5.0))


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_bad_concentrations_raise(bad):
    with pytest.raises(ValueError, match="concentration_uM"):
        tlr7_engagement(np.array([1.0, bad]))


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("tlr7_ec50_uM", {"tlr7_ec50_uM": 0}),
        ("tlr7_hill_coefficient", {"tlr7_hill_coefficient": 9}),
    ],
)
def test_bad_parameters_raise_the_registry_error(name, kw):
    with pytest.raises(ValueError, match=name):
        tlr7_engagement(1.0, **kw)


# --- adenosine receptors: imiquimod's TLR-independent target (Schön 2006)
def test_adenosine_occupancy_is_the_competitive_binding_curve():
    c = np.array([0.0, 1.0, 10.0, 100.0])
    assert np.allclose(adenosine_receptor_occupancy(c, 10.0), c / (c + 10.0), rtol=1e-15)
    assert float(adenosine_receptor_occupancy(10.0, 10.0)) == pytest.approx(0.5)


def test_adenosine_occupancy_rejects_bad_input_by_name():
    with pytest.raises(ValueError, match="adenosine_receptor_ki_uM"):
        adenosine_receptor_occupancy(1.0, adenosine_receptor_ki_uM=0.0)
    with pytest.raises(ValueError, match="concentration_uM"):
        adenosine_receptor_occupancy(np.array([1.0, -1.0]))
