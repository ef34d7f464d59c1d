"""Legitimate but awkward properties of the export that a reader must
handle (truth.json "features"), counted over the rows as written."""

from __future__ import annotations

from typing import Any

from jhmig.synth import dates
from jhmig.synth.layout import (
    AKTEN,
    BETEILIGTE,
    LEISTUNGEN,
    PERSONEN,
    SCHLUESSEL,
    TRAEGER,
    UVG,
    record_key,
)
from jhmig.synth.writers import Row

DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    PERSONEN: ("GEB_DAT", "TODES_DAT", "ANGELEGT", "GEAENDERT"),
    AKTEN: ("ANGELEGT", "ABGESCHL"),
    BETEILIGTE: ("VON", "BIS"),
    LEISTUNGEN: ("BEGINN", "ENDE"),
    UVG: ("BEGINN", "ENDE"),
    SCHLUESSEL: ("GUELTIG_BIS",),
}
AMOUNT_COLUMNS: dict[str, tuple[str, ...]] = {LEISTUNGEN: ("ENTGELT",), UVG: ("MONATSBETRAG",)}


def _where(row: Row) -> dict[str, Any]:
    return {"file": row.file, "key": record_key(row.file, row.values), "line": row.line}


def collect_features(rows: dict[str, list[Row]]) -> dict[str, Any]:
    multiline: list[dict[str, Any]] = []
    semicolons = quotes = 0
    for row in rows[AKTEN]:
        text = row.values["BEMERKUNG"]
        if "\n" in text:
            multiline.append(_where(row))
        semicolons += ";" in text
        quotes += '"' in text
    trailing_minus: list[dict[str, Any]] = []
    thousands = 0
    for file, columns in AMOUNT_COLUMNS.items():
        for row in rows[file]:
            for column in columns:
                value = row.values[column]
                if value.endswith("-"):
                    trailing_minus.append(dict(_where(row), field=column, value=value))
                thousands += "." in value and "," in value
    zeros = open_ends = 0
    for file, columns in DATE_COLUMNS.items():
        for row in rows[file]:
            for column in columns:
                value = row.values[column]
                zeros += value == dates.UNKNOWN_DATE_TEXT
                open_ends += value == dates.OPEN_END_TEXT
    # Persons whose birth date the office never learnt (mostly absent fathers);
    # a duplicate that lost it is a defect, not a feature.
    unknown_births = [
        dict(_where(row), field="GEB_DAT", value=row.values["GEB_DAT"]) for row in rows[PERSONEN]
        if row.values["GEB_DAT"] in ("", dates.UNKNOWN_DATE_TEXT) and row.taint != "duplicate_person"
    ]
    leading_zero = sum(1 for f in (PERSONEN, TRAEGER) for r in rows[f] if len(r.values["PLZ"]) == 5 and r.values["PLZ"][0] == "0")
    quoted_names = sum(1 for r in rows[TRAEGER] if '"' in r.values["NAME"])
    return {
        "multiline_remarks": multiline,
        "remarks_with_semicolon": semicolons,
        "remarks_with_quotes": quotes,
        "trailing_minus": trailing_minus,
        "thousands_dot_amounts": thousands,
        "unknown_date_zeros": zeros,
        "unknown_birth_dates": unknown_births,
        "open_end_dates": open_ends,
        "plz_leading_zero": leading_zero,
        "provider_names_with_quotes": quoted_names,
    }
