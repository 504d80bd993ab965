"""The killer-pDC model: the paper's knockout table, closed forms, switches and bounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from imiquimod_model import killers
from imiquimod_model.parameters import GROUPS, PARAMETERS, default

T = np.arange(0, 28 * 24 + 1, 1.0)
ON = np.ones_like(T)


FREE_AT_FULL_ENGAGEMENT_UM = 4.0  # about the model's free peak at the label (chapter 1)


def _run(name, engagement=ON, free=None, **kw):
    free = FREE_AT_FULL_ENGAGEMENT_UM * engagement if free is None else free
    condition = killers.condition_named(name) if isinstance(name, str) else name
    return killers.tumour_response(T, engagement, condition, free_concentration_uM=free, **kw)


@pytest.fixture(scope="module")
def table():
    return killers.knockout_table()


def test_every_verdict_matches_the_paper(table):
    assert len(table) == len(killers.PAPER_OUTCOME) == 9
    for row in table:
        assert row["model"] == row["paper"], row


def test_removing_t_b_and_nk_cells_leaves_clearance_intact(table):
    verdicts = {r["condition"]: r for r in table}
    assert verdicts["no T, B or NK cells"]["model"] == "regresses"
    assert verdicts["no T, B or NK cells"]["final_burden"] <= killers.REGRESSION_BELOW


@pytest.mark.parametrize("name", list(killers.PAPER_OUTCOME))
def test_with_no_imiquimod_nothing_clears(name):
    out = _run(name, engagement=np.zeros_like(T))
    assert out["tumour"][-1] > 1.0
    assert np.all(out["recruited_pdc"] == 0) and np.all(out["killer_fraction"] == 0)


def test_untreated_tumour_follows_the_logistic_closed_form():
    rho, cap = default("tumour_growth_rate_per_day"), default("tumour_capacity")
    days = T / 24
    expected = cap / (1 + (cap - 1) * np.exp(-rho * days))
    assert np.allclose(_run("untreated")["tumour"], expected, rtol=1e-10)


def test_logistic_step_with_killing_matches_an_ode_solver():
    rho, crowding, death = 0.3, 0.3 / 20, 0.7
    sol = solve_ivp(
        lambda t, y: rho * y - crowding * y**2 - death * y, (0, 5), [1.0], rtol=1e-11, atol=1e-14
    )
    assert killers.logistic_step(1.0, rho, crowding, death, 5.0) == pytest.approx(
        sol.y[0, -1], rel=1e-7
    )
    assert killers.logistic_step(2.0, 0.3, 0.01, 0.3, 4.0) == pytest.approx(2 / (1 + 0.08))


# --- switches act on the mechanism
def test_ccl2_absent_means_no_ccl2_and_no_recruitment():
    out = _run("CCL2 absent")
    assert np.all(out["ccl2"] == 0) and np.all(out["recruited_pdc"] == 0)
    assert out["mast_cells"].max() > 0  # the mast cells are still activated


def test_pdc_depletion_removes_interferon_and_recruitment():
    out = _run("pDC depleted")
    assert np.all(out["ifn_alpha"] == 0) and np.all(out["recruited_pdc"] == 0)


def test_ifnar1_knockout_silences_mast_cells_and_killers():
    out = _run("IFNAR1 knockout")
    assert np.all(out["mast_cells"] == 0) and np.all(out["killer_fraction"] == 0)
    assert out["ifn_alpha"].max() > 0  # primary interferon is still made


# --- direct, TLR-independent apoptosis (Schön 2003, 2004)
@pytest.mark.parametrize("free", [2.0, 12.5])
def test_direct_apoptosis_alone_follows_the_logistic_closed_form(free):
    """Without TLR7 only imiquimod's own pro-apoptotic action kills: logistic growth with
    a constant death rate κ_apo·C/(C + EC50)."""
    rho, cap = default("tumour_growth_rate_per_day"), default("tumour_capacity")
    death = (
        default("direct_apoptosis_max_rate_per_day")
        * free
        / (free + default("direct_apoptosis_ec50_uM"))
    )
    r, days = rho - death, T / 24
    expected = r * np.exp(r * days) / (r + rho / cap * (np.exp(r * days) - 1))
    out = _run("TLR7 knockout", free=np.full_like(T, free))
    assert np.allclose(out["tumour"], expected, rtol=1e-9)


def test_switching_direct_apoptosis_off_leaves_a_tlr7_knockout_untreated():
    untreated = _run("untreated")["tumour"]
    no_apoptosis = killers.Condition(tlr7=False, direct_apoptosis=False)
    assert np.allclose(_run(no_apoptosis)["tumour"], untreated, rtol=1e-12)
    assert _run("TLR7 knockout")["tumour"][-1] < untreated[-1]  # the action is there


def test_direct_apoptosis_at_the_defaults_cannot_regress_a_tlr7_knockout_tumour(table):
    """Drobits 2012: imiquimod failed in TLR7-knockout mice, so whatever imiquimod does to
    tumour cells directly is, in vivo, too weak to regress the tumour on its own."""
    verdicts = {r["condition"]: r["model"] for r in table}
    assert verdicts["TLR7 knockout"] == "no regression"


def test_blockade_with_full_residual_killing_is_the_wild_type():
    wild = _run("wild type")
    blocked = _run("TRAIL and granzyme B blocked", trail_gzmb_residual_fraction=1.0)
    assert np.array_equal(wild["tumour"], blocked["tumour"])


def test_unknown_condition_is_a_clear_error():
    with pytest.raises(ValueError, match="wild type"):
        killers.condition_named("nude")
    with pytest.raises(ValueError, match="Condition"):
        killers.tumour_response(T, ON, "wild type", free_concentration_uM=ON)


@pytest.mark.parametrize("name", GROUPS["Mast cells, CCL2 and killer pDCs"])
def test_bad_constants_give_the_registry_error(name):
    with pytest.raises(ValueError, match=name):
        _run("wild type", **{name: PARAMETERS[name].high + 1000})


# --- properties over the registry's ranges
CONSTANTS = (*GROUPS["Mast cells, CCL2 and killer pDCs"], *GROUPS["Tumour growth"])


@settings(max_examples=30, deadline=None)
@given(data=st.data(), name=st.sampled_from(list(killers.CONDITIONS)))
def test_finite_non_negative_and_bounded(data, name):
    kw = {
        n: data.draw(st.floats(PARAMETERS[n].low, PARAMETERS[n].high), label=n) for n in CONSTANTS
    }
    out = _run(name, engagement=data.draw(st.floats(0, 1), label="engagement") * ON, **kw)
    for key, arr in out.items():
        assert np.all(np.isfinite(arr)), key
        assert np.all(arr >= 0), key
    for key in ("mast_cells", "recruited_pdc", "killer_fraction", "tbnk_response"):
        assert np.all(out[key] <= 1 + 1e-12), key
    assert out["tumour"].max() <= max(1.0, kw["tumour_capacity"]) * (1 + 1e-9)
