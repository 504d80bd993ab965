"""The parameter registry: every number the models use, with its unit, range and source.

A model function never holds a literal constant. It takes its numbers as keyword arguments
whose names are registry names, takes their defaults from here, and checks every value
with :func:`validate`. The appendix table, the sliders' ranges and the error messages all
come from this one table, kept as data in ``data/parameters.csv`` (one row a parameter:
group, name, symbol, meaning, value, unit, low, high, whole_number, sources, assumed,
fitted, note) so that it can be reviewed as a spreadsheet. The file is read once, on
import, and every row is checked; a bad row stops the import with its line number.

Examples
--------
>>> PARAMETERS["molar_mass_g_per_mol"].value
240.3
>>> validate("tlr7_ec50_uM", 5.0)
5.0
>>> validate("tlr7_ec50_uM", -1)
Traceback (most recent call last):
...
ValueError: tlr7_ec50_uM (TLR7 EC50 of imiquimod) = -1 µM is outside the allowed range 0.1 to 50 µM
"""

from __future__ import annotations

import csv
import math
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REGISTRY_FILE = Path(__file__).parent / "data" / "parameters.csv"
COLUMNS = (
    "group",
    "name",
    "symbol",
    "meaning",
    "value",
    "unit",
    "low",
    "high",
    "whole_number",
    "sources",
    "assumed",
    "fitted",
    "note",
)


@dataclass(frozen=True)
class Parameter:
    """One number a model uses.

    ``low`` and ``high`` bound the values a model accepts (and the sliders offer).
    ``sources`` are citation keys in ``book/references.bib``; where ``assumed`` is true
    the value is a modelling choice, and ``note`` says what bounds it; where ``fitted`` is
    true the value was fitted to the data in its source. ``group`` is the part of the
    model it belongs to (a section of the parameters appendix).
    """

    name: str
    symbol: str
    meaning: str
    value: float
    unit: str
    low: float
    high: float
    sources: tuple[str, ...]
    assumed: bool
    note: str
    integer: bool = False
    fitted: bool = False
    group: str = ""

    def __post_init__(self) -> None:
        if not self.low <= self.value <= self.high:
            raise ValueError(f"registry entry {self.name}: default outside its own range")
        if not self.assumed and not self.sources:
            raise ValueError(f"registry entry {self.name}: a measured value needs a source")
        if self.assumed and not self.note:
            raise ValueError(f"registry entry {self.name}: an assumption needs a note")
        if self.integer and self.value != round(self.value):
            raise ValueError(f"registry entry {self.name}: a whole-number default is not whole")


def _yes_no(text: str, column: str) -> bool:
    if text not in ("yes", "no"):
        raise ValueError(f"column {column} must be 'yes' or 'no', not {text!r}")
    return text == "yes"


def _number(text: str, column: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise ValueError(f"column {column} must be a number, not {text!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"column {column} must be finite, not {text!r}")
    return x


def _parameter_from_row(row: dict[str, str]) -> Parameter:
    """One registry row (all text) as a checked :class:`Parameter`."""
    if not row["name"].isidentifier():
        raise ValueError(f"name {row['name']!r} is not a Python identifier")
    if not row["group"].strip():
        raise ValueError(f"{row['name']} has no group")
    return Parameter(
        name=row["name"],
        symbol=row["symbol"],
        meaning=row["meaning"],
        value=_number(row["value"], "value"),
        unit=row["unit"],
        low=_number(row["low"], "low"),
        high=_number(row["high"], "high"),
        sources=tuple(row["sources"].split()),
        assumed=_yes_no(row["assumed"], "assumed"),
        note=row["note"],
        integer=_yes_no(row["whole_number"], "whole_number"),
        fitted=_yes_no(row["fitted"], "fitted"),
        group=row["group"],
    )


def read_registry(path: Path = REGISTRY_FILE) -> dict[str, Parameter]:
    """Every row of the registry file, checked, by name (in the file's order).

    Raises ``ValueError`` naming the file and line of the first bad row: a missing or
    extra column, a value that is not a finite number, a default outside its own range, a
    measured value with no source, an assumption with no note, or a repeated name.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path.name} line 1: the columns must be {', '.join(COLUMNS)}")
        entries: dict[str, Parameter] = {}
        for row in reader:
            where = f"{path.name} line {reader.line_num}"
            if None in row or None in row.values():
                raise ValueError(f"{where}: expected {len(COLUMNS)} columns")
            try:
                p = _parameter_from_row(row)
            except ValueError as err:
                raise ValueError(f"{where}: {err}") from None
            if p.name in entries:
                raise ValueError(f"{where}: {p.name} appears twice")
            entries[p.name] = p
    return entries


PARAMETERS: dict[str, Parameter] = read_registry()


def groups_of(parameters: dict[str, Parameter]) -> dict[str, tuple[str, ...]]:
    """Parameter names by group (a section of the parameters appendix), in file order."""
    groups: dict[str, list[str]] = {}
    for p in parameters.values():
        groups.setdefault(p.group, []).append(p.name)
    return {group: tuple(names) for group, names in groups.items()}


GROUPS: dict[str, tuple[str, ...]] = groups_of(PARAMETERS)


def default(name: str) -> float:
    """Return the registry value of ``name`` (in the parameter's own unit)."""
    return PARAMETERS[name].value


def value_of(name: str, values: tuple[tuple[str, float], ...] = ()) -> float:
    """The value of ``name``: the one ``values`` ((name, value) pairs) gives it, else the
    registry's (in the parameter's own unit)."""
    return dict(values).get(name, PARAMETERS[name].value)


def _describe(p: Parameter, value: object) -> str:
    unit = f" {p.unit}" if p.unit else ""
    return f"{p.name} ({p.meaning}) = {value!r}{unit}"


def _range(p: Parameter) -> str:
    unit = f" {p.unit}" if p.unit else ""
    kind = "a whole number from" if p.integer else "the allowed range"
    return f"{kind} {p.low:g} to {p.high:g}{unit}"


def validate(name: str, value: object) -> float:
    """Return ``value`` as a float if it is allowed for parameter ``name``.

    Raises ``ValueError`` naming the parameter, its unit and its allowed range for
    values that are not real numbers, NaN, infinite, out of range, or not whole where a
    whole number is needed.
    """
    if name not in PARAMETERS:
        raise ValueError(f"unknown parameter {name!r}")
    p = PARAMETERS[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{_describe(p, value)} is not a number; give {_range(p)}")
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"{_describe(p, value)} is not finite; give {_range(p)}")
    if not p.low <= x <= p.high:
        unit = f" {p.unit}" if p.unit else ""
        raise ValueError(f"{p.name} ({p.meaning}) = {value!r}{unit} is outside {_range(p)}")
    if p.integer and x != round(x):
        raise ValueError(f"{_describe(p, value)} is not whole; give {_range(p)}")
    return x


def validate_array(name: str, value: object, size: int) -> float | np.ndarray:
    """:func:`validate` for a number or for one value per patient: ``value`` as a float, or
    as a float array of shape ``(size,)``, if every entry is allowed for parameter ``name``.

    Raises ``ValueError`` naming the parameter for any other shape, and with the registry's
    message (as :func:`validate`) for the first entry that is not allowed.
    """
    if name not in PARAMETERS:
        raise ValueError(f"unknown parameter {name!r}")
    if isinstance(value, numbers.Real):
        return validate(name, value)
    array = real_numbers(name, value, PARAMETERS[name].unit)
    if array.shape != (size,):
        raise ValueError(
            f"{name} must be one number or {size} numbers (shape ({size},)), "
            f"not an array of shape {array.shape}"
        )
    p = PARAMETERS[name]
    bad = ~np.isfinite(array) | (array < p.low) | (array > p.high)
    if p.integer:
        bad |= array != np.round(array)
    if np.any(bad):
        i = int(np.argmax(bad))
        try:
            validate(name, float(array[i]))
        except ValueError as err:
            raise ValueError(f"{err} (entry {i})") from None
    return array


def whole(name: str, value: object) -> int:
    """``value`` as an int if it is an allowed whole number for parameter ``name``; checked
    by :func:`validate` first, so 2.4, ``inf`` or ``True`` raise instead of being rounded."""
    return int(validate(name, value))


def real_numbers(name: str, value: object, unit: str = "") -> np.ndarray:
    """``value``, a number or an array of numbers, as floats: text, booleans, ``None`` and
    anything else that is not a real number raise a ``ValueError`` naming ``name``."""
    kind = "" if isinstance(value, str | bytes | bool) or value is None else None
    try:
        array = np.asarray(value) if kind is None else None
    except (TypeError, ValueError):
        array = None
    if array is None or array.dtype.kind not in "iuf":
        units = f" in {unit}" if unit else ""
        raise ValueError(f"{name} = {value!r} is not a number (or array of numbers){units}")
    return array.astype(float)


def one_of(kind: str, name: object, choices) -> str:
    """``name`` if it is one of ``choices`` (strings), else a ``ValueError`` listing them."""
    if not isinstance(name, str) or name not in choices:
        raise ValueError(f"{kind} {name!r} is not one of: {', '.join(choices)}")
    return name
