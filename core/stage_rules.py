"""Rule ids emitted outside the validation stage's registry: extract, transform, integrity, pipeline.

Documented here (title and fix for the stewards), implemented where the stage
emits them; ``tests/test_rules.py`` keeps this list and the emitting source
code in step. The validation stage adds its domain rules and column
expectations to these when it builds the run's :class:`~jhmig.catalog.RuleCatalog`.
"""

from __future__ import annotations

from jhmig.catalog import RuleEntry
from jhmig.records import Severity


def _rule(rule_id: str, severity: Severity, entity: str, stage: str, title: str, fix: str, field: str = "") -> RuleEntry:
    return RuleEntry(rule_id=rule_id, severity=str(severity), entity=entity, stage=stage, title=title, fix=fix, field=field)


STAGE_RULES: tuple[RuleEntry, ...] = (
    _rule("manifest.mismatch", Severity.WARNING, "*", "pipeline", "Kontrollsummen der Exportdatei stimmen nicht (Lauf übersteuert)",
          "vollständigen Export beim Betreiber des Altsystems anfordern"),
    _rule("extract.malformed_record", Severity.ERROR, "*", "extract", "Satz nicht lesbar (Feldanzahl, Satzlänge)",
          "Satz in der Exportdatei prüfen; meist ein Zeilenumbruch oder Trennzeichen im Freitext"),
    _rule("extract.records_after_trailer", Severity.WARNING, "payment", "extract", "Datensätze hinter dem Schlusssatz",
          "Export beim Betreiber prüfen lassen"),
    _rule("extract.extra_columns", Severity.INFO, "*", "extract", "Spalten ohne Zuordnung im Layout werden nicht übernommen",
          "Migrationsteam: Layout ergänzen, wenn die Spalte gebraucht wird"),
    _rule("encoding.undecodable", Severity.ERROR, "*", "extract", "Zeichen, die in der Kodierung der Datei nicht definiert sind",
          "Kodierung der Datei im Layout prüfen, sonst den Text im Altsystem berichtigen"),
    _rule("extract.lock_file", Severity.INFO, "*", "extract", "Sperrdatei eines geöffneten Dokuments übergangen",
          "keine Aktion nötig; Liste vor dem Lauf schließen"),
    _rule("extract.reader_note", Severity.INFO, "*", "extract", "Hinweis des Lesemoduls zur Datei", "nur zur Kenntnis"),
    _rule("extract.sheet_unreadable", Severity.WARNING, "*", "extract", "Tabellenblatt nicht lesbar",
          "Datei in Excel öffnen und neu speichern, oder das Blatt in der Zuordnung ausschließen"),
    _rule("extract.no_header", Severity.WARNING, "*", "extract", "keine Kopfzeile gefunden",
          "Kopfzeile im Blatt ergänzen oder Spaltennamen in der Listenzuordnung nachtragen"),
    _rule("extract.rows_above_header", Severity.INFO, "*", "extract", "Zeilen über der Kopfzeile als Titel übergangen",
          "nur zur Kenntnis; stehen dort Daten, die Kopfzeile in der Zuordnung angeben"),
    _rule("extract.column_ambiguous", Severity.WARNING, "*", "extract", "mehrere Spalten passen zu einem Feld",
          "überzählige Spalte umbenennen oder die Zuordnung eindeutig machen"),
    _rule("extract.column_guessed", Severity.WARNING, "*", "extract",
          "Spalte nach ähnlichem Namen zugeordnet (kein Name der Listenzuordnung)",
          "Zuordnung prüfen: stimmt sie, den Spaltennamen unter names in der Listenzuordnung eintragen; sonst die Spalte umbenennen"),
    _rule("extract.required_column_missing", Severity.WARNING, "*", "extract", "Pflichtspalte fehlt im Blatt",
          "Spalte in der Liste ergänzen oder ihren Namen in der Listenzuordnung nachtragen"),
    _rule("extract.unmapped_columns", Severity.INFO, "*", "extract", "Spalten ohne Zuordnung werden nicht übernommen",
          "Migrationsteam: Listenzuordnung ergänzen, wenn die Spalte gebraucht wird"),
    _rule("extract.formatting_unavailable", Severity.INFO, "*", "extract", "graue/durchgestrichene Zeilen nicht erkennbar",
          "abgeschlossene Fälle in der Liste anders kennzeichnen (z. B. Spalte 'erledigt')"),
    _rule("correction.stale", Severity.WARNING, "*", "transform", "Korrektur passt nicht mehr zur Quelle",
          "Korrektur prüfen: neu entscheiden oder die Zeile aus der Korrekturdatei löschen"),
    _rule("correction.invalid", Severity.WARNING, "*", "transform", "Korrektur unvollständig oder ungültig",
          "Entscheidung, korrigierten Wert, Datei und Zeile in der Korrekturdatei prüfen"),
    _rule("correction.accept_not_allowed", Severity.WARNING, "*", "transform", "Fehler kann nicht akzeptiert werden",
          "korrigieren oder 'nicht migrieren' wählen"),
    _rule("correction.file_unreadable", Severity.WARNING, "*", "transform", "Korrekturdatei nicht lesbar",
          "Datei als .xlsx oder .csv speichern und erneut ablegen"),
    _rule("value.invalid_date", Severity.ERROR, "*", "transform", "kein gültiges Datum (z. B. 31.02.2019)",
          "Datum im Altsystem korrigieren"),
    _rule("value.open_end_as_start", Severity.WARNING, "*", "transform", "Platzhalter für 'offen' (31.12.9999) in einem Anfangsdatum",
          "tatsächliches Anfangsdatum nachtragen"),
    _rule("value.invalid_amount", Severity.ERROR, "*", "transform", "kein gültiger Betrag (z. B. 'ca. 80')",
          "Betrag im Altsystem als Zahl erfassen"),
    _rule("value.approximate_amount", Severity.WARNING, "*", "transform", "Betrag nur ungefähr angegeben (z. B. 'ca. 80')",
          "genauen Betrag aus der Kostenzusage nachtragen"),
    _rule("value.date_month_only", Severity.INFO, "*", "transform", "nur Monat und Jahr angegeben: der Monatserste wird angenommen",
          "genaues Datum nachtragen, wenn es bekannt ist"),
    _rule("value.invalid_number", Severity.ERROR, "*", "transform", "keine ganze Zahl", "Wert im Altsystem korrigieren"),
    _rule("value.invalid_flag", Severity.ERROR, "*", "transform", "weder ja noch nein", "J oder N erfassen"),
    _rule("code.unknown", Severity.ERROR, "*", "transform", "Schlüssel fehlt in der Schlüsseltabelle des Altsystems (bzw. in der Zuordnung)",
          "Schlüssel im Altsystem korrigieren; sonst Migrationsteam: Schlüsseltabelle oder Zuordnung in mappings/ ergänzen"),
    _rule("code.retired", Severity.WARNING, "*", "transform", "stillgelegter Schlüssel, unter seinem Nachfolger übernommen",
          "keine Aktion nötig; Umsetzung stichprobenartig prüfen"),
    _rule("code.retired_kept", Severity.WARNING, "*", "transform", "stillgelegter Schlüssel ohne Nachfolger, als historischer Schlüssel mit Text übernommen",
          "Migrationsteam: Nachfolger in der Zuordnung nennen, wenn es einen gibt; sonst akzeptieren"),
    _rule("code.unmapped", Severity.WARNING, "*", "transform", "Schlüssel der Schlüsseldatei ohne Zuordnung, als historischer Schlüssel mit Text übernommen",
          "Migrationsteam: Zuordnung in mappings/ ergänzen"),
    _rule("code.used_after_retirement", Severity.WARNING, "*", "transform", "stillgelegter Schlüssel nach seiner Stilllegung verwendet",
          "Schlüssel im Altsystem prüfen: der Satz hätte den Nachfolger tragen müssen"),
    _rule("code.not_in_code_table", Severity.WARNING, "*", "transform", "Schlüssel fehlt in der Schlüsseldatei, ist aber zugeordnet",
          "Schlüsseldatei des Altsystems prüfen"),
    _rule("key.duplicate", Severity.ERROR, "*", "transform", "Schlüssel doppelt vergeben, mit anderem Inhalt",
          "doppelten Satz im Altsystem auflösen (umnummerieren oder zusammenführen)", "legacy_key"),
    _rule("key.exact_duplicate", Severity.INFO, "*", "transform", "exakt gleiche Zeile doppelt geliefert, zusammengeführt",
          "keine Aktion nötig; bei Zahlungen prüfen, ob die Zahlung im Altsystem doppelt gebucht ist", "legacy_key"),
    _rule("extract.merged_cells_filled", Severity.INFO, "*", "extract", "verbundene Zellen in der Tabelle: Wert gilt für jede Zeile",
          "nur zur Kenntnis; Zuordnung stichprobenartig prüfen"),
    _rule("list.no_name", Severity.ERROR, "person", "transform", "Listenzeile ohne Namen",
          "Namen in der Liste nachtragen (oder die Zeile als Hinweis kennzeichnen)"),
    _rule("person.no_birth_date", Severity.WARNING, "person", "transform", "Geburtsdatum fehlt in der Liste",
          "Geburtsdatum nachtragen: ohne es ist die Person nur über den Namen erkennbar"),
    _rule("synonym.unmapped", Severity.ERROR, "*", "transform", "Freitext, den keine Synonymtabelle abdeckt",
          "Migrationsteam: Wert in mappings/lists/synonyms/*.csv ergänzen"),
    _rule("synonym.fuzzy", Severity.WARNING, "*", "transform", "Schreibweise ähnlich einem bekannten Begriff gelesen",
          "Lesung prüfen; bei Fehlgriff die Schreibweise in die Synonymtabelle aufnehmen"),
    _rule("match.unmatched", Severity.INFO, "person", "transform", "Person aus einer Liste, noch nicht mit anderen Quellen abgeglichen",
          "nur zur Kenntnis: der Abgleich über die Quellen folgt"),
    _rule("ref.missing", Severity.ERROR, "*", "integrity", "verweist auf einen Satz, den es in der Quelle nicht gibt",
          "fehlenden Satz im Altsystem anlegen oder den Verweis korrigieren"),
    _rule("ref.depends_on_quarantined", Severity.ERROR, "*", "integrity", "hängt von einem Satz ab, der in Quarantäne ist",
          "den übergeordneten Satz berichtigen; dieser Satz folgt ihm im nächsten Lauf"),
)
