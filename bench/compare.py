"""Runs of ``bench/run.py`` side by side, as the Markdown table of docs/benchmark.md.

    python bench/compare.py before-1.json before-2.json before-3.json \\
        --after after-1.json after-2.json after-3.json

Each run's ``latest.json`` (copied aside after each run). For every page: its queries,
its time in process, and its p95 (or for creation, tickets a second) at each number of
requests in flight, each run's figure in order, before → after; then the first views
after the cached figures go stale, and the sweep.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path


def _runs(paths: list[str]) -> list[dict]:
    return [json.loads(Path(path).read_text()) for path in paths]


def _pages(run: dict) -> dict[str, dict]:
    return {page["key"]: page for page in run["pages"] if page.get("available")}


def _figure(page: dict, level: int, key: str) -> float | None:
    for load in page.get("load", []):
        if load["concurrency"] == level:
            return load[key]
    return None


def _series(runs: list[dict], key: str, level: int, figure: str) -> str:
    values = []
    for run in runs:
        page = _pages(run).get(key)
        value = _figure(page, level, figure) if page else None
        values.append("–" if value is None else f"{value:.0f}")
    return ", ".join(values) if any(v != "–" for v in values) else "–"


def _computed(page: dict) -> float | None:
    if page.get("computed_ms") is not None:
        return page["computed_ms"]
    for note in page.get("notes", []):
        found = re.search(r"first view after .*?: (\d+) ms in process", note)
        if found:
            return float(found.group(1))
    return None


def _each(runs: list[dict], key: str, read) -> str:
    values = []
    for run in runs:
        page = _pages(run).get(key)
        value = read(page) if page else None
        values.append("–" if value is None else f"{value:.0f}")
    return ", ".join(values)


def table(before: list[dict], after: list[dict]) -> str:
    levels = sorted(
        {load["concurrency"] for run in before + after for p in run["pages"] for load in p["load"]}
    )
    header = ["page", "queries", "ms in process"]
    for level in levels:
        header.append(f"p95 at {level} in flight (ms; creation: tickets/s)")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for page in after[-1]["pages"]:
        key = page["key"]
        first = _pages(before[-1]).get(key, {})
        queries = f"{first.get('queries', '–')} → {page.get('queries', '–')}"
        in_process = " → ".join(
            _each(runs, key, lambda p: p.get("in_process_ms")) for runs in (before, after)
        )
        row = [page["label"], queries, in_process]
        figure = "per_second" if key == "create" else "p95_ms"
        for level in levels:
            row.append(
                f"{_series(before, key, level, figure)} → {_series(after, key, level, figure)}"
            )
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    for key in ("queue", "dashboard"):
        label = next((p["label"] for p in after[-1]["pages"] if p["key"] == key), key)
        lines.append(
            f"- {label}, first view after its figures went stale: "
            f"{_each(before, key, _computed)} → {_each(after, key, _computed)} ms in process"
        )
    sweeps = [
        f"{run['sweep']['beat_task']['seconds'] * 1000:.0f}"
        for run in after
        if run.get("sweep", {}).get("available")
    ]
    if sweeps:
        lines.append(f"- SLA sweep, 100 clocks due: {', '.join(sweeps)} ms")
    for label, runs in (("before", before), ("after", after)):
        machine = [
            f"load {run['machine']['load_average_at_start']:.1f}→"
            f"{run['machine']['load_average_at_end']:.1f}"
            for run in runs
        ]
        lines.append(f"- load average {label} (start→end of each run): {', '.join(machine)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", nargs="+")
    parser.add_argument("--after", nargs="+", required=True)
    args = parser.parse_args()
    print(table(_runs(args.before), _runs(args.after)))


if __name__ == "__main__":
    main()
