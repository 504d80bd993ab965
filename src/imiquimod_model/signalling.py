"""From TLR7 engagement to NF-κB and IRF7 activity, with the IFN-α loop and tolerance.

The signal through MyD88 is TLR7 engagement reduced by a refractory (tolerance) state,
``S = E·(1 − R)``. It drives three branches, each an activity between 0 and 1:

* NF-κB in monocytes and myeloid dendritic cells (fast);
* NF-κB in keratinocytes (slow);
* IRF7 in plasmacytoid dendritic cells, amplified by IFN-α acting on IFNAR.

Each obeys ``dX/dt = k_on·drive·(1 − X) − k_off·X``, and IFN-α obeys
``dF/dt = k_F·(IRF7 − F)``. Rates are held over each time step and each step is solved
exactly (exponential integrator), so activities stay within [0, 1] and a constant input
reaches the closed-form steady state. Genotypes are switches on the mechanism.

Examples
--------
>>> t = np.arange(0, 48.25, 0.25)
>>> out = simulate_signalling(t, np.ones_like(t), GENOTYPES["MyD88 knockout"])
>>> float(out["irf7"].max()), float(out["nfkb_myeloid"].max())
(0.0, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kinetics import rate_from_half_life, relax, toward
from .parameters import default, validate


@dataclass(frozen=True)
class Genotype:
    """Which parts of the pathway are present."""

    tlr7: bool = True
    myd88: bool = True
    ifnar1: bool = True
    pdc: bool = True


GENOTYPES: dict[str, Genotype] = {
    "wild type": Genotype(),
    "TLR7 knockout": Genotype(tlr7=False),
    "MyD88 knockout": Genotype(myd88=False),
    "IFNAR1 knockout": Genotype(ifnar1=False),
    "pDC depleted": Genotype(pdc=False),
}


def genotype_named(name: str) -> Genotype:
    """The genotype called ``name``; a clear error for an unknown one."""
    if name not in GENOTYPES:
        raise ValueError(f"genotype {name!r} is not one of: {', '.join(GENOTYPES)}")
    return GENOTYPES[name]


def simulate_signalling(
    time_h: np.ndarray,
    engagement: np.ndarray,
    genotype: Genotype = GENOTYPES["wild type"],
    *,
    myeloid_activation_time_h: float = default("myeloid_activation_time_h"),
    myeloid_off_half_life_h: float = default("myeloid_off_half_life_h"),
    keratinocyte_activation_time_h: float = default("keratinocyte_activation_time_h"),
    keratinocyte_off_half_life_h: float = default("keratinocyte_off_half_life_h"),
    irf7_activation_time_h: float = default("irf7_activation_time_h"),
    irf7_off_half_life_h: float = default("irf7_off_half_life_h"),
    ifn_loop_gain: float = default("ifn_loop_gain"),
    ifn_loop_half_saturation: float = default("ifn_loop_half_saturation"),
    tolerance_onset_time_h: float = default("tolerance_onset_time_h"),
    tolerance_recovery_half_life_h: float = default("tolerance_recovery_half_life_h"),
    ifn_alpha_half_life_h: float = default("ifn_alpha_half_life_h"),
) -> dict[str, np.ndarray]:
    """Branch activities (0–1) and IFN-α (relative units) on the grid ``time_h`` (h).

    ``engagement`` is the TLR7 engagement (0–1) at each time, held until the next one.
    """
    t = np.asarray(time_h, dtype=float)
    e = np.asarray(engagement, dtype=float)
    if t.ndim != 1 or t.shape != e.shape or len(t) < 2 or np.any(np.diff(t) <= 0):
        raise ValueError("time_h must increase and match engagement in length")
    if np.any(~np.isfinite(e)) or np.any((e < 0) | (e > 1)):
        raise ValueError("engagement (TLR7 engagement) must lie between 0 and 1")
    if not isinstance(genotype, Genotype):
        raise ValueError("genotype must be a signalling.Genotype; see GENOTYPES")
    k_n_on = 1 / validate("myeloid_activation_time_h", myeloid_activation_time_h)
    k_n_off = rate_from_half_life(validate("myeloid_off_half_life_h", myeloid_off_half_life_h))
    k_k_on = 1 / validate("keratinocyte_activation_time_h", keratinocyte_activation_time_h)
    k_k_off = rate_from_half_life(
        validate("keratinocyte_off_half_life_h", keratinocyte_off_half_life_h)
    )
    k_i_on = 1 / validate("irf7_activation_time_h", irf7_activation_time_h)
    k_i_off = rate_from_half_life(validate("irf7_off_half_life_h", irf7_off_half_life_h))
    gain = validate("ifn_loop_gain", ifn_loop_gain)
    has_ifnar = 1.0 if genotype.ifnar1 else 0.0
    half_sat = validate("ifn_loop_half_saturation", ifn_loop_half_saturation)
    k_r_on = 1 / validate("tolerance_onset_time_h", tolerance_onset_time_h)
    k_r_off = rate_from_half_life(
        validate("tolerance_recovery_half_life_h", tolerance_recovery_half_life_h)
    )
    k_f = rate_from_half_life(validate("ifn_alpha_half_life_h", ifn_alpha_half_life_h))

    seen = e if genotype.tlr7 else np.zeros_like(e)  # no receptor, nothing engaged
    passes = 1.0 if genotype.myd88 else 0.0
    in_pdc = 1.0 if genotype.pdc else 0.0
    n = len(t)
    out = {
        key: np.zeros(n)
        for key in (
            "signal",
            "refractory",
            "nfkb_myeloid",
            "nfkb_keratinocyte",
            "irf7",
            "ifnar_signal",
            "ifn_alpha",
        )
    }
    r = nm = nk = i7 = f = 0.0
    for k in range(n - 1):
        dt = t[k + 1] - t[k]
        s = passes * seen[k] * (1.0 - r)
        ifnar = has_ifnar * f / (half_sat + f)
        out["signal"][k], out["ifnar_signal"][k] = s, ifnar
        r = relax(r, k_r_on * passes * seen[k], k_r_off, dt)
        nm = relax(nm, k_n_on * s, k_n_off, dt)
        nk = relax(nk, k_k_on * s, k_k_off, dt)
        i7_before = i7
        i7 = relax(i7, k_i_on * s * in_pdc * (1.0 + gain * ifnar), k_i_off, dt)
        f = toward(f, i7_before, k_f, dt)  # dF/dt = k_F (IRF7 − F)
        out["refractory"][k + 1] = r
        out["nfkb_myeloid"][k + 1] = nm
        out["nfkb_keratinocyte"][k + 1] = nk
        out["irf7"][k + 1] = i7
        out["ifn_alpha"][k + 1] = f
    out["signal"][-1] = passes * seen[-1] * (1.0 - r)
    out["ifnar_signal"][-1] = has_ifnar * f / (half_sat + f)
    return out
