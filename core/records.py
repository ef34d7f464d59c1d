"""Typed records the stages exchange: findings and the batch of frames.

Data problems are *findings* (a stable rule id, a severity, where it was
found, a German message), never exceptions. A :class:`Batch` carries the
frames of one source through the pipeline together with what happened to
every source record, so that at the end ``read = loaded + merged +
quarantined + skipped`` can be proven per file and entity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

# Control totals and raw tables live in jhmig.extract_records; re-exported for their many importers.
from jhmig.extract_records import ControlCheck, ExtractResult, Manifest, ManifestEntry, RawTable  # noqa: F401


class Severity(StrEnum):
    ERROR = "error"  # the record is quarantined
    WARNING = "warning"  # the record is loaded and flagged
    INFO = "info"  # noted (e.g. a retired code mapped to its successor)


FINDING_COLUMNS: tuple[str, ...] = (
    "rule_id",
    "severity",
    "source_system",
    "entity",
    "legacy_key",
    "src_path",
    "src_sheet",
    "src_line",
    "field",
    "value",
    "message",
)

QUARANTINE_COLUMNS: tuple[str, ...] = (
    "source_system",
    "entity",
    "legacy_key",
    "src_path",
    "src_sheet",
    "src_line",
    "rule_ids",
    "messages",
)

OUTCOME_COLUMNS: tuple[str, ...] = ("source_system", "entity", "legacy_key", "src_path", "src_sheet", "src_line", "reason")
#: a merged record also names the record it was merged into (source and key): it is loaded only with that survivor
MERGED_COLUMNS: tuple[str, ...] = (*OUTCOME_COLUMNS, "into_source", "into_key")


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One data problem, located in its source."""

    rule_id: str
    severity: Severity
    message: str
    source_system: str = ""
    entity: str = ""
    legacy_key: str | None = None
    src_path: str = ""
    src_sheet: str = ""
    src_line: int | None = None
    field: str | None = None
    value: str | None = None


def findings_frame(rows: list[Finding] | None = None) -> pd.DataFrame:
    data = [[getattr(f, c) for c in FINDING_COLUMNS] for f in rows or []]
    frame = pd.DataFrame(data, columns=list(FINDING_COLUMNS))
    frame["src_line"] = frame["src_line"].astype("Int64")
    return frame


@dataclass
class Findings:
    """Collects findings as frames (a single rule can fire a million times)."""

    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.parts.append(findings_frame([finding]))

    def add_frame(self, frame: pd.DataFrame) -> None:
        if len(frame):
            missing = set(FINDING_COLUMNS) - set(frame.columns)
            if missing:
                raise ValueError(f"finding frame lacks columns {sorted(missing)}")
            self.parts.append(frame.loc[:, list(FINDING_COLUMNS)])

    def frame(self) -> pd.DataFrame:
        parts = [p for p in self.parts if len(p)]
        if not parts:
            return findings_frame()
        if len(parts) == 1 and parts[0]["src_line"].dtype == "Int64":
            return parts[0]
        out = pd.concat(parts, ignore_index=True)
        out["src_line"] = out["src_line"].astype("Int64")
        # kept as the one part: the quarantine step asks again and again, and parts plus copy cost twice
        self.parts = [out]
        return out

    def __len__(self) -> int:
        return sum(len(p) for p in self.parts)


def rows_to_findings(
    rows: pd.DataFrame,
    *,
    rule_id: str,
    severity: Severity,
    message: str | pd.Series,
    source_system: str,
    entity: str,
    field: str | None = None,
    value: pd.Series | None = None,
) -> pd.DataFrame:
    """Findings for every row of an entity frame (vectorised)."""
    n = len(rows)
    return pd.DataFrame(
        {
            "rule_id": [rule_id] * n,
            "severity": [str(severity)] * n,
            "source_system": [source_system] * n,
            "entity": [entity] * n,
            "legacy_key": rows["legacy_key"].to_numpy() if "legacy_key" in rows else [None] * n,
            "src_path": rows["src_path"].to_numpy(),
            "src_sheet": rows["src_sheet"].to_numpy(),
            "src_line": rows["src_line"].to_numpy(),
            "field": [field] * n,
            "value": (value.astype("string").to_numpy() if value is not None else [None] * n),
            "message": message.to_numpy() if isinstance(message, pd.Series) else [message] * n,
        }
    )


@dataclass
class SourceFileRead:
    """How many records one file (or sheet) delivered for one entity."""

    source_system: str
    src_path: str
    src_sheet: str
    entity: str
    read: int


@dataclass
class Batch:
    """Everything one source contributes to a run, as it moves through the stages.

    ``frames`` hold the records still on their way into the target. Records
    leave ``frames`` only through :meth:`quarantine`, :meth:`merge` or
    :meth:`skip`, which keep the account of every source record.
    """

    source_system: str
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    raw: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)  # (src_path, src_sheet) -> raw strings by src_line
    reads: list[SourceFileRead] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)
    quarantined: list[pd.DataFrame] = field(default_factory=list)
    merged: list[pd.DataFrame] = field(default_factory=list)
    skipped: list[pd.DataFrame] = field(default_factory=list)
    legends: dict[str, dict[str, str]] = field(default_factory=dict)  # list file -> its legend sheet's entries ("EB" -> "Erziehungsbeistand")

    # -- record accounting ------------------------------------------------
    def quarantine(self, entity: str, mask: pd.Series, rule_ids: str | pd.Series, messages: str | pd.Series) -> int:
        """Move the rows of ``entity`` selected by ``mask`` into the quarantine."""
        frame = self.frames[entity]
        mask = mask.reindex(frame.index, fill_value=False).astype(bool)
        if not mask.any():
            return 0
        q = self._outcome(entity, frame.loc[mask],
                          rule_ids=rule_ids[mask].astype("string") if isinstance(rule_ids, pd.Series) else rule_ids,
                          messages=messages[mask].astype("string") if isinstance(messages, pd.Series) else messages)
        self.quarantined.append(q.reset_index(drop=True))
        self.frames[entity] = frame.loc[~mask]
        return int(mask.sum())

    def _move(self, target: list[pd.DataFrame], entity: str, mask: pd.Series, reason: str | pd.Series,
              into: tuple[pd.Series, pd.Series] | None = None) -> int:
        frame = self.frames[entity]
        mask = mask.reindex(frame.index, fill_value=False).astype(bool)
        if not mask.any():
            return 0
        self.record(target, entity, frame.loc[mask], reason[mask] if isinstance(reason, pd.Series) else reason,
                    into=None if into is None else (into[0][mask], into[1][mask]))
        self.frames[entity] = frame.loc[~mask]
        return int(mask.sum())

    def record(self, target: list[pd.DataFrame], entity: str, rows: pd.DataFrame, reason: str | pd.Series,
               into: tuple[pd.Series, pd.Series] | None = None) -> None:
        """Account for rows of ``entity`` that never enter ``frames`` (e.g. merged before mapping ends).

        A merged row names its survivor (``into``: source systems and keys); without ``into`` it is the
        record of the same source under the same key (an exact duplicate line, a list row repeated)."""
        if not len(rows):
            return
        part = self._outcome(entity, rows, reason=reason)
        if target is self.merged:
            part["into_source"] = self.source_system if into is None else into[0].astype("string").to_numpy()
            part["into_key"] = part["legacy_key"] if into is None else into[1].astype("string").to_numpy()
        target.append(part.reset_index(drop=True))

    def _outcome(self, entity: str, rows: pd.DataFrame, **values: object) -> pd.DataFrame:
        """The rows' identity and lineage as an outcome row (quarantined, merged, skipped), with ``values``."""
        return pd.DataFrame({"source_system": self.source_system, "entity": entity, "legacy_key": rows["legacy_key"].astype("string"),
                             "src_path": rows["src_path"], "src_sheet": rows["src_sheet"], "src_line": rows["src_line"], **values})

    def merge(self, entity: str, mask: pd.Series, reason: str | pd.Series,
              into: tuple[pd.Series, pd.Series] | None = None) -> int:
        """Rows that are the same record as a row that stays (e.g. an exact duplicate line); ``into`` names it
        (source systems and keys, aligned with the frame) when it is another record."""
        return self._move(self.merged, entity, mask, reason, into)

    def follow_survivors(self, entity: str, lost: pd.DataFrame, kind: str) -> int:
        """Merged rows (``lost``: rows of :meth:`outcome_frame` ("merged") with ``messages``/``rule_ids`` or ``reason``)
        whose survivor is not loaded go where it went: ``kind`` "quarantined" or "skipped". Returns the count."""
        if not len(lost):
            return 0
        where = set(zip(lost["src_path"], lost["src_sheet"].fillna(""), lost["src_line"].fillna(-1).astype("int64")))
        for i, part in enumerate(self.merged):
            if not len(part):
                continue
            rows = list(zip(part["src_path"], part["src_sheet"].fillna(""), part["src_line"].fillna(-1).astype("int64")))
            hit = pd.Series([r in where for r in rows], index=part.index) & (part["entity"] == entity)
            if hit.any():
                self.merged[i] = part.loc[~hit].reset_index(drop=True)
        columns = ["source_system", "entity", "legacy_key", "src_path", "src_sheet", "src_line"]
        if kind == "quarantined":
            self.quarantined.append(lost[[*columns, "rule_ids", "messages"]].reset_index(drop=True))
        else:
            self.skipped.append(lost[[*columns, "reason"]].reset_index(drop=True))
        return len(lost)

    def relabel_merged(self, entity: str, rows: pd.DataFrame) -> int:
        """Merged records whose survivor a later stage decided anew: ``rows`` (src_path, src_sheet, src_line,
        old_key, legacy_key, reason, into_source, into_key) name each by its place and key and give it its new
        key, reason and survivor. The rows stay merged: no count changes. Returns how many were relabelled."""
        if not len(rows):
            return 0
        where = {(str(r.src_path), str(r.src_sheet), int(r.src_line), str(r.old_key)):
                 (str(r.legacy_key), str(r.reason), str(r.into_source), str(r.into_key)) for r in rows.itertuples(index=False)}
        done = 0
        for part in self.merged:
            if not len(part) or "entity" not in part:
                continue
            for i in part.index[part["entity"] == entity]:
                new = where.get((str(part.at[i, "src_path"]), str(part.at[i, "src_sheet"]), int(part.at[i, "src_line"]),
                                 str(part.at[i, "legacy_key"])))
                if new is not None:
                    part.at[i, "legacy_key"], part.at[i, "reason"], part.at[i, "into_source"], part.at[i, "into_key"] = new
                    done += 1
        return done

    def skip(self, entity: str, mask: pd.Series, reason: str | pd.Series) -> int:
        """Rows deliberately not migrated (e.g. a department not selected), with the reason."""
        return self._move(self.skipped, entity, mask, reason)

    def add_outcomes(self, kind: str, frame: pd.DataFrame) -> None:
        """Record rows that never became entity rows (e.g. a malformed line) as quarantined or skipped."""
        if not len(frame):
            return
        {"quarantined": self.quarantined, "skipped": self.skipped, "merged": self.merged}[kind].append(frame)

    # -- views --------------------------------------------------------------
    def outcome_frame(self, kind: str) -> pd.DataFrame:
        parts = [p for p in getattr(self, kind) if len(p)]
        cols = QUARANTINE_COLUMNS if kind == "quarantined" else MERGED_COLUMNS if kind == "merged" else OUTCOME_COLUMNS
        if not parts:
            return pd.DataFrame(columns=list(cols))
        return pd.concat(parts, ignore_index=True)
