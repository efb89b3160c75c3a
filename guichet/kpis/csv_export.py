"""A KPI table as CSV: one header row of the column keys (the definitions' keys),
rates as fractions, empty cells where a figure does not apply. A cell a spreadsheet
would read as a formula (``=``, ``+``, ``-``, ``@`` first: a question a caller asked)
is quoted with a leading apostrophe."""

from __future__ import annotations

import csv
import io

from guichet.kpis.report import Cell, Table

__all__ = ["table_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return str(value)


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_cell(row.get(c)) for c in table.columns])
    return out.getvalue()
