"""``vergleich.html`` / ``vergleich.xlsx``: what changed between two runs (German, keys and counts only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from jhmig.labels import CHANGE_DE, KIND_DE, OUTCOME_DE, STATUS_DE, entity_de
from jhmig.masking import mask_key
from jhmig.reports.html_report import euro, number, when
from jhmig.reports.xlsx_tables import write_tables

TEMPLATES = Path(__file__).resolve().parent / "templates"


def write_run_diff(folder: Path, diff: dict[str, Any]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    # German words for the codes of the diff; keys carry dates (a newborn's participation starts at birth): masked
    env.filters.update(euro=euro, num=number, when=when, ent=entity_de, key=mask_key, word=_word,
                       kind=lambda k: KIND_DE.get(str(k), k or "-"), status=lambda s: STATUS_DE.get(str(s), s))
    html = folder / "vergleich.html"
    html.write_text(env.get_template("vergleich.html.j2").render(d=diff), encoding="utf-8")
    xlsx = folder / "vergleich.xlsx"
    moved = diff["moved"]
    write_tables(xlsx, {
        "Anzahlen": (["Tabelle", "Zahl", "Lauf A", "Lauf B", "Differenz"],
                     [(entity_de(r["entity"]), _word(r["count"]), r["a"], r["b"], r["delta"]) for r in diff["counts"]]),
        "Befunde je Regel": (["Regel", "neu", "behoben", "weiter offen"], [(r["rule_id"], r["new"], r["fixed"], r["still_open"]) for r in diff["rules"]]),
        "Befunde neu/behoben": (["Regel", "Art", "Satz"], [(r["rule_id"], kind, mask_key(key)) for r in diff["rules"]
                                                          for kind, keys in (("neu", r["new_records"]), ("behoben", r["fixed_records"])) for key in keys]),
        "Verschoben": (["Richtung", "Tabelle", "Schlüssel", "Regeln"],
                       [("jetzt geladen", entity_de(m["entity"]), mask_key(m["key"]), m["was"]) for m in moved["to_loaded"]]
                       + [("jetzt in Quarantäne", entity_de(m["entity"]), mask_key(m["key"]), m["why"]) for m in moved["to_quarantine"]]),
        "Geänderte Sätze": (["Tabelle", "Schlüssel", "vorher unter Schlüssel"],
                            [(entity_de(c["entity"]), mask_key(c["key"]), mask_key(c.get("was")) or "") for c in diff["changed"]]),
        "Neue Sätze": (["Tabelle", "Schlüssel"], [(entity_de(r["entity"]), mask_key(r["key"])) for r in diff.get("added") or []]),
        "Entfernte Sätze": (["Tabelle", "Schlüssel", "Grund"],
                            [(entity_de(r["entity"]), mask_key(r["key"]), r["why"]) for r in diff.get("removed") or []]),
        "Geld je Jahr und Art": (["Jahr", "Zahlart", "Lauf A (Cent)", "Lauf B (Cent)", "Differenz (Cent)"],
                                 [(m["year"], KIND_DE.get(str(m["payment_type"]), m["payment_type"]), m["a"], m["b"], m["delta"])
                                  for m in diff.get("money") or []]),
    })
    return [html, xlsx]


def _word(code: object) -> str:
    """A count's or change's name in German (loaded -> geladen, new -> neu); other words stay."""
    text = str(code)
    return OUTCOME_DE.get(text) or CHANGE_DE.get(text) or text
