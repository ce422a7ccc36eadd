"""The layout of README "Layout", held against the code: which app may import which.

Each app imports only the apps below it in LAYERS (so the app graph has no loop), and
no module hides an import of the project's code inside a function (the way to dodge a
loop). Read from the source with ``ast``: nothing is imported to check it.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# From the bottom up: an app may import those before it in this list, never after.
LAYERS = [
    "core",
    "accounts",
    "sla",
    "tickets",
    "knowledge",
    "surveys",
    "notifications",
    "portal",
    "workspace",
    "dashboard",
    "api",
    "webhooks",
    "helpdesk",
]
# The UI apps sit side by side: none imports another. (The webhooks sit above the API:
# their payloads are the API's representations.)
SIDE_BY_SIDE = {"portal", "workspace", "dashboard", "api"}
# Where a function-level import is the framework's way: AppConfig.ready() connects
# signal handlers once the apps are loaded; Celery's app module reads settings late.
LATE_IMPORTS_ALLOWED = {
    "accounts/apps.py",
    "api/apps.py",
    "notifications/apps.py",
    "webhooks/apps.py",
    "helpdesk/apps.py",
    "helpdesk/celery.py",
}


def _modules():
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


def _imports(tree: ast.AST):
    """(module imported, line, inside a function?) for every import of the tree."""

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno, in_function
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                yield child.module, child.lineno, in_function
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # imports for the type checker only: none at run time
            else:
                yield from visit(child, inside)

    yield from visit(tree, False)


def _app_imports():
    found = []
    for app, path in _modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for module, line, in_function in _imports(tree):
            target = module.split(".")[0]
            if target in LAYERS:
                found.append((app, target, f"{path.relative_to(ROOT)}:{line}", in_function))
    return found


def test_every_app_imports_only_the_apps_below_it():
    upward = [
        f"{where}: {app} imports {target}"
        for app, target, where, _ in _app_imports()
        if target != app
        and (
            LAYERS.index(target) > LAYERS.index(app)
            or (app in SIDE_BY_SIDE and target in SIDE_BY_SIDE)
        )
    ]
    assert not upward, "imports that run back up (README Layout):\n" + "\n".join(upward)


def test_the_app_graph_has_no_loop():
    edges: dict[str, set[str]] = {app: set() for app in LAYERS}
    for app, target, _, _ in _app_imports():
        if target != app:
            edges[app].add(target)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
            for nxt in edges[start]
        )

    loops = sorted(app for app in LAYERS if reaches(app, app, {app}))
    assert not loops, f"apps on an import loop: {loops}"


def test_no_import_of_the_project_hides_inside_a_function():
    hidden = [
        where
        for app, _, where, in_function in _app_imports()
        if in_function and where.split(":")[0] not in LATE_IMPORTS_ALLOWED
    ]
    assert not hidden, "imports inside functions:\n" + "\n".join(hidden)


@pytest.mark.parametrize("app", LAYERS)
def test_every_app_of_the_layout_is_a_folder(app):
    assert (ROOT / app / "__init__.py").exists()


def test_no_module_passes_six_hundred_lines():
    """Migrations and the demo and benchmark seeding commands aside."""
    long = [
        f"{path.relative_to(ROOT)}: {count} lines"
        for _, path in _modules()
        if "commands" not in path.parts and (count := len(path.read_text().splitlines())) > 600
    ]
    assert not long, "\n".join(long)


def test_mypy_checks_every_app():
    """Every app of the layout is type-checked whole (pyproject.toml [tool.mypy])."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert sorted(config["files"]) == sorted(LAYERS)
    assert config["exclude"] == ["migrations/"]


def test_every_scope_escape_says_why():
    """Tenancy: each ``scopes_disabled()`` in the apps carries its reason in a comment on
    its line or the line before; a service says it with ``@service(across=...)``."""
    silent = []
    for _, path in _modules():
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if "with scopes_disabled()" not in line:
                continue
            if "#" not in line and not lines[number - 1].strip().startswith("#"):
                silent.append(f"{path.relative_to(ROOT)}:{number + 1}")
    assert not silent, "scopes_disabled() without a reason:\n" + "\n".join(silent)
