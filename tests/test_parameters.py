"""The registry: sources resolve, bad values give a ValueError that says what is allowed."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from imiquimod_model.book.reporting import parameter_table_markdown
from imiquimod_model.parameters import (
    COLUMNS,
    GROUPS,
    PARAMETERS,
    REGISTRY_FILE,
    groups_of,
    read_registry,
    validate,
)

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
    assert all(PARAMETERS[name].group == group for group, names in GROUPS.items() for name in names)


# --- the registry file: every row is checked, and a bad row is reported with its line
HEADER = ",".join(COLUMNS)
GOOD = "Dose,dose_mg,D,dose per application,5,mg,1,10,no,AldaraLabel,no,no,"
ASSUMED = "Dose,lag_h,t,lag time,2,h,0,4,no,,yes,no,bounded by the onset of response"


def _registry(tmp_path, *rows: str):
    path = tmp_path / "registry.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


def test_a_good_registry_file_reads_in_order_with_types(tmp_path):
    entries = read_registry(_registry(tmp_path, GOOD, ASSUMED))
    assert list(entries) == ["dose_mg", "lag_h"]
    dose = entries["dose_mg"]
    assert (dose.value, dose.low, dose.high, dose.unit) == (5.0, 1.0, 10.0, "mg")
    assert dose.sources == ("AldaraLabel",) and not dose.assumed and not dose.integer
    assert entries["lag_h"].assumed and entries["lag_h"].sources == ()
    assert groups_of(entries) == {"Dose": ("dose_mg", "lag_h")}


@pytest.mark.parametrize(
    ("bad_row", "complaint"),
    [
        (GOOD.replace(",5,mg,", ",50,mg,"), "default outside its own range"),
        (GOOD.replace("AldaraLabel,no", ",no"), "a measured value needs a source"),
        (ASSUMED.replace("bounded by the onset of response", ""), "an assumption needs a note"),
        (GOOD.replace(",5,mg,", ",five,mg,"), "column value must be a number"),
        (GOOD.replace(",1,10,", ",1,inf,"), "column high must be finite"),
        (GOOD.replace(",no,AldaraLabel,", ",maybe,AldaraLabel,"), "whole_number must be 'yes'"),
        (GOOD.replace(",5,mg,", ",2.5,mg,").replace(",no,Ald", ",yes,Ald"), "is not whole"),
        (GOOD.replace("dose_mg", "dose mg"), "not a Python identifier"),
        (GOOD.replace("Dose,", " ,", 1), "has no group"),
        (GOOD + ",extra", "expected 13 columns"),
        (GOOD.rsplit(",", 1)[0], "expected 13 columns"),
        (ASSUMED.replace("lag_h", "dose_mg"), "dose_mg appears twice"),
    ],
)
def test_a_bad_registry_row_is_reported_with_its_file_and_line(tmp_path, bad_row, complaint):
    with pytest.raises(ValueError, match=r"registry\.csv line 3: .*" + re.escape(complaint)):
        read_registry(_registry(tmp_path, GOOD, bad_row))


def test_wrong_columns_are_reported_on_line_1(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text(HEADER.replace("unit", "units") + "\n" + GOOD + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"registry\.csv line 1: the columns must be"):
        read_registry(path)


def test_the_registry_file_is_the_one_the_package_reads():
    assert read_registry(REGISTRY_FILE) == PARAMETERS


def test_appendix_tables_have_one_row_per_parameter_with_citations():
    table = [line for group in GROUPS for line in parameter_table_markdown(group).splitlines()[2:]]
    table.insert(0, parameter_table_markdown("The receptor").splitlines()[0])
    assert len(table) == 1 + len(PARAMETERS)
    assert all(line.count("|") == table[0].count("|") for line in table)
    for p in PARAMETERS.values():
        row = next(line for line in table if f"`{p.name}`" in line)
        if p.sources:  # one citation of them all: "(A, 2001; B, 2002)", not "(A, 2001) (B, 2002)"
            assert f"{{cite:p}}`{','.join(p.sources)}`" in row
        assert ("**assumed**" in row) == p.assumed


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
@example(5e-324)  # the smallest float: 10**power underflows to 0 there
@example(999999.9)  # rounds up into the next power of ten
def test_printed_numbers_never_use_computer_notation(value):
    from imiquimod_model.book.reporting import number_text

    text = number_text(value, 3)
    assert "e" not in text and "E" not in text
    if value and abs(value) >= 1e-300:
        mantissa, _, power = text.replace("−", "-").partition(" × 10")
        exponent = int(power.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")) or 0)
        assert float(mantissa) * 10.0**exponent == pytest.approx(value, rel=6e-3)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True, "1", None])
def test_printing_a_non_number_is_a_clear_error(bad):
    from imiquimod_model.book.reporting import number_text

    with pytest.raises(ValueError, match="finite number"):
        number_text(bad)
