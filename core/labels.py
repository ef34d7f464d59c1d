"""One place for the German words and number formats of every report (and of the German console).

Reports are read by data stewards and the office management: entity names,
payment kinds, outcomes and statuses appear in German, and numbers in German
form (``97.144``, ``0,26 %``, ``42.204.812,06 €``), formatted by Babel's
``de_DE`` locale so that every report writes a number the same way.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal, format_percent

LOCALE = "de_DE"

#: target tables (and the lists' rows) as a steward names them
ENTITY_DE: dict[str, str] = {
    "person": "Person", "address": "Anschrift", "provider": "Träger", "case_file": "Akte", "participant": "Beteiligung",
    "service": "Leistung", "uvg_claim": "UVG-Anspruch", "payment": "Zahlung", "jgh_proceeding": "Jugendstrafverfahren",
    "legacy_code": "Schlüssel des Altsystems", "list_row": "Listenzeile", "code_list": "Codeliste",
}
#: payment kinds (payment.payment_type)
KIND_DE: dict[str, str] = {"uvg": "Unterhaltsvorschuss", "hze": "Hilfe zur Erziehung", "kita_fee": "Kita-Beitrag",
                           "recovery": "Rückgriff", "reversal": "Storno"}
#: what became of a source record
OUTCOME_DE: dict[str, str] = {"loaded": "geladen", "quarantined": "Quarantäne", "merged": "zusammengeführt", "skipped": "übersprungen",
                              "not_loaded": "nicht geladen", "unaccounted": "ohne Verbleib"}
#: a record between two runs
CHANGE_DE: dict[str, str] = {"new": "neu", "changed": "geändert", "gone": "entfallen", "unchanged": "unverändert"}
MEASURE_DE: dict[str, str] = {"begun": "begonnen", "ended": "beendet", "running": "laufend am 31.12."}
SEVERITY_DE: dict[str, str] = {"error": "Fehler", "warning": "Warnung", "info": "Hinweis"}
STATUS_DE: dict[str, str] = {
    "ok": "geladen und abgestimmt", "dry_run": "Probelauf (zurückgerollt)", "failed": "Abgleich fehlgeschlagen",
    "incomplete": "geladen, aber unvollständig (Geld aus dem Manifest fehlt)",
    "gate_missed": "geladen, Freigabeprüfung nicht bestanden", "refused": "abgelehnt (nichts gelesen oder geladen)",
}
#: the reconciliation checks of summary.json, as stewards read them (lists checks name their file: by prefix)
CHECK_DE: dict[str, str] = {
    "read = loaded + merged + quarantined + skipped (every file and entity)":
        "gelesen = geladen + zusammengeführt + Quarantäne + übersprungen (jede Datei und Tabelle)",
    "rows in the target = rows loaded (every entity, counted by SQL)": "Sätze im Ziel = geladene Sätze (jede Tabelle, per SQL gezählt)",
    "payments: read = loaded + quarantined + merged + skipped (cents)":
        "Zahlungen: gelesen = geladen + Quarantäne + zusammengeführt + übersprungen (auf den Cent)",
    "payments: sum in the target = sum loaded (cents, by SQL)": "Zahlungen: Summe im Ziel = geladene Summe (auf den Cent, per SQL)",
    "lists: every file in the lists folders read by a mapping or excluded":
        "Listen: jede Datei der Listenordner von einer Zuordnung gelesen oder ausgeschlossen",
}


#: control totals (summary.json control_totals: what, source)
CONTROL_DE: dict[str, str] = {"records": "Anzahl Sätze", "sum_cents": "Summe der Beträge (Cent)", "trailer_records": "Anzahl Sätze laut Schlusssatz",
                              "trailer_sum_cents": "Summe laut Schlusssatz (Cent)", "file": "Datei vorhanden",
                              "manifest": "Manifest", "trailer": "Schlusssatz"}


def entity_de(name: Any) -> str:
    """``list_row`` -> "Listenzeile"; an unknown name stays as it is."""
    return ENTITY_DE.get(str(name), str(name)) if name is not None else ""


def check_de(text: str) -> str:
    if text in CHECK_DE:
        return CHECK_DE[text]
    if text.startswith("lists: ") and " read by no list mapping - " in text:
        files, why = text[len("lists: "):].split(" read by no list mapping - ", 1)
        return f"Listen: {files} von keiner Listenzuordnung gelesen – {why}"
    if text.startswith("payments: every record's amount read"):
        return "Zahlungen: Betrag jedes Satzes gelesen" + text[len("payments: every record's amount read"):].replace(
            "unreadable, in the quarantine; override accepted", "nicht lesbar, in Quarantäne; Übersteuerung angenommen")
    return text


def missing(value: Any) -> bool:
    """None, "", NaN or pandas' NA: no figure (an export without payments has no sums)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(value != value) or str(value) == "<NA>"  # NaN is not equal to itself
    except (TypeError, ValueError):
        return str(value) == "<NA>"


def number(value: Any) -> str:
    """97144 -> "97.144"; None, "", NaN -> "-"."""
    if missing(value):
        return "-"
    return format_decimal(int(value), locale=LOCALE)


def decimal(value: Any, digits: int = 2) -> str:
    """1234.5 -> "1.234,50"."""
    if missing(value):
        return "-"
    return format_decimal(value, "#,##0." + "0" * digits if digits else "#,##0", locale=LOCALE)


def euro(cents: Any) -> str:
    """Cents as euros: 4220481206 -> "42.204.812,06 €"; no sum (None, NaN) -> "-"."""
    if missing(cents):
        return "-"
    return decimal(int(cents) / 100, 2) + " €"


def percent(share: Any, digits: int = 1) -> str:
    """A share as percent: 0.0026 -> "0,3 %" (digits=1), "0,26 %" (digits=2); None -> "-"."""
    if missing(share):
        return "-"
    pattern = "#,##0." + "0" * digits + " %" if digits else "#,##0 %"
    return format_percent(float(share), pattern, locale=LOCALE)


def counted(n: Any, singular: str, plural: str) -> str:
    """``counted(1, "Satz", "Sätze")`` -> "1 Satz", ``counted(2, ...)`` -> "2 Sätze"."""
    return f"{number(n)} {singular if int(n or 0) == 1 else plural}"


def plural(n: Any, singular: str, plural_form: str) -> str:
    """The word alone, in the number ``n`` asks for (templates: ``{{ n|num }} {{ n|plural("Satz", "Sätze") }}``)."""
    return singular if int(n or 0) == 1 else plural_form
