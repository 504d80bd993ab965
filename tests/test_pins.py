"""One pinned list: pyproject's dependencies and extras, repeated by environment.yml."""

from __future__ import annotations

import re
import tomllib

from .conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pins(lines):
    pins = {}
    for line in lines:
        name, _, version = line.split("#")[0].partition("==")
        assert version, f"{line!r} is not pinned with =="
        pins[name.strip().lower()] = version.strip()
    return pins


def _environment_pins():
    text = (ROOT / "environment.yml").read_text()
    entries = re.findall(r"^\s+- (\S+)\s*$", text.split("- pip:")[1], re.M)
    assert "-e" not in entries
    assert re.search(r"^\s+- -e \.\s*$", text, re.M), "environment.yml must install the package"
    return _pins(entries)


def test_every_dependency_is_pinned_exactly_once():
    seen = {}
    groups = [PYPROJECT["dependencies"], *PYPROJECT["optional-dependencies"].values()]
    for group in groups:
        for name, version in _pins(group).items():
            assert seen.setdefault(name, version) == version, f"{name} pinned twice differently"


def test_environment_yml_repeats_the_package_notebook_and_book_pins():
    extras = PYPROJECT["optional-dependencies"]
    expected = _pins(PYPROJECT["dependencies"]) | _pins(extras["notebook"]) | _pins(extras["book"])
    assert _environment_pins() == expected


def test_environment_yml_uses_python_3_11():
    assert re.search(r"^\s+- python=3\.11\s*$", (ROOT / "environment.yml").read_text(), re.M)


def test_ci_installs_through_make_test_only():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    assert "pip install" not in ci  # packages come from pyproject via the Makefile


def _locked():
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return _pins(line for line in lines if line.strip() and not line.startswith("#"))


def test_the_lock_holds_every_pin_at_its_version():
    locked = _locked()
    groups = [PYPROJECT["dependencies"], *PYPROJECT["optional-dependencies"].values()]
    for group in groups:
        for name, version in _pins(group).items():
            assert locked.get(name) == version, f"constraints.txt has {name} {locked.get(name)}"


def test_make_ci_and_binder_install_with_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    installs = re.findall(r"\$\(PIP_INSTALL\) .*", makefile)
    assert installs and "--constraint constraints.txt" in makefile
    assert re.search(
        r"^\s+- --constraint constraints\.txt\s*$", (ROOT / "environment.yml").read_text(), re.M
    )
    assert "constraints.txt" in (ROOT / "tests" / "binder.py").read_text()
