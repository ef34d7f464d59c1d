"""Extract a legacy export directory by its layout: raw strings, lineage, control totals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from jhmig.errors import SourceReadError
from jhmig.extract.delimited import read_delimited
from jhmig.extract.encoding_check import check_encoding
from jhmig.extract.fixed_width import read_fixed_width
from jhmig.extract.manifest import read_manifest
from jhmig.layout import FileLayout, Layout
from jhmig.quarantine import quarantine_unreadable
from jhmig.records import (
    Batch,
    ControlCheck,
    ExtractResult,
    Finding,
    Manifest,
    RawTable,
    Severity,
    SourceFileRead,
)
from jhmig.values import parse_amount_cents, parse_int, sum_cents

Progress = Callable[[str, int, int], None]


def extract_export(export_dir: Path, layout: Layout, progress: Progress | None = None) -> ExtractResult:
    """Read every file the layout names; never raises on bad records, only on unreadable files."""
    if not export_dir.is_dir():
        raise SourceReadError(str(export_dir), "export directory does not exist", hint="pass the folder that holds EXPORT.INF and the data files")
    manifest = read_manifest(export_dir, layout)
    batch = Batch(source_system=layout.source_system)
    tables: list[RawTable] = []
    checks: list[ControlCheck] = []
    unsummed: list[tuple[str, int, str]] = []
    present = {p.name.upper(): p for p in export_dir.iterdir() if p.is_file()}
    for number, file_layout in enumerate(layout.files, start=1):
        if progress:
            progress(f"extract {file_layout.file}", number - 1, len(layout.files))
        path = present.get(file_layout.file.upper())
        if path is None:
            if file_layout.optional:
                continue
            raise SourceReadError(
                str(export_dir / file_layout.file), "file missing from the export",
                hint="ask for a complete export, or mark the file optional in the layout",
            )
        table, records, trailer, malformed = _read_file(path, file_layout, layout, batch)
        tables.append(table)
        file_checks, bad_sum_lines = _control_checks(table, records, trailer, file_layout, layout, manifest)
        checks.extend(file_checks)
        unsummed.extend((table.src_path, line, reason) for line, reason, _ in malformed)
        unsummed.extend((table.src_path, line, reason) for line, reason in bad_sum_lines)
    if manifest.present:
        known = {f.file.upper() for f in layout.files}
        for name, entry in manifest.entries.items():
            if name not in known:
                checks.append(ControlCheck(entry.file, "file", entry.records, None, "manifest"))
    if progress:
        progress("extract", len(layout.files), len(layout.files))
    return ExtractResult(batch=batch, tables=tables, manifest=manifest, checks=checks, unsummed=sorted(unsummed))


def _other_files(export_dir: Path, layout: Layout) -> list[tuple[Path, str]]:
    from jhmig.extract.manifest import export_files

    return export_files(export_dir, layout)


def _read_file(path: Path, file_layout: FileLayout, layout: Layout, batch: Batch
               ) -> tuple[RawTable, int, dict[str, str] | None, list[tuple[int, str, str]]]:
    """Read one file; returns the table, its record count, the raw trailer (fixed width) and the unreadable records."""
    encoding = layout.encoding_of(file_layout)
    src_path = path.name
    trailer: dict[str, str] | None = None
    # The bytes are checked before parsing: a cp1252 reader accepts UTF-8 and DOS bytes as mojibake.
    data = path.read_bytes()
    check_encoding(data, encoding, str(path), others=lambda: _other_files(path.parent, layout))
    if file_layout.format == "fixed_width":
        read = read_fixed_width(path, file_layout, encoding, data)
        undecodable: list[int] = []
        trailer = read.trailer if read.trailer is not None else {}
        if read.records_after_trailer:
            batch.findings.add(Finding(
                rule_id="extract.records_after_trailer", severity=Severity.WARNING,
                message=f"{read.records_after_trailer} Datensätze stehen hinter dem Schlusssatz",
                source_system=batch.source_system, entity=file_layout.entity, src_path=src_path, src_line=read.trailer_line,
            ))
    else:
        del data  # the csv reader streams the file
        read = read_delimited(path, file_layout, encoding)
        undecodable = read.undecodable_lines
        if read.extra_columns:
            batch.findings.add(Finding(
                rule_id="extract.extra_columns", severity=Severity.INFO,
                message=f"Spalten ohne Zuordnung im Layout werden nicht übernommen: {', '.join(read.extra_columns)}",
                source_system=batch.source_system, entity=file_layout.entity, src_path=src_path, src_line=1,
            ))
    frame = read.frame
    batch.raw[(src_path, "")] = frame  # the same frame, not a copy: payments are big
    records = len(frame) + len(read.malformed)
    batch.reads.append(SourceFileRead(batch.source_system, src_path, "", file_layout.entity, records))
    for line in undecodable:
        batch.findings.add(Finding(
            rule_id="encoding.undecodable", severity=Severity.ERROR,
            message=f"Zeichen, die in {encoding} nicht definiert sind (falsche Kodierung der Datei?)",
            source_system=batch.source_system, entity=file_layout.entity, src_path=src_path, src_line=line,
        ))
    if read.malformed:
        quarantine_unreadable(batch, file_layout.entity, src_path, read.malformed)
    return RawTable(file_layout.file, file_layout.entity, src_path, "", frame), records, trailer, read.malformed


def _control_checks(
    table: RawTable, records: int, trailer: dict[str, str] | None, file_layout: FileLayout, layout: Layout, manifest: Manifest
) -> tuple[list[ControlCheck], list[tuple[int, str]]]:
    """The file's control checks and the (line, reason) of records whose amount the sum could not take."""
    actual_sum, bad_lines = _sum_of(table, file_layout, layout)
    checks: list[ControlCheck] = []
    if manifest.present:
        entry = manifest.entries.get(file_layout.file.upper())
        if entry is None:
            checks.append(ControlCheck(file_layout.file, "file", None, records, "manifest"))
        else:
            if entry.records is not None:
                checks.append(ControlCheck(file_layout.file, "records", entry.records, records, "manifest"))
            if entry.sum_cents is not None:
                checks.append(ControlCheck(file_layout.file, "sum_cents", entry.sum_cents, actual_sum, "manifest"))
    if trailer is not None and file_layout.trailer is not None:
        # A missing trailer is the classic sign of a truncated payment file.
        count, _ = parse_int(pd.Series([trailer.get("count")], dtype="string"))
        expected = None if pd.isna(count.iloc[0]) else int(count.iloc[0])
        checks.append(ControlCheck(file_layout.file, "trailer_records", expected, records, "trailer"))
        if file_layout.trailer.sum_cents is not None:
            total, _ = parse_int(pd.Series([trailer.get("sum_cents")], dtype="string"))
            expected_sum = None if pd.isna(total.iloc[0]) else int(total.iloc[0])
            checks.append(ControlCheck(file_layout.file, "trailer_sum_cents", expected_sum, actual_sum, "trailer"))
    return checks, bad_lines


def _sum_of(table: RawTable, file_layout: FileLayout, layout: Layout) -> tuple[int | None, list[tuple[int, str]]]:
    if not file_layout.sum_field:
        return None, []
    column = next((name for name, c in file_layout.columns.items() if c.field == file_layout.sum_field), None)
    if column is None:
        return None, []
    values = table.frame[column]
    if file_layout.columns[column].type == "cents":
        parsed, bad = parse_int(values)
    else:
        f = layout.formats
        parsed, bad = parse_amount_cents(values, decimal=f.decimal, thousands=f.thousands, negative=f.negative)
    reason = f"{column}: kein Betrag"
    bad_lines = [(int(line), reason) for line in table.frame.loc[bad.to_numpy(dtype=bool), "src_line"]] if bad.any() else []
    return sum_cents(parsed), bad_lines
