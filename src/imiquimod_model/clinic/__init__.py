"""Virtual patients: the whole chain, from a course of cream to a trial's clearance rate.

Each virtual patient has a skin permeability ``q`` (a factor on the flux of chapter 1), an
immune responsiveness ``r`` (a factor on every immune kill rate of chapters 3 and 3b:
killer pDCs, effector T cells, memory) and a number of lesions of different sizes. Both
factors are log-normal across patients; lesion sizes ``L`` (log10 of the smallest size
seen in clinic) are normal across lesions. For a patient the chain gives, on every day of
the course and after it, the cumulative immune kill ``K(t)`` and direct (TLR-independent)
kill ``A(t)``; a lesion's log burden is

    ln B(t)/B(0) = ρ_h·t − r·K(t) − A(t),

so a lesion of size ``L`` is below clinical detection at ``t`` when
``L ≤ −ln(B/B0)/ln 10``, and is cured (extinct) once its burden has fallen below one cell.
Antigen-loaded dendritic cells leave at the rate the killer pDCs kill, per unit of tumour
(:func:`adaptive.t_cells_and_memory`), so priming does not depend on a lesion's size.

A patient is clear when every lesion is. A share of patients clear on vehicle (the
trial's background); the drug clears the rest as the chain says. Severe local reactions
rise with the patient's local inflammatory signal (the weekly mean of the MyD88 signal,
times ``r``); a share of those patients stop applying at the height of the reaction.

The population is integrated by Gauss–Hermite quadrature over ``ln q`` and ``ln r`` and in
closed form over lesions, so the likelihood is smooth and every result is reproducible.

Examples
--------
>>> from imiquimod_model.clinic import predict_clearance
>>> p = predict_clearance("superficial basal cell carcinoma")
>>> 50 < p.percent < 100 and p.low <= p.percent <= p.high
True

The package's modules, each one job, in the order they build on each other:
:mod:`.courses` (the chain on one patient's skin), :mod:`.patients` (a population's lesions),
:mod:`.bands` (where a new trial may land), :mod:`.assumptions` (priors over the
assumed numbers), :mod:`.calibration` (the likelihood and the fit),
:mod:`.store` (the stored fit), :mod:`.proposal` (where sets are drawn),
:mod:`.selection` (the virtual population), :mod:`.stacking` (its weights, by prediction),
:mod:`.predictions` (a trial of any design), :mod:`.scores`
(held-out trials, baselines, misfits) and :mod:`.refit` (the whole calibration, run by hand).
"""

from ..outcomes import INDICATIONS, arm_id
from .assumptions import HELD, SAMPLED, Prior, assumption_sets, plausible, prior_of
from .bands import (
    TRIAL_EFFECT_NODES,
    count_quantiles,
    expected_miss,
    own_trial_shares,
    same_trial_count_quantiles,
    share_quantiles,
    shifted_effect,
)
from .calibration import (
    BACKGROUND_BOUNDS,
    BOUNDS,
    CLEARANCE_ENDPOINTS,
    FIRST_BACKGROUND,
    HIDDEN_RESIDUE_ENDPOINT,
    PARAMETER_NAMES,
    REACTION_ENDPOINT,
    TRIAL_SPREAD,
    TRIAL_SPREAD_PRIOR_SCALE,
    Prepared,
    arm_parts,
    arm_probabilities,
    arm_schedule,
    background_trials,
    bounds_of,
    burden_of,
    calibration_arms,
    importance_evidence,
    indication_mean_background,
    laplace_covariance,
    laplace_draws,
    log_likelihood,
    log_posterior,
    log_prior,
    posterior_mode,
    prepared,
    sex_arms,
    solve_chains,
    trial_log_likelihoods,
)
from .courses import (
    DAYS_PER_WEEK,
    INFLAMMATION_WINDOW_H,
    PERMEABILITY_NODES,
    SIMULATED_AFTER_DAYS,
    KillCourse,
    Skin,
    chain_values,
    kill_course,
    kill_courses,
    normal_quadrature,
    skin_of,
    skins_of,
)
from .patients import (
    INDICATION,
    LN10,
    POPULATION_FIELDS,
    RESPONSIVENESS_NODES,
    ArmPrediction,
    Indication,
    Population,
    all_clear,
    assessment_days,
    clear_thresholds,
    course_outcome,
    indication_named,
    lesion_log_burden,
    population_for,
    regrowth_after_stop,
    visible_lesion_below,
)
from .predictions import (
    DESIGN_ARGUMENTS,
    PATIENT_ASSUMPTIONS,
    PREDICTION_DRAWS,
    Prediction,
    clearance_by_lesion_count,
    fitted_outcome,
    label_prediction,
    predict_clearance,
    prediction_sample,
    time_course,
    virtual_trial,
)
from .proposal import Proposal, profiles, proposal_from, systematic_resample
from .scores import (
    KNOWN_MISFITS,
    SCORED_BANDS,
    SCORED_QUANTILES,
    held_out_trials,
    in_sample_bands,
    indication_average_leave_one_trial_out,
    leave_one_trial_out,
    modelled_share,
    one_hit_leave_one_trial_out,
    predictive_bands,
    same_trial_band,
    share_in_its_trial,
)
from .selection import (
    DrawnSets,
    SetFit,
    Values,
    draw_population,
    effective_sample_size,
    fit_population,
    fit_set,
    normalised,
    pooled,
    weighted_quantiles,
)
from .store import (
    FIT_FILE,
    REGISTRY_VALUES,
    draw_sets,
    fitted,
    indication_background,
    mode_vector,
    posterior_sample,
    registry_values,
    store_in_registry,
    stored_sets,
)

__all__ = [
    "BACKGROUND_BOUNDS",
    "BOUNDS",
    "CLEARANCE_ENDPOINTS",
    "DAYS_PER_WEEK",
    "DESIGN_ARGUMENTS",
    "FIRST_BACKGROUND",
    "FIT_FILE",
    "HELD",
    "HIDDEN_RESIDUE_ENDPOINT",
    "INDICATION",
    "INDICATIONS",
    "INFLAMMATION_WINDOW_H",
    "KNOWN_MISFITS",
    "LN10",
    "PARAMETER_NAMES",
    "PATIENT_ASSUMPTIONS",
    "PERMEABILITY_NODES",
    "POPULATION_FIELDS",
    "PREDICTION_DRAWS",
    "REACTION_ENDPOINT",
    "REGISTRY_VALUES",
    "RESPONSIVENESS_NODES",
    "SAMPLED",
    "SCORED_BANDS",
    "SCORED_QUANTILES",
    "SIMULATED_AFTER_DAYS",
    "TRIAL_EFFECT_NODES",
    "TRIAL_SPREAD",
    "TRIAL_SPREAD_PRIOR_SCALE",
    "ArmPrediction",
    "DrawnSets",
    "Indication",
    "KillCourse",
    "Population",
    "Prediction",
    "Prepared",
    "Prior",
    "Proposal",
    "SetFit",
    "Skin",
    "Values",
    "all_clear",
    "arm_id",
    "arm_parts",
    "arm_probabilities",
    "arm_schedule",
    "assessment_days",
    "assumption_sets",
    "background_trials",
    "bounds_of",
    "burden_of",
    "calibration_arms",
    "chain_values",
    "clear_thresholds",
    "clearance_by_lesion_count",
    "count_quantiles",
    "course_outcome",
    "draw_population",
    "draw_sets",
    "effective_sample_size",
    "expected_miss",
    "fit_population",
    "fit_set",
    "fitted",
    "fitted_outcome",
    "held_out_trials",
    "importance_evidence",
    "in_sample_bands",
    "indication_average_leave_one_trial_out",
    "indication_background",
    "indication_mean_background",
    "indication_named",
    "kill_course",
    "kill_courses",
    "label_prediction",
    "laplace_covariance",
    "laplace_draws",
    "leave_one_trial_out",
    "lesion_log_burden",
    "log_likelihood",
    "log_posterior",
    "log_prior",
    "mode_vector",
    "modelled_share",
    "normal_quadrature",
    "normalised",
    "one_hit_leave_one_trial_out",
    "own_trial_shares",
    "plausible",
    "pooled",
    "population_for",
    "posterior_mode",
    "posterior_sample",
    "predict_clearance",
    "prediction_sample",
    "predictive_bands",
    "prepared",
    "prior_of",
    "profiles",
    "proposal_from",
    "registry_values",
    "regrowth_after_stop",
    "same_trial_band",
    "same_trial_count_quantiles",
    "sex_arms",
    "share_in_its_trial",
    "share_quantiles",
    "shifted_effect",
    "skin_of",
    "skins_of",
    "solve_chains",
    "store_in_registry",
    "stored_sets",
    "systematic_resample",
    "time_course",
    "trial_log_likelihoods",
    "virtual_trial",
    "visible_lesion_below",
    "weighted_quantiles",
]
