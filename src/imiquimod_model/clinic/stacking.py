"""Weighing the sets of assumed numbers by how well each predicts trials it has not seen:
stacking of predictive distributions (Yao et al. 2018).

Weighed by their marginal likelihood (Bayesian model averaging), a few dozen sets put
nearly all their weight on the one that happens to fit the arms best; when no set is the
true model that weighting is known to fail (the "M-open" case of Yao et al.). Stacking
chooses instead the weights ``w`` (non-negative, summing to 1) of the mixture of the sets'
predictive distributions that best predicts each trial left out:
``max Σ_t log Σ_k w_k p_k(trial t | the other trials)``. The maximum is found by the
expectation–maximisation update of mixture weights, which never lowers the objective.

Examples
--------
>>> import numpy as np
>>> stacking_weights(np.log(np.array([[0.9, 0.9], [0.1, 0.1]]))).round(3).tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import numpy as np

#: expectation–maximisation steps of the stacking weights
STACKING_ITERATIONS = 5000


def stacking_weights(log_density: np.ndarray, iterations: int = STACKING_ITERATIONS) -> np.ndarray:
    """The stacking weights of the sets (rows of ``log_density``, each set's log predictive
    density of each trial left out, columns), summing to 1."""
    log_density = np.asarray(log_density, dtype=float)
    if log_density.ndim != 2 or log_density.size == 0:
        raise ValueError("log_density must be sets × trials (log units), at least one of each")
    if not np.all(np.isfinite(log_density)):
        raise ValueError("log_density must be finite (log units)")
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1 (got {iterations})")
    density = np.exp(log_density - log_density.max(axis=0, keepdims=True))
    w = np.full(len(density), 1.0 / len(density))
    for _ in range(iterations):
        w = w * (density / (w @ density)).mean(axis=1)
    return w / w.sum()


def nested_stacking_weights(log_density: np.ndarray) -> np.ndarray:
    """For each trial (column), the stacking weights found from the other trials alone
    (trials × sets): the weights that predict a trial left out must not have seen it."""
    columns = np.asarray(log_density).shape[1]
    if columns < 2:
        raise ValueError("nested stacking needs at least two trials")
    return np.array([stacking_weights(np.delete(log_density, t, axis=1)) for t in range(columns)])
