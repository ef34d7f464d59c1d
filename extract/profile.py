"""Profile an unknown list before anyone writes its mapping: sheets, header, columns, odd rows, a suggested mapping.

``jhmig profile FILE_OR_FOLDER`` shows per sheet the detected header row(s),
every column with its fill rate, an inferred type and sample values, rows
that look like subtotals or notes, hidden and legend sheets, and merged cells
inside the table. Sample values are masked (``M****r``, ``**.**.2009``,
``9.999,99 €``) unless ``--show-values`` is given: the console never shows
names or birth dates by default. ``--suggest FILE`` writes a list mapping
(valid YAML for :class:`~jhmig.list_mapping.ListMapping`) with the detected
column names under guessed fields and TODO comments for the team.

A file that cannot be read is reported in one line naming the file and the
cause; profiling a folder goes on with the next file.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Protocol

import yaml

from jhmig.errors import SourceReadError
from jhmig.extract.cells import EXCEL_ERRORS, CellValue, cell_text, clean_text, column_letter
from jhmig.extract.column_guess import FIELD_GUESSES, guess_field
from jhmig.extract.header_detect import Header, detect_header, duplicate_names, loose_key
from jhmig.extract.row_classify import RowClassifier, RowKind, is_legend_sheet
from jhmig.extract.workbook import Limits, Sheet, open_workbook
from jhmig.list_mapping import ListMapping
from jhmig.masking import mask
from jhmig.textfold import din_fold

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xlsb", ".xls", ".ods", ".csv", ".txt", ".tsv", ".tab"}
MAX_SHOWN_COLUMNS = 40  # a sheet can hold 16,384 columns; nobody reads that on a console
MAX_SHOWN_ROWS = 12
SAMPLES = 3
SEARCH_ROWS = 30  # the profiler looks deeper for a header than the default mapping (15)


class Console(Protocol):
    def print(self, *objects: Any, **kwargs: Any) -> None: ...


# --------------------------------------------------------------------------
# profile model
# --------------------------------------------------------------------------


@dataclass
class ColumnProfile:
    index: int
    name: str
    filled: int
    rows: int
    inferred: str  # date | date-as-text | number | amount-as-text | text | code-like | flag | empty | mixed (...)
    samples: list[str]  # masked unless show_values
    guessed_field: str | None = None

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    @property
    def fill_rate(self) -> float:
        return self.filled / self.rows if self.rows else 0.0


@dataclass
class SheetProfile:
    index: int
    name: str
    state: str
    kind: str
    filled_rows: int
    width: int
    last_row: int
    header_first: int | None = None
    header_last: int | None = None
    header_method: str | None = None
    data_rows: int = 0
    empty_rows: int = 0
    odd_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, kind, text shown)
    columns: list[ColumnProfile] = field(default_factory=list)
    merged_in_table: list[str] = field(default_factory=list)
    merged_total: int = 0
    duplicate_columns: list[tuple[str, list[str]]] = field(default_factory=list)  # (name, letters) of names written twice
    legend: bool = False
    error: str | None = None

    @property
    def hidden(self) -> bool:
        return self.state != "visible"


@dataclass
class WorkbookProfile:
    file: str
    path: Path
    format: str
    engine: str
    notes: list[str]
    sheets: list[SheetProfile]
    encoding: str | None = None
    delimiter: str | None = None


# --------------------------------------------------------------------------
# profiling
# --------------------------------------------------------------------------


def profile_workbook(path: Path, *, display: str | None = None, show_values: bool = False,
                     limits: Limits | None = None, isolate: bool = True) -> WorkbookProfile:
    """Profile one file; raises :class:`SourceReadError` (one line) when it cannot be read."""
    shown = display or path.name
    workbook = open_workbook(path, display=shown, limits=limits, isolate=isolate)
    sheets = [_profile_sheet(sheet, show_values) for sheet in workbook.sheets]
    return WorkbookProfile(shown, path, workbook.container.label, workbook.engine, list(workbook.notes), sheets,
                           workbook.encoding, workbook.delimiter)


def _profile_sheet(sheet: Sheet, show_values: bool) -> SheetProfile:
    info = sheet.info
    profile = SheetProfile(info.index, info.name, info.state, info.kind, len(sheet.rows), sheet.width, sheet.last_row,
                           merged_total=len(sheet.merged), legend=is_legend_sheet(info.name), error=sheet.error)
    if sheet.error or not sheet.rows:
        return profile
    rows = sheet.row_map()
    header = detect_header(rows, sheet.width, sheet.merged, search_rows=SEARCH_ROWS)
    first_data = header.last_row + 1 if header else min(rows)
    if header:
        profile.header_first, profile.header_last, profile.header_method = header.first_row, header.last_row, header.method
        profile.duplicate_columns = [(name, [c.letter for c in cols]) for name, cols in duplicate_names(header.columns).items()]
    table_cols = [c.index for c in header.named] if header else list(range(sheet.width))
    classifier = RowClassifier(None, len(table_cols))
    data: list[tuple[CellValue, ...]] = []
    for number in range(first_data, sheet.last_row + 1):
        values = rows.get(number, ())
        kind = classifier.classify(values)
        if kind.kind is RowKind.EMPTY:
            profile.empty_rows += 1
        elif kind.is_data:
            data.append(values)
        else:
            shown = kind.detail if show_values or not kind.detail else mask_value(kind.detail)
            profile.odd_rows.append((number, str(kind.kind), shown))
    profile.data_rows = len(data)
    profile.columns = _columns(header, sheet.width, data, show_values)
    profile.merged_in_table = [str(m) for m in sheet.merged if m.last_row >= first_data][:10]
    return profile


def _columns(header: Header | None, width: int, data: list[tuple[CellValue, ...]], show_values: bool) -> list[ColumnProfile]:
    names = {c.index: c.name for c in header.columns} if header else {}
    used_fields: set[str] = set()
    out: list[ColumnProfile] = []
    for col in range(width):
        values = [row[col] for row in data if col < len(row) and row[col] is not None
                  and (not isinstance(row[col], str) or clean_text(row[col]))]
        name = names.get(col, "")
        if not name and not values:
            continue
        inferred = infer_type(values, name)
        samples: list[str] = []
        for value in values:
            text = cell_text(value) or ""
            shown = text if show_values else mask_value(value)
            if shown not in samples:
                samples.append(shown)
            if len(samples) == SAMPLES:
                break
        guessed = guess_field(name) if name else None
        if guessed in used_fields:
            guessed = None
        if guessed:
            used_fields.add(guessed)
        out.append(ColumnProfile(col, name, len(values), len(data), inferred, samples, guessed))
    return out


# --------------------------------------------------------------------------
# value kinds and masking
# --------------------------------------------------------------------------

_DATE_TEXT = re.compile(
    r"^\s*(\d{1,2}\.\d{1,2}\.(\d{2}|\d{4})|\d{1,2}-\d{1,2}-(\d{2}|\d{4})|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/(\d{2}|\d{4})|\d{1,2}[./](\d{4})"
    r"|(jan|feb|mär|mar|apr|mai|jun|jul|aug|sep|okt|nov|dez)\w*\.?\s+\d{4})\s*$", re.IGNORECASE)
_AMOUNT_TEXT = re.compile(r"^\s*(ca\.?\s*)?[-+]?\s*(\d{1,3}(\.\d{3})+|\d+)(,\d+)?\s*(€|eur|euro)?\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"^\s*\d+\s*$")
_CODE = re.compile(r"^[\w§./\- ]{1,16}$")
_DATE_NAME = re.compile(r"dat|geb|beginn|ende|seit|^von|^bis|termin|tatzeit|am$")
_SERIAL_MIN, _SERIAL_MAX = 18264, 55153  # 1950 .. 2050 as Excel serials


def value_kind(value: CellValue, date_named: bool = False) -> str:
    if isinstance(value, bool):
        return "flag"
    if isinstance(value, (datetime, date)):
        return "date"
    if isinstance(value, time):
        return "time"
    if isinstance(value, (int, float)):
        if date_named and isinstance(value, int) and _SERIAL_MIN <= value <= _SERIAL_MAX:
            return "date-as-number"
        return "number"
    text = clean_text(str(value))
    if _DATE_TEXT.match(text):
        return "date-as-text"
    if _DIGITS.match(text):
        if date_named and _SERIAL_MIN <= int(text) <= _SERIAL_MAX:
            return "date-as-text"  # an Excel serial stored as text
        return "code-like"
    if _AMOUNT_TEXT.match(text) and ("," in text or "€" in text or "eur" in text.lower() or "ca" in text.lower()):
        return "amount-as-text"
    if _CODE.match(text) and any(ch.isdigit() for ch in text):
        return "code-like"
    return "text"


def infer_type(values: Sequence[CellValue], name: str = "") -> str:
    if not values:
        return "empty"
    date_named = bool(_DATE_NAME.search(loose_key(name))) if name else False
    kinds = Counter(value_kind(v, date_named) for v in values)
    kinds = Counter({("date-as-text" if k == "date-as-number" else k): n for k, n in kinds.items()})
    top, count = kinds.most_common(1)[0]
    if count >= 0.8 * len(values):
        return top
    # dates mixed with dates written as text are still one date column
    if kinds["date"] + kinds["date-as-text"] >= 0.8 * len(values):
        return "date + date-as-text"
    if kinds["number"] + kinds["amount-as-text"] >= 0.8 * len(values) and kinds["amount-as-text"]:
        return "number + amount-as-text"
    shown = ", ".join(f"{k} {n / len(values):.0%}" for k, n in kinds.most_common(3))
    return f"mixed ({shown})"


def mask_value(value: CellValue) -> str:
    """A sample value with its shape and no identifying content: names, dates (year kept), numbers (digits -> 9)."""
    if isinstance(value, bool):
        return "WAHR" if value else "FALSCH"
    if isinstance(value, (datetime, date)):
        return f"**.**.{value.year}"
    if isinstance(value, (int, float, time)):
        return re.sub(r"\d", "9", cell_text(value) or "")
    text = clean_text(str(value))
    if text in EXCEL_ERRORS:
        return text
    if _DATE_TEXT.match(text):
        return _mask_date_text(text)
    if any(ch.isdigit() for ch in text):
        return re.sub(r"\d", "9", mask(text) if len(re.findall(r"[^\W\d_]{3,}", text)) else text)
    return mask(text)


def _mask_date_text(text: str) -> str:
    iso = re.match(r"^(\d{4})-", text)
    if iso:
        return iso.group(1) + re.sub(r"\d", "*", text[4:])
    match = re.search(r"(\d{4}|\d{2})\s*$", text)
    keep = match.start() if match else len(text)
    return re.sub(r"\d", "*", text[:keep]) + text[keep:]


# --------------------------------------------------------------------------
# field guessing and the suggested mapping
# --------------------------------------------------------------------------

# the vocabulary (FIELD_GUESSES) and guess_field are shared with the list extraction: jhmig.extract.column_guess
FIELD_TYPES: dict[str, str] = {
    "family_name": "name", "given_names": "name", "name_full": "name",
    "birth_date": "date", "start_date": "date", "end_date": "date", "offence_date": "date", "hearing_date": "date",
    "rate": "amount", "postcode": "postcode", "known_to_asd": "flag",
}
CODE_FIELDS = ("sex", "service_type", "rate_unit", "termination_reason", "outcome", "status")
JGH_FIELDS = {"offence", "offence_date", "court", "hearing_date", "outcome", "known_to_asd"}


def suggest_mapping(profiles: Sequence[WorkbookProfile], name: str | None = None) -> str:
    """A list mapping for the profiled files as commented YAML; it validates as a ListMapping."""
    readable = [p for p in profiles if any(s.columns for s in p.sheets)]
    stem = name or _slug(Path(readable[0].file).stem if readable else "liste")
    names: dict[str, list[str]] = {}
    unguessed: list[str] = []
    legend_sheets: list[str] = []
    hidden_sheets: list[str] = []
    two_rows = False
    search = 15
    for profile in readable:
        for sheet in profile.sheets:
            if sheet.legend:
                legend_sheets.append(sheet.name)
                continue
            if sheet.hidden:
                hidden_sheets.append(sheet.name)
            if sheet.header_first is None:
                continue
            two_rows = two_rows or (sheet.header_last or 0) > sheet.header_first
            search = max(search, (sheet.header_last or sheet.header_first) + 2)
            for column in sheet.columns:
                if not column.name:
                    continue
                if column.guessed_field:
                    bucket = names.setdefault(column.guessed_field, [])
                    if column.name not in bucket:
                        bucket.append(column.name)
                elif f"{column.name!r}" not in unguessed:
                    unguessed.append(f"{column.name!r}")
    department = "JGH" if len(JGH_FIELDS & names.keys()) >= 2 else "ASD"
    csv_profile = next((p for p in readable if p.encoding), None)
    lines = [
        f"# List mapping suggested by `jhmig profile` for: {', '.join(p.file for p in profiles)}",
        "# Complete every TODO, then read the lists with it. Column names are compared loosely",
        "# (case, spaces, dots, hyphens, umlaut spellings do not matter).",
        f"name: {_yaml(stem)}",
        'description: ""  # TODO: which list is this (team, caseworker, years)?',
        f"source_system: {_yaml('excel-' + stem)}  # TODO: stable key namespace, e.g. excel-asd-nord; never change it later",
        f"department: {department}  # TODO: check (ASD or JGH)",
        "files:" if profiles else "files: []  # TODO: globs of the list files, relative to the lists folder",
        *[f"  - {_yaml(p.file)}" for p in profiles],
    ]
    if csv_profile:
        lines += [f"encoding: {_yaml(csv_profile.encoding or 'cp1252')}  # detected in {csv_profile.file}",
                  f"delimiter: {_yaml(csv_profile.delimiter or ';')}"
                  + ("  # TODO: one column only - check" if not csv_profile.delimiter else "")]
    lines += ["sheets:", '  include: ["*"]']
    if legend_sheets:
        lines.append(f"  exclude: {_flow(sorted(set(legend_sheets)))}  # legend sheets")
    hidden_note = f"  # TODO: hidden sheets found: {', '.join(sorted(set(hidden_sheets)))} - read or skip?" if hidden_sheets else ""
    lines.append(f"  hidden: read{hidden_note}")
    # detection tries one and two header rows on every sheet either way; rows: 2 records that the list has such a header
    header_rows = "  rows: 2  # a header over two rows was found (sheets with one header row are still read)" if two_rows else "  rows: 1"
    lines += ["header:", header_rows, f"  search_rows: {search}", "  min_matches: 2", "fields:"]
    if not names:
        lines[-1] = "fields: {}  # TODO: no column could be guessed; add fields by hand"
    for field_name in FIELD_GUESSES:
        if field_name not in names:
            continue
        lines.append(f"  {field_name}:")
        lines.append(f"    names: {_flow(names[field_name])}")
        ftype = FIELD_TYPES.get(field_name)
        if ftype:
            lines.append(f"    type: {ftype}")
        if field_name in CODE_FIELDS:
            lines.append(f"    # TODO: type: code + synonyms: lists/{stem}-{field_name}.csv (free text -> codes)")
        if field_name == "file_number":
            lines.append("    required: true")
    if unguessed:
        lines.append(f"# TODO: columns without a field (not read): {', '.join(unguessed[:40])}")
    lines += ["closed:", "  grey_fill: true", "  strikethrough: true",
              "  # TODO: status_values / sheet_names if the list marks closed cases differently"]
    text = "\n".join(lines) + "\n"
    ListMapping.model_validate(yaml.safe_load(text))  # a suggestion that does not load is a bug here, not the team's
    return text


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", din_fold(text)).strip("-")
    return slug[:40] or "liste"


def _yaml(value: str) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_style='"').strip()


def _flow(values: Sequence[str]) -> str:
    return "[" + ", ".join(_yaml(v) for v in values) + "]"


# --------------------------------------------------------------------------
# rendering and the command
# --------------------------------------------------------------------------


def render_profile(profile: WorkbookProfile, console: Console) -> None:
    say = _printer(console)
    say(f"{profile.file}: {profile.format}, read with {profile.engine}, {len(profile.sheets)} sheet(s)")
    for note in profile.notes:
        say(f"  note: {note}")
    for sheet in profile.sheets:
        _render_sheet(sheet, say)


def _render_sheet(sheet: SheetProfile, say: Any) -> None:
    label = "(CSV)" if not sheet.name and sheet.index == 0 else repr(sheet.name)
    flags = [sheet.state] + ([sheet.kind] if sheet.kind != "worksheet" else []) + (["legend sheet"] if sheet.legend else [])
    say(f"  sheet {sheet.index + 1} {label} ({', '.join(flags)}): {sheet.filled_rows} row(s) with values, "
        f"{sheet.width} column(s)")
    if sheet.error:
        say(f"    not readable: {sheet.error}")
        return
    if not sheet.filled_rows:
        return
    if sheet.header_first is None:
        say("    header: none found (no row is mostly text and as wide as the rows below)")
    else:
        rows = (f"rows {sheet.header_first}-{sheet.header_last} (joined)" if sheet.header_last != sheet.header_first
                else f"row {sheet.header_first}")
        say(f"    header: {rows}")
    for name, letters in sheet.duplicate_columns:
        say(f"    duplicate column name {name!r} in {' and '.join(letters)}: a mapping naming it is refused; rename one of them")
    say(f"    data rows: {sheet.data_rows}; empty rows inside the table: {sheet.empty_rows}")
    if sheet.odd_rows:
        shown = "; ".join(f"row {n} {kind}" + (f" '{text}'" if text else "") for n, kind, text in sheet.odd_rows[:MAX_SHOWN_ROWS])
        more = f" (+{len(sheet.odd_rows) - MAX_SHOWN_ROWS} more)" if len(sheet.odd_rows) > MAX_SHOWN_ROWS else ""
        say(f"    not case rows: {shown}{more}")
    if sheet.merged_in_table:
        say(f"    merged cells in the table: {', '.join(sheet.merged_in_table)}"
            f"{' ...' if sheet.merged_total > len(sheet.merged_in_table) else ''} ({sheet.merged_total} merged ranges in the sheet)")
    for column in sheet.columns[:MAX_SHOWN_COLUMNS]:
        guess = f" -> {column.guessed_field}" if column.guessed_field else ""
        name = repr(column.name) if column.name else "(no name)"
        say(f"    {column.letter:>3} {name:<28} fill {column.fill_rate:4.0%}  {column.inferred:<16} "
            f"{' | '.join(column.samples)}{guess}")
    if len(sheet.columns) > MAX_SHOWN_COLUMNS:
        say(f"    ... {len(sheet.columns) - MAX_SHOWN_COLUMNS:,} more column(s) not shown")


def _printer(console: Console) -> Any:
    def say(text: str) -> None:
        # soft_wrap: a long line stays one line (refusals must be exactly one line); no markup from cell values
        console.print(text, markup=False, highlight=False, soft_wrap=True, emoji=False)
    return say


def profile_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SPREADSHEET_SUFFIXES
                      and not p.name.startswith(("~$", ".~lock.")))
    return [path]


def profile_command(path: Path, show_values: bool, suggest: Path | None, console: Console, *,
                    limits: Limits | None = None) -> int:
    """``jhmig profile``: 0 when every file was profiled, 2 when a file was refused (one line each)."""
    say = _printer(console)
    files = profile_files(path)
    if not files:
        say(f"error: {path}: no spreadsheet or CSV files found")
        return 2
    base = path if path.is_dir() else path.parent
    profiles: list[WorkbookProfile] = []
    refused = 0
    for number, file in enumerate(files):
        shown = file.relative_to(base).as_posix() if file.is_relative_to(base) else str(file)
        try:
            profile = profile_workbook(file, display=shown, show_values=show_values, limits=limits)
        except SourceReadError as exc:
            refused += 1
            hint = f" (hint: {exc.hint})" if exc.hint else ""
            say(f"error: {exc.message}{hint}")
            continue
        if number:
            say("")
        render_profile(profile, console)
        profiles.append(profile)
    if suggest is not None and profiles:
        text = suggest_mapping(profiles)
        suggest.parent.mkdir(parents=True, exist_ok=True)
        suggest.write_text(text, encoding="utf-8")
        say(f"wrote suggested mapping {suggest} - complete its TODOs")
    if not show_values and profiles:
        say("(sample values masked; --show-values shows them - social data, do not share the output)")
    return 2 if refused else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m jhmig.extract.profile PATH [--show-values] [--suggest FILE]`` until the CLI command exists."""
    import argparse

    from rich.console import Console as RichConsole

    parser = argparse.ArgumentParser(prog="jhmig profile", description="Profile an unknown Excel/CSV list.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--show-values", action="store_true")
    parser.add_argument("--suggest", type=Path)
    args = parser.parse_args(argv)
    return profile_command(args.path, args.show_values, args.suggest, RichConsole())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
