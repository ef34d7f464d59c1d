"""The migration's own tables in the target: runs, source files, key map, quarantine, findings, undo images.

They share :class:`jhmig.schema.Base` with the case tables (one metadata, one
Alembic history); :mod:`jhmig.schema` re-exports them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped

from jhmig.schema import Base, col

class MigRun(Base):
    __tablename__ = "mig_run"
    __table_args__ = {"info": {"de": "Migrationsläufe (Probe- und Echtläufe)", "en": "migration runs (dry and real)"}}

    run_id: Mapped[int] = col("Lauf-ID", "run id", Integer, primary_key=True, autoincrement=False)
    run_uid: Mapped[str] = col("Lauf-Kennung (Zeitstempel + Zufall)", "run uid (timestamp + random)", String(40), unique=True)
    started_at: Mapped[dt.datetime] = col("Beginn", "started at", DateTime)
    finished_at: Mapped[dt.datetime | None] = col("Ende", "finished at", DateTime)
    status: Mapped[str] = col("Ergebnis", "status", String(20))
    sources: Mapped[str | None] = col("Quellen (JSON)", "sources (JSON)", Text)
    options: Mapped[str | None] = col("Optionen des Laufs (JSON), u. a. Übersteuerungen", "run options (JSON), including overrides", Text)
    summary: Mapped[str | None] = col("Abstimmungsergebnis (summary.json)", "reconciliation result (summary.json)", Text)
    jhmig_version: Mapped[str | None] = col("jhmig-Version", "jhmig version", String(20))


class MigSourceFile(Base):
    __tablename__ = "mig_source_file"
    __table_args__ = (
        UniqueConstraint("source_system", "path", "sheet"),
        {"info": {"de": "Quelldateien und Tabellenblätter", "en": "source files and sheets"}},
    )

    source_file_id: Mapped[int] = col("Quelldatei-ID", "source file id", Integer, primary_key=True, autoincrement=False)
    source_system: Mapped[str] = col("Quellsystem", "source system", String(40))
    path: Mapped[str] = col("Dateiname relativ zur Quelle", "file name relative to the source", String(400))
    sheet: Mapped[str] = col("Tabellenblatt ('' bei Textdateien)", "sheet ('' for text files)", String(200), default="")


class MigKeyMap(Base):
    __tablename__ = "mig_key_map"
    __table_args__ = (
        Index("ix_mig_key_map_entity_new", "entity", "new_id"),
        {"info": {"de": "Zuordnung Altschlüssel -> neuer Schlüssel", "en": "legacy key -> new key map"}},
    )

    source_system: Mapped[str] = col("Quellsystem", "source system", String(40), primary_key=True)
    entity: Mapped[str] = col("Entität (Tabelle)", "entity (table)", String(40), primary_key=True)
    legacy_key: Mapped[str] = col("Schlüssel im Altsystem", "legacy key", String(200), primary_key=True)
    new_id: Mapped[int] = col("neuer Schlüssel", "new key", Integer)
    first_run_id: Mapped[int] = col("Lauf, der den Schlüssel vergeben hat", "run that allocated the key", Integer)


class MigQuarantine(Base):
    __tablename__ = "mig_quarantine"
    __table_args__ = {"info": {"de": "Quarantäne: nicht geladene Sätze mit Grund", "en": "quarantine: records not loaded, with reason"}}

    quarantine_id: Mapped[int] = col("ID", "id", Integer, primary_key=True, autoincrement=False)
    run_id: Mapped[int] = col("Lauf", "run", ForeignKey("mig_run.run_id"), index=True)
    source_system: Mapped[str] = col("Quellsystem", "source system", String(40))
    entity: Mapped[str] = col("Entität", "entity", String(40))
    legacy_key: Mapped[str | None] = col("Schlüssel im Altsystem", "legacy key", String(200))
    src_file_id: Mapped[int | None] = col("Quelldatei", "source file", ForeignKey("mig_source_file.source_file_id"))
    src_line: Mapped[int | None] = col("Zeile", "line", Integer)
    rule_ids: Mapped[str] = col("Regel-IDs (kommagetrennt)", "rule ids (comma separated)", String(400))
    messages: Mapped[str] = col("Meldungen", "messages", Text)
    raw: Mapped[str | None] = col("Rohwerte des Satzes (JSON)", "raw values of the record (JSON)", Text)


class MigFinding(Base):
    __tablename__ = "mig_finding"
    __table_args__ = {"info": {"de": "Befunde je Lauf (Fehler und Warnungen)", "en": "findings per run (errors and warnings)"}}

    finding_id: Mapped[int] = col("ID", "id", Integer, primary_key=True, autoincrement=False)
    run_id: Mapped[int] = col("Lauf", "run", ForeignKey("mig_run.run_id"), index=True)
    rule_id: Mapped[str] = col("Regel-ID", "rule id", String(60), index=True)
    severity: Mapped[str] = col("Schwere: error, warning, info", "severity: error, warning, info", String(10))
    source_system: Mapped[str | None] = col("Quellsystem", "source system", String(40))
    entity: Mapped[str | None] = col("Entität", "entity", String(40))
    legacy_key: Mapped[str | None] = col("Schlüssel im Altsystem", "legacy key", String(200))
    src_file_id: Mapped[int | None] = col("Quelldatei", "source file", ForeignKey("mig_source_file.source_file_id"))
    src_line: Mapped[int | None] = col("Zeile", "line", Integer)
    field: Mapped[str | None] = col("Feld", "field", String(60))
    message: Mapped[str] = col("Meldung (deutsch)", "message (German)", Text)


class MigUndo(Base):
    """Before-images of the rows a committed load changed or deleted, so that ``jhmig rollback`` can restore them."""

    __tablename__ = "mig_undo"
    __table_args__ = (
        Index("ix_mig_undo_run_entity", "run_id", "entity"),
        {"info": {"de": "Vorher-Stand geänderter und gelöschter Sätze je Lauf (für die Rücknahme eines Laufs)",
                  "en": "before-images of rows a run changed or deleted (to roll the run back)"}},
    )

    undo_id: Mapped[int] = col("ID", "id", Integer, primary_key=True, autoincrement=False)
    run_id: Mapped[int] = col("Lauf, der die Zeile geändert oder gelöscht hat", "run that changed or deleted the row", Integer)
    entity: Mapped[str] = col("Tabelle", "table", String(40))
    op: Mapped[str] = col("Vorgang: update oder delete", "operation: update or delete", String(10))
    row_id: Mapped[int] = col("ID der Zeile", "id of the row", Integer)
    before: Mapped[str] = col("Zeile vor dem Lauf (JSON)", "the row before the run (JSON)", Text)


