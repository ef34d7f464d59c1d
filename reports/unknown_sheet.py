"""The sheet *Unbekannte Werte* of the work list: one row per unknown (field, value), its candidates as a drop-down.

A value is not personal data (a kind of help, a court's outcome), so it is
shown as written. The steward picks a candidate (or types a code, ``-`` for
"no value of the code list", ``?`` for a placeholder); the next run reads the
choice back (:mod:`jhmig.extract.unknown_decisions`) and applies it to every
row with that value.
"""

from __future__ import annotations

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jhmig.unknown_values import DECISION, HIDDEN, NOT_A_VALUE_CHOICE, PLACEHOLDER_CHOICE, STEWARD, UNKNOWN_SHEET, VISIBLE

_WIDTHS = (16, 34, 9, 50, 12, 40, 40, 40, 40, 16, 12)


def unknown_headers() -> list[str]:
    return [h for h, _ in VISIBLE] + list(STEWARD) + [h for h, _ in HIDDEN]


def _safe(value: object) -> object:
    """Text from the source cannot become a formula in the steward's Excel."""
    if isinstance(value, str) and value[:1] == "=":
        return "'" + value
    return value


def write_unknown_sheet(wb, unknown: pd.DataFrame) -> int:  # type: ignore[no-untyped-def]
    """Append the sheet to a write-only workbook; returns the rows written."""
    ws = wb.create_sheet(UNKNOWN_SHEET)
    headers = unknown_headers()
    decision = get_column_letter(headers.index(DECISION) + 1)
    for number, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(number)].width = width
    for number, h in enumerate(headers, start=1):
        if h.startswith("_"):
            ws.column_dimensions[get_column_letter(number)].hidden = True
    choices: dict[str, DataValidation] = {}
    for line, row in enumerate(unknown.itertuples(index=False), start=2):
        options = [c for c in (row.candidate_1, row.candidate_2, row.candidate_3) if c] + [NOT_A_VALUE_CHOICE, PLACEHOLDER_CHOICE]
        formula = '"' + ",".join(options) + '"'
        if formula not in choices:
            choices[formula] = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
        choices[formula].add(f"{decision}{line}")
    for check in choices.values():
        ws.data_validations.append(check)
    ws.freeze_panes = "C2"
    ws.append(headers)
    for row in unknown.itertuples(index=False):
        values = row._asdict()
        ws.append([_safe(values[key]) if key != "count" else int(values[key]) for _, key in VISIBLE] + [None] * len(STEWARD)
                  + [values["field"], _safe(values["value"])])
    return len(unknown)
