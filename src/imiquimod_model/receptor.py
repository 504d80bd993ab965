"""TLR7 engagement as a function of local imiquimod concentration.

Engagement is the fraction of the maximal TLR7 response, a Hill function of concentration.
Both its EC50 and its Hill coefficient are assumptions (see the registry).

Examples
--------
>>> float(tlr7_engagement(5.0, tlr7_ec50_uM=5.0))
0.5
>>> float(tlr7_engagement(0.0))
0.0
"""

from __future__ import annotations

import numpy as np

from .parameters import default, validate


def tlr7_engagement(
    concentration_uM: np.ndarray | float,
    tlr7_ec50_uM: float = default("tlr7_ec50_uM"),
    tlr7_hill_coefficient: float = default("tlr7_hill_coefficient"),
) -> np.ndarray:
    """Fraction of maximal TLR7 response (0 to 1) at the given concentrations in µM."""
    ec50 = validate("tlr7_ec50_uM", tlr7_ec50_uM)
    hill = validate("tlr7_hill_coefficient", tlr7_hill_coefficient)
    conc = np.asarray(concentration_uM, dtype=float)
    if np.any(~np.isfinite(conc)) or np.any(conc < 0):
        raise ValueError("concentration_uM (imiquimod concentration) must be finite and ≥ 0 µM")
    # 1 / (1 + (EC50/C)^n) is the Hill function written so that every floating-point step
    # is monotone in C (C/(C+EC50) can round down as C grows); C = 0 gives 1/inf = 0.
    with np.errstate(divide="ignore"):
        return 1.0 / (1.0 + (ec50 / conc) ** hill)
