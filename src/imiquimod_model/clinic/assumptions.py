"""The assumed numbers carried through: a prior over each one's documented range, plausible
sets drawn from them, and the reason each number left out is held at its value.

A number no source pins down is not one value but a range (the registry's ``low`` to
``high``). The calibration draws sets of these numbers from their priors, uniform over the
range, or log-uniform where it spans a factor of ten or more, or shaped by a count where a
trial reported one (COUNTED), by a scrambled Sobol sequence (so a few hundred sets fill the
space evenly), keeps only those that respect the orderings physiology fixes (ORDERINGS) and
whose chain still gives every verdict of Drobits et al. 2012 (a *plausible* set, as in the
virtual populations of Allen et al. 2016), and weighs each by how well it explains the
trial arms.

Examples
--------
>>> prior_of("pdc_killing_rate_per_day").log
True
>>> sets = assumption_sets(4, seed=1)
>>> len(sets), all(len(s) == len(SAMPLED) for s in sets)
(4, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..killers import (
    OWN_NUMBERS,
    PAPER_OUTCOME,
    SIGNALLING_NUMBERS,
    tumour_course,
    verdict,
)
from ..parameters import PARAMETERS, default, validate

#: the assumed numbers the calibration samples: every assumed number that acts on a trial's
#: result through the chain from cream to kill, the virtual patients or the design
SAMPLED = (
    # cream to free drug (chapter 1)
    "stratum_corneum_flux_ug_per_cm2_h",
    "unbound_fraction_in_skin",
    "aqueous_solubility_uM",
    "viable_skin_half_life_h",
    # the receptor and its signal (chapters 1 and 2)
    "tlr7_ec50_uM",
    "tlr7_hill_coefficient",
    "tolerance_onset_time_h",
    "tolerance_recovery_half_life_h",
    "ifn_loop_gain",
    # mast cells, CCL2 and killer pDCs (chapter 3)
    "mast_activation_time_h",
    "mast_off_half_life_h",
    "ccl2_production_gain",
    "pdc_skin_half_life_h",
    "killer_activation_time_h",
    "killer_off_half_life_h",
    "pdc_killing_rate_per_day",
    "direct_apoptosis_ec50_uM",
    "direct_apoptosis_max_rate_per_day",
    # T cells and memory (chapter 4)
    "effector_t_cell_half_life_days",
    "t_cell_killing_rate_per_day",
    "memory_half_life_days",
    "memory_killing_rate_per_day",
    # the virtual patients and the design (chapter 5)
    "skin_permeability_log_sd",
    "lesion_log10_burden_sd",
    "severe_reaction_log_sd",
    "withdrawal_share_of_severe_reactions",
    "residual_regrowth_rate_per_day",
    "one_cell_log10",
    "histology_detection_log10",
    "site_flux_factor_forearms_and_hands",
    "site_flux_factor_trunk_or_extremities",
    "site_flux_factor_anogenital_moist",
    "site_flux_factor_anogenital_keratinised",
    "keratinised_wart_share_women",
    "keratinised_wart_share_men",
)

#: assumed numbers held at their value, and why
HELD = {
    "cytokine half-lives but IFN-α's (IL-1, IL-6, IL-8, IL-12, TNF-α)": (
        "they shape chapter 2's cytokine curves, not the signal that drives the killers"
    ),
    "hour-scale signalling kinetics (myeloid, keratinocyte and IRF7 on and off times, "
    "IFN loop half-saturation, IFN-α half-life, monocyte share)": (
        "they act within hours of an application; a course's kill integrates over weeks"
    ),
    "TLR7 priming gain and half-life; adenosine receptor Ki": (
        "chapter 2's repeat-dosing facts and the adenosine branch; no path to the kill "
        "large enough to move a trial, by chapter 2's sensitivity screen"
    ),
    "the mouse tumour's growth and capacity; the residual TRAIL/granzyme B killing; "
    "the T, B and NK cell rate and onset": (
        "they describe the mouse experiments of chapter 3, which the plausibility check "
        "keeps, not patients' lesions"
    ),
    "T-cell recruitment gain, DC priming delay, memory formation rate": (
        "their product with the T-cell and memory kill rates is what acts; the kill rates "
        "are sampled"
    ),
    "chapter 4's recurrence residue (median and spread)": "not used by the clinic's chain",
    "the serum half-life and volume of distribution": "serum drug does not reach the lesion",
    "skin layer depth, stratum corneum half-life and turnover": (
        "they set the same free concentration as the flux and the unbound fraction, which "
        "are sampled"
    ),
}


#: assumed numbers whose prior is shaped by a count a trial reported: (events, of how
#: many, source). Withdrawals: in the daily 2.5% and 3.75% wart trials 6 women stopped for
#: treatment-related adverse events and 15 had a severe application-site reaction (Baker
#: 2011, table 3); read as 6 withdrawals among 15 severe reactions, with a uniform prior
#: before the count, the share is beta(7, 10) (whether those who stopped were those who
#: reacted was not reported, so the count cannot pin it down further)
COUNTED = {"withdrawal_share_of_severe_reactions": (6, 15, "Baker2011")}

#: pairs of assumed numbers whose order physiology fixes: (lower, higher, why). The stratum
#: corneum is the skin's barrier (the barrier tracks its number of cell layers, Ya-Xian
#: 1999), and moist, non-keratinised epithelium has none to speak of, so moist anogenital
#: skin cannot let in less drug than keratinised genital skin
ORDERINGS = (
    (
        "site_flux_factor_anogenital_keratinised",
        "site_flux_factor_anogenital_moist",
        "moist skin has less stratum corneum than keratinised skin",
    ),
)


@dataclass(frozen=True)
class Prior:
    """Uniform over ``low`` to ``high`` (in the number's unit), or over their logarithms,
    or, with ``counts`` (events, of how many), the beta distribution a uniform prior
    becomes after that count, stretched over ``low`` to ``high``."""

    name: str
    low: float
    high: float
    log: bool
    counts: tuple[int, int] | None = None

    def value_at(self, u: np.ndarray) -> np.ndarray:
        """The number at quantile ``u`` (0–1) of the prior."""
        if self.counts is not None:
            from scipy.stats import beta

            events, total = self.counts
            share = beta.ppf(u, 1 + events, 1 + total - events)
            return self.low + share * (self.high - self.low)
        if self.log:
            return np.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)

    def quantile_of(self, value: float) -> float:
        """The prior quantile (0–1) of ``value`` (in the number's unit)."""
        if self.counts is not None:
            from scipy.stats import beta

            events, total = self.counts
            share = (value - self.low) / (self.high - self.low)
            return float(beta.cdf(share, 1 + events, 1 + total - events))
        if self.log:
            return math.log(value / self.low) / math.log(self.high / self.low)
        return (value - self.low) / (self.high - self.low)


def prior_of(name: str) -> Prior:
    """The prior over an assumed number's registry range: shaped by its count where COUNTED
    has one, else log-uniform where the range spans a factor of ten or more (and starts
    above 0), uniform otherwise."""
    if not isinstance(name, str) or name not in SAMPLED:
        raise ValueError(f"{name!r} is not an assumed number the calibration samples")
    p = PARAMETERS[name]
    if name in COUNTED:
        events, total, _ = COUNTED[name]
        return Prior(name, p.low, p.high, False, (events, total))
    return Prior(name, p.low, p.high, p.low > 0 and p.high / p.low >= 10)


Values = tuple[tuple[str, float], ...]


def values_at(units: np.ndarray) -> Values:
    """The set of SAMPLED numbers ((name, value) pairs, sorted by name) at prior quantiles
    ``units`` (0–1, in SAMPLED's order)."""
    return tuple(
        sorted(
            (name, float(validate(name, float(prior_of(name).value_at(u)))))
            for name, u in zip(SAMPLED, units, strict=True)
        )
    )


def sobol_units(count: int, seed: int = 2026) -> np.ndarray:
    """``count`` points of a scrambled Sobol sequence over the unit cube of SAMPLED's prior
    quantiles (rows × numbers); the same seed gives the same points."""
    from scipy.stats import qmc

    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 4096:
        raise ValueError(f"count = {count!r} must be a whole number of sets from 1 to 4096")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed = {seed!r} must be a whole number ≥ 0")
    return qmc.Sobol(len(SAMPLED), scramble=True, seed=seed).random(count)


def assumption_sets(count: int, seed: int = 2026) -> list[Values]:
    """``count`` sets of the SAMPLED numbers ((name, value) pairs, sorted by name) from a
    scrambled Sobol sequence over their priors; the same seed gives the same sets."""
    return [values_at(row) for row in sobol_units(count, seed)]


#: the numbers the mouse experiments of chapter 3 see (the killers, their signal, TLR7)
_MOUSE = {*OWN_NUMBERS, *SIGNALLING_NUMBERS, "tlr7_ec50_uM"}


def keeps_orderings(values: tuple[tuple[str, float], ...]) -> bool:
    """Whether the numbers (the registry's where ``values`` is silent) keep every order of
    ORDERINGS."""
    given = dict(values)
    return all(
        given.get(lower, default(lower)) <= given.get(higher, default(higher))
        for lower, higher, _ in ORDERINGS
    )


def plausible(values: tuple[tuple[str, float], ...]) -> bool:
    """Whether the numbers keep the orderings physiology fixes and the chain with them still
    gives every verdict of Drobits et al. 2012 (wild type and lymphocyte-free mice regress,
    every knockout does not, blocking TRAIL and granzyme B impairs), the wild type first
    (most sets that fail, fail there)."""
    if not keeps_orderings(values):
        return False
    rates = {name: v for name, v in values if name in _MOUSE}
    untreated = tumour_course("untreated", **rates)["tumour"][-1]
    return all(
        verdict(tumour_course(condition, **rates)["tumour"][-1], untreated) == stated
        for condition, stated in PAPER_OUTCOME.items()
    )
