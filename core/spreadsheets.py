"""CSV that a spreadsheet opens as data, never as formulas.

A cell starting with ``= + - @`` (or a tab or carriage return, which some spreadsheets
skip before reading one of those) is a formula to Excel and LibreOffice: a customer's
ticket titled ``=HYPERLINK(...)`` would reach a manager's export as a live link. Every
CSV the project writes goes through :func:`writer`, which prefixes such cells with a
single quote (OWASP's advice), so the spreadsheet shows the text as typed. Plain numbers
(``-15`` minutes late) are left alone: they are not formulas and stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet should show it: text that would start a formula gets a
    leading single quote; everything else is returned unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


class SafeWriter:
    """``csv.writer`` whose every cell passes through :func:`neutralise`."""

    def __init__(self, stream: TextIO, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: TextIO, **options: Any) -> SafeWriter:
    """The one CSV writer of the project (use it instead of ``csv.writer``)."""
    return SafeWriter(stream, **options)
