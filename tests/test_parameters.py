"""The registry: sources resolve, bad values give a ValueError that says what is allowed."""

from __future__ import annotations

import math
import re

import pytest

from imiquimod_model.parameters import GROUPS, PARAMETERS, parameter_table_markdown, validate

from .conftest import ROOT

BIB_KEYS = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "book" / "references.bib").read_text(), re.M))


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_every_source_key_is_in_the_bibliography(name):
    assert set(PARAMETERS[name].sources) <= BIB_KEYS


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_measured_values_have_sources_and_assumptions_have_notes(name):
    p = PARAMETERS[name]
    assert p.sources or p.assumed
    if p.assumed:
        assert p.note
    assert p.low <= p.value <= p.high
    assert p.unit is not None and p.symbol and p.meaning


def _bad_values(p):
    below = p.low - max(1.0, abs(p.low))
    above = p.high + max(1.0, abs(p.high))
    return [below, above, math.nan, math.inf, -math.inf, "5", None, True, [p.value]]


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_bad_values_name_the_parameter_its_unit_and_range(name):
    p = PARAMETERS[name]
    for bad in _bad_values(p):
        with pytest.raises(ValueError) as err:
            validate(name, bad)
        message = str(err.value)
        assert name in message
        assert f"{p.low:g} to {p.high:g}" in message
        if p.unit:
            assert p.unit in message


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_range_ends_and_default_are_accepted(name):
    p = PARAMETERS[name]
    for ok in (p.low, p.high, p.value):
        assert validate(name, ok) == pytest.approx(ok)


def test_whole_numbers_are_required_where_the_registry_says_so():
    with pytest.raises(ValueError, match="not whole"):
        validate("applications_per_week", 2.5)


def test_unknown_parameter_is_an_error():
    with pytest.raises(ValueError, match="unknown parameter"):
        validate("no_such_thing", 1.0)


def test_every_parameter_is_in_exactly_one_appendix_group():
    names = [name for group in GROUPS.values() for name in group]
    assert sorted(names) == sorted(PARAMETERS)


def test_appendix_tables_have_one_row_per_parameter_with_citations():
    table = [line for group in GROUPS for line in parameter_table_markdown(group).splitlines()[2:]]
    table.insert(0, parameter_table_markdown("The receptor").splitlines()[0])
    assert len(table) == 1 + len(PARAMETERS)
    assert all(line.count("|") == table[0].count("|") for line in table)
    for p in PARAMETERS.values():
        row = next(line for line in table if f"`{p.name}`" in line)
        for key in p.sources:
            assert f"{{cite:p}}`{key}`" in row
        assert ("**assumed**" in row) == p.assumed
