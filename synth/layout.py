"""File names, columns and key columns of the reference legacy export
(shared/spec/legacy-export.md), in one place for writers, defects and truth."""

from __future__ import annotations

PERSONEN = "PERSONEN.TXT"
AKTEN = "AKTEN.TXT"
BETEILIGTE = "BETEILIGTE.TXT"
LEISTUNGEN = "LEISTUNGEN.TXT"
UVG = "UVG.TXT"
TRAEGER = "TRAEGER.TXT"
ZAHLUNGEN = "ZAHLUNGEN.DAT"
SCHLUESSEL = "SCHLUESSEL.TXT"
MANIFEST = "EXPORT.INF"

# Manifest order follows the spec's directory listing.
DATA_FILES: tuple[str, ...] = (PERSONEN, AKTEN, BETEILIGTE, LEISTUNGEN, UVG, TRAEGER, ZAHLUNGEN, SCHLUESSEL)

COLUMNS: dict[str, tuple[str, ...]] = {
    PERSONEN: ("PERS_NR", "NAME", "VORNAME", "GEBNAME", "GEB_DAT", "GESCHL", "STAATSANG", "STRASSE", "HNR", "PLZ",
               "ORT", "SOZRAUM", "TODES_DAT", "ANGELEGT", "GEAENDERT"),
    AKTEN: ("AKTEN_NR", "FACHBEREICH", "STATUS", "ANGELEGT", "ABGESCHL", "SACHB", "BEMERKUNG"),
    BETEILIGTE: ("AKTEN_NR", "PERS_NR", "ROLLE", "VON", "BIS"),
    LEISTUNGEN: ("LEIST_NR", "AKTEN_NR", "PERS_NR", "HILFEART", "BEGINN", "ENDE", "END_GRUND", "TRAEGER_NR",
                 "ENTGELT", "EINHEIT"),
    UVG: ("AKTEN_NR", "KIND_PERS_NR", "ELTERNTEIL_PERS_NR", "PFLICHTIGER_PERS_NR", "BEGINN", "ENDE",
          "MONATSBETRAG", "RUECKGRIFF"),
    TRAEGER: ("TRAEGER_NR", "NAME", "ART", "STRASSE", "HNR", "PLZ", "ORT", "IBAN"),
    SCHLUESSEL: ("TAB", "SCHL", "TEXT", "GUELTIG_BIS"),
}

KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    PERSONEN: ("PERS_NR",),
    AKTEN: ("AKTEN_NR",),
    BETEILIGTE: ("AKTEN_NR", "PERS_NR", "ROLLE", "VON"),
    LEISTUNGEN: ("LEIST_NR",),
    UVG: ("AKTEN_NR", "KIND_PERS_NR", "BEGINN"),
    TRAEGER: ("TRAEGER_NR",),
    SCHLUESSEL: ("TAB", "SCHL"),
}


def record_key(file: str, values: dict[str, str]) -> str:
    """The record's key as written; several key columns are joined with '|'."""
    return "|".join(values[c] for c in KEY_COLUMNS[file])
