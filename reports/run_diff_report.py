"""``vergleich.html`` / ``vergleich.xlsx``: what changed between two runs (German, keys and counts only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from jhmig.reports.html_report import euro, number, when
from jhmig.reports.xlsx_tables import write_tables

TEMPLATES = Path(__file__).resolve().parent / "templates"


def write_run_diff(folder: Path, diff: dict[str, Any]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters.update(euro=euro, num=number, when=when)
    html = folder / "vergleich.html"
    html.write_text(env.get_template("vergleich.html.j2").render(d=diff), encoding="utf-8")
    xlsx = folder / "vergleich.xlsx"
    moved = diff["moved"]
    write_tables(xlsx, {
        "Anzahlen": (["Tabelle", "Zahl", "Lauf A", "Lauf B", "Differenz"], [(r["entity"], r["count"], r["a"], r["b"], r["delta"]) for r in diff["counts"]]),
        "Befunde je Regel": (["Regel", "neu", "behoben", "weiter offen"], [(r["rule_id"], r["new"], r["fixed"], r["still_open"]) for r in diff["rules"]]),
        "Befunde neu/behoben": (["Regel", "Art", "Satz"], [(r["rule_id"], kind, key) for r in diff["rules"]
                                                          for kind, keys in (("neu", r["new_records"]), ("behoben", r["fixed_records"])) for key in keys]),
        "Verschoben": (["Richtung", "Tabelle", "Schlüssel", "Regeln"],
                       [("jetzt geladen", m["entity"], m["key"], m["was"]) for m in moved["to_loaded"]]
                       + [("jetzt in Quarantäne", m["entity"], m["key"], m["why"]) for m in moved["to_quarantine"]]),
        "Geänderte Sätze": (["Tabelle", "Schlüssel", "vorher unter Schlüssel"],
                            [(c["entity"], c["key"], c.get("was") or "") for c in diff["changed"]]),
        "Neue Sätze": (["Tabelle", "Schlüssel"], [(r["entity"], r["key"]) for r in diff.get("added") or []]),
        "Entfernte Sätze": (["Tabelle", "Schlüssel", "Grund"], [(r["entity"], r["key"], r["why"]) for r in diff.get("removed") or []]),
        "Geld je Jahr und Art": (["Jahr", "Zahlart", "Lauf A (Cent)", "Lauf B (Cent)", "Differenz (Cent)"],
                                 [(m["year"], m["payment_type"], m["a"], m["b"], m["delta"]) for m in diff.get("money") or []]),
    })
    return [html, xlsx]
