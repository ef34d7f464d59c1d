"""The stewards' decisions of one run and what became of them: applied, pending, refused.

:func:`jhmig.transform.corrections.plan_corrections` fills a
:class:`CorrectionPlan` before transform (corrections are applied there);
the plan's acceptances and exclusions meet the data after validation
(:meth:`CorrectionPlan.review`, :meth:`CorrectionPlan.exclude`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from jhmig.decisions import StewardDecision
from jhmig.entities import entity_specs
from jhmig.masking import mask_key
from jhmig.records import FINDING_COLUMNS, ExtractResult, Finding, Severity
from jhmig.transform.source_index import Cell

# status of a decision in this run (German: korrekturen.csv and the HTML report show them)
APPLIED, ACCEPTED, EXCLUDED = "angewendet", "akzeptiert", "ausgeschlossen"
STALE, IN_SOURCE, SUPERSEDED, INVALID, REJECTED = "veraltet", "bereits in der Quelle", "ersetzt", "ungültig", "abgelehnt"
OTHER_SOURCE = "andere Quelle"  # a decision about another source system's records (a shared corrections folder)
EFFECTIVE = (APPLIED, ACCEPTED, EXCLUDED)

# status of a finding for the steward
OPEN = "offen"
CORRECTED = "korrigiert"  # a work-list row carried over: the correction is applied, its finding gone
CARRIED_RULE = "correction.carried"  # the sheet of carried corrections that name no rule

RECORD_COLUMNS: tuple[str, ...] = (
    "status", "decision", "source_system", "entity", "src_path", "src_sheet", "src_line", "field", "column", "legacy_key",
    "rule_id", "source_value", "corrected_value", "by", "on", "file", "file_sheet", "file_row", "reason",
)

Pseudonym = Callable[[str, str], str]  # (value, kind) -> pseudonym, to compare cells of pseudonymised lists
Redact = Callable[[str | None, str], str | None]  # (value, field) -> what a report may show



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
    source_system: str = ""  # the run's source it was judged against
    unsigned: bool = False  # refused: no 'Bearbeitet von' or no 'Datum'

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
    pseudonym: Pseudonym | None = None  # to compare cells of pseudonymised lists, for every source of the run

    def _of(self, records: list[DecisionRecord], batch: Any) -> tuple[list[DecisionRecord], list[DecisionRecord]]:
        """(records about ``batch``'s source, the others): each source of the run meets only its own decisions."""
        mine = [r for r in records if r.source_system in ("", batch.source_system)]
        return mine, [r for r in records if r.source_system not in ("", batch.source_system)]

    # -- after transform ------------------------------------------------------
    def exclude(self, extract: ExtractResult) -> None:
        """Skip the records stewards excluded, and every record that hangs on them."""
        batch = extract.batch
        exclusions, others = self._of(self.exclusions, batch)
        if not exclusions:
            return
        self.exclusions = exclusions
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
                batch.findings.add(decision_finding(record, Severity.WARNING, "correction.stale"))
        self.excluded_dependents += _skip_dependents(batch, skipped_keys)
        self.exclusions = [r for r in self.exclusions if r.status == EXCLUDED] + others

    # -- after validation ---------------------------------------------------
    def review(self, extract: ExtractResult) -> None:
        """Acceptances must meet a warning: an accepted error or a vanished finding is reported."""
        batch = extract.batch
        acceptances, kept = self._of(self.acceptances, batch)
        if not acceptances:
            return
        matched = _match(batch.findings.frame(), _lineage_frame(acceptances), ACCEPT_KEYS, by_field=True)
        severities = matched.groupby("n")["severity"].agg(set) if len(matched) else pd.Series(dtype=object)
        for n, record in enumerate(acceptances):
            found = severities.get(n)
            if not found:
                record.status, record.reason = STALE, "Befund besteht nicht mehr (Quelle oder Regel geändert)"
                batch.findings.add(decision_finding(record, Severity.INFO, "correction.stale"))
            elif str(Severity.ERROR) in found:
                record.status, record.reason = REJECTED, "ein Fehler kann nicht akzeptiert werden: korrigieren oder 'nicht migrieren' wählen"
                batch.findings.add(decision_finding(record, Severity.WARNING, "correction.accept_not_allowed"))
            else:
                kept.append(record)
        self.acceptances = kept

    def recheck(self, extract: ExtractResult) -> None:
        """A correction whose value is still invalid is refused ("abgelehnt"), with the finding that still stands."""
        batch = extract.batch
        applied = [r for r in self.records if r.status == APPLIED and r.source_system in ("", batch.source_system)]
        if not applied:
            return
        findings = batch.findings.frame()
        findings = findings[findings["severity"] == str(Severity.ERROR)]
        wanted = _lineage_frame(applied).assign(want_field=[(r.cell.field if r.cell else "") or r.decision.target.field
                                                            for r in applied])
        matched = _match(findings, wanted, LINEAGE, by_field=True)
        for n, part in matched.groupby("n"):
            record = applied[int(n)]
            message = str(findings.loc[part["row"].iloc[0], "message"])
            record.status, record.reason = REJECTED, f"abgelehnt: der korrigierte Wert ist weiterhin ungültig ({message})"
            batch.findings.add(decision_finding(record, Severity.WARNING, "correction.rejected"))

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

    def carried(self) -> pd.DataFrame:
        """Applied corrections as rows of the next work list (findings' columns, status, by, on, cell, corrected value).

        Their finding is gone once the value is fixed; without these rows a steward who keeps only the newest list
        would lose the decision. Read back, each row is the same *korrigieren* again, with who and when."""
        rows = []
        for r in self.records:
            if r.status != APPLIED:
                continue
            d, t = r.decision, r.decision.target
            rows.append({
                "rule_id": t.rule_id or CARRIED_RULE, "severity": str(Severity.INFO), "source_system": t.source_system or r.source_system,
                "entity": t.entity, "legacy_key": t.legacy_key or None, "src_path": r.src_path or t.src_path,
                "src_sheet": t.src_sheet, "src_line": t.src_line, "field": (r.cell.field if r.cell else t.field) or None,
                "value": t.finding_value or None,
                "message": f"Korrektur angewendet ({d.origin.file}): gilt weiter, solange diese Zeile in der Korrekturliste steht",
                "status": CORRECTED, "by": d.by, "on": _de_date(d.on), "src_column": r.column or t.src_column or None,
                "src_value": r.source_value, "corrected": r.corrected_value, "row_key": t.row_key or None,
            })
        frame = pd.DataFrame(rows, columns=[*FINDING_COLUMNS, "status", "by", "on", "src_column", "src_value", "corrected", "row_key"])
        frame["src_line"] = frame["src_line"].astype("Int64")
        return frame

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
            out["legacy_key"] = mask_key(out["legacy_key"])  # a key's date may be a birth date: summary.json is a report
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


def decision_finding(record: DecisionRecord, severity: Severity, rule_id: str) -> Finding:
    d, t = record.decision, record.decision.target
    text = f"{d.decision or 'Entscheidung'} aus {decided_by(d)}: {record.reason}"
    return Finding(rule_id=rule_id, severity=severity, message=text, source_system=t.source_system, entity=t.entity,
                   legacy_key=t.legacy_key or None, src_path=record.src_path or t.src_path, src_sheet=t.src_sheet,
                   src_line=t.src_line, field=t.field or None)


def decided_by(d: StewardDecision) -> str:
    return f"{d.origin.file} (Blatt {d.origin.sheet or '-'}, Zeile {d.origin.row}; {d.by or 'ohne Namen'}, {_de_date(d.on)})"


def _de_date(day: dt.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else "ohne Datum"


def cell_text_of(value: Any) -> str:
    return "" if value is None else str(value)
