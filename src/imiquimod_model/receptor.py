"""What free imiquimod occupies: TLR7, and adenosine receptors outside any TLR.

TLR7 engagement is the fraction of the maximal TLR7 response, a Hill function of the free
concentration; its EC50 and Hill coefficient are assumptions (see the registry).
Imiquimod also binds adenosine A1 and A2A receptors as an antagonist, without TLR7 or
TLR8 (Schön et al. 2006); their occupancy is that of a competitive ligand, ``C/(C + K_A)``,
with an assumed ``K_A``.

Examples
--------
>>> float(tlr7_engagement(5.0, tlr7_ec50_uM=5.0))
0.5
>>> float(tlr7_engagement(0.0))
0.0
>>> float(adenosine_receptor_occupancy(10.0, adenosine_receptor_ki_uM=10.0))
0.5
"""

from __future__ import annotations

import numpy as np

from .parameters import default, real_numbers, validate

#: 1 mol/L in µM: no tissue holds more imiquimod than this (5% cream is about 0.2 mol/L)
MOLAR_UM = 1e6


def _concentration(concentration_uM: np.ndarray | float) -> np.ndarray:
    """Free imiquimod (µM) as an array, or a clear error for a negative or missing value."""
    conc = real_numbers("concentration_uM", concentration_uM, "µM")
    if np.any(~np.isfinite(conc)) or np.any(conc < 0) or np.any(conc > MOLAR_UM):
        raise ValueError(
            "concentration_uM (imiquimod concentration) must be finite and from 0 to 10⁶ µM "
            "(1 mol/L; the 5% cream itself holds about 2 × 10⁵ µM)"
        )
    return conc


def tlr7_engagement(
    concentration_uM: np.ndarray | float,
    tlr7_ec50_uM: float = default("tlr7_ec50_uM"),
    tlr7_hill_coefficient: float = default("tlr7_hill_coefficient"),
) -> np.ndarray:
    """Fraction of maximal TLR7 response (0 to 1) at the given concentrations in µM."""
    ec50 = validate("tlr7_ec50_uM", tlr7_ec50_uM)
    hill = validate("tlr7_hill_coefficient", tlr7_hill_coefficient)
    return hill_engagement(_concentration(concentration_uM), ec50, hill)


def hill_engagement(concentration_uM: np.ndarray, ec50_uM, hill) -> np.ndarray:
    """:func:`tlr7_engagement` for checked numbers: concentrations (µM, an array) and an
    EC50 and Hill coefficient that broadcast with them (numbers, or arrays of patients)."""
    # 1 / (1 + (EC50/C)^n) is the Hill function written so that every floating-point step
    # is monotone in C (C/(C+EC50) can round down as C grows); C = 0 gives 1/inf = 0.
    with np.errstate(divide="ignore"):
        return 1.0 / (1.0 + (ec50_uM / concentration_uM) ** hill)


def adenosine_receptor_occupancy(
    concentration_uM: np.ndarray | float,
    adenosine_receptor_ki_uM: float = default("adenosine_receptor_ki_uM"),
) -> np.ndarray:
    """Fraction (0 to 1) of adenosine A1/A2A receptors held by free imiquimod (µM)."""
    ki = validate("adenosine_receptor_ki_uM", adenosine_receptor_ki_uM)
    return competitive_occupancy(_concentration(concentration_uM), ki)


def competitive_occupancy(concentration_uM: np.ndarray, ki_uM) -> np.ndarray:
    """:func:`adenosine_receptor_occupancy` for checked numbers: ``C/(C + K_A)``, with
    ``ki_uM`` a number or an array of patients that broadcasts with the concentrations."""
    return concentration_uM / (concentration_uM + ki_uM)
