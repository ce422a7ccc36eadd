"""The holidays package is pinned exactly (pyproject.toml), and the one installed is it.

A new release of holidays brings new holiday data: a country adds a day off, or a date is
corrected, and the next SLA deadline of every ticket on that calendar moves, without a
line of our code changing. So the release is chosen on purpose: bump the pin and uv.lock
together (`uv lock --upgrade-package holidays`), read its changelog for the countries our
calendars use, and say in the commit which deadlines move.
"""

import tomllib
from pathlib import Path

import holidays
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def _holidays_requirement() -> Requirement:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (found,) = [
        requirement
        for requirement in map(Requirement, project["dependencies"])
        if requirement.name == "holidays"
    ]
    return found


def test_holidays_is_pinned_to_one_release():
    (spec,) = _holidays_requirement().specifier
    assert spec.operator == "=="


def test_installed_holidays_is_the_pinned_release():
    (spec,) = _holidays_requirement().specifier
    assert holidays.__version__ == spec.version


def test_uv_lock_has_the_pinned_holidays():
    (spec,) = _holidays_requirement().specifier
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {package["name"]: package.get("version") for package in lock["package"]}
    assert locked["holidays"] == spec.version
