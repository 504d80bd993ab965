"""Exact one-step solutions of the first-order equations every model here is built from.

Each function advances one state over a step ``dt`` with its rates held constant, exactly,
so that activities stay within [0, 1] and constant inputs reach exact steady states.

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


def rate_from_half_life(half_life: float) -> float:
    """First-order rate constant (per time unit) of a process with the given half-life."""
    return math.log(2.0) / half_life


def relax(x: float, on: float, off: float, dt: float) -> float:
    """Exact step of dx/dt = on·(1 − x) − off·x with on, off held over dt."""
    total = on + off
    if total == 0.0:
        return x
    target = on / total
    return target + (x - target) * math.exp(-total * dt)


def toward(x: float, target: float, rate: float, dt: float) -> float:
    """Exact step of dx/dt = rate·(target − x) with target and rate held over dt."""
    return target + (x - target) * math.exp(-rate * dt)
