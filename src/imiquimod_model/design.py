"""A trial's design: whose lesions were treated, where, and how the result was read.

A trial's result depends on its design as much as on its cream schedule. Complete
clearance needs every lesion gone, so the number of lesions per patient matters; the
body site sets how much drug crosses the skin; in genital warts the patients' sex decides
how many warts sit on moist, thin-barrier skin and how many on keratinised skin; and the
endpoint decides what counts as clear (the eye, the microscope, or staying clear later).

A :class:`Design` holds these; :func:`design_for` fills what is not given from the
indication's label trials and checks every value; :func:`arm_design` reads a published
arm's. Each design gives the kinds of skin its lesions sit on, as (flux factor, share of
lesions) pairs, for the pharmacokinetic model.

Examples
--------
>>> d = design_for("external genital warts", sex="women")
>>> d.body_site, d.until_clear, [round(s, 2) for _, s in d.skin_classes()]
('anogenital', True, [0.8, 0.2])
>>> design_for("actinic keratosis", lesions_per_patient=0.5)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: lesions_per_patient = 0.5 (the trial's mean lesions per patient) must be ...
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from .outcomes import INDICATIONS, TrialArm
from .parameters import default, one_of, value_of

BODY_SITES = ("face or scalp", "forearms and hands", "trunk or extremities", "anogenital")
SEXES = ("women", "men", "mixed")
ENDPOINTS = ("complete clearance", "histological clearance", "tumour-free")
#: the registry's flux factor of each body site but the anogenital skin (two kinds)
SITE_FLUX_FACTOR = {
    "face or scalp": None,  # the reference: 1
    "forearms and hands": "site_flux_factor_forearms_and_hands",
    "trunk or extremities": "site_flux_factor_trunk_or_extremities",
}
MOST_LESIONS = 100.0
MOST_WEEKS_AFTER = 520.0


@dataclass(frozen=True)
class Design:
    """Who was treated and how the result was read (see the module's text)."""

    lesions_per_patient: float  # the trial's mean, 1 upward
    body_site: str
    sex: str  # "women", "men" or "mixed"; matters on anogenital skin only
    until_clear: bool  # patients stopped once clear (cleared "by" the assessment)
    endpoint: str
    assessed_weeks_after: tuple[float, ...]  # after the last course; clear at each

    def skin_classes(
        self, values: tuple[tuple[str, float], ...] = ()
    ) -> tuple[tuple[float, float], ...]:
        """(flux factor relative to the face or scalp, share of lesions) for each kind of
        skin the lesions sit on; ``values`` ((name, value) pairs) may replace the registry's
        site factors and shares."""
        if self.body_site != "anogenital":
            name = SITE_FLUX_FACTOR[self.body_site]
            return ((1.0 if name is None else value_of(name, values), 1.0),)
        mixed = value_of("women_share_of_wart_patients", values)
        women = {"women": 1.0, "men": 0.0, "mixed": mixed}[self.sex]
        keratinised = women * value_of("keratinised_wart_share_women", values) + (
            1 - women
        ) * value_of("keratinised_wart_share_men", values)
        return (
            (value_of("site_flux_factor_anogenital_moist", values), 1.0 - keratinised),
            (value_of("site_flux_factor_anogenital_keratinised", values), keratinised),
        )

    @property
    def cleared(self) -> str:
        """ "by" the assessment (stopped once clear) or "at" it."""
        return "by" if self.until_clear else "at"

    @property
    def histological(self) -> bool:
        """Whether clearance was read by the microscope (at excision), not by eye."""
        return self.endpoint == "histological clearance"


#: the label trials' design of each indication
LABEL_DESIGN = {
    "actinic keratosis": Design(
        default("ak_lesions_per_patient"),
        "face or scalp",
        "mixed",
        False,
        "complete clearance",
        (8.0,),
    ),
    "superficial basal cell carcinoma": Design(
        default("sbcc_tumours_per_patient"),
        "trunk or extremities",
        "mixed",
        False,
        "histological clearance",
        (12.0,),
    ),
    "external genital warts": Design(
        default("egw_warts_per_patient"), "anogenital", "mixed", True, "complete clearance", (0.0,)
    ),
}


def _weeks_after(value: object) -> tuple[float, ...]:
    """Assessment times in weeks after the course: one number or a list of them."""
    values = value if isinstance(value, list | tuple) else [value]
    if not values or not all(
        isinstance(v, numbers.Real)
        and not isinstance(v, bool)
        and math.isfinite(v)
        and 0 <= v <= MOST_WEEKS_AFTER
        for v in values
    ):
        raise ValueError(
            f"assessed_weeks_after = {value!r} weeks must be a number (or list of numbers) "
            f"from 0 to {MOST_WEEKS_AFTER:g}"
        )
    return tuple(float(v) for v in values)


def design_for(
    indication: str,
    *,
    lesions_per_patient: float | None = None,
    body_site: str | None = None,
    sex: str | None = None,
    until_clear: bool | None = None,
    endpoint: str | None = None,
    assessed_weeks_after: float | tuple[float, ...] | None = None,
) -> Design:
    """The design of a trial of ``indication``: what is given, and the label trials' design
    for the rest. Every value is checked; a bad one raises a ``ValueError`` naming it."""
    label = LABEL_DESIGN[one_of("indication", indication, INDICATIONS)]
    if lesions_per_patient is not None:
        if (
            isinstance(lesions_per_patient, bool)
            or not isinstance(lesions_per_patient, numbers.Real)
            or not 1 <= lesions_per_patient <= MOST_LESIONS
        ):
            raise ValueError(
                f"lesions_per_patient = {lesions_per_patient!r} (the trial's mean lesions per "
                f"patient) must be a number from 1 to {MOST_LESIONS:g}"
            )
        lesions_per_patient = float(lesions_per_patient)
    if until_clear is not None and not isinstance(until_clear, bool):
        raise ValueError(f"until_clear = {until_clear!r} must be True or False")
    given = {
        "lesions_per_patient": lesions_per_patient,
        "body_site": None if body_site is None else one_of("body_site", body_site, BODY_SITES),
        "sex": None if sex is None else one_of("sex", sex, SEXES),
        "until_clear": until_clear,
        "endpoint": None if endpoint is None else one_of("endpoint", endpoint, ENDPOINTS),
        "assessed_weeks_after": None
        if assessed_weeks_after is None
        else _weeks_after(assessed_weeks_after),
    }
    return Design(
        **{
            field: getattr(label, field) if value is None else value
            for field, value in given.items()
        }
    )


#: a published arm's endpoint → the design's
ARM_ENDPOINT = {
    "complete clearance": "complete clearance",
    "complete clearance overall": "complete clearance",
    "complete clearance in women (pooled)": "complete clearance",
    "complete clearance in men (pooled)": "complete clearance",
    "complete clearance in women": "complete clearance",
    "complete clearance in men": "complete clearance",
    "initial clinical clearance": "complete clearance",
    "histological clearance": "histological clearance",
    "tumour-free at 12 months": "tumour-free",
    "tumour-free at 5 years": "tumour-free",
}


def arm_design(arm: TrialArm) -> Design:
    """A published arm's design: what the trial reported, the label's for the rest (a
    body site the trial did not name is the indication's label site)."""
    site = arm.body_site if arm.body_site in BODY_SITES else None
    return design_for(
        arm.indication,
        lesions_per_patient=arm.lesions_per_patient,
        body_site=site,
        sex=arm.sex or None,
        until_clear=arm.cleared == "by",
        endpoint=ARM_ENDPOINT[arm.endpoint],
        assessed_weeks_after=arm.assessed_weeks_after or None,
    )
