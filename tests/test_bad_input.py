"""Bad input, everywhere: each public entry point of the model, given NaN, ±inf, a bool, a
string, a list, None or a value far out of range for any one argument, raises a
``ValueError`` that names the argument (never a TypeError, KeyError or OverflowError, never
a silent result)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imiquimod_model import adaptive, clinic, killers, outcomes, pk, receptor, signalling

BAD = [float("nan"), float("inf"), -float("inf"), True, "5", [1.0], None, -1e9, 1e9]
HOURS = np.arange(0.0, 49.0)
DAYS = np.arange(0.0, 57.0)

#: entry point → (function, a valid call, the arguments to spoil one at a time, and the
#: word the error must contain for each: its name, or what it is)
CALLS = {
    "pk.topical_exposure": (
        pk.topical_exposure,
        {"schedule": pk.Schedule(3, 2), "duration_h": 48.0, "time_step_h": 1.0},
        {
            "schedule": "schedule",
            "duration_h": "duration_h",
            "time_step_h": "time_step_h",
            "site_flux_factor": "site_flux_factor",
        },
    ),
    "pk.Schedule": (
        pk.Schedule,
        {"applications_per_week": 3, "weeks": 2},
        {"applications_per_week": "applications", "weeks": "week"},
    ),
    "receptor.tlr7_engagement": (
        receptor.tlr7_engagement,
        {"concentration_uM": 1.0},
        {"concentration_uM": "concentration", "tlr7_ec50_uM": "tlr7_ec50_uM"},
    ),
    "receptor.adenosine_receptor_occupancy": (
        receptor.adenosine_receptor_occupancy,
        {"concentration_uM": 1.0},
        {"concentration_uM": "concentration", "adenosine_receptor_ki_uM": "adenosine"},
    ),
    "signalling.genotype_named": (
        signalling.genotype_named,
        {"name": "wild type"},
        {"name": "genotype"},
    ),
    "killers.tumour_course": (
        killers.tumour_course,
        {"condition": "wild type", "applications_per_week": 3},
        {
            "condition": "condition",
            "applications_per_week": "applications_per_week",
            "days_followed": "days_followed",
        },
    ),
    "adaptive.t_cells_and_memory": (
        adaptive.t_cells_and_memory,
        {"time_days": DAYS, "departures": np.ones_like(DAYS)},
        {
            "time_days": "time_days",
            "departures": "departures",
            "dc_priming_delay_days": "dc_priming_delay_days",
        },
    ),
    "adaptive.recurred_fraction": (
        adaptive.recurred_fraction,
        {"months": np.array([0.0, 12.0]), "memory_at_end": 0.5},
        {
            "months": "months",
            "memory_at_end": "memory",
            "residual_regrowth_rate_per_day": "residual_regrowth_rate_per_day",
        },
    ),
    "outcomes.fitted_arms": (
        outcomes.fitted_arms,
        {"indication": "actinic keratosis"},
        {"indication": "indication"},
    ),
    "clinic.predict_clearance": (
        clinic.predict_clearance,
        {"indication": "actinic keratosis"},
        {
            "indication": "indication",
            "schedule": "schedule",
            "cream_percent": "cream",
            "cream_mg_per_application": "cream_mg",
            "treated_area_cm2": "treated_area",
            "assessed_weeks_after": "assessed_weeks_after",
            "lesions_per_patient": "lesions_per_patient",
            "body_site": "body_site",
            "sex": "sex",
            "until_clear": "until_clear",
            "endpoint": "endpoint",
        },
    ),
    "clinic.virtual_trial": (
        clinic.virtual_trial,
        {"indication": "actinic keratosis", "patients": 50},
        {
            "indication": "indication",
            "patients": "patients",
            "seed": "seed",
            "assessed_weeks_after": "assessed_weeks_after",
            "lesions_per_patient": "lesions_per_patient",
            "body_site": "body_site",
            "sex": "sex",
            "until_clear": "until_clear",
            "endpoint": "endpoint",
        },
    ),
    "clinic.clearance_by_lesion_count": (
        clinic.clearance_by_lesion_count,
        {"indication": "actinic keratosis", "lesion_counts": np.array([1.0, 6.0])},
        {
            "indication": "indication",
            "lesion_counts": "lesion_counts",
            "draws": "draws",
            "body_site": "body_site",
            "sex": "sex",
        },
    ),
    "clinic.time_course": (
        clinic.time_course,
        {
            "indication": "actinic keratosis",
            "schedule": pk.Schedule(2, 16),
            "weeks": np.arange(3.0),
        },
        {"indication": "indication", "schedule": "schedule", "weeks": "weeks", "draws": "draws"},
    ),
    "clinic.kill_course": (
        clinic.kill_course,
        {"schedule": pk.Schedule(2, 16), "last_day": 120.0},
        {
            "schedule": "schedule",
            "last_day": "last_day",
            "condition": "condition",
            "permeability_log_sd": "skin_permeability_log_sd",
            "values": "values",
        },
    ),
    "clinic.prior_of": (
        clinic.prior_of,
        {"name": "tlr7_ec50_uM"},
        {"name": "assumed"},
    ),
    "clinic.assumption_sets": (
        clinic.assumption_sets,
        {"count": 2},
        {"count": "count", "seed": "seed"},
    ),
    "clinic.label_prediction": (
        clinic.label_prediction,
        {"indication": "actinic keratosis", "skin_permeability_log_sd": 0.3},
        {"indication": "indication", "skin_permeability_log_sd": "skin_permeability_log_sd"},
    ),
}
#: arguments that take an array of numbers (a list of numbers is one)
ARRAYS = {
    "concentration_uM",
    "months",
    "weeks",
    "time_days",
    "departures",
    "assessed_weeks_after",
    "lesion_counts",
}
SPOILED = [(entry, argument) for entry, (_, _, args) in CALLS.items() for argument in args]


def test_the_valid_calls_run():
    for entry, (function, valid, _) in CALLS.items():
        assert function(**valid) is not None, entry


@pytest.mark.parametrize(("entry", "argument"), SPOILED)
@given(bad=st.sampled_from(BAD))
@settings(max_examples=len(BAD), deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_bad_argument_is_a_clear_value_error(entry, argument, bad):
    function, valid, names = CALLS[entry]
    known = inspect.signature(function).parameters
    default = known[argument].default if argument in known else inspect.Parameter.empty
    if isinstance(bad, list) and argument in ARRAYS:
        return  # a list of numbers is an array of them
    if bad is None and default is None:
        return  # None is the documented default (the label regimen, the whole course)
    if bad == 1e9 and not isinstance(bad, bool) and argument == "seed":
        return  # any whole seed ≥ 0 is allowed
    if bad is True and argument == "until_clear":
        return  # True is a documented value
    with pytest.raises(ValueError) as raised:
        function(**{**valid, argument: bad})
    assert names[argument].lower() in str(raised.value).lower(), str(raised.value)
