"""The review band as a sheet of the work list: both records side by side, a drop-down for the decision.

Names and birth dates are masked (``M****r``, ``**.**.2012``) unless the
matching configuration asks for them in clear (``review.show_names: clear``),
or pseudonymised when the run is (``--pseudonymize``). The steward picks
*gleiche Person* or *verschiedene Personen*; the next run reads the decision
back from the corrections folder (:mod:`jhmig.extract.review_decisions`).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from openpyxl.worksheet.datavalidation import DataValidation

from jhmig.identity import DIFFERENT, REVIEW_DECISION, REVIEW_HIDDEN, REVIEW_RECORD_COLUMNS, REVIEW_SHEET, SAME

Redact = Callable[[str, str], str]  # (value, kind) -> shown value
PERSONAL = {"family_name": "name", "given_names": "name", "birth_name": "name", "birth_date": "date"}


def review_headers() -> list[str]:
    record = [f"{label} {side}" for side in "AB" for label, _ in REVIEW_RECORD_COLUMNS]
    return ["Paar", "Wahrscheinlichkeit", "Übereinstimmungen", *record, REVIEW_DECISION, "Bearbeitet von", "Datum",
            *(h for h, _ in REVIEW_HIDDEN)]


def _shown(value: object, field: str, redact: Redact | None) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if field == "birth_date" and hasattr(value, "strftime"):
        value = value.strftime("%d.%m.%Y")
    if field in PERSONAL and redact is not None:
        return redact(str(value), PERSONAL[field])
    return value.item() if hasattr(value, "item") else value


def write_review_sheet(wb, review: pd.DataFrame, redact: Redact | None) -> int:  # type: ignore[no-untyped-def]
    """Append the sheet to a write-only workbook; returns the rows written."""
    ws = wb.create_sheet(REVIEW_SHEET)
    headers = review_headers()
    decision_column = headers.index(REVIEW_DECISION) + 1
    check = DataValidation(type="list", formula1=f'"{SAME},{DIFFERENT}"', allow_blank=True)
    ws.data_validations.append(check)
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(decision_column)
    check.add(f"{letter}2:{letter}{max(len(review), 1) + 1}")
    for number, h in enumerate(headers, start=1):
        if h.startswith("_"):
            ws.column_dimensions[get_column_letter(number)].hidden = True
    ws.append(headers)
    for row in review.itertuples(index=False):
        values = row._asdict()
        record = [_shown(values[f"{side}_{field}"], field, redact) for side in "ab" for _, field in REVIEW_RECORD_COLUMNS]
        ws.append([values["pair"], values["score"], values["reasons"], *record, None, None, None,
                   values["a_source_system"], values["a_legacy_key"], values["b_source_system"], values["b_legacy_key"]])
    return len(review)
