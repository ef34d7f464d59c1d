"""Turn great-expectations' validation results into jhmig's findings, summary entries and kept results.

Pure pandas - no great_expectations import: ``item`` is one GX
``ExpectationValidationResult``, read through its attributes only. The kept
results (JSON, data docs, :func:`write_summary_html`) are trimmed to the first
rows as locations ``FILE:line`` and hold no personal values (Sozialdaten).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jhmig.records import rows_to_findings
from jhmig.validation.expectations import ExpectationSpec
from jhmig.validation.frames import de_date
from jhmig.validation.rules import empty_findings

__all__ = ["KEPT_ROWS", "LOCATION", "PERSONAL_COLUMNS", "concat_findings", "evaluate_result", "summary_entry",
           "trim_result", "write_summary_html"]

KEPT_ROWS = 20  # unexpected rows kept per expectation in the run's results
LOCATION = "Fundstelle"  # the "index column" of kept results: FILE:line
#: Columns whose values are personal data: kept results show "***" instead.
PERSONAL_COLUMNS = frozenset({"family_name", "given_names", "birth_name", "birth_date", "death_date", "street",
                              "house_number", "iban", "payee", "remark", "match_key", "phonetic_key"})


def evaluate_result(spec: ExpectationSpec, item: Any, frame: pd.DataFrame, source_system: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One expectation's result: a finding per unexpected row (with its lineage) and its summary entry."""
    result = item.result or {}
    exception = item.exception_info.get("exception_message") if item.exception_info.get("raised_exception") else None
    if exception:
        return empty_findings(), summary_entry(spec, False, len(frame), None, exception=exception)
    if spec.column_level:
        observed = result.get("observed_value")
        entry = summary_entry(spec, bool(item.success), len(frame), 0 if item.success else None, observed=observed)
        if item.success:
            return empty_findings(), entry
        return _column_finding(spec, frame, str(observed), source_system), entry
    positions = np.asarray(result.get("unexpected_index_list") or [], dtype="int64")
    count = int(result.get("unexpected_count") or 0)
    entry = summary_entry(spec, bool(item.success), int(result.get("element_count", len(frame))), count)
    if len(positions) != count:  # would mean GX capped the list: findings would be missing
        entry["note"] = f"nur {len(positions)} von {count} Zeilen von GX geliefert"
    if not len(positions):
        return empty_findings(), entry
    rows = frame.iloc[positions]
    values = rows[spec.column]
    text = de_date(values, "") if pd.api.types.is_datetime64_any_dtype(values) else values.astype("string")
    return rows_to_findings(rows, rule_id=spec.rule_id, severity=spec.severity, message=spec.message,
                            source_system=source_system, entity=spec.table, field=spec.column, value=text), entry


def _column_finding(spec: ExpectationSpec, frame: pd.DataFrame, observed: str, source_system: str) -> pd.DataFrame:
    """A whole column is wrong (e.g. its type): one finding for the table, without a line."""
    paths = frame["src_path"].dropna().unique() if "src_path" in frame else []
    row = pd.DataFrame({"legacy_key": [None], "src_path": [paths[0] if len(paths) == 1 else ""], "src_sheet": [""],
                        "src_line": pd.array([None], dtype="Int64")})
    found = rows_to_findings(row, rule_id=spec.rule_id, severity=spec.severity, message=f"{spec.message} (Typ: {observed})",
                             source_system=source_system, entity=spec.table, field=spec.column, value=pd.Series([observed]))
    found["src_line"] = found["src_line"].astype("Int64")
    return found


def summary_entry(spec: ExpectationSpec, success: bool | None, elements: int, unexpected: int | None, **extra: Any) -> dict[str, Any]:
    """One line of the run's summary; ``extra`` (note, exception, observed) only where given."""
    entry = {"table": spec.table, "column": spec.column, "rule_id": spec.rule_id, "expectation": spec.expectation,
             "severity": str(spec.severity), "success": success, "element_count": elements, "unexpected_count": unexpected}
    entry.update({k: v for k, v in extra.items() if v is not None})
    return entry


def trim_result(result: dict[str, Any], spec: ExpectationSpec, frame: pd.DataFrame) -> None:
    """Keep the first rows, located as ``FILE:line``; values of personal columns become ``***``.

    Written in GX's "ID/PK" shape (``unexpected_index_column_names``), so the
    data docs list each unexpected value with the source lines it occurs on.
    """
    if not result or "unexpected_index_list" not in result:
        return
    positions = list(result.get("unexpected_index_list") or [])[:KEPT_ROWS]
    rows = frame.iloc[positions]
    locations = (rows["src_path"].astype(str) + ":" + rows["src_line"].astype(str)).tolist()
    if spec.column in PERSONAL_COLUMNS:
        values = ["***"] * len(rows)
    else:
        raw = rows[spec.column]
        values = (de_date(raw, "null") if pd.api.types.is_datetime64_any_dtype(raw) else raw.astype("string").fillna("null")).tolist()
    result["unexpected_index_column_names"] = [LOCATION]
    result["unexpected_index_list"] = [{spec.column: v, LOCATION: loc} for v, loc in zip(values, locations, strict=True)]
    result["partial_unexpected_index_list"] = locations
    result["partial_unexpected_list"] = values
    result["partial_unexpected_counts"] = [{"value": v, "count": n} for v, n in pd.Series(values, dtype=object).value_counts(sort=True).items()]
    result.pop("unexpected_list", None)


def concat_findings(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Findings of several expectations as one frame; ``src_line`` stays nullable Int64."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_findings()
    out = pd.concat(parts, ignore_index=True)
    out["src_line"] = out["src_line"].astype("Int64")
    return out


def write_summary_html(path: Path, summary: list[dict[str, Any]]) -> Path:
    """A self-contained page of the expectation results (no scripts, no external styles)."""
    rows = "".join(
        "<tr class='{cls}'><td>{table}</td><td>{column}</td><td>{rule}</td><td>{exp}</td><td>{sev}</td>"
        "<td>{ok}</td><td>{n}</td><td>{bad}</td></tr>".format(
            cls="ok" if s["success"] else ("skip" if s["success"] is None else "fail"),
            table=html.escape(s["table"]), column=html.escape(s["column"]), rule=html.escape(s["rule_id"]),
            exp=html.escape(s["expectation"]), sev=html.escape(s["severity"]),
            ok={True: "erfüllt", False: "verletzt", None: html.escape(s.get("note", "nicht geprüft"))}[s["success"]],
            n=s["element_count"], bad="" if s["unexpected_count"] is None else s["unexpected_count"])
        for s in summary)
    page = ("<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'><title>Prüfergebnisse (Erwartungen)</title>"
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
            ".fail{background:#fdd}.ok{background:#dfd}.skip{color:#777}</style></head><body>"
            "<h1>Prüfergebnisse der Spaltenerwartungen</h1><table><tr><th>Tabelle</th><th>Spalte</th><th>Regel</th>"
            "<th>Erwartung</th><th>Schwere</th><th>Ergebnis</th><th>Zeilen</th><th>Verstöße</th></tr>"
            f"{rows}</table></body></html>")
    path.write_text(page, encoding="utf-8")
    return path
