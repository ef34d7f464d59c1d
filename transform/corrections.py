"""Apply the data stewards' decisions to a run, as overrides on the source.

Three decisions come back from a filled ``fehlerliste.xlsx`` (read by
:mod:`jhmig.extract.corrections`):

* ``korrigieren``: the raw value of the source cell behind the finding's field
  is replaced by the corrected value *before* transform, so the record is
  parsed and validated as if the source had been fixed;
* ``akzeptieren``: a warning of that rule on that record is kept but no longer
  counted as open (an error cannot be accepted: that is reported);
* ``nicht migrieren``: the record (and what depends on it) is skipped with
  the steward's name, date and file as reason.

A decision is applied only while it still fits the source: the file, sheet
and line exist, the line holds the same key, and the cell holds the value the
list showed. Otherwise it is *reported* (finding ``correction.stale`` and the
run's record of corrections), never silently dropped. When several files
decide about the same cell, the later ``Datum`` (then the later file) wins;
the others are listed as superseded.

Overrides go into a copy of the raw table the transform reads
(``RawTable.frame``); ``batch.raw`` keeps the source as delivered, which the
quarantine, the reports and the comparison for stale decisions read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from jhmig.entities import entity_specs
from jhmig.layout import FileLayout, Layout
from jhmig.records import ExtractResult, Finding, RawTable, Severity

if TYPE_CHECKING:  # the decisions are plain records; no runtime dependency on the extract stage
    from jhmig.decisions import CorrectionsRead, StewardDecision

CORRECT, ACCEPT, EXCLUDE = "korrigieren", "akzeptieren", "nicht migrieren"

# status of a decision in this run (German: korrekturen.csv and the HTML report show them)
APPLIED, ACCEPTED, EXCLUDED = "angewendet", "akzeptiert", "ausgeschlossen"
STALE, IN_SOURCE, SUPERSEDED, INVALID, REJECTED = "veraltet", "bereits in der Quelle", "ersetzt", "ungültig", "abgelehnt"
OTHER_SOURCE = "andere Quelle"  # a decision about another source system's records (a shared corrections folder)
EFFECTIVE = (APPLIED, ACCEPTED, EXCLUDED)

# status of a finding for the steward
OPEN = "offen"

RECORD_COLUMNS: tuple[str, ...] = (
    "status", "decision", "source_system", "entity", "src_path", "src_sheet", "src_line", "field", "column", "legacy_key",
    "rule_id", "source_value", "corrected_value", "by", "on", "file", "file_sheet", "file_row", "reason",
)

Pseudonym = Callable[[str, str], str]  # (value, kind) -> pseudonym, to compare cells of pseudonymised lists
Redact = Callable[[str | None, str], str | None]  # (value, field) -> what a report may show


# --------------------------------------------------------------------------
# where a finding's field lives in the raw tables
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One column of a raw table: the name the transform reads, the name the delivered source has."""

    frame_column: str  # column of RawTable.frame (overrides go here)
    raw_column: str | None  # column of batch.raw (the source as delivered); shown to stewards
    field: str
    value_type: str | None = None  # the layout's type (legacy exports), None for lists


@dataclass
class SourceTable:
    table: RawTable
    file_layout: FileLayout | None  # None: a caseworker's list (columns are fields, see column_letters)
    raw: pd.DataFrame | None  # batch.raw: the source as delivered, by src_line


class SourceIndex:
    """Finds source tables, cells and keys for findings and decisions (legacy layouts and list mappings)."""

    def __init__(self, extract: ExtractResult, layout: Layout | None) -> None:
        self.layout = layout
        by_file = {f.file: f for f in layout.files} if layout is not None else {}
        self._tables: dict[tuple[str, str], SourceTable] = {}
        for table in extract.tables:
            raw = extract.batch.raw.get((table.src_path, table.src_sheet))
            self._tables[(table.src_path.upper(), table.src_sheet)] = SourceTable(table, by_file.get(table.file), raw)

    def find(self, src_path: str, src_sheet: str) -> SourceTable | None:
        found = self._tables.get((src_path.upper(), src_sheet))
        if found is None:  # a sheet name retyped in another case
            found = next((t for (p, s), t in self._tables.items() if p == src_path.upper() and s.casefold() == src_sheet.casefold()), None)
        return found

    def tables(self) -> Iterable[SourceTable]:
        return self._tables.values()

    def cell(self, source: SourceTable, entity: str, name: str) -> Cell | None:
        """The column behind a field (or a source column named directly) of ``entity`` in ``source``."""
        if not name:
            return None
        fl = source.file_layout
        if fl is not None:
            wanted = name
            if entity and entity != fl.entity:  # a derived entity (addresses from the person file)
                derived = next((d for d in fl.also if d.entity == entity), None)
                if derived is not None:
                    wanted = derived.fields.get(name, name)
            for column, spec in fl.columns.items():
                if spec.field == wanted or spec.copy_to == wanted:
                    return Cell(column, column, spec.field, spec.type)
            for column, spec in fl.columns.items():
                if column.casefold() == name.casefold():
                    return Cell(column, column, spec.field, spec.type)
            return None
        letters = source.table.column_letters
        if name in source.table.frame.columns and name != "src_line":
            return Cell(name, self._raw_name(source, letters.get(name)), name)
        for fld, letter in letters.items():  # the sheet's own header, as the list showed it
            raw_name = self._raw_name(source, letter)
            if raw_name is not None and raw_name.casefold() == name.casefold():
                return Cell(fld, raw_name, fld)
        return None

    @staticmethod
    def _raw_name(source: SourceTable, letter: str | None) -> str | None:
        if source.raw is None or not letter or not letter.isalpha():
            return None
        index = 0
        for ch in letter.upper():
            index = index * 26 + ord(ch) - 64
        return str(source.raw.columns[index - 1]) if 0 < index <= len(source.raw.columns) else None

    @staticmethod
    def has_line(source: SourceTable, line: int) -> bool:
        return line in source.table.frame.index

    @staticmethod
    def value(source: SourceTable, cell: Cell, line: int) -> str | None:
        """The cell as delivered (before any override)."""
        frame, column = (source.raw, cell.raw_column) if source.raw is not None and cell.raw_column in source.raw.columns \
            else (source.table.frame, cell.frame_column)
        if line not in frame.index:
            return None
        value = frame.at[line, column]
        return None if pd.isna(value) else str(value)

    @staticmethod
    def key(source: SourceTable, line: int) -> str | None:
        """The record's legacy key as transform builds it (key columns joined by '|'); None when unknown (lists)."""
        fl = source.file_layout
        frame = source.raw if source.raw is not None else source.table.frame
        if fl is None or line not in frame.index:
            return None
        parts = []
        for column in fl.key:
            value = frame.at[line, column] if column in frame.columns else None
            parts.append("" if value is None or pd.isna(value) else str(value).replace("\u00a0", " ").strip())
        key = "|".join(parts)
        return key if key.strip("|") else None

    def column_fields(self) -> dict[tuple[str, str], dict[str, tuple[str, str | None]]]:
        """Per source table: delivered column -> (field, layout type); what report masking needs to know."""
        out: dict[tuple[str, str], dict[str, tuple[str, str | None]]] = {}
        for source in self._tables.values():
            t = source.table
            columns: dict[str, tuple[str, str | None]] = {}
            if source.file_layout is not None:
                columns = {name: (c.field, c.type) for name, c in source.file_layout.columns.items()}
            else:
                for fld, letter in t.column_letters.items():
                    raw_name = self._raw_name(source, letter)
                    columns[raw_name or fld] = (fld, None)
            out[(t.src_path, t.src_sheet)] = columns
        return out


def source_cells(findings: pd.DataFrame, index: SourceIndex) -> pd.DataFrame:
    """For every finding: the delivered column behind its field and that cell's value (what the list records)."""
    out = pd.DataFrame({"src_column": pd.Series(pd.NA, index=findings.index, dtype="string"),
                        "src_value": pd.Series(pd.NA, index=findings.index, dtype="string")})
    located = findings[findings["src_line"].notna() & findings["field"].notna()]
    if not len(located):
        return out
    for (path, sheet, entity, fld), part in located.groupby(["src_path", "src_sheet", "entity", "field"], sort=False, dropna=False):
        source = index.find(str(path), "" if pd.isna(sheet) else str(sheet))
        cell = index.cell(source, str(entity), str(fld)) if source is not None else None
        if source is None or cell is None:
            continue
        out.loc[part.index, "src_column"] = cell.raw_column or cell.frame_column
        frame, column = ((source.raw, cell.raw_column) if source.raw is not None and cell.raw_column in source.raw.columns
                         else (source.table.frame, cell.frame_column))
        lines = part["src_line"].astype("int64")
        values = frame[column].reindex(lines.to_numpy())
        out.loc[part.index, "src_value"] = values.astype("string").to_numpy()
    return out


# --------------------------------------------------------------------------
# the decisions of one run
# --------------------------------------------------------------------------


@dataclass
class DecisionRecord:
    """One steward decision and what became of it in this run."""

    status: str
    decision: StewardDecision
    src_path: str  # as the source spells it, when found
    column: str = ""  # the delivered column (korrigieren)
    source_value: str | None = None  # the cell as delivered now
    corrected_value: str | None = None  # the value written into the raw table
    reason: str = ""
    cell: Cell | None = None

    def as_row(self) -> dict[str, Any]:
        d, t = self.decision, self.decision.target
        return {
            "status": self.status, "decision": d.decision, "source_system": t.source_system, "entity": t.entity,
            "src_path": self.src_path or t.src_path, "src_sheet": t.src_sheet, "src_line": t.src_line,
            "field": (self.cell.field if self.cell else t.field) or "", "column": self.column or t.src_column,
            "legacy_key": t.legacy_key, "rule_id": t.rule_id, "source_value": self.source_value,
            "corrected_value": self.corrected_value, "by": d.by, "on": d.on.isoformat() if d.on else "",
            "file": d.origin.file, "file_sheet": d.origin.sheet, "file_row": d.origin.row, "reason": self.reason,
        }


@dataclass
class CorrectionPlan:
    """The decisions of one run: applied overrides, pending exclusions and acceptances, and what was refused."""

    folder: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    records: list[DecisionRecord] = field(default_factory=list)
    exclusions: list[DecisionRecord] = field(default_factory=list)
    acceptances: list[DecisionRecord] = field(default_factory=list)
    excluded_dependents: int = 0
    accepted_findings: int = 0
    accepted_by_rule: dict[str, int] = field(default_factory=dict)

    # -- after transform ------------------------------------------------------
    def exclude(self, extract: ExtractResult) -> None:
        """Skip the records stewards excluded, and every record that hangs on them."""
        if not self.exclusions:
            return
        batch = extract.batch
        wanted = _lineage_frame(self.exclusions)
        wanted["reason"] = [f"vom Steward ausgeschlossen ({r.decision.origin.file}, {r.decision.by or 'ohne Namen'}, "
                            f"{_de_date(r.decision.on)})" for r in self.exclusions]
        skipped_keys: dict[str, set[str]] = {}
        hit: set[int] = set()
        for entity, frame in list(batch.frames.items()):
            matched = _match(frame, wanted, LINEAGE)
            if not len(matched):
                continue
            mask = pd.Series(False, index=frame.index)
            mask[matched["row"].to_numpy()] = True
            reason = pd.Series(matched["reason"].to_numpy(), index=matched["row"].to_numpy()).reindex(frame.index)
            skipped_keys.setdefault(entity, set()).update(frame.loc[mask, "legacy_key"].dropna().astype(str))
            batch.skip(entity, mask, reason)
            hit.update(matched["n"])
        for n, record in enumerate(self.exclusions):
            record.reason = str(wanted.at[n, "reason"])
            if n not in hit:  # e.g. an unreadable line: it stays in the quarantine
                record.status, record.reason = STALE, "an dieser Stelle steht kein übernehmbarer Satz (unlesbar oder zusammengeführt)"
                batch.findings.add(_finding(record, Severity.WARNING, "correction.stale"))
        self.excluded_dependents = _skip_dependents(batch, skipped_keys)
        self.exclusions = [r for r in self.exclusions if r.status == EXCLUDED]

    # -- after validation ---------------------------------------------------
    def review(self, extract: ExtractResult) -> None:
        """Acceptances must meet a warning: an accepted error or a vanished finding is reported."""
        if not self.acceptances:
            return
        batch = extract.batch
        matched = _match(batch.findings.frame(), _lineage_frame(self.acceptances), ACCEPT_KEYS, by_field=True)
        severities = matched.groupby("n")["severity"].agg(set) if len(matched) else pd.Series(dtype=object)
        kept: list[DecisionRecord] = []
        for n, record in enumerate(self.acceptances):
            found = severities.get(n)
            if not found:
                record.status, record.reason = STALE, "Befund besteht nicht mehr (Quelle oder Regel geändert)"
                batch.findings.add(_finding(record, Severity.INFO, "correction.stale"))
            elif str(Severity.ERROR) in found:
                record.status, record.reason = REJECTED, "ein Fehler kann nicht akzeptiert werden: korrigieren oder 'nicht migrieren' wählen"
                batch.findings.add(_finding(record, Severity.WARNING, "correction.accept_not_allowed"))
            else:
                kept.append(record)
        self.acceptances = kept

    def finding_status(self, findings: pd.DataFrame) -> pd.DataFrame:
        """Per finding: offen / akzeptiert / ausgeschlossen, with who decided and when (for the reports)."""
        out = pd.DataFrame({"status": OPEN, "by": "", "on": ""}, index=findings.index)
        for records, keys, status, by_field in ((self.acceptances, ACCEPT_KEYS, ACCEPTED, True),
                                                (self.exclusions, LINEAGE, EXCLUDED, False)):
            if not records:
                continue
            matched = _match(findings, _lineage_frame(records), keys, by_field=by_field)
            rows = matched["row"].to_numpy()
            out.loc[rows, "status"] = status
            out.loc[rows, "by"] = [records[n].decision.by for n in matched["n"]]
            out.loc[rows, "on"] = [_de_date(records[n].decision.on) for n in matched["n"]]
        accepted = findings.loc[out["status"] == ACCEPTED, "rule_id"]
        self.accepted_findings = len(accepted)
        self.accepted_by_rule = {str(k): int(v) for k, v in accepted.value_counts().items()}
        return out

    # -- the run's record -----------------------------------------------------
    def table(self) -> pd.DataFrame:
        """Every decision read and what became of it (korrekturen.csv)."""
        return pd.DataFrame([r.as_row() for r in self.records], columns=list(RECORD_COLUMNS))

    def summary(self, redact: Redact) -> dict[str, Any]:
        """The ``corrections`` block of summary.json; personal values only as ``redact`` shows them."""

        def row(r: DecisionRecord) -> dict[str, Any]:
            out = r.as_row()
            fld = out["field"]
            out["source_value"] = redact(out["source_value"], fld)
            out["corrected_value"] = redact(out["corrected_value"], fld)
            return out

        by_status: dict[str, list[dict[str, Any]]] = {}
        for r in self.records:
            by_status.setdefault(r.status, []).append(row(r))
        return {
            "folder": self.folder,
            "files": self.files,
            "applied": [x for s in EFFECTIVE for x in by_status.get(s, [])],
            "stale": by_status.get(STALE, []) + by_status.get(IN_SOURCE, []),
            "superseded": by_status.get(SUPERSEDED, []),
            "invalid": by_status.get(INVALID, []) + by_status.get(REJECTED, []),
            "corrected": len(by_status.get(APPLIED, [])),
            "accepted": self.accepted_findings,
            "accepted_by_rule": self.accepted_by_rule,
            "excluded": len(by_status.get(EXCLUDED, [])),
            "excluded_dependents": self.excluded_dependents,
            "other_source": len(by_status.get(OTHER_SOURCE, [])),
        }


def plan_corrections(read: CorrectionsRead | None, extract: ExtractResult, index: SourceIndex,
                     pseudonym: Pseudonym | None = None) -> CorrectionPlan:
    """Judge every decision against the current source and apply the corrections to the raw tables."""
    plan = CorrectionPlan()
    if read is None:
        return plan
    plan.folder = read.folder
    plan.files = [{"file": f.name, "rows": f.rows, "decisions": f.decisions, **({"error": f.error} if f.error else {})}
                  for f in read.files]
    batch = extract.batch
    for f in read.files:
        if f.error:
            batch.findings.add(Finding(rule_id="correction.file_unreadable", severity=Severity.WARNING,
                                       message=f"Korrekturdatei nicht lesbar: {f.error}", source_system=batch.source_system,
                                       src_path=f.name))
    ours: list[StewardDecision] = []
    for d in read.decisions:
        if not d.target.source_system or d.target.source_system == batch.source_system:
            ours.append(d)
        else:
            plan.records.append(DecisionRecord(OTHER_SOURCE, d, d.target.src_path))
    winners, losers = _resolve_versions(ours, index)
    plan.records.extend(losers)
    for decision in winners:
        record = _judge(decision, index, pseudonym)
        plan.records.append(record)
        if record.status in (STALE, IN_SOURCE, INVALID):
            severity = Severity.INFO if record.status == IN_SOURCE else Severity.WARNING
            batch.findings.add(_finding(record, severity, "correction.invalid" if record.status == INVALID else "correction.stale"))
            continue
        if decision.decision == CORRECT:
            _override(index, record)
        elif decision.decision == ACCEPT:
            plan.acceptances.append(record)
        else:
            plan.exclusions.append(record)
    return plan


# --------------------------------------------------------------------------
# judging one decision
# --------------------------------------------------------------------------


def _identity(d: StewardDecision, index: SourceIndex) -> tuple[Any, ...]:
    t = d.target
    where = (t.src_path.upper(), t.src_sheet, t.src_line)
    if d.decision == CORRECT:
        source = index.find(t.src_path, t.src_sheet)
        cell = index.cell(source, t.entity, t.field or t.src_column) if source is not None else None
        return ("cell", *where, cell.frame_column if cell else (t.field or t.src_column).casefold())
    if d.decision == ACCEPT:
        return ("accept", *where, t.rule_id, t.field)
    if d.decision == EXCLUDE:
        return ("record", *where)
    return ("other", d.origin.file, d.origin.sheet, d.origin.row)


def _recency(d: StewardDecision) -> tuple[Any, ...]:
    return (d.on or dt.date.min, d.origin.mtime, d.origin.file, d.origin.row)


def _resolve_versions(decisions: list[StewardDecision], index: SourceIndex) -> tuple[list[StewardDecision], list[DecisionRecord]]:
    """One decision per cell, finding or record: the latest wins; different earlier ones are superseded."""
    groups: dict[tuple[Any, ...], list[StewardDecision]] = {}
    for d in decisions:
        groups.setdefault(_identity(d, index), []).append(d)
    latest: list[StewardDecision] = []
    losers: list[DecisionRecord] = []
    for group in groups.values():
        ordered = sorted(group, key=_recency)
        latest.append(ordered[-1])
        for older in ordered[:-1]:
            if (older.decision, _text(older.corrected)) != (ordered[-1].decision, _text(ordered[-1].corrected)):
                losers.append(_superseded(older, ordered[-1]))
            # the same decision again (e.g. last run's list dropped in once more) is no conflict
    # Excluding a record and deciding about one of its findings: the later decision counts.
    by_record: dict[tuple[Any, ...], list[StewardDecision]] = {}
    for d in latest:
        by_record.setdefault(_identity(d, index)[1:4], []).append(d)
    winners: list[StewardDecision] = []
    for group in by_record.values():
        exclusion = next((d for d in group if d.decision == EXCLUDE), None)
        others = [d for d in group if d is not exclusion]
        if exclusion is None or not others:
            winners.extend(group)
            continue
        newest = max(others, key=_recency)
        if _recency(newest) > _recency(exclusion):
            losers.append(_superseded(exclusion, newest))
            winners.extend(others)
        else:
            losers.extend(_superseded(d, exclusion) for d in others)
            winners.append(exclusion)
    return winners, losers


def _superseded(older: StewardDecision, newer: StewardDecision) -> DecisionRecord:
    return DecisionRecord(SUPERSEDED, older, older.target.src_path, reason=f"ersetzt durch {newer.decision}: {_who(newer)}")


def _judge(d: StewardDecision, index: SourceIndex, pseudonym: Pseudonym | None) -> DecisionRecord:
    t = d.target
    record = DecisionRecord(INVALID, d, t.src_path)
    if not d.known:
        record.reason = f"Entscheidung '{d.decision}' unbekannt (erlaubt: korrigieren, akzeptieren, nicht migrieren)"
        return record
    if not t.src_path or t.src_line is None:
        record.reason = "Datei oder Zeile fehlt in der Korrekturzeile"
        return record
    if d.decision == ACCEPT and not t.rule_id:
        record.reason = "Regel fehlt: ohne Regel ist unklar, welcher Befund akzeptiert wird"
        return record
    source = index.find(t.src_path, t.src_sheet)
    if source is None:
        return _stale(record, "Datei/Blatt ist nicht mehr in der Quelle")
    record.src_path = source.table.src_path
    if not index.has_line(source, t.src_line):
        return _stale(record, f"Zeile {t.src_line} gibt es nicht mehr")
    current_key = index.key(source, t.src_line)
    if t.legacy_key and current_key is not None and current_key != t.legacy_key:
        return _stale(record, f"Zeile {t.src_line} enthält jetzt den Satz {current_key} statt {t.legacy_key}")
    cell = index.cell(source, t.entity, t.field or t.src_column)
    record.cell = cell
    if cell is not None:
        record.column = cell.raw_column or cell.frame_column
        record.source_value = index.value(source, cell, t.src_line)
    if d.decision == CORRECT:
        if cell is None:
            record.reason = "die Spalte hinter diesem Befund ist nicht bestimmbar: bitte im Altsystem korrigieren"
            return record
        corrected = _source_text(d.corrected, cell, source, index.layout)
        if corrected is None:
            record.reason = "Korrigierter Wert fehlt"
            return record
        record.corrected_value = corrected
        if not _same(t.src_value, record.source_value, t.value_form, pseudonym):
            if record.source_value == corrected:
                record.status, record.reason = IN_SOURCE, "die Quelle enthält den korrigierten Wert schon: Korrektur kann entfallen"
                return record
            return _stale(record, "der Wert in der Quelle hat sich geändert, seit die Liste geschrieben wurde")
        record.status = APPLIED
        return record
    if cell is not None and not _same(t.src_value, record.source_value, t.value_form, pseudonym):
        return _stale(record, "der Wert in der Quelle hat sich geändert, seit die Liste geschrieben wurde")
    record.status = ACCEPTED if d.decision == ACCEPT else EXCLUDED
    return record


def _stale(record: DecisionRecord, reason: str) -> DecisionRecord:
    record.status, record.reason = STALE, reason
    return record


def _same(recorded: str | None, current: str | None, form: str, pseudonym: Pseudonym | None) -> bool:
    """Does the cell still hold what the list showed? Without a recorded value there is nothing to compare."""
    if recorded is None:
        return True
    now = current or ""
    if not form.startswith("pseudonym:") or not recorded or not now:
        return now == recorded
    if pseudonym is None:
        return False  # the list was pseudonymised and no key is at hand: report rather than guess
    return pseudonym(now, form.split(":", 1)[1]) == recorded


def _override(index: SourceIndex, record: DecisionRecord) -> None:
    source = index.find(record.src_path, record.decision.target.src_sheet)
    assert source is not None and record.cell is not None
    table = source.table
    if source.raw is not None and table.frame is source.raw:  # keep the delivered source untouched
        table.frame = table.frame.copy()
    table.frame.loc[record.decision.target.src_line, record.cell.frame_column] = record.corrected_value


def _source_text(value: Any, cell: Cell, source: SourceTable, layout: Layout | None) -> str | None:
    """The corrected value as the source would write it (Excel hands back dates and numbers, not text)."""
    if value is None:
        return None
    fl = source.file_layout
    if isinstance(value, bool):
        if layout is not None and fl is not None:
            return (layout.formats.true_values if value else layout.formats.false_values)[0]
        return "ja" if value else "nein"
    if isinstance(value, (dt.datetime, dt.date)):
        if fl is not None and layout is not None:
            spec = fl.columns.get(cell.frame_column)
            fmt = (spec.date_format if spec else None) or fl.date_format or layout.formats.date
            return value.strftime(fmt)
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = f"{value:.2f}" if cell.value_type == "amount" else repr(value)
        decimal = layout.formats.decimal if layout is not None and fl is not None else "."
        return text.replace(".", decimal)
    text = str(value).strip()
    return text or None


def _skip_dependents(batch: Any, skipped: dict[str, set[str]]) -> int:
    """Records referring to an excluded record follow it (parents first, so chains follow too)."""
    count = 0
    for spec in entity_specs().values():
        frame = batch.frames.get(spec.name)
        if frame is None or not len(frame):
            continue
        reason = pd.Series(pd.NA, index=frame.index, dtype="string")
        for ref in spec.references:
            gone = skipped.get(ref.target, set()) - set(batch.frames[ref.target]["legacy_key"].dropna()) \
                if ref.target in batch.frames else skipped.get(ref.target, set())
            if not gone or ref.key_column not in frame:
                continue
            hit = frame[ref.key_column].isin(gone).fillna(False) & reason.isna()
            reason[hit] = f"hängt ab von einem vom Steward ausgeschlossenen Satz ({ref.target} " + frame.loc[hit, ref.key_column].astype("string") + ")"
        mask = reason.notna()
        if mask.any():
            skipped.setdefault(spec.name, set()).update(frame.loc[mask, "legacy_key"].dropna().astype(str))
            count += batch.skip(spec.name, mask, reason)
    return count


LINEAGE = ["src_path", "src_sheet", "src_line"]
ACCEPT_KEYS = ["rule_id", *LINEAGE]


def _lineage_frame(records: list[DecisionRecord]) -> pd.DataFrame:
    """The records' targets as a frame (``n``: position in ``records``), to match against findings or rows."""
    return pd.DataFrame({
        "n": range(len(records)),
        "src_path": [r.src_path for r in records],
        "src_sheet": [r.decision.target.src_sheet for r in records],
        "src_line": pd.array([r.decision.target.src_line for r in records], dtype="Int64"),
        "rule_id": [r.decision.target.rule_id for r in records],
        "want_field": [r.decision.target.field for r in records],
    })


def _match(frame: pd.DataFrame, wanted: pd.DataFrame, keys: list[str], *, by_field: bool = False) -> pd.DataFrame:
    """Rows of ``frame`` (column ``row``: its index label) that a wanted target names, with the target's columns."""
    left = frame[keys + (["field", "severity"] if by_field else [])].astype({"src_line": "Int64"})
    left = left.assign(row=frame.index)
    matched = left.merge(wanted.drop(columns=[c for c in ("rule_id",) if c not in keys]), on=keys, how="inner")
    if by_field:
        matched = matched[(matched["want_field"] == "") | (matched["want_field"] == matched["field"])]
    return matched


def _finding(record: DecisionRecord, severity: Severity, rule_id: str) -> Finding:
    d, t = record.decision, record.decision.target
    text = f"{d.decision or 'Entscheidung'} aus {_who(d)}: {record.reason}"
    return Finding(rule_id=rule_id, severity=severity, message=text, source_system=t.source_system, entity=t.entity,
                   legacy_key=t.legacy_key or None, src_path=record.src_path or t.src_path, src_sheet=t.src_sheet,
                   src_line=t.src_line, field=t.field or None)


def _who(d: StewardDecision) -> str:
    return f"{d.origin.file} (Blatt {d.origin.sheet or '-'}, Zeile {d.origin.row}; {d.by or 'ohne Namen'}, {_de_date(d.on)})"


def _de_date(day: dt.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else "ohne Datum"


def _text(value: Any) -> str:
    return "" if value is None else str(value)
