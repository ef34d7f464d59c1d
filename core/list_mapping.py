"""Mapping files for caseworkers' Excel lists (YAML under ``mappings/lists/``).

One mapping describes one list or one family of similar lists: which files
and sheets to read, how to find the header row, which column names feed which
unified field, how values are written, how closed rows are marked, which rows
are not data, and the synonym tables that turn free text into codes. The
extract stage reads sheets by it; the transform stage parses values by it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jhmig.errors import ConfigError
from jhmig.layout import MAPPINGS_DIR, load_mapping_file

ListField = Literal[
    # person
    "family_name", "given_names", "name_full", "birth_date", "sex", "street", "postcode", "city", "address_full",
    # case file
    "file_number", "caseworker", "team", "remark", "status",
    # service (ASD)
    "service_type", "provider", "start_date", "end_date", "rate", "rate_unit", "termination_reason",
    # JGH proceeding
    "offence", "offence_date", "court", "hearing_date", "outcome", "known_to_asd",
]

FieldType = Literal["text", "name", "date", "amount", "code", "flag", "postcode"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SheetSelection(_Strict):
    include: tuple[str, ...] = ("*",)  # sheet names or globs (case-insensitive)
    exclude: tuple[str, ...] = ()  # e.g. legend sheets "Hilfe", "Legende": skipped whole
    hidden: Literal["read", "skip"] = "read"  # hidden sheets often hold old data


class HeaderRule(_Strict):
    row: int | None = None  # explicit 1-based header row; None = detect
    rows: int = 1  # with row: the header is exactly N rows; detected: up to N rows are joined (one and two always tried)
    search_rows: int = 15  # detection looks at the first N rows
    min_matches: int = 2  # a row is the header when at least N column names match


class FieldRule(_Strict):
    names: tuple[str, ...]  # column names as caseworkers write them (compared loosely)
    type: FieldType = "text"
    synonyms: str | None = None  # CSV under mappings/ for type code
    required: bool = False


class ClosedRule(_Strict):
    """How a list marks a closed case (any rule that matches closes the row)."""

    status_values: tuple[str, ...] = ("abgeschlossen", "beendet", "erledigt", "geschlossen")
    grey_fill: bool = True  # rows coloured grey
    strikethrough: bool = True  # rows struck through
    sheet_names: tuple[str, ...] = ("abgeschlossen", "beendet", "erledigt", "archiv")


class SkipRule(_Strict):
    subtotal_words: tuple[str, ...] = ("summe", "gesamt", "zwischensumme", "total", "anzahl")
    note_patterns: tuple[str, ...] = (r"^ab hier", r"^stand\b", r"^achtung", r"^hinweis", r"^bis hier", r"^neu ab", r"^\*")


class ValueFormats(_Strict):
    date_formats: tuple[str, ...] = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%m/%Y", "%m.%Y")
    name_split: str = ","  # "Name, Vorname"
    day_first: bool = True


class ListMapping(_Strict):
    name: str
    description: str = ""
    source_system: str  # key-map namespace, e.g. "excel-asd"; stable across dry runs
    department: Literal["ASD", "JGH"]
    files: tuple[str, ...]  # globs relative to the lists folder
    encoding: str = "cp1252"  # for CSV "saved from Excel"
    delimiter: str = ";"
    sheets: SheetSelection = Field(default_factory=SheetSelection)
    header: HeaderRule = Field(default_factory=HeaderRule)
    fields: dict[ListField, FieldRule]
    closed: ClosedRule = Field(default_factory=ClosedRule)
    skip: SkipRule = Field(default_factory=SkipRule)
    formats: ValueFormats = Field(default_factory=ValueFormats)
    base_dir: Path = Path(".")

    def synonyms_path(self, field: str) -> Path:
        rule = self.fields[field]  # type: ignore[index]
        assert rule.synonyms
        for base in (self.base_dir, MAPPINGS_DIR):
            candidate = (base / rule.synonyms).resolve()
            if candidate.exists():
                return candidate
        raise ConfigError(f"list mapping {self.name}: synonym table {rule.synonyms!r} not found",
                          hint=f"put it under {MAPPINGS_DIR} or next to the mapping file")


def load_list_mapping(path: Path) -> ListMapping:
    return load_mapping_file(path, ListMapping, "list mapping", subfolder="lists",
                             missing_hint="write one, starting from `jhmig profile FILE --suggest mapping.yaml`")
