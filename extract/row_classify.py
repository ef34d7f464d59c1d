"""Which rows of a list are cases, and which are not: empty, subtotal, note, legend; and which cases are closed.

Caseworkers write more than cases into their lists: "Summe" rows, "ab hier
2023", a legend "x = abgeschlossen" at the bottom. Such rows are skipped
with a German reason for the skip report, never dropped silently. A case
can be marked closed by its status, by a grey fill or strikethrough across
the row, or by standing on a sheet "abgeschlossen" - per the mapping's
:class:`~jhmig.list_mapping.ClosedRule`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from jhmig.extract.cells import CellValue, clean_text, is_blank
from jhmig.extract.header_detect import loose_key
from jhmig.extract.workbook import CellStyle
from jhmig.list_mapping import ClosedRule, SkipRule


class RowKind(StrEnum):
    DATA = "data"
    EMPTY = "empty"
    SUBTOTAL = "subtotal"
    NOTE = "note"
    LEGEND = "legend"


REASONS: dict[RowKind, str] = {
    RowKind.EMPTY: "leere Zeile",
    RowKind.SUBTOTAL: "Summenzeile",
    RowKind.NOTE: "Hinweiszeile",
    RowKind.LEGEND: "Legendenzeile",
}

# sheets that explain the list rather than hold cases
LEGEND_SHEET_KEYS = ("hilfe", "legende", "erlaeuterung", "erklaerung", "anleitung", "hinweise", "schluessel", "abkuerzungen")

_YEARS = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# a closed-mark column's cell that says "not closed"
_NOT_CLOSED = frozenset({"", "nein", "n", "0", "offen", "laufend", "lfd", "nicht", "no", "false", "falsch"})
_LEGEND_ROW = re.compile(r"^[^=:]{1,25}?\s*(=|:=|->|\u2013)\s*\S")
_ABOUT_HALF = 0.5


@dataclass(frozen=True)
class RowClass:
    kind: RowKind
    reason: str | None = None  # German, stable per kind (reports group by it); None for data rows
    detail: str = ""  # the text that decided it - may be social data: files only, never the console

    @property
    def is_data(self) -> bool:
        return self.kind is RowKind.DATA


class RowClassifier:
    """Classifies the rows of one table by the mapping's skip rule (compiled once per sheet)."""

    def __init__(self, skip: SkipRule | None = None, table_width: int = 0) -> None:
        skip = skip or SkipRule()
        words = [re.escape(w.casefold()) for w in skip.subtotal_words]
        # "Summe:", "Gesamt 2023" and compounds ending in "summe" ("Gesamtsumme", "Jahressumme"), not "Gesamtschule"
        self._subtotal = re.compile(rf"^(?:(?:{'|'.join(words)})(?![a-zäöüß])|\w*summe\b)" if words else r"^\w*summe\b")
        self._notes = [re.compile(p, re.IGNORECASE) for p in skip.note_patterns]
        self._width = table_width

    def classify(self, values: Sequence[CellValue], texts_of_values: Sequence[str | None] | None = None) -> RowClass:
        """``texts_of_values``: the cells' text forms (:func:`cell_text`), when the caller has them already."""
        if texts_of_values is None:
            cells = [v for v in values if not is_blank(v)]
            texts = [clean_text(v) for v in cells if isinstance(v, str)]
        else:
            cells = [v for v, t in zip(values, texts_of_values, strict=False) if t is not None]
            texts = [t for v, t in zip(values, texts_of_values, strict=False) if t is not None and isinstance(v, str)]
        if not cells:
            return RowClass(RowKind.EMPTY, REASONS[RowKind.EMPTY])
        first = texts[0].casefold() if texts else ""
        if texts and len(texts) <= 2 and self._subtotal.match(first):
            return RowClass(RowKind.SUBTOTAL, REASONS[RowKind.SUBTOTAL], texts[0][:40])
        if len(cells) <= 2 and texts and any(p.search(first) for p in self._notes):
            return RowClass(RowKind.NOTE, REASONS[RowKind.NOTE], texts[0][:40])
        if len(cells) <= 2 and len(texts) == len(cells) and _LEGEND_ROW.match(" ".join(texts)):
            return RowClass(RowKind.LEGEND, REASONS[RowKind.LEGEND], " ".join(texts)[:40])
        if self._width >= 3 and len(cells) == 1 and len(texts) == 1:
            return RowClass(RowKind.NOTE, REASONS[RowKind.NOTE], texts[0][:40])
        if self._width >= 3 and not texts and len(cells) <= max(1, self._width // 3) and all(_is_number(v) for v in cells):
            return RowClass(RowKind.SUBTOTAL, REASONS[RowKind.SUBTOTAL])  # numbers only, no label
        return RowClass(RowKind.DATA)


def _is_number(value: CellValue) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_legend_sheet(name: str) -> bool:
    key = loose_key(name)
    return any(key.startswith(k) for k in LEGEND_SHEET_KEYS)


def is_grey(rgb: str | None) -> bool:
    """A fill colour a caseworker calls grey: red, green and blue about equal, neither white nor black."""
    if not rgb or len(rgb) != 6:
        return False
    try:
        r, g, b = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return False
    return max(r, g, b) - min(r, g, b) <= 20 and 0x20 <= (r + g + b) / 3 <= 0xF5


class ClosedMarks:
    """Decides whether a row marks a closed case, per the mapping's closed rule."""

    def __init__(self, rule: ClosedRule, sheet_name: str, *, hidden: bool = False, as_of_year: int | None = None) -> None:
        self.rule = rule
        self._status_keys = [loose_key(v) for v in rule.status_values if loose_key(v)]
        sheet_key = loose_key(sheet_name)
        self.sheet_reason = next((f"Blatt '{sheet_name}'" for word in rule.sheet_names
                                  if loose_key(word) and loose_key(word) in sheet_key), None)
        years = [int(y) for y in _YEARS.findall(sheet_name)]
        current = as_of_year or dt.date.today().year
        # a hidden "2021" / "bis 2021" is where old years go; a visible year sheet may still hold running cases
        if self.sheet_reason is None and rule.hidden_old_sheets and hidden and years and max(years) < current:
            self.sheet_reason = f"ausgeblendetes Blatt '{sheet_name}' (Vorjahre)"

    def reasons(self, status: str | None, styles: Sequence[CellStyle | None], *, mark: str | None = None,
                mark_header: str = "") -> list[str]:
        """Why the row counts as closed (empty list: open). ``styles`` has one entry per filled table cell.

        ``mark``: the row's cell of a closed-mark column ("erledigt": ``x``, a date, ``ja``).
        """
        found: list[str] = []
        if status:
            key = loose_key(status)
            if any(key.startswith(k) for k in self._status_keys):
                found.append(f"Status '{clean_text(status)[:30]}'")
        if mark and loose_key(mark) not in _NOT_CLOSED:
            found.append(f"Spalte '{mark_header[:30]}': '{clean_text(mark)[:20]}'")
        if styles:
            if self.rule.grey_fill and _most(styles, lambda s: is_grey(s.fill)):
                found.append("grau hinterlegt")
            if self.rule.strikethrough and _most(styles, lambda s: s.strike):
                found.append("durchgestrichen")
        if self.sheet_reason:
            found.append(self.sheet_reason)
        return found


def _most(styles: Sequence[CellStyle | None], test: object) -> bool:
    hits = sum(1 for s in styles if s is not None and test(s))  # type: ignore[operator]
    return hits > 0 and hits >= _ABOUT_HALF * len(styles)
