"""``abgleich.html`` and ``abgleich.xlsx``: the reconciliation of a run, for the office management.

Built from ``summary.json`` alone (its ``signoff`` block, the counts per file,
the quality gate) plus the summaries of earlier runs in the same output
folder (findings over the runs). German; keys, codes, counts and euros only,
never personal values. The HTML is one self-contained file: inline CSS,
charts as base64 PNG (:mod:`jhmig.reports.charts`), no external resource.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from jhmig.catalog import RuleCatalog
from jhmig.reports.history import RUN_UID
from jhmig.reports.statistics import END_UNREADABLE_LABEL
from jhmig.labels import CHANGE_DE, KIND_DE, MEASURE_DE, OUTCOME_DE, STATUS_DE, check_de, entity_de, euro, number, percent, plural
from jhmig.reports.html_report import when

TEMPLATES = Path(__file__).resolve().parent / "templates"
SHOWN_KEYS = 30


def run_history(out_dir: Path, upto: str) -> list[dict[str, Any]]:
    """Findings of every run in the output folder up to this one (oldest first), for the chart."""
    rows = []
    if not out_dir.is_dir():
        return rows
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir() and RUN_UID.match(p.name) and p.name <= upto):
        try:
            s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        severity = (s.get("findings") or {}).get("by_severity") or {}
        totals = _record_totals(s)
        rows.append({"run_id": s.get("run_id", folder.name), "run_uid": folder.name, "errors": int(severity.get("error", 0)),
                     "warnings": int(severity.get("warning", 0)), "status": s.get("status"), **totals,
                     "quarantined_cents": int((s.get("money") or {}).get("quarantined_cents") or 0),
                     "loaded_cents": int((s.get("money") or {}).get("loaded_cents") or 0)})
    return rows


def _record_totals(s: dict[str, Any]) -> dict[str, int]:
    files = s.get("files") or []
    return {k: int(sum(int(f.get(k, 0)) for f in files)) for k in ("read", "loaded", "merged", "quarantined", "skipped")}


def verdict(s: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    """The block on top of abgleich.html: what the head of the office signs, every figure from summary.json."""
    so = s.get("signoff") or {}
    totals = _record_totals(s)
    checks = s.get("checks") or []
    complete = all(f.get("balanced", True) for f in s.get("files") or []) and all(c.get("ok") for c in checks)
    money = so.get("money") or {}
    stats = so.get("statistics") or {}
    quarantine = s.get("quarantine") or {"records": totals["quarantined"], "cents": (s.get("money") or {}).get("quarantined_cents"), "by_reason": []}
    gate = s.get("gate")
    gate_state = None if not gate else ("bestanden" if gate.get("passed") else
                                        ("nicht bestanden, übersteuert" if gate.get("override") else "nicht bestanden"))
    earlier = [h for h in history if h["run_uid"] != s.get("run_uid") and h["run_uid"] < s.get("run_uid", "")]
    previous = earlier[-1] if earlier else None
    errors = int(((s.get("findings") or {}).get("by_severity") or {}).get("error", 0))
    now = {"loaded": totals["loaded"], "quarantined": totals["quarantined"], "errors": errors,
           "quarantined_cents": int(quarantine.get("cents") or 0), "loaded_cents": int((s.get("money") or {}).get("loaded_cents") or 0)}
    delta = None if previous is None else {
        "run_uid": previous["run_uid"], **{k: now[k] - int(previous.get(k, 0)) for k in now}}
    unexplained = len(stats.get("unexplained") or [])
    money_exact = bool(money.get("exact")) if money else bool((s.get("money") or {}).get("balanced"))
    return {
        "complete": complete, "records": totals, "money_exact": money_exact,
        "money": {"read": (s.get("money") or {}).get("read_cents"), "loaded": (s.get("money") or {}).get("loaded_cents"),
                  "target": (s.get("money") or {}).get("target_cents"), "manifest": (s.get("money") or {}).get("manifest_cents"),
                  "quarantined": (s.get("money") or {}).get("quarantined_cents")},
        "quarantine": quarantine, "errors": errors, "gate": gate_state, "unexplained": unexplained,
        "statistics_explained": stats.get("explained_share"),
        "reconciled": complete and money_exact and unexplained == 0,
        "delta": delta, "now": now,
    }


def write_reconciliation(run_dir: Path, summary: dict[str, Any], history: list[dict[str, Any]],
                         catalog: RuleCatalog | None = None) -> list[Path]:
    """Write abgleich.html and abgleich.xlsx into the run folder; returns their paths.

    ``catalog``: the run's rule catalog, for the German titles of the quarantine's reasons."""
    view = build_view(summary, history)
    html = run_dir / "abgleich.html"
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters.update(euro=euro, num=number, when=when, pct=percent, signed=signed, signed_euro=signed_euro, ent=entity_de,
                       plural=plural, check=check_de)
    env.globals["rule_title"] = rule_titles(catalog)
    html.write_text(env.get_template("abgleich.html.j2").render(**view), encoding="utf-8")
    from jhmig.reports.reconciliation_xlsx import write_reconciliation_xlsx

    from jhmig.reports.delta import read_delta_records

    xlsx = run_dir / "abgleich.xlsx"
    view["delta_records"] = read_delta_records(run_dir)  # the full lists (summary.json keeps the first of each kind)
    write_reconciliation_xlsx(xlsx, view)
    return [html, xlsx]


def build_view(s: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    from jhmig.reports import charts

    so = s.get("signoff") or {}
    stats = so.get("statistics") or {"cells": []}
    money = so.get("money") or {"lines": [], "totals": dict.fromkeys(("read", "loaded", "quarantined", "merged", "skipped"), 0)}
    cells = stats.get("cells", [])
    return {
        "s": s,
        "status_de": STATUS_DE.get(s.get("status", ""), s.get("status", "")),
        "files": s.get("files", []),
        "money": money,
        "kind_de": KIND_DE,
        "outcome_de": OUTCOME_DE,
        "measure_de": MEASURE_DE,
        "change_de": CHANGE_DE,
        "end_unreadable_label": END_UNREADABLE_LABEL,
        "stats": stats,
        "grids": {m: statistics_grid(cells, m) for m in MEASURE_DE},
        "differences": [c for c in cells if not c["equal"]],
        "inobhutnahmen": so.get("inobhutnahmen", []),
        "controlling": _controlling(so.get("controlling") or {}, cells),
        "gate": s.get("gate"),
        "delta": so.get("delta"),
        "not_loaded": so.get("not_loaded_by_file", []),
        "shown_keys": SHOWN_KEYS,
        "charts": {
            "money": charts.money_chart(money.get("lines", [])),
            "services": charts.services_chart(cells, "begun", partial_year(s)),
            "running": charts.services_chart(cells, "running", partial_year(s)),
            "findings": charts.findings_chart(history) if len(history) > 1 else None,  # one run: nothing to compare
        },
        "history": history,
        "verdict": verdict(s, history),
        "partial": partial_year(s),
    }


def partial_year(s: dict[str, Any]) -> int | None:
    """The last year of the statistics when the export ends before its 31.12. (its counts are of part of a year)."""
    import datetime as dt

    years = (s.get("signoff") or {}).get("years") or []
    if not years:
        return None
    for source in (s.get("sources") or {}).values():
        date = ((source or {}).get("manifest") or {}).get("export_date")
        try:
            day = dt.datetime.strptime(str(date), "%d.%m.%Y").date()
        except ValueError:
            continue
        if day.year == years[-1] and (day.month, day.day) != (12, 31):
            return int(years[-1])
    return None


def statistics_grid(cells: list[dict[str, Any]], measure: str) -> dict[str, Any]:
    """Rows per service type, columns per year: source and target counts of one measure."""
    rows = [c for c in cells if c["measure"] == measure]
    years = sorted({c["year"] for c in rows})
    by_type: dict[str, dict[str, Any]] = {}
    for c in rows:
        entry = by_type.setdefault(c["service_type"], {"service_type": c["service_type"], "label": c["label"], "years": {}})
        entry["years"][c["year"]] = c
    order = sorted(by_type, key=lambda k: (not k[:1].isdigit(), k.split("_")[0].rstrip("a").zfill(4), k))
    return {"years": years, "rows": [by_type[k] for k in order]}


def _controlling(c: dict[str, Any], cells: list[dict[str, Any]]) -> dict[str, Any]:
    source, target = c.get("source") or {}, c.get("target") or {}

    def pair(key: str, by: str = "year") -> list[dict[str, Any]]:
        t = {r[by]: r for r in target.get(key, [])}
        return [{"source": r, "target": t.get(r[by])} for r in source.get(key, [])]

    labels = {x["service_type"]: x["label"] for x in cells}
    costs: dict[str, dict[str, Any]] = {}
    for side in ("source", "target"):
        for r in (c.get(side) or {}).get("cost_by_type_year", []):
            entry = costs.setdefault(r["service_type"], {"service_type": r["service_type"], "label": labels.get(r["service_type"], r["service_type"]), "years": {}})
            entry["years"].setdefault(r["year"], {})[side] = r["cents"]
    years = sorted({y for e in costs.values() for y in e["years"]})
    return {"stationary": pair("stationary_share"), "returns": pair("rueckfuehrungsquote"),
            "costs": {"years": years, "rows": sorted(costs.values(), key=lambda e: (not e["service_type"][:1].isdigit(), e["service_type"].zfill(4)))}}


def signed(value: Any) -> str:
    """+12 / -3 / ±0 with German thousands separators."""
    n = int(value or 0)
    return ("+" if n > 0 else "-" if n < 0 else "±") + number(abs(n))


def signed_euro(cents: Any) -> str:
    n = int(cents or 0)
    return ("+" if n > 0 else "-" if n < 0 else "±") + euro(abs(n))


def rule_titles(catalog: RuleCatalog | None) -> Callable[[str], str]:
    """A quarantine reason as the stewards read it: the catalog's German title, the rule id behind it."""

    def title(rule_id: str, entity: str | None = None) -> str:
        text = catalog.get(rule_id, entity).title if catalog is not None and rule_id else ""
        return f"{text} ({rule_id})" if text and text != rule_id else (rule_id or "ohne Regel")

    return title
