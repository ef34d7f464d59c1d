"""The review band as a sheet of the work list: both records side by side, a drop-down for the decision.

Names and birth dates are shown in clear (the work list is where personal
data belongs), masked (``M****r``, ``**.**.2012``) when the matching
configuration asks for it (``review.show_names: masked``), pseudonymised when
the run is (``--pseudonymize``). Each side shows every source record of its
person; the fields that differ between A and B are marked. The steward picks
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


MEMBERS_A, MEMBERS_B, DIFFERS, EFFECT = "Alle Datensätze A", "Alle Datensätze B", "Abweichende Felder", "Wirkung"
FIELD_LABELS = {"family_name": "Familienname", "given_names": "Vornamen", "birth_name": "Geburtsname", "birth_date": "Geburtsdatum"}


def review_headers() -> list[str]:
    record = [f"{label} {side}" for side in "AB" for label, _ in REVIEW_RECORD_COLUMNS]
    return ["Paar", "Wahrscheinlichkeit", "Übereinstimmungen", *record, MEMBERS_A, MEMBERS_B, DIFFERS, REVIEW_DECISION,
            "Bearbeitet von", "Datum", EFFECT, *(h for h, _ in REVIEW_HIDDEN)]


def _shown(value: object, field: str, redact: Redact | None) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if field == "birth_date" and hasattr(value, "strftime"):
        value = value.strftime("%d.%m.%Y")
    if field in PERSONAL and redact is not None:
        return redact(str(value), PERSONAL[field])
    return value.item() if hasattr(value, "item") else value


def _members_text(members: object, redact: Redact | None) -> str | None:
    """Every source record of one side, one per line: where it stands and what it says."""
    if not isinstance(members, list) or not members:
        return None
    lines = []
    for m in members:
        where = " ".join(str(v) for v in (m.get("source_system"), m.get("src_path"), m.get("src_sheet")) if v not in (None, ""))
        line = f" Zeile {m['src_line']}" if m.get("src_line") not in (None, "") else ""
        name = ", ".join(str(v) for v in (_shown(m.get("family_name"), "family_name", redact),
                                          _shown(m.get("given_names"), "given_names", redact)) if v)
        birth_name = _shown(m.get("birth_name"), "birth_name", redact)
        born = _shown(m.get("birth_date"), "birth_date", redact)
        lines.append(f"{where}{line}: {name or '(ohne Namen)'}" + (f" geb. {birth_name}" if birth_name else "")
                     + (f", {born}" if born else ", ohne Geburtsdatum"))
    return "\n".join(lines)


def write_review_sheet(wb, review: pd.DataFrame, redact: Redact | None) -> int:  # type: ignore[no-untyped-def]
    """Append the sheet to a write-only workbook; returns the rows written. Fields that differ between A and B are marked."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(REVIEW_SHEET)
    headers = review_headers()
    decision_column = headers.index(REVIEW_DECISION) + 1
    check = DataValidation(type="list", formula1=f'"{SAME},{DIFFERENT}"', allow_blank=True)
    ws.data_validations.append(check)
    letter = get_column_letter(decision_column)
    check.add(f"{letter}2:{letter}{max(len(review), 1) + 1}")
    for number, h in enumerate(headers, start=1):
        if h.startswith("_"):
            ws.column_dimensions[get_column_letter(number)].hidden = True
        elif h in (MEMBERS_A, MEMBERS_B):
            ws.column_dimensions[get_column_letter(number)].width = 60
    ws.freeze_panes = "D2"
    ws.append(headers)
    differ_fill = PatternFill("solid", fgColor="FFE699")
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in review.itertuples(index=False):
        values = row._asdict()
        differs = values.get("differs")
        differs = differs if isinstance(differs, list) else []
        record = []
        for side in "ab":
            for _, field in REVIEW_RECORD_COLUMNS:
                cell = WriteOnlyCell(ws, _shown(values.get(f"{side}_{field}"), field, redact))
                if field in differs:
                    cell.fill = differ_fill  # what the steward has to weigh
                record.append(cell)
        members = []
        for side in "ab":
            cell = WriteOnlyCell(ws, _members_text(values.get(f"{side}_members"), redact))
            cell.alignment = wrap
            members.append(cell)
        on = values.get("on")
        ws.append([values["pair"], values["score"], values["reasons"], *record, *members,
                   ", ".join(FIELD_LABELS.get(f, f) for f in differs) or None, _text(values.get("decision")),
                   _text(values.get("by")), on.strftime("%d.%m.%Y") if hasattr(on, "strftime") else None, _text(values.get("effect")),
                   values["a_source_system"], values["a_legacy_key"], values["b_source_system"], values["b_legacy_key"]])
    return len(review)


def _text(value: object) -> object:
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else value
