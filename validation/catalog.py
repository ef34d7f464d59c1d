"""The catalog of every rule id a run can report, and ``docs/rules.md`` generated from it.

Three sources: the domain rules (:data:`jhmig.validation.rules.RULES`), the
column expectations (``expectations.yaml``) and the ids other stages emit
(:data:`OTHER_STAGES`, kept in sync with their source code by a test). Reports
can join findings with :func:`rule_catalog` on ``rule_id`` and ``entity`` to
show stewards the fix.

Regenerate the document with ``python -m jhmig.validation.catalog > docs/rules.md``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pandas as pd

from jhmig.records import Severity
from jhmig.validation.expectations import ExpectationSpec, load_expectations
from jhmig.validation.model import Rule
from jhmig.validation.rules import RULES

CATALOG_COLUMNS = ("rule_id", "severity", "entity", "field", "stage", "title", "fix")
STAGE_DE = {"extract": "Einlesen", "transform": "Umsetzung", "validation": "Prüfregel", "expectation": "Spaltenerwartung (GX)",
            "integrity": "Verweisprüfung", "pipeline": "Lauf"}


@dataclass(frozen=True)
class StageRule:
    """A rule id emitted outside the validation registry (documented here, implemented there)."""

    rule_id: str
    severity: Severity
    entity: str  # "*" = any entity
    stage: str
    title: str
    fix: str
    field: str = ""


OTHER_STAGES: tuple[StageRule, ...] = (
    StageRule("manifest.mismatch", Severity.WARNING, "*", "pipeline", "Kontrollsummen der Exportdatei stimmen nicht (Lauf übersteuert)",
              "vollständigen Export beim Betreiber des Altsystems anfordern"),
    StageRule("extract.malformed_record", Severity.ERROR, "*", "extract", "Satz nicht lesbar (Feldanzahl, Satzlänge)",
              "Satz in der Exportdatei prüfen; meist ein Zeilenumbruch oder Trennzeichen im Freitext"),
    StageRule("extract.records_after_trailer", Severity.WARNING, "payment", "extract", "Datensätze hinter dem Schlusssatz",
              "Export beim Betreiber prüfen lassen"),
    StageRule("extract.extra_columns", Severity.INFO, "*", "extract", "Spalten ohne Zuordnung im Layout werden nicht übernommen",
              "Migrationsteam: Layout ergänzen, wenn die Spalte gebraucht wird"),
    StageRule("encoding.undecodable", Severity.ERROR, "*", "extract", "Zeichen, die in der Kodierung der Datei nicht definiert sind",
              "Kodierung der Datei im Layout prüfen, sonst den Text im Altsystem berichtigen"),
    StageRule("extract.lock_file", Severity.INFO, "*", "extract", "Sperrdatei eines geöffneten Dokuments übergangen",
              "keine Aktion nötig; Liste vor dem Lauf schließen"),
    StageRule("extract.reader_note", Severity.INFO, "*", "extract", "Hinweis des Lesemoduls zur Datei", "nur zur Kenntnis"),
    StageRule("extract.sheet_unreadable", Severity.WARNING, "*", "extract", "Tabellenblatt nicht lesbar",
              "Datei in Excel öffnen und neu speichern, oder das Blatt in der Zuordnung ausschließen"),
    StageRule("extract.no_header", Severity.WARNING, "*", "extract", "keine Kopfzeile gefunden",
              "Kopfzeile im Blatt ergänzen oder Spaltennamen in der Listenzuordnung nachtragen"),
    StageRule("extract.rows_above_header", Severity.INFO, "*", "extract", "Zeilen über der Kopfzeile als Titel übergangen",
              "nur zur Kenntnis; stehen dort Daten, die Kopfzeile in der Zuordnung angeben"),
    StageRule("extract.column_ambiguous", Severity.WARNING, "*", "extract", "mehrere Spalten passen zu einem Feld",
              "überzählige Spalte umbenennen oder die Zuordnung eindeutig machen"),
    StageRule("extract.column_guessed", Severity.WARNING, "*", "extract",
              "Spalte nach ähnlichem Namen zugeordnet (kein Name der Listenzuordnung)",
              "Zuordnung prüfen: stimmt sie, den Spaltennamen unter names in der Listenzuordnung eintragen; sonst die Spalte umbenennen"),
    StageRule("extract.required_column_missing", Severity.WARNING, "*", "extract", "Pflichtspalte fehlt im Blatt",
              "Spalte in der Liste ergänzen oder ihren Namen in der Listenzuordnung nachtragen"),
    StageRule("extract.unmapped_columns", Severity.INFO, "*", "extract", "Spalten ohne Zuordnung werden nicht übernommen",
              "Migrationsteam: Listenzuordnung ergänzen, wenn die Spalte gebraucht wird"),
    StageRule("extract.formatting_unavailable", Severity.INFO, "*", "extract", "graue/durchgestrichene Zeilen nicht erkennbar",
              "abgeschlossene Fälle in der Liste anders kennzeichnen (z. B. Spalte 'erledigt')"),
    StageRule("correction.stale", Severity.WARNING, "*", "transform", "Korrektur passt nicht mehr zur Quelle",
              "Korrektur prüfen: neu entscheiden oder die Zeile aus der Korrekturdatei löschen"),
    StageRule("correction.invalid", Severity.WARNING, "*", "transform", "Korrektur unvollständig oder ungültig",
              "Entscheidung, korrigierten Wert, Datei und Zeile in der Korrekturdatei prüfen"),
    StageRule("correction.accept_not_allowed", Severity.WARNING, "*", "transform", "Fehler kann nicht akzeptiert werden",
              "korrigieren oder 'nicht migrieren' wählen"),
    StageRule("correction.file_unreadable", Severity.WARNING, "*", "transform", "Korrekturdatei nicht lesbar",
              "Datei als .xlsx oder .csv speichern und erneut ablegen"),
    StageRule("value.invalid_date", Severity.ERROR, "*", "transform", "kein gültiges Datum (z. B. 31.02.2019)",
              "Datum im Altsystem korrigieren"),
    StageRule("value.open_end_as_start", Severity.WARNING, "*", "transform", "Platzhalter für 'offen' (31.12.9999) in einem Anfangsdatum",
              "tatsächliches Anfangsdatum nachtragen"),
    StageRule("value.invalid_amount", Severity.ERROR, "*", "transform", "kein gültiger Betrag (z. B. 'ca. 80')",
              "Betrag im Altsystem als Zahl erfassen"),
    StageRule("value.approximate_amount", Severity.WARNING, "*", "transform", "Betrag nur ungefähr angegeben (z. B. 'ca. 80')",
              "genauen Betrag aus der Kostenzusage nachtragen"),
    StageRule("value.date_month_only", Severity.INFO, "*", "transform", "nur Monat und Jahr angegeben: der Monatserste wird angenommen",
              "genaues Datum nachtragen, wenn es bekannt ist"),
    StageRule("value.invalid_number", Severity.ERROR, "*", "transform", "keine ganze Zahl", "Wert im Altsystem korrigieren"),
    StageRule("value.invalid_flag", Severity.ERROR, "*", "transform", "weder ja noch nein", "J oder N erfassen"),
    StageRule("code.unknown", Severity.ERROR, "*", "transform", "Schlüssel fehlt in der Schlüsseltabelle des Altsystems (bzw. in der Zuordnung)",
              "Schlüssel im Altsystem korrigieren; sonst Migrationsteam: Schlüsseltabelle oder Zuordnung in mappings/ ergänzen"),
    StageRule("code.retired", Severity.WARNING, "*", "transform", "stillgelegter Schlüssel, unter seinem Nachfolger übernommen",
              "keine Aktion nötig; Umsetzung stichprobenartig prüfen"),
    StageRule("code.retired_kept", Severity.WARNING, "*", "transform", "stillgelegter Schlüssel ohne Nachfolger, als historischer Schlüssel mit Text übernommen",
              "Migrationsteam: Nachfolger in der Zuordnung nennen, wenn es einen gibt; sonst akzeptieren"),
    StageRule("code.unmapped", Severity.WARNING, "*", "transform", "Schlüssel der Schlüsseldatei ohne Zuordnung, als historischer Schlüssel mit Text übernommen",
              "Migrationsteam: Zuordnung in mappings/ ergänzen"),
    StageRule("code.used_after_retirement", Severity.WARNING, "*", "transform", "stillgelegter Schlüssel nach seiner Stilllegung verwendet",
              "Schlüssel im Altsystem prüfen: der Satz hätte den Nachfolger tragen müssen"),
    StageRule("code.not_in_code_table", Severity.WARNING, "*", "transform", "Schlüssel fehlt in der Schlüsseldatei, ist aber zugeordnet",
              "Schlüsseldatei des Altsystems prüfen"),
    StageRule("key.duplicate", Severity.ERROR, "*", "transform", "Schlüssel doppelt vergeben, mit anderem Inhalt",
              "doppelten Satz im Altsystem auflösen (umnummerieren oder zusammenführen)", "legacy_key"),
    StageRule("key.exact_duplicate", Severity.INFO, "*", "transform", "exakt gleiche Zeile doppelt geliefert, zusammengeführt",
              "keine Aktion nötig; bei Zahlungen prüfen, ob die Zahlung im Altsystem doppelt gebucht ist", "legacy_key"),
    StageRule("extract.merged_cells_filled", Severity.INFO, "*", "extract", "verbundene Zellen in der Tabelle: Wert gilt für jede Zeile",
              "nur zur Kenntnis; Zuordnung stichprobenartig prüfen"),
    StageRule("list.no_name", Severity.ERROR, "person", "transform", "Listenzeile ohne Namen",
              "Namen in der Liste nachtragen (oder die Zeile als Hinweis kennzeichnen)"),
    StageRule("person.no_birth_date", Severity.WARNING, "person", "transform", "Geburtsdatum fehlt in der Liste",
              "Geburtsdatum nachtragen: ohne es ist die Person nur über den Namen erkennbar"),
    StageRule("synonym.unmapped", Severity.ERROR, "*", "transform", "Freitext, den keine Synonymtabelle abdeckt",
              "Migrationsteam: Wert in mappings/lists/synonyms/*.csv ergänzen"),
    StageRule("synonym.fuzzy", Severity.WARNING, "*", "transform", "Schreibweise ähnlich einem bekannten Begriff gelesen",
              "Lesung prüfen; bei Fehlgriff die Schreibweise in die Synonymtabelle aufnehmen"),
    StageRule("match.unmatched", Severity.INFO, "person", "transform", "Person aus einer Liste, noch nicht mit anderen Quellen abgeglichen",
              "nur zur Kenntnis: der Abgleich über die Quellen folgt"),
    StageRule("ref.missing", Severity.ERROR, "*", "integrity", "verweist auf einen Satz, den es in der Quelle nicht gibt",
              "fehlenden Satz im Altsystem anlegen oder den Verweis korrigieren"),
    StageRule("ref.depends_on_quarantined", Severity.ERROR, "*", "integrity", "hängt von einem Satz ab, der in Quarantäne ist",
              "den übergeordneten Satz berichtigen; dieser Satz folgt ihm im nächsten Lauf"),
)


@dataclass(frozen=True)
class CatalogEntry:
    """One row of the catalog (rule id and entity), for reports that read texts by attribute."""

    rule_id: str
    severity: str
    entity: str
    field: str
    stage: str
    title: str
    fix: str


def catalog_entries() -> tuple[CatalogEntry, ...]:
    return tuple(CatalogEntry(**row) for row in rule_catalog().to_dict("records"))


def __getattr__(name: str) -> object:
    # ``CATALOG`` is built on first use (it reads expectations.yaml), not at import.
    if name == "CATALOG":
        return catalog_entries()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _domain_rows(rules: tuple[Rule, ...]) -> list[dict[str, str]]:
    return [{"rule_id": r.rule_id, "severity": str(r.severity), "entity": r.entity, "field": r.field or "",
             "stage": "validation", "title": r.title, "fix": r.fix} for r in rules]


def _expectation_rows(specs: tuple[ExpectationSpec, ...]) -> list[dict[str, str]]:
    return [{"rule_id": s.rule_id, "severity": str(s.severity), "entity": s.table, "field": s.column,
             "stage": "expectation", "title": s.message, "fix": s.fix} for s in specs]


def _stage_rows(rules: tuple[StageRule, ...]) -> list[dict[str, str]]:
    return [{"rule_id": r.rule_id, "severity": str(r.severity), "entity": r.entity, "field": r.field,
             "stage": r.stage, "title": r.title, "fix": r.fix} for r in rules]


def rule_catalog(rules: tuple[Rule, ...] = RULES, specs: tuple[ExpectationSpec, ...] | None = None) -> pd.DataFrame:
    """Every rule id with severity, entity, field, stage, German title and fix."""
    specs = load_expectations() if specs is None else specs
    rows = _stage_rows(OTHER_STAGES) + _domain_rows(rules) + _expectation_rows(specs)
    return pd.DataFrame(rows, columns=list(CATALOG_COLUMNS))


def with_fixes(findings: pd.DataFrame, catalog: pd.DataFrame | None = None) -> pd.DataFrame:
    """Findings with the catalog's ``fix`` column (by rule id and entity, else by rule id)."""
    catalog = rule_catalog() if catalog is None else catalog
    exact = catalog.drop_duplicates(["rule_id", "entity"]).set_index(["rule_id", "entity"])["fix"]
    loose = catalog.drop_duplicates("rule_id").set_index("rule_id")["fix"]
    keys = pd.MultiIndex.from_frame(findings[["rule_id", "entity"]].astype(object))
    fix = pd.Series(exact.reindex(keys).to_numpy(), index=findings.index)
    return findings.assign(fix=fix.fillna(findings["rule_id"].map(loose)))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_markdown(catalog: pd.DataFrame | None = None) -> str:
    """docs/rules.md: one table per stage; a rule registered for several fields of an entity is one row."""
    catalog = rule_catalog() if catalog is None else catalog
    lines = [
        "# Rules: what a migration run checks",
        "",
        "Generated from the rule registry by `python -m jhmig.validation.catalog > docs/rules.md`;",
        "`tests/test_rules.py` fails when this file is out of date. Severity: **error** = the record",
        "goes to the quarantine (and records that depend on it follow: `ref.depends_on_quarantined`),",
        "**warning** = loaded and flagged, **info** = noted. Titles and fixes are German because data",
        "stewards read them; `stage` tells which part of jhmig emits the finding.",
        "",
    ]
    order = ["extract", "transform", "validation", "expectation", "integrity", "pipeline"]
    for stage in order:
        part = catalog[catalog["stage"] == stage]
        if not len(part):
            continue
        grouped = (part.groupby(["rule_id", "severity", "entity", "title", "fix"], sort=False)["field"]
                   .agg(lambda f: ", ".join(x for x in dict.fromkeys(f) if x)).reset_index())
        lines += [f"## {STAGE_DE[stage]} (`{stage}`)", "", "| rule id | severity | entity | field | title (de) | fix (de) |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| `{r.rule_id}` | {r.severity} | {r.entity} | {_cell(r.field)} | {_cell(r.title)} | {_cell(r.fix)} |"
                  for r in grouped.itertuples()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(rules_markdown())
