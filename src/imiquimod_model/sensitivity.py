"""Which assumed parameters matter: Morris elementary-effects screening (SALib).

Each parameter is sampled over its registry range (on a log scale where the range spans
a factor of ten or more), the model is run along Morris trajectories, and μ* (the mean
absolute elementary effect) is reported relative to the output at the registry defaults,
so that outputs in different units can be compared.

Examples
--------
>>> result = morris_screening(lambda tlr7_ec50_uM: {"y": 2 * tlr7_ec50_uM},
...                           ("tlr7_ec50_uM",), trajectories=4)
>>> result[0]["parameter"], result[0]["output"]
('tlr7_ec50_uM', 'y')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

from .parameters import PARAMETERS, default


def _is_log(name: str) -> bool:
    p = PARAMETERS[name]
    return p.low > 0 and p.high / p.low >= 10


def _to_value(name: str, unit_value: np.ndarray) -> np.ndarray:
    """Map a sample on [low, high] (or its log10) back to the parameter's unit."""
    p = PARAMETERS[name]
    value = 10.0**unit_value if _is_log(name) else unit_value
    return np.clip(value, p.low, p.high)  # 10**log10(high) can overshoot by rounding


def morris_screening(
    model: Callable[..., Mapping[str, float]],
    parameters: Sequence[str],
    *,
    trajectories: int = 20,
    levels: int = 4,
    seed: int = 1,
) -> list[dict[str, object]]:
    """μ* and σ of every (parameter, output) pair, relative to the output at the defaults.

    ``model`` takes the parameters as keyword arguments (registry names) and returns
    named scalar outputs.
    """
    if not parameters:
        raise ValueError("name at least one registry parameter to screen")
    for name in parameters:
        if name not in PARAMETERS:
            raise ValueError(f"{name!r} is not in the parameter registry")
    bounds = [
        [np.log10(PARAMETERS[n].low), np.log10(PARAMETERS[n].high)]
        if _is_log(n)
        else [PARAMETERS[n].low, PARAMETERS[n].high]
        for n in parameters
    ]
    problem = {"num_vars": len(parameters), "names": list(parameters), "bounds": bounds}
    x = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    runs = [
        model(**{n: float(_to_value(n, v)) for n, v in zip(parameters, row, strict=True)})
        for row in x
    ]
    at_defaults = model(**{n: default(n) for n in parameters})
    rows = []
    for output, reference in at_defaults.items():
        y = np.array([r[output] for r in runs], dtype=float)
        stats = morris_analyze.analyze(problem, x, y, num_levels=levels, seed=seed)
        scale = abs(reference) if reference else 1.0
        for i, name in enumerate(parameters):
            rows.append(
                {
                    "parameter": name,
                    "output": output,
                    "mu_star": float(stats["mu_star"][i]) / scale,
                    "sigma": float(stats["sigma"][i]) / scale,
                }
            )
    return rows
