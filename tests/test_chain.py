"""The chain for many patients at once equals the one-patient functions, patient by patient."""

from __future__ import annotations

import numpy as np
import pytest

from imiquimod_model import adaptive, killers, pk, receptor, signalling
from imiquimod_model.chain import NUMBERS, solve_chain
from imiquimod_model.parameters import default

SCHEDULE = pk.Schedule(applications_per_week=3, weeks=2)
HOURS = 4 * 168.0
#: Three patients whose numbers differ in every module of the chain.
SETS = [
    {
        "stratum_corneum_flux_ug_per_cm2_h": 0.2,
        "viable_skin_half_life_h": 2.0,
        "tlr7_ec50_uM": 2.0,
        "tolerance_onset_time_h": 30.0,
        "ifn_loop_gain": 1.0,
        "mast_activation_time_h": 10.0,
        "ccl2_production_gain": 3.0,
        "pdc_killing_rate_per_day": 0.6,
        "direct_apoptosis_max_rate_per_day": 0.1,
        "memory_half_life_days": 60.0,
        "dc_priming_delay_days": 4.0,
        "t_cell_killing_rate_per_day": 0.2,
    },
    {
        "stratum_corneum_flux_ug_per_cm2_h": 0.05,
        "viable_skin_half_life_h": 6.0,
        "tlr7_ec50_uM": 8.0,
        "tolerance_onset_time_h": 60.0,
        "ifn_loop_gain": 4.0,
        "mast_activation_time_h": 3.0,
        "ccl2_production_gain": 8.0,
        "pdc_killing_rate_per_day": 1.5,
        "direct_apoptosis_max_rate_per_day": 0.02,
        "memory_half_life_days": 365.0,
        "dc_priming_delay_days": 7.0,
        "t_cell_killing_rate_per_day": 0.05,
    },
    {},  # the registry's numbers
]
FLUX = np.array([0.5, 2.0, 1.0])
FIELDS = (
    "free_concentration_uM",
    "signal",
    "ifnar_signal",
    "pdc_kill_per_day",
    "direct_apoptosis_per_day",
    "effectors",
    "memory",
    "immune_kill_per_day",
)


def _keywords(numbers: dict, names: tuple[str, ...]) -> dict:
    return {name: numbers[name] for name in names if name in numbers}


def one_patient(flux: float, condition: str, numbers: dict) -> dict[str, np.ndarray]:
    """The chain for one patient from the public one-patient functions, glued as the
    clinic glues them (trials._simulate), each module given its keywords."""
    exposure = pk.topical_exposure(
        SCHEDULE,
        site_flux_factor=flux,
        duration_h=HOURS,
        time_step_h=1.0,
        **_keywords(numbers, pk.NUMBERS),
    )
    free = exposure.free_concentration_uM
    chosen = killers.condition_named(condition)
    engagement = receptor.tlr7_engagement(
        free, **_keywords(numbers, ("tlr7_ec50_uM", "tlr7_hill_coefficient"))
    )
    out = killers.tumour_response(
        exposure.time_h,
        engagement,
        chosen,
        free_concentration_uM=free,
        **_keywords(numbers, killers.OWN_NUMBERS + signalling.NUMBERS),
    )
    departures = out["signal"] * out["ifnar_signal"] * out["pdc_kill_per_day"]
    effectors, memory = adaptive.t_cells_and_memory(
        exposure.time_h / 24.0, departures, **_keywords(numbers, adaptive.T_CELL_NUMBERS)
    )
    present = 1.0 if (chosen.adaptive_and_nk and chosen.cd8a_cells) else 0.0
    rate = {name: numbers.get(name, default(name)) for name in NUMBERS}
    immune = out["pdc_kill_per_day"] + present * (
        rate["t_cell_killing_rate_per_day"] * effectors
        + rate["memory_killing_rate_per_day"] * memory
    )
    return {
        "free_concentration_uM": free,
        "signal": out["signal"],
        "ifnar_signal": out["ifnar_signal"],
        "pdc_kill_per_day": out["pdc_kill_per_day"],
        "direct_apoptosis_per_day": out["direct_apoptosis_per_day"],
        "effectors": effectors,
        "memory": memory,
        "immune_kill_per_day": immune,
    }


def _values() -> dict[str, np.ndarray]:
    """The three sets as one array per number given in any of them (defaults elsewhere)."""
    names = sorted({name for numbers in SETS for name in numbers})
    return {name: np.array([s.get(name, default(name)) for s in SETS]) for name in names}


@pytest.mark.parametrize(
    "condition", ["wild type", "TLR7 knockout", "no T, B or NK cells", "IFNAR1 knockout"]
)
def test_each_row_is_the_one_patient_chain(condition):
    run = solve_chain(SCHEDULE, FLUX, HOURS, condition, values=_values())
    assert run.time_h.shape == (673,)
    for i, numbers in enumerate(SETS):
        expected = one_patient(float(FLUX[i]), condition, numbers)
        for field in FIELDS:
            got = getattr(run, field)
            assert got.shape == (3, 673)
            np.testing.assert_allclose(got[i], expected[field], rtol=1e-9, atol=0, err_msg=field)


def test_the_sets_differ_and_knockouts_act():
    wild = solve_chain(SCHEDULE, FLUX, HOURS, values=_values())
    assert len({float(k.max()) for k in wild.immune_kill_per_day}) == 3  # three patients
    assert wild.effectors.max() > 0 and wild.pdc_kill_per_day.max() > 0
    no_tlr7 = solve_chain(SCHEDULE, FLUX, HOURS, "TLR7 knockout", values=_values())
    assert np.all(no_tlr7.signal == 0) and np.all(no_tlr7.immune_kill_per_day == 0)
    assert no_tlr7.direct_apoptosis_per_day.max() > 0  # the TLR-independent kill remains
    no_lymphocytes = solve_chain(SCHEDULE, FLUX, HOURS, "no T, B or NK cells", values=_values())
    np.testing.assert_array_equal(
        no_lymphocytes.immune_kill_per_day, no_lymphocytes.pdc_kill_per_day
    )


def test_numbers_given_as_one_number_apply_to_everyone():
    one = solve_chain(SCHEDULE, FLUX, HOURS, values={"tlr7_ec50_uM": 3.0})
    each = solve_chain(SCHEDULE, FLUX, HOURS, values={"tlr7_ec50_uM": np.full(3, 3.0)})
    np.testing.assert_array_equal(one.immune_kill_per_day, each.immune_kill_per_day)


@pytest.mark.parametrize(
    ("values", "flux", "word"),
    [
        ({"tlr7_ec50_uM": np.array([1.0, np.nan, 2.0])}, FLUX, "tlr7_ec50_uM"),
        ({"tlr7_ec50_uM": np.array([1.0, 2.0])}, FLUX, "tlr7_ec50_uM"),
        ({"tlr7_ec50_uM": np.ones((3, 1))}, FLUX, "tlr7_ec50_uM"),
        ({"tlr7_ec50_uM": np.array([1.0, 1e6, 2.0])}, FLUX, "tlr7_ec50_uM"),
        ({"memory_half_life_days": -1.0}, FLUX, "memory_half_life_days"),
        ({"pdc_killing_rate_per_day": "fast"}, FLUX, "pdc_killing_rate_per_day"),
        ({"no_such_number": 1.0}, FLUX, "no_such_number"),
        ({"tumour_capacity_typo": np.ones(3)}, FLUX, "tumour_capacity_typo"),
        ("tlr7_ec50_uM", FLUX, "values"),
        ({}, np.array([1.0, np.inf]), "site_flux_factor"),
        ({}, np.ones((2, 2)), "flux_factors"),
        ({}, [], "flux_factors"),
        ({}, "1", "flux_factors"),
    ],
)
def test_bad_input_names_what_is_wrong(values, flux, word):
    with pytest.raises(ValueError, match=word):
        solve_chain(SCHEDULE, flux, HOURS, values=values)


@pytest.mark.parametrize(
    ("keywords", "word"),
    [
        ({"condition": "no such mouse"}, "condition"),
        ({"duration_h": float("nan")}, "duration_h"),
        ({"duration_h": -5.0}, "duration_h"),
        ({"time_step_h": 3.0}, "time_step_h"),
        ({"schedule": "3 a week"}, "schedule"),
    ],
)
def test_bad_course_names_what_is_wrong(keywords, word):
    call = {"schedule": SCHEDULE, "flux_factors": FLUX, "duration_h": HOURS, **keywords}
    with pytest.raises(ValueError, match=word):
        solve_chain(**call)


def test_many_patients_at_once_equal_the_same_patients_few_at_a_time():
    """Above FEW_PATIENTS the loops run on arrays, below it patient by patient on floats:
    the same patients give the same chain either way."""
    from imiquimod_model import chain

    many = chain.FEW_PATIENTS + 3
    flux = np.geomspace(0.3, 3.0, many)
    values = {"pdc_killing_rate_per_day": np.linspace(1.0, 8.0, many)}
    together = solve_chain(SCHEDULE, flux, HOURS, values=values)
    for part in (slice(0, 5), slice(5, many)):
        alone = solve_chain(
            SCHEDULE, flux[part], HOURS, values={k: v[part] for k, v in values.items()}
        )
        for field in ("immune_kill_per_day", "signal", "memory"):
            assert np.allclose(
                getattr(together, field)[part], getattr(alone, field), rtol=1e-9, atol=0
            ), field
