"""Mapping files for caseworkers' Excel lists (YAML under ``mappings/lists/``).

One mapping describes one list or one family of similar lists: which files
and sheets to read, how to find the header row, which column names feed which
unified field, how values are written, how closed rows are marked, which rows
are not data, and the synonym tables that turn free text into codes. The
extract stage reads sheets by it; the transform stage parses values by it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jhmig.errors import ConfigError
from jhmig.list_fields import FIELD_NAMES, FIELDS_BY_NAME, WITHOUT_TARGET
from jhmig.textfold import din_fold
from jhmig.layout import MAPPINGS_DIR, load_mapping_file

# the fields a mapping may name: the one table of list fields (jhmig.list_fields) drives it
ListField = Literal[FIELD_NAMES]  # type: ignore[valid-type]

FieldType = Literal["text", "name", "date", "amount", "code", "flag", "postcode"]
SOURCE_SYSTEM_MAX = 40  # mig_key_map.source_system, mig_source_file.source_system
RATE_UNITS = ("day", "hour", "week", "month", "year", "lump_sum")  # mappings/codes/rate_unit.csv
# fields that say who the row is about or which file it belongs to: without one, a row is no case
CASE_FIELDS = ("file_number", "name_full", "family_name")
OPEN_DATE_MARKERS = ("offen", "n.n.", "nn", "n. n.", "unbekannt", "unbek.", "?", "??", "-", "--", "k.a.", "k. a.",
                     "keine angabe", "noch offen", "steht aus", "läuft", "lfd.", "xx.xx.xxxx")


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
    names: tuple[str, ...] = ()  # column names as caseworkers write them (compared loosely)
    type: FieldType = "text"
    synonyms: str | None = None  # CSV under mappings/ for type code
    required: bool = False
    default: str | None = None  # the value of rows whose cell is empty, or of every row when no column is named


class ClosedRule(_Strict):
    """How a list marks a closed case (any rule that matches closes the row)."""

    status_values: tuple[str, ...] = ("abgeschlossen", "abgeschl", "beendet", "erledigt", "erl", "geschlossen")
    grey_fill: bool = True  # rows coloured grey
    strikethrough: bool = True  # rows struck through
    sheet_names: tuple[str, ...] = ("abgeschlossen", "beendet", "erledigt", "archiv")
    hidden_old_sheets: bool = True  # a hidden sheet named after years before the as-of year ("2021", "bis 2021") holds closed cases
    end_date_before_as_of: bool = True  # an end date on or before the list's as-of date closes the row
    note_rows: tuple[str, ...] = ()  # regexes of note rows ("^ab hier abgeschlossen") that close every data row below them on the sheet


class SkipRule(_Strict):
    subtotal_words: tuple[str, ...] = ("summe", "gesamt", "zwischensumme", "total", "anzahl")
    note_patterns: tuple[str, ...] = (r"^ab hier", r"^stand\b", r"^achtung", r"^hinweis", r"^bis hier", r"^neu ab", r"^\*")


# the formats tried by default; a mapping's ``formats.date_formats`` replaces them (docs/lists.md)
DEFAULT_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%m/%Y", "%m.%Y")
# What a date written as text looks like, for the profiler; the run reads the same (tests/test_list_dates.py holds them
# together): the default formats, ISO with a time of day (an Excel date cell with a time), month names with a year.
DATE_TEXT = re.compile(
    r"^\s*(\d{1,2}\.\d{1,2}\.(\d{2}|\d{4})(\s+\d{1,2}:\d{2}(:\d{2})?)?|\d{4}-\d{2}-\d{2}([tT ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
    r"|\d{1,2}/\d{1,2}/\d{4}|\d{1,2}[./]\d{4}|(jan|feb|mär|mar|apr|mai|jun|jul|aug|sep|okt|nov|dez)[a-zä]*\.?\s*(\d{2}|\d{4}))\s*$",
    re.IGNORECASE)


class ValueFormats(_Strict):
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    name_split: str = ","  # "Name, Vorname"
    day_first: bool = True
    open_dates: tuple[str, ...] = OPEN_DATE_MARKERS  # no date (yet), on purpose: an info finding, not an error
    rate_unit: Literal["day", "hour", "week", "month", "year", "lump_sum"] | None = "month"  # when value, unit column and header say nothing


class ListMapping(_Strict):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    source_system: str = Field(min_length=1, max_length=SOURCE_SYSTEM_MAX)  # key-map namespace, e.g. "excel-asd"; stable across dry runs
    department: Literal["ASD", "JGH"]
    files: tuple[str, ...]  # globs relative to the lists folder
    as_of: dt.date | None = None  # the lists' "Stand"; else read from a title cell or the file name, else the run date
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


def mapping_problems(mapping: ListMapping) -> list[str]:
    """What keeps a (valid) mapping from producing case rows; checked before a run reads any list."""
    problems = [] if mapping.files else ["'files' names no file (globs relative to the lists folder)"]
    if not any(name in mapping.fields for name in CASE_FIELDS):
        problems.append("no field names the file number or the person (file_number, name_full or family_name): "
                        "it cannot produce a case row")
    named: dict[str, list[str]] = {}
    for name, rule in mapping.fields.items():
        for column in rule.names:
            named.setdefault(re.sub(r"[\W_]+", "", din_fold(column)), []).append(name)
    for column, fields in named.items():
        if len(set(fields)) > 1:  # one column cannot feed two fields; which one was meant only the team knows
            problems.append(f"fields {' and '.join(sorted(set(fields)))} both name the column {column!r}: keep it under one field")
    for name, rule in mapping.fields.items():
        if name in WITHOUT_TARGET:  # accepted and dropped would lose what the list says without a word
            problems.append(f"field {name} has no place in the target ({FIELDS_BY_NAME[name].note}): "
                            f"remove it, or map the column to remark")
        if rule.type == "code" and not rule.synonyms:
            problems.append(f"field {name} has type code but no synonyms table")
        if not any(n.strip() for n in rule.names) and rule.default is None:
            problems.append(f"field {name} lists no column names and no default")
    return problems


def load_list_mapping(path: Path) -> ListMapping:
    """Read a list mapping and check that it can produce case rows (raises :class:`ConfigError` naming the file)."""
    mapping = load_mapping_file(path, ListMapping, "list mapping", subfolder="lists",
                                missing_hint="write one, starting from `jhmig profile FILE --suggest mapping.yaml`")
    problems = mapping_problems(mapping)
    if problems:
        raise ConfigError(f"list mapping {path} cannot be used: {'; '.join(problems)}",
                          hint="add the column names of the file number (Az.) or of the name under fields")
    for name in mapping.fields:
        if mapping.fields[name].synonyms:  # type: ignore[index]
            mapping.synonyms_path(name)  # a missing synonym table fails now, not after the lists were read
    return mapping
