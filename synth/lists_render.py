"""One list entry -> one row of cells, written the way a caseworker writes it.

The renderer decides every visible quirk of a data row (name spelling
via lists_person.py, date and amount notation, free-text service type,
provider spelling, closed marks, comments, odd whitespace) and records in the row's truth
what the row really means, so the truth never has to be reverse-engineered
from the cells.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from jhmig.synth.lists_links import LegacyLinks, service_ref
from jhmig.synth.lists_model import (
    LIST_STAND,
    AsdEntry,
    BodyRow,
    Cell,
    JghEntry,
    SheetPlan,
)
from jhmig.synth.lists_notation import (
    AMOUNT_NOTATIONS_CSV,
    AMOUNT_NOTATIONS_XLSX,
    BIRTH_NOTATIONS_CSV,
    BIRTH_NOTATIONS_XLSX,
    DATE_FORMAT,
    Forced,
    PERIOD_NOTATIONS_CSV,
    PERIOD_NOTATIONS_XLSX,
    WHITESPACE,
    amount_cell,
    date_cell,
    with_whitespace,
)
from jhmig.synth.lists_person import person_cells
from jhmig.synth.lists_text import (
    ASD_COMMENTS,
    ASD_REMARKS,
    COURT_VARIANTS,
    JGH_REMARKS,
    OUTCOME_EXACT,
    OUTCOME_TYPOS,
    OUTCOME_UNMAPPED,
    SERVICE_EXACT,
    SERVICE_TYPOS,
    SERVICE_UNCOVERED,
    outcome_text,
    provider_spelling,
    service_text,
)

P_SERVICE_TYPO = 0.05
P_UNCOVERED = 0.03
P_OUTCOME_TYPO = 0.05
P_COMMENT = 0.04
P_REMARK = 0.3
P_MULTILINE_REMARK = 0.15  # Alt+Enter inside a remark cell (xlsx only)
P_REUSE_SPELLING = 0.75  # a caseworker keeps writing a provider the same way


@dataclass
class FileStyle:
    csv: bool
    closed_style: str  # grey | strike_status | sheet | status | grey_some
    department: str


class RowRenderer:
    def __init__(self, rng: random.Random, links: LegacyLinks, style: FileStyle, forced: Forced,
                 variants: dict[str, int], official_names: frozenset[str]) -> None:
        self.rng = rng
        self.links = links
        self.official_names = official_names  # every provider name TRAEGER.TXT holds
        self.style = style
        self.forced = forced
        self.variants = variants  # shared across files: how often each spelling of a code was used
        self.spellings: dict[str, str] = {}
        self.birth_notations = BIRTH_NOTATIONS_CSV if style.csv else BIRTH_NOTATIONS_XLSX
        self.period_notations = PERIOD_NOTATIONS_CSV if style.csv else PERIOD_NOTATIONS_XLSX
        self.amount_notations = AMOUNT_NOTATIONS_CSV if style.csv else AMOUNT_NOTATIONS_XLSX

    # -- building blocks ----------------------------------------------------------

    def _notation(self, kind: str, index: int, options: tuple[tuple[str, float], ...]) -> str:
        return self.forced.notation(kind, index, self.rng, options)

    def _period(self, d: dt.date, index: int, kind: str = "period") -> Cell:
        return date_cell(d, self._notation(kind, index, self.period_notations), self.rng)

    def _provider_text(self, name: str) -> str:
        """Caseworkers keep their own spelling of an institution (mostly); never one of TRAEGER.TXT."""
        known = self.spellings.get(name)
        if known is not None and self.rng.random() < P_REUSE_SPELLING:
            return known
        spelled = provider_spelling(name, self.official_names, self.rng)
        self.spellings[name] = spelled
        return spelled

    def _comment(self, row: BodyRow, index: int, candidates: list[int], texts: tuple[str, ...]) -> None:
        if self.style.csv or not candidates:
            return
        if self.forced.get("comment", index) or self.rng.random() < P_COMMENT:
            col = self.rng.choice(candidates)
            if col in row.cells:
                row.cells[col].comment = self.rng.choice(texts)

    def _closed_marks(self, row: BodyRow, index: int, ended: bool, sheet_closed: bool) -> bool:
        """Marks the row the way this file marks closed cases; True when any mark was set."""
        rng = self.rng
        if sheet_closed:
            return True
        forced = self.forced.get("closed", index)
        style = self.style.closed_style
        if not ended:
            return False
        if style == "grey":
            row.grey = bool(forced) or rng.random() < 0.85
        elif style == "grey_some":
            row.grey = bool(forced) or rng.random() < 0.4
        elif style == "strike_status":
            row.strike = forced == "strike" or (forced is None and rng.random() < 0.5)
        return row.grey or row.strike

    # -- rows ---------------------------------------------------------------------------

    def asd(self, entry: AsdEntry, sheet: SheetPlan, index: int, *, sheet_closed: bool = False) -> BodyRow:
        rng = self.rng
        row = BodyRow(row=sheet.next_row(), kind="data")
        cells = row.cells
        variants = person_cells(self.rng, self.forced, self.birth_notations, entry.child, sheet, index, row)
        if (col := sheet.col("az")) is not None:
            cells[col] = Cell(entry.az)
        text, kind = self._service_text(entry, index)
        if (col := sheet.col("service")) is not None:
            cells[col] = Cell(with_whitespace(text, self._notation("service_ws", index, WHITESPACE)))
        if (col := sheet.col("provider")) is not None:
            if entry.institution is not None:
                cells[col] = Cell(self._provider_text(entry.institution.name))
            elif entry.foster_family:
                cells[col] = Cell(rng.choice(("Pflegefamilie ", "PF ", "Fam. ")) + entry.foster_family)
        if (col := sheet.col("start")) is not None:
            cells[col] = self._period(entry.start, index)
        if (col := sheet.col("end")) is not None and entry.ended and entry.end is not None:
            cells[col] = self._period(entry.end, index, "period_end")
        if (col := sheet.col("rate")) is not None and entry.monthly_cents is not None:
            cells[col] = amount_cell(entry.monthly_cents, self._notation("amount", index, self.amount_notations), rng)
        if (col := sheet.col("sb")) is not None and entry.caseworker:
            cells[col] = Cell(entry.caseworker)
        if (col := sheet.col("unknown")) is not None and not entry.ended and rng.random() < 0.6:
            cells[col] = Cell(LIST_STAND + dt.timedelta(days=rng.randint(7, 180)), DATE_FORMAT)  # next Hilfeplangespräch
        closed = self._closed_marks(row, index, entry.ended, sheet_closed)
        if (col := sheet.col("status")) is not None:
            status_closed = entry.ended and (self.forced.get("closed", index) == "status" or rng.random() < 0.75)
            cells[col] = Cell(rng.choice(("beendet", "beendet", "abgeschlossen")) if status_closed
                              else rng.choice(("laufend", "laufend", "läuft", "")) if not entry.ended else "")
            closed = closed or status_closed
        if (col := sheet.col("remark")) is not None:
            remark = self._asd_remark(entry, self.forced.get("remark", index))
            if remark:
                cells[col] = Cell(remark)
        self._comment(row, index, [c for c in (sheet.col("service"), sheet.col("az"), sheet.col("rate")) if c is not None],
                      ASD_COMMENTS)
        row.cells = {c: v for c, v in cells.items() if v.value not in (None, "")}
        row.identity = entry.child.id
        row.legacy_keys = self.links.person_refs(entry.child.id)
        row.truth = {
            "identity": entry.child.id, "legacy_person": self.links.person_ref(entry.child.id), "closed": closed,
            "department": "ASD", "service_type": entry.code, "outcome": None, "free_text": text, "free_text_kind": kind,
            "birth_date": entry.child.birth_date.isoformat(), "variants": variants, "legacy_case": entry.legacy_case,
            "legacy_service": service_ref(entry.service) if entry.service is not None else None,
            "legacy_provider": entry.provider_ref, "offence_date": None,
        }
        return row

    def _service_text(self, entry: AsdEntry, index: int) -> tuple[str, str]:
        if entry.code is None:
            return entry.special_text or "", "unmapped"
        forced = self.forced.get("service_kind", index)
        roll = self.rng.random()
        # every listed spelling of a type is used once before typos and uncovered spellings may replace it
        seasoned = self.variants.get(f"service:{entry.code}:exact", 0) >= len(SERVICE_EXACT[entry.code])
        if forced == "typo" or (seasoned and roll < P_SERVICE_TYPO and SERVICE_TYPOS.get(entry.code)):
            kind = "typo"
        elif seasoned and roll > 1 - P_UNCOVERED and SERVICE_UNCOVERED.get(entry.code):
            kind = "uncovered"
        else:
            kind = "exact"
        counter = f"service:{entry.code}:{kind}"
        text = service_text(entry.code, kind, self.rng, self.variants.get(counter, 0))
        self.variants[counter] = self.variants.get(counter, 0) + 1
        return text, "unmapped" if kind == "uncovered" else kind

    def _asd_remark(self, entry: AsdEntry, forced: str | None) -> str | None:
        rng = self.rng
        if forced is not None:  # a CSV must show a quoted field: a ';' or a '"' inside the remark
            return rng.choice([r for r in ASD_REMARKS if (";" if forced == "semicolon" else '"') in r])
        if entry.moved_from:
            return rng.choice((f"Zuzug aus Team {entry.moved_from}", f"übernommen von Team {entry.moved_from}"))
        if entry.moved_to:
            return rng.choice((f"Umzug, an Team {entry.moved_to} abgegeben", f"abgegeben an ASD {entry.moved_to}"))
        if rng.random() > P_REMARK:
            return None
        remark = rng.choice(ASD_REMARKS)
        if not self.style.csv and rng.random() < P_MULTILINE_REMARK:
            remark = f"{remark}\n{rng.choice(ASD_REMARKS)}"
        return remark

    def jgh(self, entry: JghEntry, sheet: SheetPlan, index: int) -> BodyRow:
        rng = self.rng
        row = BodyRow(row=sheet.next_row(), kind="data")
        cells = row.cells
        variants = person_cells(self.rng, self.forced, self.birth_notations, entry.person, sheet, index, row)
        if (col := sheet.col("az")) is not None:
            cells[col] = Cell(entry.az)
        if (col := sheet.col("offence")) is not None:
            cells[col] = Cell(entry.offence)
        if (col := sheet.col("offence_date")) is not None:
            cells[col] = self._period(entry.offence_date, index)
        if (col := sheet.col("court")) is not None:
            cells[col] = Cell(rng.choice(COURT_VARIANTS.get(entry.court, (entry.court,))))
        if (col := sheet.col("hearing")) is not None and entry.hearing is not None:
            cells[col] = self._period(entry.hearing, index, "hearing")
        text, kind = self._outcome_text(entry, index)
        if (col := sheet.col("outcome")) is not None and text is not None:
            cells[col] = Cell(text)
        if (col := sheet.col("asd_known")) is not None:
            flag = self.forced.get("flag", index)
            if flag is None:
                flag = rng.choice(("ja", "ja", "x", "Ja")) if entry.asd_known else rng.choice(("nein", "nein", "", ""))
            cells[col] = Cell(flag)
        if (col := sheet.col("sb")) is not None:
            cells[col] = Cell(entry.caseworker)
        if (col := sheet.col("remark")) is not None and rng.random() < P_REMARK:
            cells[col] = Cell(rng.choice(JGH_REMARKS))
        closed = self._closed_marks(row, index, entry.outcome != "pending" and entry.year < 2024, False)
        self._comment(row, index, [c for c in (sheet.col("outcome"), sheet.col("hearing")) if c is not None and c in cells],
                      ("Termin verlegt", "Urteil noch nicht rechtskräftig", "Bericht an Gericht geschickt"))
        row.cells = {c: v for c, v in cells.items() if v.value not in (None, "")}
        row.identity = entry.person.id
        row.legacy_keys = self.links.person_refs(entry.person.id)
        row.truth = {
            "identity": entry.person.id, "legacy_person": self.links.person_ref(entry.person.id), "closed": closed,
            "department": "JGH", "service_type": None, "outcome": entry.outcome, "free_text": text, "free_text_kind": kind,
            "birth_date": entry.person.birth_date.isoformat(), "variants": variants, "legacy_case": None,
            "legacy_service": None, "legacy_provider": None, "offence_date": entry.offence_date.isoformat(),
        }
        return row

    def _outcome_text(self, entry: JghEntry, index: int) -> tuple[str | None, str | None]:
        rng = self.rng
        forced = self.forced.get("outcome_kind", index)
        if forced == "unmapped" and entry.outcome not in (None, "pending"):
            entry.outcome, entry.special_outcome = None, rng.choice(OUTCOME_UNMAPPED)
        if entry.outcome is None:
            return entry.special_outcome, "unmapped"
        if entry.outcome == "pending" and rng.random() < 0.5:
            return None, None  # nothing decided yet, nothing written
        typos = OUTCOME_TYPOS.get(entry.outcome)
        seasoned = self.variants.get(f"outcome:{entry.outcome}:exact", 0) >= len(OUTCOME_EXACT[entry.outcome])
        kind = "typo" if typos and (forced == "typo" or (seasoned and rng.random() < P_OUTCOME_TYPO)) else "exact"
        counter = f"outcome:{entry.outcome}:{kind}"
        text = outcome_text(entry.outcome, kind, rng, self.variants.get(counter, 0))
        self.variants[counter] = self.variants.get(counter, 0) + 1
        assert text in OUTCOME_EXACT[entry.outcome] or kind == "typo"
        return text, kind
