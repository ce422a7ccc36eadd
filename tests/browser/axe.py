"""Accessibility scans with axe-core (from npm) inside the Playwright page.

    from tests.browser.axe import assert_accessible
    page.goto("/knowledge/")
    assert_accessible(page)

axe is evaluated through Playwright rather than added as a <script> tag: our
Content-Security-Policy forbids inline scripts, so ``page.add_script_tag(path=...)``
would be blocked (and reported as a browser error), while ``page.evaluate`` runs
outside the page's CSP, leaving the policy under test untouched.
"""

from __future__ import annotations

from pathlib import Path

AXE_PATH = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = frozenset({"serious", "critical"})


def axe_violations(page, *, impacts=BLOCKING, context: str | None = None) -> list[dict]:
    """The violations of the given impacts on the current page (or inside the element
    matched by the CSS selector ``context``), each with the offending elements."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    results = page.evaluate(
        "(context) => axe.run(context ? document.querySelector(context) : document, "
        "{resultTypes: ['violations']})",
        context,
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [
                {"target": node["target"], "summary": node.get("failureSummary", "")}
                for node in violation["nodes"]
            ],
        }
        for violation in results["violations"]
        if violation["impact"] in impacts
    ]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']})")
        for node in violation["nodes"]:
            lines.append(f"  {node['target']}: {node['summary']}".replace("\n", " "))
    return "\n".join(lines)


def assert_accessible(page, *, impacts=BLOCKING, context: str | None = None) -> None:
    """Fail with a readable list when axe finds serious or critical violations."""
    violations = axe_violations(page, impacts=impacts, context=context)
    assert not violations, f"axe found on {page.url}:\n{format_violations(violations)}"
