"""From free imiquimod to NF-κB and IRF7 activity, cell type by cell type.

The TLR7 signal through MyD88 is TLR7 engagement reduced by tolerance and raised by
sensitisation, ``S = E·(1 − R)·(1 + g_P·P)``:

* tolerance ``R`` is loss of TLR7 built up by engagement itself, not by interferon
  (Koga-Yamakawa et al. 2015): ``dR/dt = E/τ_R·(1 − R) − k_R·R``;
* sensitisation ``P`` (stored as ``priming``) is TLR7 induced by interferon between
  doses (Fidock et al. 2011): ``dP/dt = k_P·(Φ − P)``, with ``Φ`` the IFNAR signal.

The signal drives, each an activity between 0 and 1:

* IRF7 in plasmacytoid dendritic cells, the cells a TLR7 agonist acts on directly
  (Gorden et al. 2005), amplified by IFN-α acting on IFNAR;
* NF-κB in the TLR7-bearing immune cells, whose cytokines (TNF-α, IL-1, IL-6) come
  mostly from monocytes: "Monocytes were largely responsible for the cytokines produced"
  (Testerman et al. 1995). The monocytes' share ``m`` of the NF-κB drive is a registry
  number; pDCs carry the rest.

Apart from TLR7, free imiquimod antagonises adenosine receptors (occupancy ``A``) and so
drives NF-κB in keratinocytes without TLR7, TLR8 or immune cells (Schön et al. 2006).

Each branch obeys ``dX/dt = k_on·drive·(1 − X) − k_off·X``, and IFN-α obeys
``dF/dt = k_F·(IRF7 − F)``. Rates are held over each time step and each step is solved
exactly (exponential integrator), so activities stay within [0, 1] and a constant input
reaches the closed-form steady state. Genotypes are switches on the mechanism.

Examples
--------
>>> t = np.arange(0, 48.25, 0.25)
>>> on = np.ones_like(t)
>>> out = simulate_signalling(t, on, GENOTYPES["MyD88 knockout"], adenosine_occupancy=on / 2)
>>> float(out["irf7"].max()), float(out["nfkb_immune"].max())
(0.0, 0.0)
>>> bool(out["nfkb_keratinocyte"].max() > 0)  # the TLR-independent branch remains
True
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from .kinetics import at_each_time, rate_from_half_life, relax, toward
from .parameters import PARAMETERS, default, one_of, real_numbers, validate


@dataclass(frozen=True)
class Genotype:
    """Which parts of the pathway are present."""

    tlr7: bool = True
    myd88: bool = True
    ifnar1: bool = True
    pdc: bool = True
    monocytes: bool = True
    tlr_independent: bool = True


GENOTYPES: dict[str, Genotype] = {
    "wild type": Genotype(),
    "TLR7 knockout": Genotype(tlr7=False),
    "MyD88 knockout": Genotype(myd88=False),
    "IFNAR1 knockout": Genotype(ifnar1=False),
    "pDC depleted": Genotype(pdc=False),
    "monocytes depleted": Genotype(monocytes=False),
    "TLR-independent action blocked": Genotype(tlr_independent=False),
}


def genotype_named(name: str) -> Genotype:
    """The genotype called ``name``; a clear error for an unknown one."""
    return GENOTYPES[one_of("genotype", name, GENOTYPES)]


def simulate_signalling(
    time_h: np.ndarray,
    engagement: np.ndarray,
    genotype: Genotype = GENOTYPES["wild type"],
    *,
    adenosine_occupancy: np.ndarray,
    myeloid_activation_time_h: float = default("myeloid_activation_time_h"),
    myeloid_off_half_life_h: float = default("myeloid_off_half_life_h"),
    monocyte_share_of_nfkb_cytokines: float = default("monocyte_share_of_nfkb_cytokines"),
    keratinocyte_activation_time_h: float = default("keratinocyte_activation_time_h"),
    keratinocyte_off_half_life_h: float = default("keratinocyte_off_half_life_h"),
    irf7_activation_time_h: float = default("irf7_activation_time_h"),
    irf7_off_half_life_h: float = default("irf7_off_half_life_h"),
    ifn_loop_gain: float = default("ifn_loop_gain"),
    ifn_loop_half_saturation: float = default("ifn_loop_half_saturation"),
    tolerance_onset_time_h: float = default("tolerance_onset_time_h"),
    tolerance_recovery_half_life_h: float = default("tolerance_recovery_half_life_h"),
    tlr7_priming_gain: float = default("tlr7_priming_gain"),
    tlr7_priming_half_life_h: float = default("tlr7_priming_half_life_h"),
    ifn_alpha_half_life_h: float = default("ifn_alpha_half_life_h"),
) -> dict[str, np.ndarray]:
    """Branch activities (0–1), tolerance, priming and IFN-α (relative units) on the grid
    ``time_h`` (h).

    ``engagement`` is the TLR7 engagement (0–1) and ``adenosine_occupancy`` the adenosine-
    receptor occupancy (0–1) at each time, each held until the next one.
    """
    t, e, a = checked_inputs(time_h, engagement, adenosine_occupancy)
    if not isinstance(genotype, Genotype):
        raise ValueError("genotype must be a signalling.Genotype; see GENOTYPES")
    given = locals()
    numbers = {name: validate(name, given[name]) for name in NUMBERS}
    return signalling_states(np.diff(t).tolist(), e, a, genotype, numbers)


def checked_inputs(
    time_h: object, engagement: object, adenosine_occupancy: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The time grid (h) and the inputs on it as float arrays, or the clear error of
    :func:`simulate_signalling`."""
    t = real_numbers("time_h", time_h, "h")
    e = real_numbers("engagement", engagement)
    a = real_numbers("adenosine_occupancy", adenosine_occupancy)
    if t.ndim != 1 or t.shape != e.shape or len(t) < 2 or np.any(np.diff(t) <= 0):
        raise ValueError("time_h must increase and match engagement in length")
    for name, x in (("engagement (TLR7 engagement)", e), ("adenosine_occupancy", a)):
        if x.shape != t.shape or np.any(~np.isfinite(x)) or np.any((x < 0) | (x > 1)):
            raise ValueError(f"{name} must lie between 0 and 1 at every time of time_h")
    return t, e, a


def signalling_states(
    steps_h: list,
    engagement: np.ndarray,
    adenosine_occupancy: np.ndarray,
    genotype: Genotype,
    numbers: dict,
) -> dict[str, np.ndarray]:
    """The loop of :func:`simulate_signalling`, written once for one patient and for many.

    ``engagement`` and ``adenosine_occupancy`` are the checked inputs on the time grid,
    shape (T,) for one patient or (T, N) for N patients (time first), ``steps_h`` the
    T − 1 time steps (h), and ``numbers`` the registry numbers of :data:`NUMBERS`, already
    checked (floats, or arrays of shape (N,)). Returns each quantity on the grid, time
    first.
    """
    k_n_on = 1 / numbers["myeloid_activation_time_h"]
    k_n_off = rate_from_half_life(numbers["myeloid_off_half_life_h"])
    m_mono = numbers["monocyte_share_of_nfkb_cytokines"]
    k_k_on = 1 / numbers["keratinocyte_activation_time_h"]
    k_k_off = rate_from_half_life(numbers["keratinocyte_off_half_life_h"])
    k_i_on = 1 / numbers["irf7_activation_time_h"]
    k_i_off = rate_from_half_life(numbers["irf7_off_half_life_h"])
    gain = numbers["ifn_loop_gain"]
    has_ifnar = 1.0 if genotype.ifnar1 else 0.0
    half_sat = numbers["ifn_loop_half_saturation"]
    k_r_on = 1 / numbers["tolerance_onset_time_h"]
    k_r_off = rate_from_half_life(numbers["tolerance_recovery_half_life_h"])
    priming_gain = numbers["tlr7_priming_gain"]
    k_p = rate_from_half_life(numbers["tlr7_priming_half_life_h"])
    k_f = rate_from_half_life(numbers["ifn_alpha_half_life_h"])

    seen = engagement if genotype.tlr7 else np.zeros_like(engagement)  # no receptor: nothing
    passes = 1.0 if genotype.myd88 else 0.0
    in_pdc = 1.0 if genotype.pdc else 0.0
    in_monocytes = 1.0 if genotype.monocytes else 0.0
    immune_cells = (1.0 - m_mono) * in_pdc + m_mono * in_monocytes  # pDCs' share + monocytes'
    blocked = adenosine_occupancy if genotype.tlr_independent else np.zeros_like(seen)
    # the loop takes Python floats for one patient (numpy scalars cost ten times as much)
    seen, zero, exp = at_each_time(seen)
    blocked, _, _ = at_each_time(blocked)
    names = ("refractory", "priming", "nfkb_immune", "nfkb_keratinocyte", "irf7", "ifn_alpha")
    rows = [(zero, zero, zero, zero, zero, zero)]  # the states above, at each time
    signal, ifnar_signal = [], []
    r = p = nm = nk = i7 = f = zero
    for dt, engaged, occupied in zip(steps_h, seen[:-1], blocked[:-1], strict=True):
        s = passes * engaged * (1.0 - r) * (1.0 + priming_gain * p)
        phi = has_ifnar * f / (half_sat + f)
        signal.append(s)
        ifnar_signal.append(phi)
        r = relax(r, k_r_on * passes * engaged, k_r_off, dt, exp)
        p = toward(p, phi, k_p, dt, exp)
        nm = relax(nm, k_n_on * s * immune_cells, k_n_off, dt, exp)
        nk = relax(nk, k_k_on * occupied, k_k_off, dt, exp)
        i7_before = i7
        i7 = relax(i7, k_i_on * s * in_pdc * (1.0 + gain * phi), k_i_off, dt, exp)
        f = toward(f, i7_before, k_f, dt, exp)  # dF/dt = k_F (IRF7 − F)
        rows.append((r, p, nm, nk, i7, f))
    signal.append(passes * seen[-1] * (1.0 - r) * (1.0 + priming_gain * p))
    ifnar_signal.append(has_ifnar * f / (half_sat + f))
    states = np.array(rows)
    out = {name: states[:, j] for j, name in enumerate(names)}
    out["signal"], out["ifnar_signal"] = np.array(signal), np.array(ifnar_signal)
    return out


#: The registry numbers the signalling model takes (keywords of :func:`simulate_signalling`).
NUMBERS = tuple(p for p in inspect.signature(simulate_signalling).parameters if p in PARAMETERS)
