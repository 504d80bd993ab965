"""The chain for one patient's skin: the cumulative kill of a course, at each permeability
node, solved once and kept on disk.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import roots_hermitenorm

from .. import pk
from ..chain import NUMBERS as CHAIN_NUMBERS
from ..chain import ChainRun, solve_chain
from ..design import Design
from ..killers import HOURS_PER_DAY, condition_named
from ..kinetics import rate_from_half_life
from ..parameters import default, validate, value_of

PERMEABILITY_NODES = 5
DAYS_PER_WEEK = 7.0
#: days simulated hour by hour after the last application; later times follow the fading
#: T cells and memory in closed form
SIMULATED_AFTER_DAYS = 56.0
#: the inflammation that times a reaction: its running mean over this many hours
INFLAMMATION_WINDOW_H = 168


@functools.cache
def normal_quadrature(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Standard-normal Gauss–Hermite nodes and weights (weights sum to 1), worked out once
    for each number of nodes (read-only arrays)."""
    z, w = roots_hermitenorm(nodes)
    w = w / w.sum()
    z.flags.writeable = w.flags.writeable = False
    return z, w


# --- the chain for one patient: kill integrals on a grid of days
@dataclass(frozen=True)
class KillCourse:
    """The chain's cumulative kills for each permeability node, on ``time_days``."""

    time_days: np.ndarray  # (T,)
    immune: np.ndarray  # (Q, T): ∫ immune kill rate at r = 1, ln units
    direct: np.ndarray  # (Q, T): ∫ direct (TLR-independent) kill, ln units
    inflammation: np.ndarray  # (Q,): peak weekly-mean MyD88 signal during the course
    reaction_day: np.ndarray  # (Q,): day the weekly-mean signal first reaches 90% of it
    end_of_course_day: float


def chain_values(values: object) -> tuple[tuple[str, float], ...]:
    """``values`` checked: (name, value) pairs of registry numbers of the chain, each within
    its range, sorted by name (so one set of numbers is one key of the store)."""
    if not isinstance(values, tuple) or not all(
        isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in values
    ):
        raise ValueError("values must be a tuple of (name, value) pairs of registry numbers")
    unknown = sorted({name for name, _ in values} - set(CHAIN_NUMBERS))
    if unknown:
        raise ValueError(f"not a number of the chain from cream to kill: {unknown}")
    return tuple(sorted((name, validate(name, v)) for name, v in values))


def _cumulative(rate_per_day: np.ndarray, dt_days: float) -> np.ndarray:
    """∫ rate dt on the grid, with the rate held over each step (as the models step)."""
    return np.concatenate([[0.0], np.cumsum(rate_per_day[:-1]) * dt_days])


@functools.cache
def _science_digest() -> str:
    """A fingerprint of the model's code and registry: a stored chain is reused only while
    neither has changed."""
    package = Path(__file__).parents[1]
    digest = hashlib.sha256()
    code = [*package.glob("*.py"), *package.glob("clinic/*.py")]
    for path in sorted([*code, package / "data" / "parameters.csv"]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _cache_file(key: str) -> Path | None:
    """Where a solved chain is kept between processes (``IMIQUIMOD_CACHE`` or the user's
    cache folder; None turns the store off)."""
    root = os.environ.get("IMIQUIMOD_CACHE")
    if root == "":
        return None
    base = Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    folder = base / "imiquimod-model" if not root else base
    name = hashlib.sha256(f"{_science_digest()} {key}".encode()).hexdigest()
    return folder / f"kill-course-{name}.npz"


def kill_course(
    schedule: pk.Schedule,
    last_day: float,
    condition: str = "wild type",
    permeability_log_sd: float = default("skin_permeability_log_sd"),
    values: tuple[tuple[str, float], ...] = (),
    site_flux_factor: float = 1.0,
) -> KillCourse:
    """The chain at each permeability node, week by week to ``last_day`` (days from the
    start, rounded up to a whole week): hourly while cream is used and for 8 weeks after,
    then the fading T cells and memory in closed form, on skin whose flux is
    ``site_flux_factor`` times that of the face or scalp, with the registry's numbers or
    those ``values`` ((name, value) pairs of the chain's numbers) give. A solved chain is
    kept on disk, keyed by its inputs and the model's code, so the book build, the tests
    and a reader's kernel solve each course once."""
    return kill_courses(
        schedule, last_day, ((permeability_log_sd, values, site_flux_factor),), condition
    )[0]


def kill_courses(
    schedule: pk.Schedule,
    last_day: float,
    skins: tuple[tuple[float, tuple[tuple[str, float], ...], float], ...],
    condition: str = "wild type",
) -> tuple[KillCourse, ...]:
    """:func:`kill_course` for many skins at once, each (permeability log sd, values, site
    flux factor): those not yet stored are solved together, vectorised over every skin's
    permeability nodes (:func:`chain.solve_chain`)."""
    if not isinstance(schedule, pk.Schedule):
        raise ValueError("schedule must be a pk.Schedule")
    condition_named(condition)
    if (
        isinstance(last_day, bool)
        or not isinstance(last_day, int | float)
        or not 0 < last_day <= 20 * 365.25
    ):
        raise ValueError(f"last_day = {last_day!r} must be a number of days from 0 to 20 years")
    checked = tuple(
        (
            validate("skin_permeability_log_sd", sd),
            chain_values(values),
            validate("site_flux_factor", site),
        )
        for sd, values, site in skins
    )
    last_day = DAYS_PER_WEEK * math.ceil(float(last_day) / DAYS_PER_WEEK - 1e-9)
    found = {skin: _remembered(schedule, last_day, condition, skin) for skin in checked}
    missing = tuple(skin for skin, course in found.items() if course is None)
    if missing:
        solved = _solve_kill_courses(schedule, last_day, condition, missing)
        for skin, course in zip(missing, solved, strict=True):
            found[skin] = course
            _remember(schedule, last_day, condition, skin, course)
    return tuple(found[skin] for skin in checked)


#: solved courses kept in memory, most recent last (the disk store keeps the rest)
_MEMORY: dict[tuple, KillCourse] = {}
_MEMORY_SIZE = 2048


def _remembered(
    schedule: pk.Schedule, last_day: float, condition: str, skin: tuple
) -> KillCourse | None:
    """A course solved before, from memory or the disk store, or None."""
    key = (schedule, last_day, condition, *skin)
    if key in _MEMORY:
        return _MEMORY[key]
    stored = _cache_file(repr(key))
    if stored is None or not stored.exists():
        return None
    try:
        with np.load(stored) as saved:
            _MEMORY[key] = _unpacked(saved["course"])
    except (OSError, ValueError, KeyError, IndexError):
        return None  # unreadable: solve again
    return _MEMORY[key]


def _remember(
    schedule: pk.Schedule, last_day: float, condition: str, skin: tuple, course: KillCourse
) -> None:
    """Keep a solved course in memory and, where it can, on disk."""
    key = (schedule, last_day, condition, *skin)
    _MEMORY[key] = course
    while len(_MEMORY) > _MEMORY_SIZE:
        del _MEMORY[next(iter(_MEMORY))]
    stored = _cache_file(repr(key))
    if stored is None:
        return
    try:
        stored.parent.mkdir(parents=True, exist_ok=True)
        partial = stored.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(partial, course=_packed(course))
        os.replace(partial, stored)
    except OSError:
        pass  # a read-only place: keep it in memory only


#: the arrays of a course, in the order the disk store keeps them
_STORED = ("time_days", "immune", "direct", "inflammation", "reaction_day")


def _packed(course: KillCourse) -> np.ndarray:
    """``course`` as one vector for the disk store (one array reads several times faster
    than six): permeability nodes, days and the end of the course (days), then its
    arrays."""
    nodes, days = course.immune.shape
    head = [nodes, days, course.end_of_course_day]
    return np.concatenate([head, *(getattr(course, f).ravel() for f in _STORED)])


def _unpacked(vector: np.ndarray) -> KillCourse:
    """The course that :func:`_packed` stored as ``vector``."""
    nodes, days = int(vector[0]), int(vector[1])
    ends = np.cumsum([days, nodes * days, nodes * days, nodes])
    time_days, immune, direct, inflammation, reaction_day = np.split(vector[3:], ends)
    if len(reaction_day) != nodes:
        raise ValueError("a stored course of the wrong size")
    shape = (nodes, days)
    return KillCourse(
        time_days,
        immune.reshape(shape),
        direct.reshape(shape),
        inflammation,
        reaction_day,
        float(vector[2]),
    )


def _cache_clear() -> None:
    _MEMORY.clear()


kill_course.cache_clear = _cache_clear  # type: ignore[attr-defined]


def _solve_kill_courses(
    schedule: pk.Schedule, last_day: float, condition: str, skins: tuple
) -> list[KillCourse]:
    """The work behind :func:`kill_courses`: every skin's permeability nodes in one pass."""
    end = schedule.duration_h / HOURS_PER_DAY
    simulated = max(min(last_day, end + SIMULATED_AFTER_DAYS), end + DAYS_PER_WEEK)
    z, _ = normal_quadrature(PERMEABILITY_NODES)
    rows = [(values, site * math.exp(sd * node)) for sd, values, site in skins for node in z]
    names = sorted({name for values, _ in rows for name, _ in values})
    numbers = {name: np.array([value_of(name, values) for values, _ in rows]) for name in names}
    run = solve_chain(
        schedule,
        np.array([flux for _, flux in rows]),
        simulated * HOURS_PER_DAY,
        condition,
        numbers,
    )
    t = run.time_h / HOURS_PER_DAY
    later = np.arange(simulated + DAYS_PER_WEEK, last_day + 1.0, DAYS_PER_WEEK)  # closed form
    courses = []
    for k, (_, values, _) in enumerate(skins):
        nodes = range(k * PERMEABILITY_NODES, (k + 1) * PERMEABILITY_NODES)
        weekly = [_weekly(t, run, i, later, values) for i in nodes]
        time_days = np.concatenate(
            [DAYS_PER_WEEK * np.arange(len(weekly[0][0]) - len(later), dtype=float), later]
        )
        courses.append(
            KillCourse(
                time_days,
                np.array([w[0] for w in weekly]),
                np.array([w[1] for w in weekly]),
                np.array([w[2] for w in weekly]),
                np.array([w[3] for w in weekly]),
                end,
            )
        )
    return courses


def _weekly(
    t: np.ndarray, run: ChainRun, i: int, later: np.ndarray, values: tuple
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Patient ``i`` of ``run``: cumulative immune and direct kill week by week (then the
    fading T cells and memory in closed form on the days ``later``), the peak weekly-mean
    MyD88 signal and the day it first reaches 90% of its peak."""
    k_e = rate_from_half_life(value_of("effector_t_cell_half_life_days", values))
    k_mem = rate_from_half_life(value_of("memory_half_life_days", values))
    kappa_t = value_of("t_cell_killing_rate_per_day", values)
    kappa_m = value_of("memory_killing_rate_per_day", values)
    dt = t[1] - t[0]
    k_imm = _cumulative(run.immune_kill_per_day[i], dt)
    k_apo = _cumulative(run.direct_apoptosis_per_day[i], dt)
    weekly = slice(0, None, round(DAYS_PER_WEEK / dt))
    after = later - t[weekly][-1]
    eff, mem = run.effectors[i, -1], run.memory[i, -1]
    tail = k_imm[weekly][-1] + kappa_t * eff * -np.expm1(-k_e * after) / k_e
    tail = tail + kappa_m * mem * -np.expm1(-k_mem * after) / k_mem
    signal = run.signal[i]
    window = np.convolve(signal, np.ones(INFLAMMATION_WINDOW_H) / INFLAMMATION_WINDOW_H)
    mean = window[: len(signal)]
    return (
        np.concatenate([k_imm[weekly], tail]),
        np.concatenate([k_apo[weekly], np.full(len(later), k_apo[-1])]),
        float(mean.max()),
        float(t[np.argmax(mean >= 0.9 * mean.max())]),
    )


@dataclass(frozen=True)
class Skin:
    """The courses on each kind of skin a design's patients have their lesions on, with
    the share of patients on each (the same schedule and grid of days)."""

    courses: tuple[KillCourse, ...]
    shares: tuple[float, ...]


def skin_of(
    schedule: pk.Schedule,
    last_day: float,
    design: Design,
    permeability_log_sd: float = default("skin_permeability_log_sd"),
    values: tuple[tuple[str, float], ...] = (),
) -> Skin:
    """The chain on every kind of skin of ``design``, to ``last_day``, with the registry's
    numbers or those ``values`` give (numbers of the chain, and the design's site factors
    and shares)."""
    return skins_of(schedule, last_day, design, ((permeability_log_sd, values),))[0]


def skins_of(
    schedule: pk.Schedule,
    last_day: float,
    design: Design,
    sets: tuple[tuple[float, tuple[tuple[str, float], ...]], ...],
) -> tuple[Skin, ...]:
    """:func:`skin_of` for many sets of numbers at once, each (permeability log sd,
    values): every course not yet stored is solved in one vectorised pass."""
    classes = [design.skin_classes(values) for _, values in sets]
    requests = tuple(
        (sd, tuple((name, v) for name, v in values if name in CHAIN_NUMBERS), f)
        for (sd, values), kinds in zip(sets, classes, strict=True)
        for f, _ in kinds
    )
    courses = iter(kill_courses(schedule, last_day, requests))
    return tuple(
        Skin(tuple(next(courses) for _ in kinds), tuple(share for _, share in kinds))
        for kinds in classes
    )
