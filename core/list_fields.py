"""The one table of list fields: what a list mapping may name, where each field goes, how the profiler finds it.

It drives the mapping model (:mod:`jhmig.list_mapping`), the profiler's
column guesses and its suggested mapping (:mod:`jhmig.extract.column_guess`,
:mod:`jhmig.extract.profile_suggest`), the transform of list rows and the
field list of ``docs/lists.md`` (``tests/test_list_fields.py`` keeps them in
step). Every field reaches a column of the target, or the extraction uses it
itself (``closed_mark``, ``status``, ``rate_unit``, ``name_full``); a field
with no place (``team``) is refused when a mapping names it, so nothing a
mapping accepts is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListFieldSpec:
    name: str
    group: str  # person | case file | service | JGH proceeding (docs)
    target: tuple[str, str] | None  # (entity, column) it reaches; None: no place in the target (refused)
    type: str = "text"  # the type the profiler suggests (list_mapping.FieldType)
    guesses: tuple[str, ...] = ()  # loose keys of column names caseworkers use (the profiler's vocabulary)
    note: str = ""  # how it is read (docs)


LIST_FIELDS: tuple[ListFieldSpec, ...] = (
    ListFieldSpec("file_number", "case file", ("case_file", "file_number"), guesses=(
        "az", "aktenzeichen", "aktz", "gz", "geschaeftszeichen", "fallnr", "fallnummer", "aktennr", "aktennummer")),
    ListFieldSpec("name_full", "person", ("person", "family_name"), "name", ("namevorname", "nachnamevorname", "familiennamevorname",
                                                                       "vornamename"), "`Name, Vorname` in one cell, split"),
    ListFieldSpec("family_name", "person", ("person", "family_name"), "name", ("name", "nachname", "familienname", "zuname")),
    ListFieldSpec("given_names", "person", ("person", "given_names"), "name", ("vorname", "vornamen", "rufname")),
    ListFieldSpec("birth_date", "person", ("person", "birth_date"), "date", (
        "geb", "gebdat", "gebdatum", "geburtsdatum", "geboren", "gebam", "geburtstag")),
    ListFieldSpec("sex", "person", ("person", "sex"), "text", ("geschlecht", "mw", "mwd", "sex"),
                  "`m`/`männlich`/`Junge`, `w`/`weiblich`/`Mädchen`, `d`/`divers`; empty: `u`; other text: `u` and a warning"),
    ListFieldSpec("street", "person", ("address", "street"), "text", ("strasse", "str", "strassehausnr", "strassenr"),
                  "`Hauptstr. 5a`: street and house number"),
    ListFieldSpec("postcode", "person", ("address", "postcode"), "postcode", ("plz", "postleitzahl")),
    ListFieldSpec("city", "person", ("address", "city"), "text", ("ort", "wohnort", "stadt")),
    ListFieldSpec("address_full", "person", ("address", "street"), "text", ("anschrift", "adresse"),
                  "`Hauptstr. 5, 01234 Meißen` in one cell: street, house number, postcode, city"),
    ListFieldSpec("caseworker", "case file", ("case_file", "caseworker"), guesses=(
        "sachbearbeiter", "sachbearbeiterin", "sb", "fachkraft", "bearbeiter", "zustaendig", "zustaendigkeit", "fk")),
    ListFieldSpec("team", "case file", None, note="no column in the target: a mapping that names it is refused"),
    ListFieldSpec("remark", "case file", ("case_file", "remark"), guesses=(
        "bemerkung", "bemerkungen", "notiz", "notizen", "anmerkung", "anmerkungen", "kommentar", "hinweis")),
    ListFieldSpec("status", "case file", ("case_file", "status"), guesses=("status", "stand", "fallstatus"),
                  note="closes the row when it says so (`closed.status_values`)"),
    ListFieldSpec("closed_mark", "case file", ("case_file", "status"), guesses=(
        "erledigt", "erl", "abgeschlossen", "abgeschl", "geschlossen", "abg"), note="a filled cell closes the row"),
    ListFieldSpec("service_type", "service", ("service", "service_type"), "code", (
        "hilfeart", "hilfe", "massnahme", "art", "leistung", "leistungsart", "hilfeform", "hza")),
    ListFieldSpec("provider", "service", ("provider", "name"), guesses=(
        "traeger", "anbieter", "einrichtung", "leistungserbringer", "freiertraeger", "unterbringung", "unterbringungsort",
        "untergebracht", "unterbringungbei")),
    ListFieldSpec("start_date", "service", ("service", "start_date"), "date", (
        "beginn", "hilfebeginn", "von", "seit", "ab", "start", "anfang", "beginndatum", "aufnahme", "datum", "aufnahmedatum")),
    ListFieldSpec("end_date", "service", ("service", "end_date"), "date", (
        "ende", "hilfeende", "bis", "beendet", "enddatum", "beendigung", "abschluss")),
    ListFieldSpec("rate", "service", ("service", "rate_cents"), "amount", (
        "kosten", "betrag", "entgelt", "tagessatz", "fachleistungsstunde", "fls", "kostensatz", "monatskosten", "satz",
        "stundensatz", "euro", "eur", "std", "prostd", "jestd")),
    ListFieldSpec("rate_unit", "service", ("service", "rate_unit"), guesses=("einheit", "abrechnungseinheit")),
    ListFieldSpec("termination_reason", "service", ("service", "termination_reason"), "text", (
        "beendigungsgrund", "endgrund", "grund", "abschlussgrund"),
                  "a code or label of the code list `termination_reason` (`Volljährigkeit`, `Abbruch durch Einrichtung`); "
                  "other text: a warning, left empty"),
    ListFieldSpec("offence", "JGH proceeding", ("jgh_proceeding", "offence"), guesses=(
        "delikt", "straftat", "tatvorwurf", "vorwurf", "delikte")),
    ListFieldSpec("offence_date", "JGH proceeding", ("jgh_proceeding", "offence_date"), "date", (
        "tatzeit", "tatdatum", "tattag", "tatzeitpunkt")),
    ListFieldSpec("court", "JGH proceeding", ("jgh_proceeding", "court"), guesses=("gericht", "amtsgericht")),
    ListFieldSpec("hearing_date", "JGH proceeding", ("jgh_proceeding", "hearing_date"), "date", (
        "termin", "verhandlung", "hauptverhandlung", "verhandlungstermin", "hv", "hvtermin")),
    ListFieldSpec("outcome", "JGH proceeding", ("jgh_proceeding", "outcome"), "code", ("ausgang", "urteil", "ergebnis", "entscheidung")),
    ListFieldSpec("known_to_asd", "JGH proceeding", ("jgh_proceeding", "known_to_asd"), "flag", (
        "asdbekannt", "asd", "beiasdbekannt", "bekannt")),
)
FIELDS_BY_NAME = {f.name: f for f in LIST_FIELDS}


def target_text(spec: ListFieldSpec) -> str:
    """``entity.column`` as docs/lists.md writes it; ``—`` for a field with no place."""
    return f"`{spec.target[0]}.{spec.target[1]}`" if spec.target else "—"
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in LIST_FIELDS)
WITHOUT_TARGET: tuple[str, ...] = tuple(f.name for f in LIST_FIELDS if f.target is None)
