"""The unified case schema: SQLAlchemy 2.x models of the target database.

This module is the single source of truth for table and column names. The
stages exchange pandas frames whose columns follow these models (see
:mod:`jhmig.entities`), Alembic migrations create them, and the data
dictionary is generated from the ``info`` of every column (German and English
terms).

Conventions
-----------
* Every domain table has a surrogate integer key allocated by jhmig through
  ``mig_key_map`` (legacy key -> new key), so re-runs keep their ids.
* Every domain table carries lineage: ``run_id`` (the run that last inserted
  or changed the row), ``src_file_id`` + ``src_line`` (file/sheet and line or
  row the record came from) and ``row_hash`` (content hash, used to make
  re-runs idempotent).
* Money is stored in integer cents (``*_cents``), never as floats.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def col(de: str, en: str, *args: Any, **kwargs: Any) -> Any:
    """A column documented in German and English for the data dictionary."""
    info = dict(kwargs.pop("info", {}))
    info.update(de=de, en=en)
    return mapped_column(*args, info=info, **kwargs)


class Lineage:
    """Mixin: who loaded the row and where it came from."""

    run_id: Mapped[int] = col(
        "Migrationslauf, der die Zeile zuletzt geschrieben hat",
        "migration run that last wrote the row",
        ForeignKey("mig_run.run_id"),
        index=True,
        info={"lineage": True},
    )
    src_file_id: Mapped[int] = col(
        "Quelldatei (bzw. Tabellenblatt) der Zeile",
        "source file (or sheet) of the row",
        ForeignKey("mig_source_file.source_file_id"),
        info={"lineage": True},
    )
    src_line: Mapped[int] = col(
        "Zeile in der Quelldatei (Textdatei: physische Zeile, Excel: Zeilennummer)",
        "line in the source file (text: physical line, Excel: row number)",
        Integer,
        info={"lineage": True},
    )
    row_hash: Mapped[str] = col(
        "Prüfsumme des Inhalts (erkennt unveränderte Sätze bei Wiederholungsläufen)",
        "content hash (detects unchanged records on re-runs)",
        String(16),
        info={"lineage": True},
    )


# --------------------------------------------------------------------------
# domain tables
# --------------------------------------------------------------------------


class Person(Lineage, Base):
    __tablename__ = "person"
    __table_args__ = {"info": {"de": "Person (Kind, Elternteil, Pflegeperson, Unterhaltspflichtige ...)", "en": "person (child, parent, foster parent, liable parent ...)"}}

    person_id: Mapped[int] = col("Personen-ID (neu)", "person id (new)", Integer, primary_key=True, autoincrement=False)
    family_name: Mapped[str | None] = col("Familienname, wie erfasst (mit Namenszusätzen wie 'von')", "family name as written (with particles such as 'von')", String(200))
    given_names: Mapped[str | None] = col("Vornamen", "given names", String(200))
    birth_name: Mapped[str | None] = col("Geburtsname", "birth name", String(200))
    birth_date: Mapped[dt.date | None] = col("Geburtsdatum", "birth date", Date)
    sex: Mapped[str | None] = col("Geschlecht (Codeliste sex)", "sex (code list sex)", String(1))
    nationality: Mapped[str | None] = col("Staatsangehörigkeit (Schlüssel, 000 = deutsch)", "nationality (code, 000 = German)", String(3))
    death_date: Mapped[dt.date | None] = col("Sterbedatum", "date of death", Date)
    match_key: Mapped[str | None] = col("Vergleichsschlüssel Name (DIN 5007-2, ohne Namenszusätze)", "name match key (DIN 5007-2, particles removed)", String(200), index=True)
    phonetic_key: Mapped[str | None] = col("Kölner Phonetik des Familiennamens", "Cologne phonetics of the family name", String(64))
    created_on: Mapped[dt.date | None] = col("im Altsystem angelegt am", "created in the legacy system on", Date)
    changed_on: Mapped[dt.date | None] = col("im Altsystem geändert am", "last changed in the legacy system on", Date)


class Address(Lineage, Base):
    __tablename__ = "address"
    __table_args__ = {"info": {"de": "Anschrift einer Person", "en": "address of a person"}}

    address_id: Mapped[int] = col("Anschrift-ID (neu)", "address id (new)", Integer, primary_key=True, autoincrement=False)
    person_id: Mapped[int] = col("Person", "person", ForeignKey("person.person_id"), index=True)
    street: Mapped[str | None] = col("Straße", "street", String(200))
    house_number: Mapped[str | None] = col("Hausnummer (Text: '12a', '12-14')", "house number (text: '12a', '12-14')", String(20))
    postcode: Mapped[str | None] = col("Postleitzahl (Text, fünfstellig)", "postcode (text, five digits)", String(10))
    city: Mapped[str | None] = col("Ort", "city", String(200))
    social_district: Mapped[str | None] = col("Sozialraum des Jugendamts", "social district of the office", String(10))


class Provider(Lineage, Base):
    __tablename__ = "provider"
    __table_args__ = {"info": {"de": "Träger bzw. Einrichtung", "en": "provider or institution"}}

    provider_id: Mapped[int] = col("Träger-ID (neu)", "provider id (new)", Integer, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = col("Name des Trägers", "provider name", String(300))
    provider_type: Mapped[str | None] = col("Trägerart (Codeliste provider_type)", "provider type (code list provider_type)", String(40))
    street: Mapped[str | None] = col("Straße", "street", String(200))
    house_number: Mapped[str | None] = col("Hausnummer", "house number", String(20))
    postcode: Mapped[str | None] = col("Postleitzahl", "postcode", String(10))
    city: Mapped[str | None] = col("Ort", "city", String(200))
    iban: Mapped[str | None] = col("IBAN (ohne Leerzeichen)", "IBAN (no spaces)", String(34))


class CaseFile(Lineage, Base):
    __tablename__ = "case_file"
    __table_args__ = {"info": {"de": "Akte (eine je Fachdienst und Angelegenheit)", "en": "case file (one per department and matter)"}}

    case_file_id: Mapped[int] = col("Akten-ID (neu)", "case file id (new)", Integer, primary_key=True, autoincrement=False)
    file_number: Mapped[str | None] = col("Aktenzeichen", "file number", String(40), index=True)
    department: Mapped[str | None] = col("Fachdienst (Codeliste department)", "department (code list department)", String(40))
    status: Mapped[str | None] = col("Status (Codeliste case_status)", "status (code list case_status)", String(40))
    opened_on: Mapped[dt.date | None] = col("angelegt am", "opened on", Date)
    closed_on: Mapped[dt.date | None] = col("abgeschlossen am", "closed on", Date)
    closed_by: Mapped[str | None] = col("abgeschlossen, weil (Listen: Markierung, Blatt oder Ende vor dem Stand der Liste)", "closed because (lists: mark, sheet or end before the list's as-of date)", String(200))
    caseworker: Mapped[str | None] = col("Sachbearbeitung (Kürzel)", "caseworker (initials)", String(20))
    remark: Mapped[str | None] = col("Bemerkung (Freitext)", "remark (free text)", Text)


class Participant(Lineage, Base):
    __tablename__ = "participant"
    __table_args__ = {"info": {"de": "Beteiligte Person einer Akte mit Rolle", "en": "person taking part in a case file, with role"}}

    participant_id: Mapped[int] = col("Beteiligten-ID (neu)", "participant id (new)", Integer, primary_key=True, autoincrement=False)
    case_file_id: Mapped[int] = col("Akte", "case file", ForeignKey("case_file.case_file_id"), index=True)
    person_id: Mapped[int] = col("Person", "person", ForeignKey("person.person_id"), index=True)
    role: Mapped[str | None] = col("Rolle (Codeliste role)", "role (code list role)", String(40))
    valid_from: Mapped[dt.date | None] = col("beteiligt von", "taking part from", Date)
    valid_to: Mapped[dt.date | None] = col("beteiligt bis (leer = offen)", "taking part until (empty = open)", Date)


class Service(Lineage, Base):
    __tablename__ = "service"
    __table_args__ = {"info": {"de": "Leistung / Hilfe / Maßnahme", "en": "service / help / measure"}}

    service_id: Mapped[int] = col("Leistungs-ID (neu)", "service id (new)", Integer, primary_key=True, autoincrement=False)
    case_file_id: Mapped[int] = col("Akte", "case file", ForeignKey("case_file.case_file_id"), index=True)
    person_id: Mapped[int] = col("junger Mensch, für den die Leistung ist", "young person the service is for", ForeignKey("person.person_id"), index=True)
    service_type: Mapped[str | None] = col("Hilfeart (Codeliste service_type)", "service type (code list service_type)", String(20))
    legal_basis: Mapped[str | None] = col("Rechtsgrundlage (z. B. '§ 34 SGB VIII')", "legal basis (e.g. '§ 34 SGB VIII')", String(40))
    service_form: Mapped[str | None] = col("Form: ambulant, teilstationär, stationär, Schutz, variabel", "form: ambulant, part-residential, residential, protective, varies", String(20))
    provider_id: Mapped[int | None] = col("Träger (leer bei Leistungen des Amts selbst)", "provider (empty for services of the office itself)", ForeignKey("provider.provider_id"), nullable=True, index=True)
    start_date: Mapped[dt.date | None] = col("Beginn", "start", Date)
    end_date: Mapped[dt.date | None] = col("Ende (leer = läuft)", "end (empty = running)", Date)
    termination_reason: Mapped[str | None] = col("Beendigungsgrund (Codeliste termination_reason)", "termination reason (code list termination_reason)", String(40))
    rate_cents: Mapped[int | None] = col("Entgelt in Cent", "rate in cents", BigInteger)
    rate_unit: Mapped[str | None] = col("Einheit des Entgelts (Codeliste rate_unit)", "unit of the rate (code list rate_unit)", String(40))
    rate_monthly_cents: Mapped[int | None] = col("Entgelt umgerechnet je Monat in Cent (Listen; leer bei Stunden und Pauschalen)", "rate as a monthly equivalent in cents (lists; empty for hours and lump sums)", BigInteger)
    date_precision: Mapped[str | None] = col("Datumsgenauigkeit, wo nicht taggenau (z. B. 'start_date=month')", "date precision where not to the day (e.g. 'start_date=month')", String(80))


class UvgClaim(Lineage, Base):
    __tablename__ = "uvg_claim"
    __table_args__ = {"info": {"de": "Unterhaltsvorschuss-Anspruch", "en": "advance maintenance (UVG) claim"}}

    uvg_claim_id: Mapped[int] = col("UVG-Anspruch-ID (neu)", "UVG claim id (new)", Integer, primary_key=True, autoincrement=False)
    case_file_id: Mapped[int] = col("Akte", "case file", ForeignKey("case_file.case_file_id"), index=True)
    child_person_id: Mapped[int] = col("Kind", "child", ForeignKey("person.person_id"), index=True)
    parent_person_id: Mapped[int | None] = col("alleinerziehender Elternteil", "single parent", ForeignKey("person.person_id"), nullable=True)
    liable_person_id: Mapped[int | None] = col("unterhaltspflichtiger Elternteil", "liable parent", ForeignKey("person.person_id"), nullable=True)
    start_date: Mapped[dt.date | None] = col("Beginn", "start", Date)
    end_date: Mapped[dt.date | None] = col("Ende (leer = läuft)", "end (empty = running)", Date)
    monthly_amount_cents: Mapped[int | None] = col("Monatsbetrag in Cent", "monthly amount in cents", BigInteger)
    recovery_pursued: Mapped[bool | None] = col("Rückgriff beim Pflichtigen betrieben", "recovery from the liable parent pursued", Boolean)


class Payment(Lineage, Base):
    __tablename__ = "payment"
    __table_args__ = {"info": {"de": "Zahlung (Auszahlung, Einnahme aus Rückgriff, Storno)", "en": "payment (pay-out, recovery income, reversal)"}}

    payment_id: Mapped[int] = col("Zahlungs-ID (neu)", "payment id (new)", Integer, primary_key=True, autoincrement=False)
    case_file_id: Mapped[int] = col("Akte", "case file", ForeignKey("case_file.case_file_id"), index=True)
    service_id: Mapped[int | None] = col("Leistung (leer, wenn nicht leistungsgebunden)", "service (empty when not service-bound)", ForeignKey("service.service_id"), nullable=True)
    payment_type: Mapped[str | None] = col("Zahlart (Codeliste payment_type)", "payment type (code list payment_type)", String(40))
    due_date: Mapped[dt.date | None] = col("fällig am", "due on", Date)
    period_from: Mapped[dt.date | None] = col("Zeitraum von", "period from", Date)
    period_to: Mapped[dt.date | None] = col("Zeitraum bis", "period to", Date)
    amount_cents: Mapped[int | None] = col("Betrag in Cent (negativ: Einnahme/Storno)", "amount in cents (negative: income/reversal)", BigInteger)
    iban: Mapped[str | None] = col("IBAN des Empfängers", "payee IBAN", String(34))
    payee: Mapped[str | None] = col("Empfänger", "payee", String(100))


class JghProceeding(Lineage, Base):
    __tablename__ = "jgh_proceeding"
    __table_args__ = {"info": {"de": "Jugendstrafverfahren (Jugendhilfe im Strafverfahren)", "en": "youth criminal proceeding (youth court assistance)"}}

    jgh_proceeding_id: Mapped[int] = col("Verfahrens-ID (neu)", "proceeding id (new)", Integer, primary_key=True, autoincrement=False)
    case_file_id: Mapped[int] = col("Akte der JGH", "case file of the JGH", ForeignKey("case_file.case_file_id"), index=True)
    person_id: Mapped[int] = col("junger Mensch (Beschuldigte/r)", "young person (accused)", ForeignKey("person.person_id"), index=True)
    offence: Mapped[str | None] = col("Delikt / Tatvorwurf (Freitext)", "offence (free text)", String(300))
    offence_date: Mapped[dt.date | None] = col("Tatzeit", "date of the offence", Date)
    court: Mapped[str | None] = col("Gericht", "court", String(200))
    hearing_date: Mapped[dt.date | None] = col("Termin (Hauptverhandlung)", "hearing date", Date)
    outcome: Mapped[str | None] = col("Ausgang (Codeliste jgh_outcome)", "outcome (code list jgh_outcome)", String(40))
    known_to_asd: Mapped[bool | None] = col("dem ASD bekannt", "known to the ASD", Boolean)
    date_precision: Mapped[str | None] = col("Datumsgenauigkeit, wo nicht taggenau (z. B. 'offence_date=month')", "date precision where not to the day (e.g. 'offence_date=month')", String(80))


class LegacyCode(Lineage, Base):
    __tablename__ = "legacy_code"
    __table_args__ = (
        UniqueConstraint("source_system", "code_table", "code"),
        {"info": {"de": "Schlüsseltabellen des Altsystems (wie geliefert)", "en": "code tables of the legacy system (as delivered)"}},
    )

    legacy_code_id: Mapped[int] = col("ID (neu)", "id (new)", Integer, primary_key=True, autoincrement=False)
    source_system: Mapped[str] = col("Quellsystem", "source system", String(40))
    code_table: Mapped[str | None] = col("Tabelle (z. B. HA = Hilfeart)", "table (e.g. HA = service type)", String(20))
    code: Mapped[str | None] = col("Schlüssel", "code", String(40))
    text: Mapped[str | None] = col("Text", "text", String(300))
    valid_to: Mapped[dt.date | None] = col("gültig bis (gesetzt = stillgelegt)", "valid until (set = retired)", Date)


class CodeList(Base):
    """Unified code lists (shipped in ``mappings/codes``), loaded on every run."""

    __tablename__ = "code_list"
    __table_args__ = {"info": {"de": "Einheitliche Codelisten des Zielsystems", "en": "unified code lists of the target"}}

    code_list: Mapped[str] = col("Codeliste", "code list", String(40), primary_key=True)
    code: Mapped[str] = col("Code", "code", String(40), primary_key=True)
    label_de: Mapped[str | None] = col("Bezeichnung", "German label", String(300))
    label_en: Mapped[str | None] = col("Bezeichnung englisch", "English label", String(300))
    legal_basis: Mapped[str | None] = col("Rechtsgrundlage", "legal basis", String(40))
    service_form: Mapped[str | None] = col("Form (nur Hilfearten)", "form (service types only)", String(20))


#: Domain tables in load order (parents before children).
DOMAIN_TABLES: tuple[str, ...] = (
    "legacy_code",
    "person",
    "address",
    "provider",
    "case_file",
    "participant",
    "service",
    "uvg_claim",
    "payment",
    "jgh_proceeding",
)

# The migration's own tables live beside the case tables; imported here so one metadata holds both.
from jhmig.schema_mig import MigFinding, MigKeyMap, MigQuarantine, MigRun, MigSourceFile, MigUndo  # noqa: E402,F401
