"""Extract caseworkers' Excel lists by a list mapping: one raw table per sheet, every row accounted for.

For each file matching the mapping's globs and each sheet it selects: find
the header, map columns to the mapping's fields, and turn every row below
the header into either a frame row (values as text, lineage ``src_line`` =
Excel row number, closed flag and reason) or a skipped outcome with its
German reason (empty, subtotal, note, legend; whole sheets: not selected,
hidden, legend, no header). ``batch.reads`` counts per file and sheet what
was read, so that read = mapped + skipped holds for every sheet.
"""

from __future__ import annotations

import re

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jhmig.errors import SourceReadError
from jhmig.extract.cells import CellValue, cell_text, column_letter
from jhmig.extract.csv_sheet import CsvOptions
from jhmig.extract.header_detect import Header, detect_header, duplicate_names, loose_key, match_fields
from jhmig.extract.list_as_of import AsOf, as_of_date
from jhmig.extract.list_files import matching_files, sheet_selected
from jhmig.extract.list_table_parts import fill_merged, raw_frame
from jhmig.extract.list_legend import legend_entries
from jhmig.extract.row_classify import ClosedMarks, RowClassifier, is_legend_sheet
from jhmig.extract.workbook import Limits, Sheet, SheetStyles, Workbook, open_workbook
from jhmig.list_mapping import ListMapping
from jhmig.records import (
    OUTCOME_COLUMNS,
    Batch,
    ExtractResult,
    Finding,
    Manifest,
    RawTable,
    Severity,
    SourceFileRead,
)

Progress = Callable[[str, int, int], None]
ENTITY = "list_row"
__all__ = ["ENTITY", "SheetExtractor", "extract_lists", "matching_files", "sheet_selected"]


def extract_lists(lists_dir: Path, mapping: ListMapping, progress: Progress | None = None, *,
                  limits: Limits | None = None, isolate: bool = True) -> ExtractResult:
    """Read every list the mapping names; raises only for unreadable files, never for bad rows."""
    if not lists_dir.is_dir():
        raise SourceReadError(str(lists_dir), "lists folder does not exist", hint="pass the folder that holds the Excel lists")
    batch = Batch(source_system=mapping.source_system)
    files, ignored = matching_files(lists_dir, mapping.files)
    for name in ignored:
        batch.findings.add(Finding(rule_id="extract.lock_file", severity=Severity.INFO,
                                   message="Sperrdatei eines geöffneten Dokuments übergangen (keine Liste)",
                                   source_system=mapping.source_system, entity=ENTITY, src_path=name))
    if not files:
        raise SourceReadError(str(lists_dir), f"no file matches the list mapping {mapping.name!r} ({', '.join(mapping.files)})",
                              hint="check 'files' in the mapping file (globs relative to the lists folder)")
    csv_options = CsvOptions(fallback_encoding=mapping.encoding, preferred_delimiter=mapping.delimiter)
    tables: list[RawTable] = []
    for number, path in enumerate(files):
        src_path = path.relative_to(lists_dir).as_posix()
        if progress:
            progress(f"extract {src_path}", number, len(files))
        workbook = open_workbook(path, display=src_path, limits=limits, csv_options=csv_options, isolate=isolate)
        for note in workbook.notes:
            batch.findings.add(Finding(rule_id="extract.reader_note", severity=Severity.INFO, message=note,
                                       source_system=mapping.source_system, entity=ENTITY, src_path=src_path))
        file_as_of: list[AsOf] = []  # the first "Stand" a sheet's title gives holds for the file's other sheets
        for sheet in workbook.sheets:
            table = SheetExtractor(workbook, sheet, src_path, mapping, batch, file_as_of).run()
            if table is not None:
                tables.append(table)
    if progress:
        progress("extract lists", len(files), len(files))
    return ExtractResult(batch=batch, tables=tables, manifest=Manifest(present=False), checks=[])


@dataclass
class _Body:
    records: list[list[str | None]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    closed: list[bool] = field(default_factory=list)
    reasons: list[str | None] = field(default_factory=list)
    raw: dict[int, list[str | None]] = field(default_factory=dict)


class SheetExtractor:
    """One sheet of one list -> one raw table, skipped outcomes, reads and findings in the batch."""

    def __init__(self, workbook: Workbook, sheet: Sheet, src_path: str, mapping: ListMapping, batch: Batch,
                 file_as_of: list[AsOf] | None = None) -> None:
        self.file_as_of = file_as_of if file_as_of is not None else []
        self.workbook = workbook
        self.sheet = sheet
        self.src_path = src_path
        self.mapping = mapping
        self.batch = batch
        self.skipped: list[tuple[int, str]] = []

    # -- helpers ---------------------------------------------------------
    def _report_uncached(self, header: Header, data_rows: set[int]) -> None:
        """Formula cells of case rows without a stored value are read as empty: each is named, never silently empty (nor 0)."""
        by_column = {index: name for name, index in header.fields.items()}
        for (row, col), formula in sorted(self.sheet.uncached_formulas.items()):
            if row not in data_rows:
                continue
            field_name = by_column.get(col - 1)
            self._finding("extract.formula_without_value", Severity.WARNING,
                          f"Zelle {column_letter(col - 1)}{row}: Formel {formula} ohne gespeicherten Wert, als leer gelesen"
                          + (f" ({field_name})" if field_name else ""), row, field_name)

    def _refuse_duplicate_names(self, header: Header, several: dict[str, list[int]]) -> None:
        """A column name the mapping uses, twice in the header: which column is meant nobody can tell, so nothing is guessed."""
        for name, columns in duplicate_names(header.columns).items():
            indexes = [c.index for c in columns]
            fields = [f for f, cols in several.items() if set(indexes) <= set(cols)]
            if fields:
                shown = " and ".join(f"{c.letter} {c.name!r}" for c in columns)
                raise SourceReadError(
                    self.src_path, f"sheet {self.sheet.name!r}, header row {header.first_row}: column {name!r} appears twice "
                    f"({shown}); the mapping takes it for {', '.join(fields)}",
                    hint="rename or delete one of the two columns in the list (jhmig profile FILE shows the header)",
                )

    def _finding(self, rule_id: str, severity: Severity, message: str, line: int | None = None, field: str | None = None) -> None:
        self.batch.findings.add(Finding(rule_id=rule_id, severity=severity, message=message, source_system=self.mapping.source_system,
                                        entity=ENTITY, src_path=self.src_path, src_sheet=self.sheet.name, src_line=line,
                                        field=field))

    def _read(self, count: int) -> None:
        self.batch.reads.append(SourceFileRead(self.mapping.source_system, self.src_path, self.sheet.name, ENTITY, count))

    def _skip_whole_sheet(self, reason: str) -> None:
        if is_legend_sheet(self.sheet.info.name):  # not read as cases, but it says what the workbook's abbreviations mean
            entries = legend_entries(self.sheet.rows)
            if entries:
                self.batch.legends.setdefault(self.src_path, {}).update(entries)
        raw = {number: [cell_text(v) for v in values] for number, values in self.sheet.rows}
        raw = {number: texts for number, texts in raw.items() if any(t is not None for t in texts)}
        self.skipped = [(line, reason) for line in raw]
        self.batch.raw[(self.src_path, self.sheet.name)] = raw_frame(self.sheet, raw, None)
        lines = list(raw)
        self._read(len(lines))
        self._record_skipped()

    def _record_skipped(self) -> None:
        if not self.skipped:
            return
        lines, reasons = zip(*self.skipped, strict=True)
        frame = pd.DataFrame({
            "source_system": self.mapping.source_system,
            "entity": ENTITY,
            "legacy_key": pd.Series([None] * len(lines), dtype="string"),
            "src_path": self.src_path,
            "src_sheet": self.sheet.name,
            "src_line": pd.Series(lines, dtype="int64"),
            "reason": pd.Series(reasons, dtype="string"),
        })
        self.batch.add_outcomes("skipped", frame.loc[:, list(OUTCOME_COLUMNS)])

    # -- the sheet -------------------------------------------------------
    def run(self) -> RawTable | None:
        sheet, info = self.sheet, self.sheet.info
        selected, reason = sheet_selected(info.name, info.hidden, self.mapping.sheets)
        if sheet.error is not None:
            if selected:
                raise SourceReadError(self.src_path, f"sheet {info.name!r} cannot be read: {sheet.error}",
                                      hint="open the file in Excel and save it again, or exclude the sheet in the mapping")
            self._finding("extract.sheet_unreadable", Severity.WARNING, f"Blatt nicht lesbar (nicht ausgewählt): {sheet.error}")
            return None
        if not selected:
            self._skip_whole_sheet(reason or "Blatt nicht ausgewählt")
            return None
        if info.kind not in ("worksheet", "macrosheet"):
            self._read(0)
            return None
        if not sheet.rows:
            self._read(0)
            return None
        rows = sheet.row_map()
        header = detect_header(rows, sheet.width, sheet.merged, mapping=self.mapping)
        if header is None or not header.fields:
            self._no_header(rows)
            return None
        return self._table(rows, header)

    def _no_header(self, rows: dict[int, tuple[CellValue, ...]]) -> None:
        """No header the mapping knows: a legend sheet, a header whose names no field lists, or no header at all."""
        if is_legend_sheet(self.sheet.info.name):
            self._skip_whole_sheet("Legendenblatt")
            return
        seen = detect_header(rows, self.sheet.width, self.sheet.merged, search_rows=self.mapping.header.search_rows)
        if seen is not None and seen.named:
            # the names stay out of the message: a row taken for a header may be a child's data
            self._skip_whole_sheet(f"Kopfzeile (Zeile {seen.first_row}) ohne Spaltennamen der Zuordnung")
            self._finding("extract.no_header", Severity.WARNING,
                          f"Kopfzeile in Zeile {seen.first_row} erkannt ({len(seen.named)} Spalten), aber keine heißt wie ein "
                          f"Feld der Zuordnung: Namen unter fields ergänzen (jhmig profile DATEI --suggest zeigt sie)", seen.first_row)
            return
        self._skip_whole_sheet("keine Kopfzeile gefunden")
        self._finding("extract.no_header", Severity.WARNING,
                      f"keine Kopfzeile mit mindestens {self.mapping.header.min_matches} Spaltennamen der Zuordnung "
                      f"in den ersten {self.mapping.header.search_rows} Zeilen")

    def _table(self, rows: dict[int, tuple[CellValue, ...]], header: Header) -> RawTable:
        sheet, mapping = self.sheet, self.mapping
        self._report_columns(header)
        fields = [f for f in mapping.fields if f in header.fields]  # mapping order
        first_data, last_data = header.last_row + 1, sheet.last_row
        above = [n for n in rows if n < header.first_row]
        if above:
            self._finding("extract.rows_above_header", Severity.INFO,
                          f"{len(above)} Zeile(n) über der Kopfzeile (Zeile {header.first_row}) als Titel übergangen", above[0])
        as_of = self._as_of(rows, above)
        rows, filled = fill_merged(rows, sheet.merged, first_data, last_data)
        if filled:
            self._finding("extract.merged_cells_filled", Severity.INFO,
                          f"{filled} verbundene Zellbereiche in der Tabelle: der Wert gilt für jede Zeile des Bereichs", first_data)
        body = self._body(rows, header, fields, first_data, last_data, as_of)
        frame = pd.DataFrame(body.records, columns=fields, dtype="string") if body.records else pd.DataFrame(
            {f: pd.Series(dtype="string") for f in fields})
        self._report_uncached(header, set(body.lines))
        frame.index = pd.Index(body.lines, name="src_line", dtype="int64")
        frame["src_line"] = pd.Series(body.lines, index=frame.index, dtype="int64")
        frame["_closed"] = pd.Series(body.closed, index=frame.index, dtype="bool")
        frame["_closed_reason"] = pd.Series(body.reasons, index=frame.index, dtype="string")
        frame["_as_of"] = pd.Series(as_of.date.isoformat() if as_of else pd.NA, index=frame.index, dtype="string")
        frame["_as_of_source"] = pd.Series(as_of.source if as_of else pd.NA, index=frame.index, dtype="string")
        raw_rows = raw_frame(sheet, body.raw, header)
        # which raw column feeds which field, for masking personal values in reports (RawTable has letters only)
        raw_rows.attrs["fields"] = {raw_rows.columns[header.fields[f]]: f for f in fields}
        self.batch.raw[(self.src_path, sheet.name)] = raw_rows
        self._read(last_data - first_data + 1 if last_data >= first_data else 0)
        self._record_skipped()
        letters = {f: column_letter(header.fields[f]) for f in fields}
        return RawTable(self.src_path, ENTITY, self.src_path, sheet.name, frame, letters)

    def _as_of(self, rows: dict[int, tuple[CellValue, ...]], above: list[int]) -> AsOf | None:
        titles = [(n, " ".join(t for t in (cell_text(v) for v in rows[n]) if t)) for n in above]
        own = as_of_date(self.mapping.as_of, titles, self.src_path) if self.mapping.as_of or titles else None
        if own is not None and own.source.startswith("Titelzeile") and not self.file_as_of:
            self.file_as_of.append(AsOf(own.date, f"{own.source} von Blatt {self.sheet.name}" if self.sheet.name else own.source))
        if own is not None and own.source != "Dateiname":
            return own
        return self.file_as_of[0] if self.file_as_of else as_of_date(None, (), self.src_path)

    def _body(self, rows: dict[int, tuple[CellValue, ...]], header: Header, fields: list[str], first: int, last: int,
              as_of: AsOf | None) -> _Body:
        """Every row below the header: a data row (values, closed mark) or a skipped row with its reason."""
        table_cols = sorted({c.index for c in header.named} | set(header.fields.values()))
        styles = self._styles(first, last, table_cols)
        classifier = RowClassifier(self.mapping.skip, len(table_cols))
        closed = ClosedMarks(self.mapping.closed, self.sheet.name, hidden=self.sheet.info.hidden,
                             as_of_year=as_of.date.year if as_of else None)
        status_col, mark_col = header.fields.get("status"), header.fields.get("closed_mark")
        field_cols = [header.fields[f] for f in fields]
        closing = [re.compile(p, re.IGNORECASE) for p in self.mapping.closed.note_rows]
        closed_below: str | None = None  # "unter Hinweiszeile 17 'ab hier abgeschlossen'": the rows below are closed
        body = _Body()
        for number in range(first, last + 1):
            values = rows.get(number, ())
            texts = [cell_text(v) for v in values]  # once per row: for the frame, the raw record and the classifier
            kind = classifier.classify(values, texts)
            if values:
                body.raw[number] = texts
            if not kind.is_data:
                self.skipped.append((number, kind.reason or kind.kind))
                note = " ".join(t.strip() for t in texts if t and t.strip())
                if closing and note and any(p.search(note) for p in closing):
                    closed_below = f"unter Hinweiszeile {number} '{note[:60]}'"
                continue
            body.records.append([texts[c] if c < len(texts) else None for c in field_cols])
            body.lines.append(number)
            row_styles = ([styles.cells.get((number, c + 1)) for c in table_cols if c < len(texts) and texts[c] is not None]
                          if styles is not None and styles.available else [])
            status = texts[status_col] if status_col is not None and status_col < len(texts) else None
            mark = texts[mark_col] if mark_col is not None and mark_col < len(texts) else None
            reasons = closed.reasons(status, row_styles, mark=mark, mark_header=header.columns[mark_col].name if mark else "")
            if closed_below is not None:
                reasons = [*reasons, closed_below]
            body.closed.append(bool(reasons))
            body.reasons.append("; ".join(reasons) if reasons else None)
        return body

    def _report_columns(self, header: Header) -> None:
        mapping = self.mapping
        line = header.first_row
        found = match_fields(header.columns, mapping)
        self._refuse_duplicate_names(header, found.several)
        for name, cols in found.several.items():
            self._finding("extract.column_ambiguous", Severity.WARNING,
                          f"mehrere Spalten passen zu {name}: {', '.join(column_letter(c) for c in cols)}; "
                          f"übernommen wird {column_letter(cols[0])}", line, name)
        for name, cols in found.guess_ambiguous.items():
            self._finding("extract.column_ambiguous", Severity.WARNING,
                          f"mehrere Spalten könnten {name} sein ({', '.join(column_letter(c) for c in cols)}), keine heißt so "
                          f"wie in der Zuordnung: keine übernommen", line, name)
        written = {loose_key(n): n for rule in mapping.fields.values() for n in rule.names}
        for name, known in header.guessed.items():
            column = header.columns[header.fields[name]]
            self._finding("extract.column_guessed", Severity.WARNING,
                          f"Spalte {column.letter} '{column.name}' als {name} übernommen (ähnlich zu '{written.get(known, known)}', "
                          f"kein Name der Zuordnung): bitte prüfen und den Namen in der Zuordnung ergänzen", line, name)
        for name, rule in mapping.fields.items():
            if rule.required and name not in header.fields:
                self._finding("extract.required_column_missing", Severity.WARNING,
                              f"Pflichtspalte fehlt im Blatt ({' / '.join(rule.names)})", line, name)
        used = set(header.fields.values())
        extra = [f"{c.letter} '{c.name}'" for c in header.named if c.index not in used]
        if extra:
            self._finding("extract.unmapped_columns", Severity.INFO,
                          f"Spalten ohne Zuordnung werden nicht übernommen: {', '.join(extra)}", line)

    def _styles(self, first: int, last: int, table_cols: list[int]) -> SheetStyles | None:
        rule = self.mapping.closed
        if not (rule.grey_fill or rule.strikethrough) or last < first or not table_cols:
            return None
        if self.workbook.container.kind == "csv":
            return None
        styles = self.workbook.styles(self.sheet.name, first, last, table_cols[0] + 1, table_cols[-1] + 1)
        if not styles.available:
            self._finding("extract.formatting_unavailable", Severity.INFO,
                          f"graue/durchgestrichene Zeilen nicht erkennbar: {styles.reason}")
        return styles
