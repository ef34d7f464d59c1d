"""The list mapping `jhmig profile --suggest` writes: every column a field could take, valid YAML that runs as it is."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from jhmig.extract.column_guess import FIELD_GUESSES
from jhmig.extract.profile_model import WorkbookProfile
from jhmig.list_fields import LIST_FIELDS
from jhmig.list_mapping import SOURCE_SYSTEM_MAX, ListMapping
from jhmig.textfold import din_fold


# the vocabulary (FIELD_GUESSES) and guess_field are shared with the list extraction: jhmig.extract.column_guess
FIELD_TYPES: dict[str, str] = {f.name: f.type for f in LIST_FIELDS if f.type not in ("text", "code")}  # the one table of list fields
CODE_FIELDS = tuple(f.name for f in LIST_FIELDS if f.type == "code")
FIELD_NOTES: dict[str, list[str]] = {
    "file_number": ["    required: true"],
    "closed_mark": ["    # a filled cell (x, ja, a date) closes the row; nein/offen/empty do not"],
    "rate_unit": ["    # Tag, Std., Woche, Monat, Jahr, pauschal: the unit of the rate in the same row"],
}
SHIPPED_SYNONYMS = {"service_type": "lists/synonyms/hilfeart.csv", "outcome": "lists/synonyms/ausgang.csv"}
JGH_FIELDS = {"offence", "offence_date", "court", "hearing_date", "outcome", "known_to_asd"}


@dataclass
class _Seen:
    """What the profiles show that a mapping needs."""

    names: dict[str, list[str]] = field(default_factory=dict)  # field -> column names
    unguessed: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)  # names written twice in one header: a mapping naming them is refused
    legend_sheets: list[str] = field(default_factory=list)
    hidden_sheets: list[str] = field(default_factory=list)
    two_rows: bool = False
    search: int = 15


def _seen(readable: Sequence[WorkbookProfile]) -> _Seen:
    seen = _Seen()
    for sheet in (s for p in readable for s in p.sheets):
        if sheet.legend:
            seen.legend_sheets.append(sheet.name)
            continue
        if sheet.hidden:
            seen.hidden_sheets.append(sheet.name)
        if sheet.header_first is None:
            continue
        seen.two_rows = seen.two_rows or (sheet.header_last or 0) > sheet.header_first
        seen.search = max(seen.search, (sheet.header_last or sheet.header_first) + 2)
        twice = {name for name, _ in sheet.duplicate_columns}
        seen.duplicated += [f"{name!r} ({', '.join(letters)})" for name, letters in sheet.duplicate_columns]
        for column in sheet.columns:
            if not column.name or column.name in twice:
                continue
            if column.guessed_field:
                bucket = seen.names.setdefault(column.guessed_field, [])
                if column.name not in bucket:
                    bucket.append(column.name)
            elif f"{column.name!r}" not in seen.unguessed:
                seen.unguessed.append(f"{column.name!r}")
    return seen


def suggest_mapping(profiles: Sequence[WorkbookProfile], name: str | None = None) -> str:
    """A list mapping for the profiled files as commented YAML; it validates as a ListMapping and runs as it is."""
    readable = [p for p in profiles if any(s.columns for s in p.sheets)]
    stem = name or _slug(Path(readable[0].file).stem if readable else "liste")
    seen = _seen(readable)
    department = "JGH" if len(JGH_FIELDS & seen.names.keys()) >= 2 else "ASD"
    lines = _head(profiles, readable, stem, department, seen) + _fields(seen, stem)
    if "service_type" not in seen.names and department == "ASD" and _mentions(profiles, "inobhut"):
        # an Inobhutnahme list names no help per row: every row is one
        lines += ["  service_type:", "    names: []  # no column: every row of this list is an Inobhutnahme", "    type: code",
                  f"    synonyms: {SHIPPED_SYNONYMS['service_type']}", '    default: "Inobhutnahme"']
    if not ({"file_number", "name_full", "family_name"} & seen.names.keys()):
        lines.append("# TODO: no column holds the file number (Az.) or a name: add one, or the mapping cannot produce case rows")
    if seen.unguessed:
        lines.append(f"# TODO: columns without a field (not read): {', '.join(seen.unguessed[:40])}")
    if seen.duplicated:
        lines.append(f"# TODO: column names written twice, left out (rename one in the list, then map it): {', '.join(seen.duplicated)}")
    lines += ["closed:", "  grey_fill: true", "  strikethrough: true",
              "  # TODO: status_values / sheet_names if the list marks closed cases differently"]
    text = "\n".join(lines) + "\n"
    ListMapping.model_validate(yaml.safe_load(text))  # a suggestion that does not load is a bug here, not the team's
    return text


def _head(profiles: Sequence[WorkbookProfile], readable: Sequence[WorkbookProfile], stem: str, department: str,
          seen: _Seen) -> list[str]:
    csv_profile = next((p for p in readable if p.encoding), None)
    lines = [
        f"# List mapping suggested by `jhmig profile` for: {', '.join(p.file for p in profiles)}",
        "# Complete every TODO, then read the lists with it. Column names are compared loosely",
        "# (case, spaces, dots, hyphens, umlaut spellings do not matter).",
        f"name: {_yaml(stem)}",
        'description: ""  # TODO: which list is this (team, caseworker, years)?',
        f"source_system: {_yaml(_source_system(stem))}  # TODO: stable key namespace, e.g. excel-asd-nord; never change it later",
        f"department: {department}  # TODO: check (ASD or JGH)",
        "files:" if profiles else "files: []  # TODO: globs of the list files, relative to the lists folder",
        *[f"  - {_yaml(p.file)}" for p in profiles],
    ]
    if csv_profile:
        lines += [f"encoding: {_yaml(csv_profile.encoding or 'cp1252')}  # detected in {csv_profile.file}",
                  f"delimiter: {_yaml(csv_profile.delimiter or ';')}"
                  + ("  # TODO: one column only - check" if not csv_profile.delimiter else "")]
    lines += ["sheets:", '  include: ["*"]']
    if seen.legend_sheets:
        lines.append(f"  exclude: {_flow(sorted(set(seen.legend_sheets)))}  # legend sheets")
    hidden = sorted(set(seen.hidden_sheets))
    lines.append("  hidden: read" + (f"  # TODO: hidden sheets found: {', '.join(hidden)} - read or skip?" if hidden else ""))
    # detection tries one and two header rows on every sheet either way; rows: 2 records that the list has such a header
    rows = "  rows: 2  # a header over two rows was found (sheets with one header row are still read)" if seen.two_rows else "  rows: 1"
    return lines + ["header:", rows, f"  search_rows: {seen.search}", "  min_matches: 2"]


def _fields(seen: _Seen, stem: str) -> list[str]:
    if not seen.names:
        return ["fields: {}  # TODO: no column could be guessed; add fields by hand"]
    lines = ["fields:"]
    for field_name in (f for f in FIELD_GUESSES if f in seen.names):
        lines += [f"  {field_name}:", f"    names: {_flow([n.replace('⏎', ' ') for n in seen.names[field_name]])}"]
        if ftype := FIELD_TYPES.get(field_name):
            lines.append(f"    type: {ftype}")
        if field_name in SHIPPED_SYNONYMS:
            lines += ["    type: code", f"    synonyms: {SHIPPED_SYNONYMS[field_name]}  # shipped table; extend a copy for this list"]
        elif field_name in CODE_FIELDS:
            lines.append(f"    # TODO: type: code + synonyms: lists/{stem}-{field_name}.csv (free text -> codes)")
        lines += FIELD_NOTES.get(field_name, [])
    return lines


def _mentions(profiles: Sequence[WorkbookProfile], word: str) -> bool:
    texts = [p.file for p in profiles] + [s.name for p in profiles for s in p.sheets] + \
        [c.name for p in profiles for s in p.sheets for c in s.columns]
    return any(word in t.casefold() for t in texts)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", din_fold(text)).strip("-")
    return slug[:40].strip("-") or "liste"


def _source_system(stem: str) -> str:
    """``excel-<name>``, never longer than the key map allows, whatever the file's name."""
    return ("excel-" + stem)[:SOURCE_SYSTEM_MAX].rstrip("-")


def _yaml(value: str) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_style='"').strip()


def _flow(values: Sequence[str]) -> str:
    return "[" + ", ".join(_yaml(v) for v in values) + "]"


