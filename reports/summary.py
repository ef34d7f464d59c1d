"""Reconciliation: prove that every source record was loaded, merged, quarantined or skipped.

``summary.json`` (in every run folder) holds, per source file and entity, the
counts read / loaded / merged / quarantined / skipped, with the invariant
``read = loaded + merged + quarantined + skipped``; what the target holds
after the load (counted by SQL); and the money: the payment cent sums from
the manifest, as read, as loaded (SQL over the target) and as quarantined.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from jhmig.records import Batch, ExtractResult
from jhmig.run_summary import OUTCOMES, Check, ControlTotal, FileCount, RunSummary
ROW_ID = ["src_path", "src_sheet", "src_line"]


def _count_by_file(frame: pd.DataFrame, name: str) -> pd.Series:
    if not len(frame):
        return pd.Series(dtype="int64", name=name)
    return frame.groupby(["source_system", "src_path", "src_sheet", "entity"]).size().rename(name)


def file_counts(batches: list[Batch]) -> pd.DataFrame:
    """One row per (source, file, sheet, entity) with read and the four outcomes."""
    reads = pd.DataFrame(
        [(r.source_system, r.src_path, r.src_sheet, r.entity, r.read) for b in batches for r in b.reads],
        columns=["source_system", "src_path", "src_sheet", "entity", "read"],
    ).groupby(["source_system", "src_path", "src_sheet", "entity"])["read"].sum()
    parts = [reads]
    loaded = []
    for b in batches:
        for entity, frame in b.frames.items():
            if len(frame):
                loaded.append(frame[["src_path", "src_sheet"]].assign(source_system=b.source_system, entity=entity))
    parts.append(_count_by_file(pd.concat(loaded) if loaded else pd.DataFrame(), "loaded"))
    for kind in ("merged", "quarantined", "skipped"):
        frames = [b.outcome_frame(kind) for b in batches]
        frames = [f for f in frames if len(f)]
        parts.append(_count_by_file(pd.concat(frames) if frames else pd.DataFrame(), kind))
    table = pd.concat(parts, axis=1).fillna(0).astype("int64").reset_index()
    table.columns = ["source_system", "file", "sheet", "entity", "read", *OUTCOMES]
    table["balanced"] = table["read"] == table[list(OUTCOMES)].sum(axis=1)
    return table


class _Lines:
    """Each payment row as read, by one int64 per source line: file, sheet and line number packed.

    Lineage identifies a row; looking up two million (file, sheet, line)
    triples through a MultiIndex took seconds, packed integers a fraction.
    """

    def __init__(self, read: pd.DataFrame) -> None:
        self._paths = pd.Index(read["src_path"].astype("string").unique())
        self._sheets = pd.Index(read["src_sheet"].astype("string").unique())
        keys = self.keys(read)
        order = np.argsort(keys, kind="stable")
        self.sorted_keys = keys[order]
        self.sorted_cents = read["amount_cents"].to_numpy(dtype="float64", na_value=np.nan)[order]
        self.read_keys = keys

    def keys(self, frame: pd.DataFrame) -> np.ndarray:
        """Packed keys of the frame's rows; -1 for a file or sheet that no payment row was read from."""
        path = self._paths.get_indexer(frame["src_path"].astype("string")).astype(np.int64)
        sheet = self._sheets.get_indexer(frame["src_sheet"].astype("string")).astype(np.int64)
        number = pd.to_numeric(frame["src_line"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        known = (path >= 0) & (sheet >= 0) & ~np.isnan(number)
        line = np.where(known, number, 0).astype(np.int64)
        return np.where(known, ((path * len(self._sheets) + sheet) << 32) | line, -1)

    def cents(self, frame: pd.DataFrame) -> int:
        """Sum of the amounts read for these rows (rows without a parsed amount count nothing)."""
        if not len(frame) or not len(self.sorted_keys):
            return 0
        keys = self.keys(frame)
        at = np.minimum(np.searchsorted(self.sorted_keys, keys), len(self.sorted_keys) - 1)
        found = self.sorted_keys[at] == keys
        values = self.sorted_cents[at[found]]
        return int(values[~np.isnan(values)].astype(np.int64).sum())


def money(batch: Batch, payments_read: pd.DataFrame, extract: ExtractResult, target_cents: int | None) -> dict[str, Any]:
    """Payment cent sums: manifest, read, loaded (frames and SQL), quarantined, merged, skipped."""
    lines = _Lines(payments_read)
    payment_rows = {kind: batch.outcome_frame(kind) for kind in ("merged", "quarantined", "skipped")}
    payment_rows = {k: v[v["entity"] == "payment"] if len(v) else v for k, v in payment_rows.items()}
    loaded = batch.frames.get("payment", pd.DataFrame(columns=ROW_ID))
    manifest_sum = next((c.expected for c in extract.checks if c.what == "sum_cents" and c.source == "manifest"), None)
    read_sum = next((c.actual for c in extract.checks if c.what == "sum_cents"), None)
    out: dict[str, Any] = {
        "manifest_cents": manifest_sum,
        "read_cents": read_sum if read_sum is not None else int(payments_read["amount_cents"].dropna().astype("int64").sum()),
        "loaded_cents": lines.cents(loaded),
        "target_cents": target_cents,
        "quarantined_cents": lines.cents(payment_rows["quarantined"]),
        "merged_cents": lines.cents(payment_rows["merged"]),
        "skipped_cents": lines.cents(payment_rows["skipped"]),
    }
    # Records quarantined as unreadable have no parsed amount; they show up as a gap here.
    out["balanced"] = out["read_cents"] == out["loaded_cents"] + out["quarantined_cents"] + out["merged_cents"] + out["skipped_cents"]
    out["target_matches_loaded"] = target_cents is None or target_cents == out["loaded_cents"]
    # the loaded rows' amounts and dates, looked up by lineage in what was read
    loaded_rows = payments_read[np.isin(lines.read_keys, lines.keys(loaded))] if len(loaded) else loaded
    out["by_year_type"] = _by_year_type(payments_read, loaded_rows)
    quarantined = payment_rows["quarantined"]
    out["quarantined_cents_by_reason"] = {} if not len(quarantined) else {
        str(reason): lines.cents(part) for reason, part in quarantined.assign(_reason=primary_reason(quarantined["rule_ids"])).groupby("_reason")}
    return out


def primary_reason(rule_ids: pd.Series) -> pd.Series:
    """The first rule id of a quarantined record's ``rule_ids`` ("ref.missing;value.invalid_date" -> "ref.missing")."""
    return rule_ids.astype("string").fillna("").str.split(r"[;,| ]+", regex=True).str[0].fillna("")


def quarantine_by_reason(batches: list[Batch], cents_by_reason: dict[str, int]) -> dict[str, Any]:
    """Records in the quarantine per reason (its first rule) and entity, with the payments' cents, largest first."""
    frames = [f for b in batches if len(f := b.outcome_frame("quarantined"))]
    if not frames:
        return {"records": 0, "cents": 0, "by_reason": []}
    rows = pd.concat(frames, ignore_index=True)
    rows = rows.assign(reason=primary_reason(rows["rule_ids"]))
    by_reason = []
    for reason, part in rows.groupby("reason", sort=False):
        by_reason.append({"reason": str(reason), "records": int(len(part)), "cents": int(cents_by_reason.get(str(reason), 0)),
                          "by_entity": {str(k): int(v) for k, v in part["entity"].value_counts().items()}})
    by_reason.sort(key=lambda r: (-r["records"], -abs(r["cents"]), r["reason"]))
    return {"records": int(len(rows)), "cents": int(sum(cents_by_reason.values())), "by_reason": by_reason}


def _by_year_type(read: pd.DataFrame, loaded: pd.DataFrame) -> list[dict[str, Any]]:
    if not len(read):
        return []

    def agg(frame: pd.DataFrame) -> pd.DataFrame:
        f = frame.assign(year=frame["due_date"].dt.year.astype("Int64"))
        return f.groupby(["year", "payment_type"], dropna=False)["amount_cents"].agg(["count", "sum"])

    a = agg(read).add_prefix("read_")
    # nothing loaded (every payment quarantined): an empty table with the same index, so that the join keeps the read side
    nothing = pd.DataFrame(columns=["loaded_count", "loaded_sum"], index=pd.MultiIndex.from_arrays([[], []], names=["year", "payment_type"]))
    b = agg(loaded).add_prefix("loaded_") if len(loaded) else nothing
    table = a.join(b, how="outer").fillna(0).astype("int64").reset_index()
    return [
        {"year": None if pd.isna(r.year) else int(r.year), "payment_type": None if pd.isna(r.payment_type) else str(r.payment_type),
         "read_count": int(r.read_count), "read_cents": int(r.read_sum), "loaded_count": int(r.loaded_count), "loaded_cents": int(r.loaded_sum)}
        for r in table.itertuples()
    ]


def build_summary(
    *, run_uid: str, run_id: int, started: dt.datetime, options: dict[str, Any], sources: dict[str, Any], batches: list[Batch],
    export: ExtractResult, load_result: Any, payments_read: pd.DataFrame, findings: pd.DataFrame, jhmig_version: str,
    corrections: dict[str, Any], validation: dict[str, dict[str, Any]],
) -> RunSummary:
    """The reconciliation of a loaded, not yet committed run; ``export`` is the legacy export (it holds the money)."""
    files = file_counts(batches)
    entities = _entity_counts(files, load_result)
    target_cents = load_result.payment_sum_cents.get(export.batch.source_system)
    cash = money(export.batch, payments_read, export, target_cents)
    checks = [
        Check("read = loaded + merged + quarantined + skipped (every file and entity)", bool(files["balanced"].all())),
        Check("rows in the target = rows loaded (every entity, counted by SQL)",
              all(e.get("in_target", e["loaded"]) == e["loaded"] for e in entities.values())),
        Check("payments: read = loaded + quarantined + merged + skipped (cents)", bool(cash["balanced"])),
        Check("payments: sum in the target = sum loaded (cents, by SQL)", bool(cash["target_matches_loaded"])),
        _lists_check(findings),
    ]
    ok = all(c.ok for c in checks)
    # An overridden manifest mismatch loads what could be read. Payment records whose amount nobody
    # could read (wrong length, a letter in the amount) are money the run cannot account for: the run
    # is "incomplete" - committed, since the operator accepted it, but exit code 1.
    summed = {c.file.upper() for c in export.checks if c.what in ("sum_cents", "trailer_sum_cents")}
    unsummed = [u for u in export.unsummed if u[0].upper() in summed]
    if unsummed:
        checks.append(Check(f"payments: every record's amount read ({len(unsummed)} unreadable, in the quarantine; override accepted)",
                            False, blocking=False))
    status = "failed" if not ok else ("incomplete" if unsummed else "dry_run" if options.get("dry_run") else "ok")
    return RunSummary(
        run_id=run_id, run_uid=run_uid, status=status,
        started_at=started.isoformat(), finished_at=dt.datetime.now().replace(microsecond=0).isoformat(),
        jhmig_version=jhmig_version, options=options, sources=sources,
        control_totals=[ControlTotal(c.file, c.what, c.source, c.expected, c.actual, c.ok) for c in export.checks],
        files=[FileCount(r.source_system, r.file, r.sheet, r.entity, int(r.read), *(int(getattr(r, k)) for k in OUTCOMES),
                         bool(r.balanced)) for r in files.itertuples()],
        entities=entities, money=cash, findings=_finding_counts(findings), checks=checks, corrections=corrections,
        validation=validation, gx_data_docs=validation.get(export.batch.source_system, {}).get("data_docs"),
        unmapped_values=unmapped_values(findings),
        unsummed_records=[{"file": f, "line": line, "reason": reason} for f, line, reason in export.unsummed],
        quarantine=quarantine_by_reason(batches, cash.get("quarantined_cents_by_reason", {})),
    )


def _lists_check(findings: pd.DataFrame) -> Check:
    """Every spreadsheet in a lists folder read by a mapping or excluded (issue #11): else the run fails, naming the file."""
    missing = findings[findings["rule_id"] == "list.file_not_read"] if len(findings) else findings
    if not len(missing):
        return Check("lists: every file in the lists folders read by a mapping or excluded", True)
    first = missing.iloc[0]
    more = f" (+{len(missing) - 1} more)" if len(missing) > 1 else ""
    return Check(f"lists: {first['src_path']}{more} read by no list mapping - {first['message']}", False)


def _entity_counts(files: pd.DataFrame, load_result: Any) -> dict[str, dict[str, int]]:
    entities: dict[str, dict[str, int]] = {}
    for entity, part in files.groupby("entity", sort=False):
        entities[str(entity)] = {k: int(part[k].sum()) for k in ("read", *OUTCOMES)}
    for (_source, entity), stats in load_result.stats.items():  # summed over the sources
        e = entities.setdefault(entity, {k: 0 for k in ("read", *OUTCOMES)})
        for name in ("inserted", "updated", "unchanged", "deleted", "in_target"):
            e[name] = e.get(name, 0) + getattr(stats, name)
    return entities


def _finding_counts(findings: pd.DataFrame) -> dict[str, Any]:
    by_rule = (
        findings.groupby(["rule_id", "severity"]).size().rename("count").reset_index().sort_values(["severity", "rule_id"])
        if len(findings) else pd.DataFrame(columns=["rule_id", "severity", "count"])
    )
    return {
        "total": int(len(findings)),
        "by_severity": {str(k): int(v) for k, v in findings["severity"].value_counts().items()} if len(findings) else {},
        "by_rule": [{"rule_id": r.rule_id, "severity": r.severity, "count": int(r.count)} for r in by_rule.itertuples()],
    }


def unmapped_values(findings: pd.DataFrame) -> list[dict[str, Any]]:
    """Free text no synonym covers, with counts and an example location, to complete the tables."""
    rows = findings[findings["rule_id"] == "synonym.unmapped"]
    if not len(rows):
        return []
    grouped = rows.groupby(["source_system", "field", "value"], sort=True).agg(
        count=("rule_id", "size"), example_file=("src_path", "first"), example_sheet=("src_sheet", "first"),
        example_row=("src_line", "first"))
    return [{"source_system": s, "field": f, "value": v, "count": int(r["count"]),
             "example": f"{r.example_file}, Blatt {r.example_sheet}, Zeile {r.example_row}"}
            for (s, f, v), r in grouped.iterrows()]
