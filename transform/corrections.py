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
from dataclasses import replace
from typing import Any

from jhmig.decisions import ACCEPT, CORRECT, EXCLUDE, CorrectionsRead, StewardDecision
from jhmig.layout import Layout
from jhmig.masking import mask_key
from jhmig.records import ExtractResult, Finding, Severity
from jhmig.transform.correction_plan import (
    ACCEPTED,
    APPLIED,
    EXCLUDED,
    INVALID,
    IN_SOURCE,
    OTHER_SOURCE,
    STALE,
    SUPERSEDED,
    CorrectionPlan,
    DecisionRecord,
    Pseudonym,
    cell_text_of,
    decided_by,
    decision_finding,
)
from jhmig.transform.source_index import Cell, SourceIndex, SourceTable


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
    plan.pseudonym = pseudonym
    ours: list[StewardDecision] = []
    for d in read.decisions:
        if not d.target.source_system or d.target.source_system == batch.source_system:
            ours.append(d)
        else:
            plan.records.append(DecisionRecord(OTHER_SOURCE, d, d.target.src_path))
    _judge_all(plan, ours, extract, index)
    return plan


def adopt_source(plan: CorrectionPlan, extract: ExtractResult, index: SourceIndex) -> None:
    """Decisions about another source of the run (a family of lists): judged and applied like the export's, before its transform."""
    source_system = extract.batch.source_system
    theirs = [r for r in plan.records if r.status == OTHER_SOURCE and r.decision.target.source_system == source_system]
    if not theirs:
        return
    plan.records = [r for r in plan.records if not any(r is t for t in theirs)]
    _judge_all(plan, [r.decision for r in theirs], extract, index)


def _judge_all(plan: CorrectionPlan, decisions: list[StewardDecision], extract: ExtractResult, index: SourceIndex) -> None:
    batch = extract.batch
    decisions = [_follow_row(d, index) for d in decisions]
    winners, losers = _resolve_versions(decisions, index)
    plan.records.extend(losers)
    for decision in winners:
        record = _judge(decision, index, plan.pseudonym)
        record.source_system = batch.source_system
        plan.records.append(record)
        if record.status in (STALE, IN_SOURCE, INVALID):
            severity = Severity.INFO if record.status == IN_SOURCE else Severity.WARNING
            rule = "correction.stale" if record.status != INVALID else "correction.unsigned" if record.unsigned else "correction.invalid"
            batch.findings.add(decision_finding(record, severity, rule))
            continue
        if decision.decision == CORRECT:
            _override(index, record)
        elif decision.decision == ACCEPT:
            plan.acceptances.append(record)
        else:
            plan.exclusions.append(record)



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


def _follow_row(d: StewardDecision, index: SourceIndex) -> StewardDecision:
    """A decision about a list row follows the row (by its identity) when rows above it were inserted, deleted
    or re-sorted, or its sheet was renamed; the export's records do not move."""
    t = d.target
    if not t.row_key or not t.src_path:
        return d
    source = index.find(t.src_path, t.src_sheet)
    if source is not None and t.src_line is not None and index.row_key(source, t.src_line) == t.row_key:
        return d
    found = index.find_row(t.src_path, t.row_key)
    if found is None:
        return d  # the row is gone: judged at its old place, and reported there
    table, line = found
    return replace(d, target=replace(t, src_sheet=table.table.src_sheet, src_line=line))


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
            if (older.decision, cell_text_of(older.corrected)) != (ordered[-1].decision, cell_text_of(ordered[-1].corrected)):
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
    return DecisionRecord(SUPERSEDED, older, older.target.src_path, reason=f"ersetzt durch {newer.decision}: {decided_by(newer)}")


def _judge(d: StewardDecision, index: SourceIndex, pseudonym: Pseudonym | None) -> DecisionRecord:
    t = d.target
    record = DecisionRecord(INVALID, d, t.src_path)
    if not d.known:
        record.reason = f"Entscheidung '{d.decision}' unbekannt (erlaubt: korrigieren, akzeptieren, nicht migrieren)"
        return record
    if not t.src_path or t.src_line is None:
        record.reason = "Datei oder Zeile fehlt in der Korrekturzeile"
        return record
    if not d.by.strip() or d.on is None:  # a decision nobody signed cannot be traced: refused, not applied as by ''
        missing = " und ".join(n for n, gone in (("'Bearbeitet von'", not d.by.strip()), ("'Datum'", d.on is None)) if gone)
        record.reason, record.unsigned = f"{missing} fehlt: Entscheidung nicht angewendet", True
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
    now = index.row_key(source, t.src_line)
    if t.row_key and now is not None and now != t.row_key:
        return _stale(record, f"die Zeile {t.src_line} der Liste ist nicht mehr dieselbe (gelöscht oder inhaltlich geändert)")
    current_key = index.key(source, t.src_line)
    # a pseudonymised work list carries the key with its dates masked (jhmig.masking.mask_key)
    if t.legacy_key and current_key is not None and t.legacy_key not in (current_key, mask_key(current_key)):
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
