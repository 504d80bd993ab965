"""Exact one-step solutions of the first-order equations every model here is built from.

Each function advances one state over a step ``dt`` with its rates held constant, exactly,
so that activities stay within [0, 1] and constant inputs reach exact steady states.

The steps are written once for one patient and for many: with Python floats and
``math.exp`` (the default, fast for one patient) or with NumPy arrays of patients and
``exp=numpy.exp`` (:mod:`~imiquimod_model.chain`), the same arithmetic either way.

Examples
--------
>>> round(rate_from_half_life(math.log(2)), 12)
1.0
>>> relax(0.0, on=1.0, off=1.0, dt=1e9)
0.5
>>> toward(1.0, target=0.0, rate=rate_from_half_life(2.0), dt=2.0)
0.5
"""

from __future__ import annotations

import math

import numpy as np


def rate_from_half_life(half_life: float) -> float:
    """First-order rate constant (per time unit) of a process with the given half-life."""
    return math.log(2.0) / half_life


def relax(x: float, on: float, off: float, dt: float, exp=math.exp) -> float:
    """Exact step of dx/dt = on·(1 − x) − off·x with on, off held over dt (floats, or
    arrays with ``exp=numpy.exp``)."""
    total = on + off
    # where on + off = 0 nothing moves: target 0/1 = 0 and x decays by e^0 = 1, so x stays
    target = on / (total + (total == 0.0))
    return target + (x - target) * exp(total * -dt)


def toward(x: float, target: float, rate: float, dt: float, exp=math.exp) -> float:
    """Exact step of dx/dt = rate·(target − x) with target and rate held over dt (floats,
    or arrays with ``exp=numpy.exp``)."""
    return target + (x - target) * exp(rate * -dt)


def at_each_time(x: np.ndarray) -> tuple[list, float | np.ndarray, object]:
    """An input on the time grid as the step loops take it: ``(values, zero, exp)``.

    For one patient (shape (T,)) the values are Python floats, the zero state 0.0 and
    ``exp`` is ``math.exp`` (floats step ten times faster than NumPy scalars); for N
    patients (shape (T, N), time first) the values are arrays of patients, the zero state
    is N zeros and ``exp`` is ``numpy.exp``.
    """
    if x.ndim == 1:
        return x.tolist(), 0.0, math.exp
    return list(x), np.zeros(x.shape[1:]), np.exp
