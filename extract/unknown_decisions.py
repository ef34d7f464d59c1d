"""Read stewards' decisions on unknown list values (sheet "Unbekannte Werte" of the work list) from the corrections folder.

A row counts when its decision column names a code (the first word of a
drop-down entry, or a code typed in) and the hidden columns name the field
and the value. The newest file wins when two files decide one value.
"""

from __future__ import annotations

from pathlib import Path

from jhmig.extract.cells import cell_text
from jhmig.extract.decision_sheets import decision_sheets
from jhmig.unknown_values import DECISION, HIDDEN, STEWARD, ValueDecision, decided_code

_HEADER_SEARCH_ROWS = 5


def read_value_decisions(folder: Path | None, *, isolate: bool = True) -> list[ValueDecision]:
    found: dict[tuple[str, str], tuple[float, ValueDecision]] = {}
    for path, mtime, sheet in decision_sheets(folder, with_csv=False, isolate=isolate):
        for decision in _sheet_decisions(dict(sheet.rows), f"{path.name}, Blatt {sheet.info.name}"):
            key = (decision.field, decision.value)
            if key not in found or found[key][0] <= mtime:
                found[key] = (mtime, decision)
    return [d for _, d in sorted(found.values(), key=lambda item: (item[1].field, item[1].value))]


def _sheet_decisions(rows: dict, where: str) -> list[ValueDecision]:  # type: ignore[type-arg]
    columns: dict[str, int] = {}
    header_row = None
    for number in sorted(rows)[:_HEADER_SEARCH_ROWS]:
        texts = [(cell_text(v) or "").strip() for v in rows[number]]
        if DECISION in texts and all(h in texts for h, _ in HIDDEN):
            header_row, columns = number, {t: i for i, t in enumerate(texts)}
            break
    if header_row is None:
        return []
    out = []
    by_header, on_header = STEWARD[1], STEWARD[2]
    for number, values in sorted(rows.items()):
        if number <= header_row:
            continue

        def cell(name: str) -> str:
            i = columns.get(name)
            return (cell_text(values[i]) or "").strip() if i is not None and i < len(values) else ""

        code = decided_code(cell(DECISION))
        field, value = (cell(h) for h, _ in HIDDEN)
        if value[:2] == "'=":  # written escaped (no formula in the steward's Excel)
            value = value[1:]
        if code is None or not field or not value:
            continue
        out.append(ValueDecision(field, value, code, cell(by_header), cell(on_header), f"{where}, Zeile {number}"))
    return out
