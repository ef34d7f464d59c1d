"""Read stewards' decisions on review pairs ("Abgleich Personen" sheet of the work list) from the corrections folder.

A row counts when its decision column says *gleiche Person* or
*verschiedene Personen* (or a usual spelling of them) and it names both
records by source system and legacy key (the hidden columns of the sheet).
The newest file wins when two files decide one pair.
"""

from __future__ import annotations

from pathlib import Path

from jhmig.extract.cells import cell_text
from jhmig.extract.corrections import decision_date as parse_date
from jhmig.extract.decision_sheets import decision_sheets
from jhmig.identity import REVIEW_DECISION, REVIEW_HIDDEN, REVIEW_SPELLINGS, RecordRef, ReviewDecision

_HEADER_SEARCH_ROWS = 5
BY, ON = "Bearbeitet von", "Datum"


def read_review_decisions(folder: Path, *, isolate: bool = True) -> list[ReviewDecision]:
    found: dict[tuple[RecordRef, RecordRef], tuple[float, ReviewDecision]] = {}
    for path, mtime, sheet in decision_sheets(folder, isolate=isolate):
        for decision in _sheet_decisions(dict(sheet.rows), path.relative_to(folder).as_posix()):
            key = decision.key()
            if key not in found or found[key][0] <= mtime:
                found[key] = (mtime, decision)
    return [d for _, d in found.values()]


def _sheet_decisions(rows: dict, origin: str) -> list[ReviewDecision]:  # type: ignore[type-arg]
    header_row = None
    for number in sorted(rows)[:_HEADER_SEARCH_ROWS]:
        texts = [(cell_text(v) or "").strip() for v in rows[number]]
        if REVIEW_DECISION in texts and all(h in texts for h, _ in REVIEW_HIDDEN):
            header_row, columns = number, {t: i for i, t in enumerate(texts)}
            break
    if header_row is None:
        return []
    out = []
    for number, values in sorted(rows.items()):
        if number <= header_row:
            continue

        def cell(name: str) -> str:
            i = columns.get(name, len(values))
            return (cell_text(values[i]) or "").strip() if i < len(values) else ""

        def raw(name: str) -> object:
            i = columns.get(name, len(values))
            return values[i] if i < len(values) else None

        same = REVIEW_SPELLINGS.get(cell(REVIEW_DECISION).casefold())
        a_source, a_key, b_source, b_key = (cell(h) for h, _ in REVIEW_HIDDEN)
        if same is None or not (a_source and a_key and b_source and b_key):
            continue
        out.append(ReviewDecision(RecordRef(a_source, "person", a_key), RecordRef(b_source, "person", b_key), same,
                                  by=cell(BY), on=parse_date(raw(ON)), origin=origin))  # type: ignore[arg-type]
    return out
