"""``validierung.html``: the run's validation report for data stewards, in German.

One self-contained file (inline CSS and a few lines of JS, no external
resource of any kind: it is opened offline, from a file share, in an office
browser): traffic lights per table and per rule, the counts and the money
reconciliation from summary.json, the trend against the previous run, the
stewards' corrections, and a drill-down per rule with masked examples and
their source location. Personal values are never shown in clear here: masked
by default, pseudonymised with ``--pseudonymize``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from jhmig.reports.history import entity_trend, open_by_rule, rule_trend
from jhmig.masking import mask_key, mask_keys_in
from jhmig.reports.masking import Hider
from jhmig.catalog import RuleCatalog
from jhmig.labels import CHECK_DE, CONTROL_DE, KIND_DE, SEVERITY_DE, STATUS_DE, check_de, entity_de, euro, number, percent, plural

TEMPLATES = Path(__file__).resolve().parent / "templates"
EXAMPLES_PER_RULE = 50
LIGHT_DE = {"rot": "rot", "gelb": "gelb", "gruen": "grün"}


@dataclass
class ReportInputs:
    summary: dict[str, Any]
    findings: pd.DataFrame
    status: pd.DataFrame  # per finding: status (offen/akzeptiert/ausgeschlossen), by, on
    cells: pd.DataFrame  # per finding: src_column, src_value
    quarantine: pd.DataFrame
    skipped: pd.DataFrame  # records deliberately not migrated, with their reason
    raw: dict[tuple[str, str], pd.DataFrame]  # the source as delivered, by (src_path, src_sheet)
    hider: Hider  # masks (or pseudonymises) every personal value shown
    catalog: RuleCatalog
    previous: dict[str, Any] | None
    run_dir: Path
    pseudonymized: bool = False
    detached: pd.DataFrame | None = None  # jhmig.steps_match.detached_table with the new ids; its personal columns are never shown


def write_validierung(path: Path, inputs: ReportInputs) -> None:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["euro"] = euro
    env.filters["num"] = number
    env.filters["pct"] = percent
    env.filters["ent"] = entity_de
    env.filters["plural"] = plural
    env.filters["when"] = when
    env.filters["day"] = day
    html = env.get_template("validierung.html.j2").render(**build_view(inputs))
    path.write_text(html, encoding="utf-8")


def build_view(inp: ReportInputs) -> dict[str, Any]:
    s = inp.summary
    findings = inp.findings.join(inp.status).join(inp.cells)
    rules = _rules(findings, inp)
    return {
        "s": s,
        "status_de": STATUS_DE.get(s.get("status", ""), s.get("status", "")),
        "protection": "pseudonymisiert" if inp.pseudonymized else "maskiert",
        "entities": _entities(s, findings),
        "files": s.get("files", []),
        "money": s.get("money", {}),
        "checks": [{**c, "check": check_de(c["check"])} for c in s.get("checks", [])],
        "control_totals": s.get("control_totals", []),
        "rules": rules,
        "todo": _todo(rules),
        "trend": _trend(s, inp.previous, inp.catalog),
        "corrections": _corrections(s.get("corrections") or {}),
        "matching": s.get("matching") or None,
        "detached": _detached(inp.detached),
        "quarantine": _quarantine(inp.quarantine),
        "skipped": _skipped(inp.skipped),
        "examples_per_rule": EXAMPLES_PER_RULE,
        "gx_link": _gx_link(s, inp.run_dir),
        "light_de": LIGHT_DE,
        "severity_de": SEVERITY_DE,
        "kind_de": KIND_DE,
        "control_de": CONTROL_DE,
    }


# --------------------------------------------------------------------------
# traffic lights
# --------------------------------------------------------------------------


def _light(errors: int, warnings: int, quarantined: int = 0) -> str:
    if errors or quarantined:
        return "rot"
    return "gelb" if warnings else "gruen"


def _open_counts(findings: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per ``by`` value: open errors, open warnings, accepted, all."""
    if not len(findings):
        return pd.DataFrame(columns=["errors", "warnings", "accepted", "total"])
    f = findings.assign(
        errors=(findings["severity"] == "error") & (findings["status"] == "offen"),
        warnings=(findings["severity"] == "warning") & (findings["status"] == "offen"),
        accepted=findings["status"] == "akzeptiert",
        total=True,
    )
    return f.groupby(by)[["errors", "warnings", "accepted", "total"]].sum().astype(int)


def _entities(s: dict[str, Any], findings: pd.DataFrame) -> list[dict[str, Any]]:
    from jhmig.schema import Base  # the German table names live with the schema

    counts = _open_counts(findings, "entity")
    names = list(s.get("entities", {})) + [e for e in counts.index if e not in s.get("entities", {}) and e]
    rows = []
    for entity in names:
        e = s.get("entities", {}).get(entity, {})
        c = counts.loc[entity] if entity in counts.index else pd.Series({"errors": 0, "warnings": 0, "accepted": 0, "total": 0})
        table = Base.metadata.tables.get(entity)
        label = (table.info.get("de", entity) if table is not None else entity).split(" (")[0]
        rows.append({
            "entity": entity, "label": label, **{k: int(e.get(k, 0)) for k in ("read", "loaded", "merged", "quarantined", "skipped")},
            "errors": int(c["errors"]), "warnings": int(c["warnings"]), "accepted": int(c["accepted"]),
            "light": _light(int(c["errors"]), int(c["warnings"]), int(e.get("quarantined", 0))),
        })
    return rows


def _rules(findings: pd.DataFrame, inp: ReportInputs) -> list[dict[str, Any]]:
    if not len(findings):
        return []
    counts = _open_counts(findings, "rule_id")
    rules = []
    quarantined_cents = {q["reason"]: int(q["cents"]) for q in (inp.summary.get("quarantine") or {}).get("by_reason", [])}
    for rule_id, part in findings.groupby("rule_id", sort=False):
        rule_id = str(rule_id)
        c = counts.loc[rule_id]
        records = int(part[[col for col in _RECORD_ID if col in part]].drop_duplicates().shape[0])
        open_errors = part[(part["severity"] == "error") & (part["status"] == "offen")]
        entities = part["entity"].fillna("").value_counts()
        text = inp.catalog.get(rule_id, str(entities.index[0]) if len(entities) else None)
        severities = part["severity"].value_counts()
        rules.append({
            "rule_id": rule_id, "anchor": "regel-" + "".join(ch if ch.isalnum() else "-" for ch in rule_id),
            "title": text.title if len(entities) <= 1 else inp.catalog.general_title(rule_id), "fix": text.fix,
            "severity": min(severities.index, key=lambda v: {"error": 0, "warning": 1}.get(v, 2)),
            "count": len(part), "errors": int(c["errors"]), "warnings": int(c["warnings"]), "accepted": int(c["accepted"]),
            "excluded": int((part["status"] == "ausgeschlossen").sum()),
            "by_entity": [{"entity": e or "-", "count": int(n)} for e, n in entities.items()],
            "by_severity": [{"severity": SEVERITY_DE.get(k, k), "count": int(v)} for k, v in severities.items()],
            "light": _light(int(c["errors"]), int(c["warnings"])),
            "examples": _examples(part, inp),
            "records": records, "cents": quarantined_cents.get(rule_id, 0),
            "blocking_records": int(open_errors[[col for col in _RECORD_ID if col in open_errors]].drop_duplicates().shape[0]),
        })
    order = {"rot": 0, "gelb": 1, "gruen": 2}
    # what to do first: the rules that hold back the most records, then the most money
    return sorted(rules, key=lambda r: (order[r["light"]], -r["records"], -abs(r["cents"]), -r["count"], r["rule_id"]))


#: one source record: a finding's location
_RECORD_ID = ["source_system", "entity", "src_path", "src_sheet", "src_line"]


def _todo(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """What blocks the go-live: open errors (their records stay in the quarantine until corrected or excluded)."""
    blocking = [r for r in rules if r["errors"]]
    return {"errors": sum(r["errors"] for r in blocking), "records": sum(r["blocking_records"] for r in blocking),
            "rules": blocking, "cents": sum(r["cents"] for r in blocking)}


def location(path: Any, sheet: Any, line: Any, column: Any) -> str:
    """Where a steward finds the value: "PERSONEN.TXT, Zeile 47" / "ASD_Nord.xlsx, Blatt 2023, Zeile 47, Spalte Beginn"."""
    parts = [str(path)] if _present(path) else []
    if _present(sheet):
        parts.append(f"Blatt {sheet}")
    if _present(line):
        parts.append(f"Zeile {int(line)}")
    if _present(column):
        parts.append(f"Spalte {column}")
    return ", ".join(parts) or "-"


def _present(v: Any) -> bool:
    return v is not None and not (not isinstance(v, str) and pd.isna(v)) and str(v) != ""


def _examples(part: pd.DataFrame, inp: ReportInputs) -> list[dict[str, Any]]:
    """Up to EXAMPLES_PER_RULE findings, open ones first, with their masked values and raw record."""
    ordered = part.assign(_decided=part["status"] != "offen").sort_values(["_decided", "src_path", "src_line"], kind="stable")
    out = []
    hider = inp.hider
    for r in ordered.head(EXAMPLES_PER_RULE).itertuples():
        sheet = "" if pd.isna(r.src_sheet) else str(r.src_sheet)
        raw = None
        frame = inp.raw.get((str(r.src_path), sheet))
        if frame is not None and _present(r.src_line) and int(r.src_line) in frame.index:
            row = frame.loc[int(r.src_line)]
            if isinstance(row, pd.DataFrame):
                row = row.iloc[0]
            raw = hider.record({k: v for k, v in row.items() if k != "src_line"}, str(r.src_path), sheet,
                               str(r.legacy_key) if _present(r.legacy_key) else None)
        out.append({
            "where": location(r.src_path, sheet, r.src_line, r.src_column if _present(r.src_column) else r.field),
            "key": hider.key(str(r.legacy_key)) if _present(r.legacy_key) else "",
            "entity": r.entity if _present(r.entity) else "",
            "severity": SEVERITY_DE.get(r.severity, r.severity),
            "value": hider.value(None if not _present(r.value) else str(r.value), None if not _present(r.field) else str(r.field)) or "",
            "message": hider.text(str(r.message)) if _present(r.message) else "",
            "status": r.status + (f" ({r.by}, {r.on})" if r.status != "offen" else ""),
            "raw": raw,
        })
    return out


# --------------------------------------------------------------------------
# trend, corrections, quarantine, GX
# --------------------------------------------------------------------------


def _trend(s: dict[str, Any], previous: dict[str, Any] | None, catalog: RuleCatalog) -> dict[str, Any] | None:
    if previous is None:
        return None
    now = open_by_rule(s)
    return {
        "run_uid": previous.get("run_uid", "?"),
        "started_at": previous.get("started_at", ""),
        "rules": [{"rule_id": r.rule_id, "title": catalog.general_title(r.rule_id), "then": r.then, "now": r.now, "delta": r.delta,
                   "light": "gruen" if r.delta < 0 else ("rot" if r.delta > 0 and now.get(r.rule_id, {}).get("errors") else
                                                         ("gelb" if r.delta > 0 else "grau"))}
                  for r in rule_trend(previous, s)],
        "entities": entity_trend(previous, s),
    }


def _corrections(c: dict[str, Any]) -> dict[str, Any] | None:
    if not c or not c.get("folder"):
        return None
    c = mask_keys_in(c)  # type: ignore[assignment]
    return {
        "folder": c.get("folder"), "files": c.get("files", []),
        "applied": c.get("applied", []), "stale": c.get("stale", []), "superseded": c.get("superseded", []),
        "invalid": c.get("invalid", []), "corrected": c.get("corrected", 0), "accepted": c.get("accepted", 0),
        "excluded": c.get("excluded", 0), "excluded_dependents": c.get("excluded_dependents", 0),
        "other_source": c.get("other_source", 0), "review": c.get("review", []),
    }


def _quarantine(q: pd.DataFrame) -> list[dict[str, Any]]:
    if not len(q):
        return []
    table = q.groupby(["entity", "rule_ids"], dropna=False).size().rename("count").reset_index()
    return [{"entity": r.entity, "rule_ids": r.rule_ids, "count": int(r.count)}
            for r in table.sort_values("count", ascending=False).itertuples()]


#: what the HTML shows of a detached record: no name, no birth date
_DETACHED_SHOWN = ("entity_de", "source_system", "src_path", "src_sheet", "src_line", "legacy_key", "old_id", "new_id", "reason")


def _detached(table: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Merges of an earlier run that this run undoes: one row per record that got a new id."""
    if table is None or not len(table):
        return []
    rows = []
    for record in table.to_dict("records"):
        row = {k: (None if record.get(k) is None or record.get(k) is pd.NA or
                   (isinstance(record.get(k), float) and record.get(k) != record.get(k)) else record.get(k))
               for k in _DETACHED_SHOWN}
        row["legacy_key"] = mask_key(str(row["legacy_key"])) if row["legacy_key"] is not None else None
        rows.append(row)
    return rows


def _skipped(skipped: pd.DataFrame) -> list[dict[str, Any]]:
    """Why records were not migrated (department not selected, excluded by a steward, ...): counts per reason."""
    if not len(skipped):
        return []
    table = skipped.groupby(["entity", "reason"], dropna=False).size().rename("count").reset_index()
    return [{"entity": r.entity, "reason": r.reason, "count": int(r.count)} for r in table.sort_values("count", ascending=False).itertuples()]


def _gx_link(s: dict[str, Any], run_dir: Path) -> str | None:
    """A relative link to the GX data docs of this run, when the file exists."""
    given = s.get("gx_data_docs")
    if isinstance(given, dict):
        given = given.get("index") or given.get("path")
    candidates = [Path(given)] if isinstance(given, str) and given else []
    candidates.append(run_dir / "gx_data_docs" / "index.html")
    for candidate in candidates:
        target = candidate if candidate.is_absolute() else run_dir / candidate
        if target.is_file():
            return Path(os.path.relpath(target, run_dir)).as_posix()
    return None


# --------------------------------------------------------------------------
# German number formats
# --------------------------------------------------------------------------


def when(iso: Any) -> str:
    """2026-11-23T19:19:14 -> 23.11.2026 19:19:14."""
    try:
        return dt.datetime.fromisoformat(str(iso)).strftime("%d.%m.%Y %H:%M:%S")
    except ValueError:
        return str(iso or "")


def day(iso: Any) -> str:
    """2026-11-24 -> 24.11.2026 (a steward's date as recorded in summary.json)."""
    try:
        return dt.date.fromisoformat(str(iso)).strftime("%d.%m.%Y")
    except ValueError:
        return str(iso or "")


__all__ = ["CHECK_DE", "SEVERITY_DE", "STATUS_DE", "ReportInputs", "day", "euro", "location", "number", "when", "write_validierung"]
