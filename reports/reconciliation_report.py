"""``abgleich.html`` and ``abgleich.xlsx``: the reconciliation of a run, for the office management.

Built from ``summary.json`` alone (its ``signoff`` block, the counts per file,
the quality gate) plus the summaries of earlier runs in the same output
folder (findings over the runs). German; keys, codes, counts and euros only,
never personal values. The HTML is one self-contained file: inline CSS,
charts as base64 PNG (:mod:`jhmig.reports.charts`), no external resource.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from jhmig.reports.history import RUN_UID
from jhmig.reports.html_report import STATUS_DE, euro, number, when

TEMPLATES = Path(__file__).resolve().parent / "templates"
MEASURE_DE = {"begun": "begonnen", "ended": "beendet", "running": "laufend am 31.12."}
OUTCOME_DE = {"quarantined": "Quarantäne", "merged": "zusammengeführt", "skipped": "übersprungen", "not_loaded": "nicht geladen"}
KIND_DE = {"uvg": "Unterhaltsvorschuss", "hze": "Hilfe zur Erziehung", "kita_fee": "Kita-Beitrag", "recovery": "Rückgriff", "reversal": "Storno"}
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
        rows.append({"run_id": s.get("run_id", folder.name), "run_uid": folder.name, "errors": int(severity.get("error", 0)),
                     "warnings": int(severity.get("warning", 0))})
    return rows


def write_reconciliation(run_dir: Path, summary: dict[str, Any], history: list[dict[str, Any]]) -> list[Path]:
    """Write abgleich.html and abgleich.xlsx into the run folder; returns their paths."""
    view = build_view(summary, history)
    html = run_dir / "abgleich.html"
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters.update(euro=euro, num=number, when=when, pct=percent)
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
    money = so.get("money") or {"lines": [], "totals": {}}
    cells = stats.get("cells", [])
    return {
        "s": s,
        "status_de": STATUS_DE.get(s.get("status", ""), s.get("status", "")),
        "files": s.get("files", []),
        "money": money,
        "kind_de": KIND_DE,
        "outcome_de": OUTCOME_DE,
        "measure_de": MEASURE_DE,
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
            "services": charts.services_chart(cells, "begun"),
            "running": charts.services_chart(cells, "running"),
            "findings": charts.findings_chart(history),
        },
        "history": history,
    }


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


def percent(value: Any) -> str:
    if value is None:
        return "-"
    return f"{float(value) * 100:.1f} %".replace(".", ",")
