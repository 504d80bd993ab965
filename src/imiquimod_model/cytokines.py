"""Cytokines: which cell makes which, and how each level follows its producing branch.

Each cytokine ``X`` obeys the linear equation ``dX/dt = k_X·(driver − X)`` with
``k_X = ln 2 / t½``: production proportional to the activity of the branch in its producing
cells, first-order decay. Levels are in relative units (1 = the level a fully and
permanently active branch would sustain; 0 = baseline), because no absolute skin
concentrations were found. IFN-α is computed inside the signalling model, since it feeds
back on IRF7 through IFNAR.

Examples
--------
>>> t = np.arange(0, 24.25, 0.25)
>>> x = linear_cytokine(t, np.ones_like(t), half_life_h=1.0)
>>> round(float(x[4]), 3)  # after 1 h, one half-life: halfway to the driver
0.5
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

from . import pk
from .parameters import default, real_numbers, validate
from .receptor import adenosine_receptor_occupancy, tlr7_engagement
from .signalling import genotype_named, simulate_signalling

#: cytokine → (producing cells in the model, what drives them, citation keys for that).
PRODUCERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "ifn_alpha": (
        "plasmacytoid dendritic cells",
        "TLR7 → IRF7",
        ("Gorden2005", "Ito2002", "Kawai2004"),
    ),
    "tnf_alpha": (
        "mostly monocytes; pDCs",
        "TLR7 → NF-κB",
        ("Testerman1995", "Gorden2005", "Hemmi2002"),
    ),
    "il1": ("mostly monocytes; pDCs", "TLR7 → NF-κB", ("Testerman1995", "Gorden2005")),
    "il6": (
        "mostly monocytes, and pDCs; keratinocytes",
        "TLR7 → NF-κB; adenosine-receptor antagonism (no TLR)",
        ("Testerman1995", "KeratinocyteIMQ1994", "Schon2006"),
    ),
    "il8": (
        "keratinocytes",
        "adenosine-receptor antagonism (no TLR)",
        ("KeratinocyteIMQ1994", "Imbertson1998", "Schon2006"),
    ),
    "il12": (
        "myeloid DCs and monocytes (driven in the model by the pDC and monocyte NF-κB)",
        "TLR7 → NF-κB; TLR8 agonists induce more",
        ("Ito2002", "Gorden2005"),
    ),
}
NAMES = {
    "ifn_alpha": "IFN-α",
    "tnf_alpha": "TNF-α",
    "il1": "IL-1",
    "il6": "IL-6",
    "il8": "IL-8",
    "il12": "IL-12",
}


def linear_cytokine(time_h: np.ndarray, driver: np.ndarray, half_life_h: float) -> np.ndarray:
    """Exact solution of dX/dt = k(driver − X), X(0) = 0, with the driver held per step.

    ``time_h`` must be evenly spaced (h); ``half_life_h`` is the decay half-life (h).
    """
    t = real_numbers("time_h", time_h, "h")
    steps = np.diff(t)
    if len(t) < 2 or not np.allclose(steps, steps[0]) or steps[0] <= 0:
        raise ValueError("time_h must be evenly spaced and increasing")
    if not 0 < half_life_h < math.inf:
        raise ValueError(f"half_life_h = {half_life_h!r} h must be positive and finite")
    a = math.exp(-math.log(2.0) / half_life_h * steps[0])
    return lfilter([0.0, 1.0 - a], [1.0, -a], real_numbers("driver", driver))


def cytokine_response(
    time_h: np.ndarray,
    engagement: np.ndarray,
    genotype: str = "wild type",
    *,
    adenosine_occupancy: np.ndarray,
    tnf_alpha_half_life_h: float = default("tnf_alpha_half_life_h"),
    il1_half_life_h: float = default("il1_half_life_h"),
    il6_half_life_h: float = default("il6_half_life_h"),
    il8_half_life_h: float = default("il8_half_life_h"),
    il12_half_life_h: float = default("il12_half_life_h"),
    **signalling_rates: float,
) -> dict[str, np.ndarray]:
    """Branch activities and the six cytokines (relative units) for a TLR7 engagement and
    an adenosine-receptor occupancy (each 0–1, on the grid ``time_h``, h).

    ``signalling_rates`` are the keyword arguments of
    :func:`~imiquimod_model.signalling.simulate_signalling` (registry names).
    """
    branches = simulate_signalling(
        time_h,
        engagement,
        genotype_named(genotype),
        adenosine_occupancy=adenosine_occupancy,
        **signalling_rates,
    )
    immune = branches["nfkb_immune"]
    keratinocyte = branches["nfkb_keratinocyte"]
    halves = {
        "tnf_alpha": (immune, tnf_alpha_half_life_h),
        "il1": (immune, il1_half_life_h),
        "il6": (0.5 * (immune + keratinocyte), il6_half_life_h),
        "il8": (keratinocyte, il8_half_life_h),
        "il12": (immune, il12_half_life_h),
    }
    out = dict(branches)
    for name, (driver, half_life) in halves.items():
        out[name] = linear_cytokine(time_h, driver, validate(f"{name}_half_life_h", half_life))
    return out


def cytokines_after_cream(
    schedule: pk.Schedule,
    *,
    duration_h: float,
    genotype: str = "wild type",
    tlr7_ec50_uM: float = default("tlr7_ec50_uM"),
    adenosine_receptor_ki_uM: float = default("adenosine_receptor_ki_uM"),
    time_step_h: float = 0.25,
    **rates: float,
) -> dict[str, np.ndarray]:
    """The whole chain, cream → free drug in skin → TLR7 and adenosine receptors →
    branches → cytokines, over ``duration_h`` h. The cream, its strength and the area
    come with ``schedule``.

    ``rates`` are cytokine half-lives and signalling rates (registry names).
    """
    genotype_named(genotype)  # a clear error before the PK solve, not after
    exposure = pk.topical_exposure(schedule, duration_h=duration_h, time_step_h=time_step_h)
    free = exposure.free_concentration_uM
    engagement = tlr7_engagement(free, tlr7_ec50_uM)
    occupancy = adenosine_receptor_occupancy(free, adenosine_receptor_ki_uM)
    out = cytokine_response(
        exposure.time_h, engagement, genotype, adenosine_occupancy=occupancy, **rates
    )
    out["time_h"] = exposure.time_h
    out["engagement"] = engagement
    out["adenosine_occupancy"] = occupancy
    return out
