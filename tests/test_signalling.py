"""Signalling and cytokines: closed forms, knockouts as switches, onset and tolerance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imiquimod_model.cytokines import NAMES, cytokine_response, linear_cytokine
from imiquimod_model.parameters import GROUPS, PARAMETERS, default
from imiquimod_model.signalling import GENOTYPES, simulate_signalling

T = np.arange(0, 24 * 10 + 0.25, 0.25)
INDUCED = ("ifn_alpha", "tnf_alpha", "il1", "il6", "il8", "il12")


def _rate(name):
    return math.log(2) / default(name)


# --- the linear cytokine equation
@pytest.mark.parametrize("half_life", [0.1, 1.0, 7.5])
def test_linear_cytokine_rises_and_decays_with_its_half_life(half_life):
    driver = np.where(T < 48, 0.8, 0.0)
    x = linear_cytokine(T, driver, half_life)
    rise = T <= 48
    assert np.allclose(x[rise], 0.8 * (1 - 2 ** (-T[rise] / half_life)), rtol=1e-9, atol=1e-12)
    fall = T >= 48
    x48 = 0.8 * (1 - 2 ** (-48 / half_life))
    assert np.allclose(x[fall], x48 * 2 ** (-(T[fall] - 48) / half_life), rtol=1e-9, atol=1e-12)


def test_linear_cytokine_rejects_uneven_time_and_bad_half_life():
    with pytest.raises(ValueError):
        linear_cytokine(np.array([0.0, 1.0, 3.0]), np.ones(3), 1.0)
    with pytest.raises(ValueError):
        linear_cytokine(T, np.ones_like(T), 0.0)


# --- constant engagement: the closed-form steady state
def test_constant_engagement_reaches_the_closed_form_steady_state():
    long = np.arange(0, 24 * 40 + 0.5, 0.5)  # 40 days: the slowest state is converged
    out = cytokine_response(long, np.full_like(long, 0.6))
    k_r_on = 0.6 / default("tolerance_onset_time_h")
    r = k_r_on / (k_r_on + _rate("tolerance_recovery_half_life_h"))
    s = 0.6 * (1 - r)

    def branch(tau, half_life):
        on = s / default(tau)
        return on / (on + _rate(half_life))

    n_myeloid = branch("myeloid_activation_time_h", "myeloid_off_half_life_h")
    n_kc = branch("keratinocyte_activation_time_h", "keratinocyte_off_half_life_h")
    assert out["refractory"][-1] == pytest.approx(r, rel=1e-6)
    assert out["nfkb_myeloid"][-1] == pytest.approx(n_myeloid, rel=1e-6)
    # production / decay: each cytokine settles at its driver
    for name in ("tnf_alpha", "il1", "il12"):
        assert out[name][-1] == pytest.approx(n_myeloid, rel=1e-6)
    for name in ("il6", "il8"):
        assert out[name][-1] == pytest.approx((n_myeloid + n_kc) / 2, rel=1e-6)
    # IRF7 with the loop: the fixed point of eq-irf7 with F = I
    f = out["ifn_alpha"][-1]
    assert f == pytest.approx(out["irf7"][-1], rel=1e-6)
    on = (
        s
        / default("irf7_activation_time_h")
        * (1 + default("ifn_loop_gain") * f / (default("ifn_loop_half_saturation") + f))
    )
    assert f == pytest.approx(on / (on + _rate("irf7_off_half_life_h")), rel=1e-6)


def test_zero_engagement_stays_at_baseline():
    out = cytokine_response(T, np.zeros_like(T))
    for name in INDUCED:
        assert np.all(out[name] == 0)


# --- knockouts are switches on the mechanism
PULSE = np.where(T < 8, 1.0, 0.0)


def _run(genotype, **kw):
    return cytokine_response(T, PULSE, genotype, **kw)


@pytest.mark.parametrize("genotype", ["TLR7 knockout", "MyD88 knockout"])
def test_no_receptor_or_adaptor_no_induced_cytokine(genotype):
    out = _run(genotype)
    for name in INDUCED:
        assert np.all(out[name] == 0), name


def test_ifnar1_knockout_removes_the_loop_and_keeps_primary_ifn():
    wild, ko = _run("wild type"), _run("IFNAR1 knockout")
    assert np.all(ko["ifnar_signal"] == 0)
    assert 0 < ko["ifn_alpha"].max() < wild["ifn_alpha"].max()
    for name in ("tnf_alpha", "il6"):
        assert np.array_equal(ko[name], wild[name])
    # the knockout is the loop switched off, nothing else
    assert np.array_equal(ko["ifn_alpha"], _run("wild type", ifn_loop_gain=0)["ifn_alpha"])


def test_pdc_depletion_removes_ifn_alpha_only():
    wild, ko = _run("wild type"), _run("pDC depleted")
    assert np.all(ko["ifn_alpha"] == 0)
    for name in ("tnf_alpha", "il1", "il6", "il8", "il12"):
        assert np.array_equal(ko[name], wild[name]), name


def test_unknown_genotype_is_a_clear_error():
    with pytest.raises(ValueError, match="wild type"):
        _run("no spleen")
    assert set(GENOTYPES) >= {
        "wild type",
        "TLR7 knockout",
        "MyD88 knockout",
        "IFNAR1 knockout",
        "pDC depleted",
    }


# --- literature checks
@pytest.mark.parametrize("name", ["tnf_alpha", "ifn_alpha", "il6"])
def test_onset_within_1_to_4_hours(name):
    """Testerman 1995: induction detectable as early as 1-4 h. Here 'detectable' is 10% of
    the response's peak; it must come after the first half hour and by 4 h."""
    x = _run("wild type")[name]
    onset = T[np.argmax(x >= 0.1 * x.max())]
    assert 0.5 <= onset <= 4.0


def test_second_dose_soon_after_the_first_gives_less_ifn_alpha():
    """Mouse daily dosing and human repeated oral dosing: blunted interferon response."""
    two = np.where((T < 8) | ((T >= 24) & (T < 32)), 1.0, 0.0)
    ifn = cytokine_response(T, two)["ifn_alpha"]
    first, second = ifn[T < 24].max(), ifn[T >= 24].max()
    assert second < 0.9 * first


def test_a_second_dose_after_recovery_responds_again():
    late = np.where((T < 8) | ((T >= 216) & (T < 224)), 1.0, 0.0)
    ifn = cytokine_response(T, late)["ifn_alpha"]
    assert ifn[T >= 216].max() > 0.85 * ifn[T < 216].max()


# --- properties over the registry's ranges
RATES = GROUPS["TLR7 signalling"] + GROUPS["Cytokine half-lives"]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), genotype=st.sampled_from(list(GENOTYPES)))
def test_finite_bounded_and_non_negative(data, genotype):
    kw = {
        name: data.draw(st.floats(PARAMETERS[name].low, PARAMETERS[name].high), label=name)
        for name in RATES
    }
    engagement = data.draw(st.floats(0, 1), label="engagement") * PULSE
    out = cytokine_response(T[:400], engagement[:400], genotype, **kw)
    for name, arr in out.items():
        assert np.all(np.isfinite(arr)), name
        assert np.all(arr >= 0) and np.all(arr <= 1 + 1e-12), name


@pytest.mark.parametrize("bad", [np.nan, -0.1, 1.5])
def test_bad_engagement_is_rejected(bad):
    with pytest.raises(ValueError, match="engagement"):
        simulate_signalling(T[:4], np.array([0.0, 0.5, bad, 0.2]))


@pytest.mark.parametrize("name", RATES)
def test_bad_rates_give_the_registry_error(name):
    with pytest.raises(ValueError, match=name):
        cytokine_response(T[:10], PULSE[:10], **{name: PARAMETERS[name].high * 10})


def test_every_cytokine_has_a_name_and_a_half_life():
    for key in INDUCED:
        assert key in NAMES and f"{key}_half_life_h" in PARAMETERS
