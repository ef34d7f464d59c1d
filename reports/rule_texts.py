"""German title and fix of every rule id, for the steward reports.

Domain rules carry their texts in the validation registry; it is read when it
is importable (duck-typed: any object with ``rule_id``, ``title`` and
optionally ``fix`` and ``entity``). Ids of other stages and of this module's
own round trip have texts here, so a report never shows a bare id when the
registry is missing or changes shape.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RuleText:
    title: str
    fix: str


_FALLBACK: dict[str, RuleText] = {
    "value.invalid_date": RuleText("Kein gültiges Datum", "Datum im Altsystem prüfen oder in der Fehlerliste korrigieren (Format wie in der Quelle, z. B. TT.MM.JJJJ)"),
    "value.open_end_as_start": RuleText("Platzhalter für 'offen' in einem Anfangsdatum", "tatsächliches Anfangsdatum eintragen"),
    "value.invalid_amount": RuleText("Kein gültiger Betrag", "Betrag prüfen und korrigieren (z. B. 1.234,56)"),
    "value.invalid_number": RuleText("Keine ganze Zahl", "Wert prüfen und korrigieren"),
    "value.invalid_flag": RuleText("Weder ja noch nein", "J oder N eintragen"),
    "code.unknown": RuleText("Unbekannter Schlüssel", "Schlüssel im Altsystem korrigieren oder die Zuordnungstabelle ergänzen lassen"),
    "code.retired": RuleText("Stillgelegter Schlüssel (unter seinem Nachfolger übernommen)", "nur zur Kenntnis; bei Bedarf akzeptieren"),
    "code.retired_kept": RuleText("Stillgelegter Schlüssel ohne Nachfolger (als historischer Schlüssel übernommen)", "Nachfolger in der Zuordnung nennen lassen, wenn es einen gibt; sonst akzeptieren"),
    "code.unmapped": RuleText("Schlüssel ohne Zuordnung (als historischer Schlüssel übernommen)", "Zuordnungstabelle ergänzen lassen"),
    "code.used_after_retirement": RuleText("Stillgelegter Schlüssel nach der Stilllegung verwendet", "Schlüssel im Altsystem prüfen"),
    "code.not_in_code_table": RuleText("Schlüssel fehlt in der Schlüsseldatei", "Schlüsseldatei des Altsystems prüfen; sonst akzeptieren"),
    "key.duplicate": RuleText("Schlüssel doppelt vergeben", "Dublette im Altsystem bereinigen oder einen der Sätze 'nicht migrieren'"),
    "ref.missing": RuleText("Verweis auf einen Satz, den es nicht gibt", "fehlenden Satz im Altsystem anlegen oder den Verweis korrigieren"),
    "ref.depends_on_quarantined": RuleText("Hängt von einem Satz in Quarantäne ab", "den Satz beheben, von dem dieser abhängt; dann wird dieser mitgeladen"),
    "extract.malformed_record": RuleText("Satz nicht lesbar (falsche Feldanzahl)", "Satz im Altsystem prüfen und neu exportieren"),
    "extract.records_after_trailer": RuleText("Sätze hinter dem Schlusssatz", "Export wiederholen lassen"),
    "extract.extra_columns": RuleText("Spalten ohne Zuordnung", "nur zur Kenntnis; bei Bedarf das Layout ergänzen"),
    "encoding.undecodable": RuleText("Zeichen in falscher Kodierung", "Kodierung der Datei klären; Text im Altsystem prüfen"),
    "manifest.mismatch": RuleText("Kontrollsumme übersteuert", "Vollständigen Export anfordern"),
    "correction.stale": RuleText("Korrektur passt nicht mehr zur Quelle", "Korrektur prüfen: neu entscheiden oder die Zeile aus der Korrekturdatei löschen"),
    "correction.invalid": RuleText("Korrektur unvollständig oder ungültig", "Entscheidung, korrigierten Wert, Datei und Zeile in der Korrekturdatei prüfen"),
    "correction.accept_not_allowed": RuleText("Fehler kann nicht akzeptiert werden", "korrigieren oder 'nicht migrieren' wählen"),
    "correction.file_unreadable": RuleText("Korrekturdatei nicht lesbar", "Datei als .xlsx oder .csv speichern und erneut ablegen"),
}
_PREFIX_FALLBACK: dict[str, RuleText] = {
    "gx.": RuleText("Spaltenprüfung", "Wert prüfen und korrigieren"),
    "extract.": RuleText("Hinweis beim Lesen der Quelle", "nur zur Kenntnis"),
    "correction.": RuleText("Korrektur", "Korrekturdatei prüfen"),
}
_REGISTRIES = ("jhmig.validation.catalog", "jhmig.validation.rules")


class RuleCatalog:
    """Texts by (rule id, entity), falling back to the rule id alone."""

    def __init__(self, entries: Mapping[tuple[str, str], RuleText]) -> None:
        self._entries = dict(entries)

    def get(self, rule_id: str, entity: str | None = None) -> RuleText:
        found = self._entries.get((rule_id, entity or "")) or self._entries.get((rule_id, ""))
        if found is None:  # any entity's text beats none
            found = next((t for (r, _), t in self._entries.items() if r == rule_id), None)
        if found is None:
            found = next((t for p, t in _PREFIX_FALLBACK.items() if rule_id.startswith(p)), None)
        return found or RuleText(rule_id, "")


def rule_catalog() -> RuleCatalog:
    entries: dict[tuple[str, str], RuleText] = {(rid, ""): text for rid, text in _FALLBACK.items()}
    for name in _REGISTRIES:
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - a registry being rebuilt must not break the reports
            continue
        for obj in _rule_objects(module):
            rule_id, title = getattr(obj, "rule_id", None), getattr(obj, "title", None)
            if not rule_id or not title:
                continue
            text = RuleText(str(title), str(getattr(obj, "fix", "") or ""))
            entries[(str(rule_id), str(getattr(obj, "entity", "") or ""))] = text
            entries.setdefault((str(rule_id), ""), text)
    return RuleCatalog(entries)


def _rule_objects(module: object) -> Iterable[object]:
    for attr in ("RULES", "CATALOG", "RULE_IDS", "ENTRIES"):
        value = getattr(module, attr, None)
        if isinstance(value, Mapping):
            yield from value.values()
        elif isinstance(value, (list, tuple)):
            yield from value
