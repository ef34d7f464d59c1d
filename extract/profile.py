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

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from jhmig.errors import SourceReadError
from jhmig.extract.cells import CellValue, cell_text, clean_text
from jhmig.extract.column_guess import guess_field
from jhmig.extract.header_detect import Header, HeaderColumn, detect_header, duplicate_names
from jhmig.extract.list_files import LOCK_PREFIXES, SPREADSHEET_SUFFIXES
from jhmig.extract.profile_model import ColumnProfile, SheetProfile, WorkbookProfile
from jhmig.extract.profile_suggest import suggest_mapping
from jhmig.extract.profile_values import infer_type, mask_value, value_kind
from jhmig.extract.row_classify import RowClassifier, RowKind, is_legend_sheet
from jhmig.extract.workbook import Limits, Sheet, open_workbook

__all__ = ["ColumnProfile", "SheetProfile", "WorkbookProfile", "infer_type", "mask_value", "profile_command", "profile_files",
           "profile_workbook", "render_profile", "suggest_mapping", "value_kind"]
MAX_SHOWN_COLUMNS = 40  # a sheet can hold 16,384 columns; nobody reads that on a console
MAX_SHOWN_ROWS = 12
SAMPLES = 3
SEARCH_ROWS = 30  # the profiler looks deeper for a header than the default mapping (15)


class Console(Protocol):
    def print(self, *objects: Any, **kwargs: Any) -> None: ...


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
    columns = {c.index: c for c in header.columns} if header else {}
    used_fields: set[str] = set()
    out: list[ColumnProfile] = []
    for col in range(width):
        values = [row[col] for row in data if col < len(row) and row[col] is not None
                  and (not isinstance(row[col], str) or clean_text(row[col]))]
        column = columns.get(col)
        name = column.name if column else ""
        if not name and not values:
            continue
        samples: list[str] = []
        for value in values:
            text = cell_text(value) or ""
            shown = (text if show_values else mask_value(value)).replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎")
            if shown not in samples:
                samples.append(shown)
            if len(samples) == SAMPLES:
                break
        guessed = _guess(column, values, used_fields) if column and name else None
        if guessed:
            used_fields.add(guessed)
        out.append(ColumnProfile(col, name, len(values), len(data), infer_type(values, name), samples, guessed))
    return out


def _guess(column: HeaderColumn, values: list[CellValue], taken: set[str]) -> str | None:
    """The field a column could feed: by its whole name, else by its own row of a two-row header ("Hilfe" / "ab")."""
    candidates = [column.name, *reversed(column.parts)] if len(column.parts) > 1 else [column.name]
    for name in candidates:
        guessed = guess_field(name)
        if guessed == "family_name" and _mostly_full_names(values):
            guessed = "name_full"  # "Name" holding "Müller, Lena"
        if guessed and guessed not in taken:
            return guessed
    return None


def _mostly_full_names(values: list[CellValue]) -> bool:
    texts = [v for v in values if isinstance(v, str)]
    return bool(texts) and sum(1 for t in texts if "," in t) >= 0.8 * len(texts)


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
                      and not p.name.startswith(LOCK_PREFIXES))
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
