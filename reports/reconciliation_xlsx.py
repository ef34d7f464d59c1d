"""``abgleich.xlsx``: the reconciliation's tables for the office, every record of every difference listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jhmig.labels import CHANGE_DE, KIND_DE, MEASURE_DE, OUTCOME_DE, entity_de
from jhmig.masking import mask_key
from jhmig.reports.xlsx_tables import write_tables


def write_reconciliation_xlsx(path: Path, view: dict[str, Any]) -> None:
    s, money, stats = view["s"], view["money"], view["stats"]
    overview = [("Lauf", s.get("run_uid")), ("Lauf-ID", s.get("run_id")), ("Status", view["status_de"]),
                ("Geld auf den Cent genau", "ja" if money.get("exact") else "nein"), ("rote Geldzeilen", money.get("red_lines", 0)),
                ("Statistikzellen", len(stats.get("cells", []))), ("davon gleich", stats.get("equal")),
                ("gleich oder erklärt", stats.get("explained"))]
    gate = view.get("gate")
    if gate:
        overview.append(("Freigabeprüfung", "bestanden" if gate.get("passed") else "nicht bestanden"))
    cents = lambda v: None if v is None else round(v / 100, 2)  # noqa: E731 - euros with cents
    kind = lambda k: KIND_DE.get(k, k) if k else "?"  # noqa: E731 - a payment kind as the office names it
    sheets = {
        "Übersicht": (["Angabe", "Wert"], overview),
        "Sätze": (["Quelle", "Datei", "Blatt", "Tabelle", "gelesen", "geladen", "zusammengeführt", "Quarantäne", "übersprungen", "aufgeht"],
                  [(f["source_system"], f["file"], f["sheet"], entity_de(f["entity"]), f["read"], f["loaded"], f["merged"], f["quarantined"], f["skipped"],
                    "ja" if f["balanced"] else "nein") for f in view["files"]]),
        "Geld": (["Jahr", "Zahlart", "gelesen €", "geladen €", "Quarantäne €", "zusammengeführt €", "übersprungen €", "im Ziel €", "Abweichung"],
                 [(l["year"], kind(l["payment_type"]), cents(l["read"]), cents(l["loaded"]), cents(l["quarantined"]), cents(l["merged"]),
                   cents(l["skipped"]), cents(l.get("target")), "ja" if l["red"] else "") for l in money.get("lines", [])]),
        "Geld-Abweichungen": (["Jahr", "Zahlart", "Zahlung", "Grund", "gelesen €", "im Ziel €"],
                              [(l["year"], kind(l["payment_type"]), r.get("key"), r.get("why"), cents(r.get("cents_read", r.get("cents"))), cents(r.get("cents_target")))
                               for l in money.get("lines", []) if l["red"] for r in l["records"]]),
        "KJH-Statistik": (["Kennzahl", "Hilfeart", "Code", "Jahr", "Quelle", "Ziel", "Differenz", "erklärt"],
                          [(MEASURE_DE[c["measure"]], c["label"], c["service_type"], c["year"], c["source"], c["target"], c["difference"],
                            "ja" if c["equal"] or c["explained"] else "nein") for c in stats.get("cells", [])]),
        "Statistik-Abweichungen": (["Kennzahl", "Code", "Jahr", "Leistung", "Verbleib", "Grund"],
                                   [(MEASURE_DE[c["measure"]], c["service_type"], c["year"], r["key"], OUTCOME_DE.get(r["outcome"], r["outcome"]), r["reason"])
                                    for c in stats.get("cells", []) if not c["equal"] for r in c["records"]]),
        "Inobhutnahmen": (["Jahr", "§ 42 Quelle", "§ 42 Ziel", "§ 42a Quelle", "§ 42a Ziel"],
                          [(r["year"], r["42_source"], r["42_target"], r["42a_source"], r["42a_target"]) for r in view["inobhutnahmen"]]),
        "Controlling": (["Jahr", "HzE laufend", "stationär laufend", "Anteil Quelle", "Anteil Ziel", "stationär beendet", "Rückführung", "Quote Quelle", "Quote Ziel"],
                        [(p["source"]["year"], p["source"]["hze_running"], p["source"]["stationary_running"], p["source"]["share"],
                          (p["target"] or {}).get("share"), q["source"]["stationary_ended"], q["source"]["returned"], q["source"]["quota"],
                          (q["target"] or {}).get("quota")) for p, q in zip(view["controlling"]["stationary"], view["controlling"]["returns"])]),
        "Kosten": (["Code", "Hilfeart", "Jahr", "gelesen €", "geladen €"],
                   [(r["service_type"], r["label"], y, cents(v.get("source")), cents(v.get("target")))
                    for r in view["controlling"]["costs"]["rows"] for y, v in sorted(r["years"].items())]),
    }
    delta = view.get("delta")
    if delta:
        records = view.get("delta_records")
        if records is not None:  # every record, not only the first ones summary.json keeps; keys masked as in every report
            why = records["why"].astype("string").fillna("")
            rows = [(entity_de(e), CHANGE_DE.get(c, c), mask_key(k), w)
                    for e, c, k, w in zip(records["entity"], records["change"], records["legacy_key"], why)]
        else:
            rows = [(entity_de(e), CHANGE_DE[kind], key, (v.get("gone_why") or {}).get(key, "")) for e, v in delta["entities"].items()
                    for kind in ("new", "changed", "gone") for key in v["records"][kind]]
        sheets["Delta"] = (["Tabelle", "Änderung", "Schlüssel", "Grund"], rows)
        sheets["Delta Geld"] = (["Jahr", "Zahlart", "Lauf seit (Cent)", "dieser Lauf (Cent)", "Differenz (Cent)"],
                                [(m["year"], m["payment_type"], m["a"], m["b"], m["delta"]) for m in delta.get("money_change") or []])
    write_tables(path, sheets)
