"""Installs are locked: uv.lock pins every package, pyproject.toml bounds what may come,
and the Makefile and the Dockerfile install from the lock with the same uv."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]

# Calendar-versioned: their version is a date, so no number means "breaking".
CALENDAR_VERSIONED = {"crispy-bootstrap5", "django-template-partials", "drf-spectacular-sidecar"}


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(line) for line in listed]


def _uv_version_of_makefile() -> str:
    found = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert found, "the Makefile names no UV_VERSION"
    return found.group(1)


def test_every_dependency_has_an_upper_bound_or_a_pin():
    unbounded = [
        str(requirement)
        for requirement in _requirements()
        if requirement.name not in CALENDAR_VERSIONED
        and not any(spec.operator in {"<", "==", "~="} for spec in requirement.specifier)
    ]
    assert not unbounded, f"no upper bound: {', '.join(unbounded)}"


def test_dockerfile_installs_from_the_lock_with_the_makefiles_uv_and_no_dev_tools():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"uv=={_uv_version_of_makefile()}" in dockerfile
    assert f"uv=={_uv_version_of_makefile()}" in (ROOT / "docs" / "production.md").read_text()
    syncs = re.findall(r"^RUN uv sync .*$", dockerfile, re.MULTILINE)
    assert syncs and all("--locked" in line and "--extra" not in line for line in syncs)


def test_uv_lock_matches_pyproject():
    """`uv lock` was run after the last edit of pyproject.toml (offline: no PyPI needed)."""
    uv = Path(sys.prefix) / "bin" / "uv"
    if not uv.is_file():
        found = shutil.which("uv")
        if found is None:
            pytest.skip("no uv in this environment: `make install-dev` puts it in .venv")
        uv = Path(found)
    result = subprocess.run(
        [str(uv), "lock", "--check", "--offline"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
