"""Read a delimited text file (';', quotes, multi-line quoted fields) into raw strings.

The csv module is used rather than ``pandas.read_csv`` because it gives the
physical line of every record (remarks may span lines) and lets a malformed
record (too many or too few fields) be reported instead of aborting or being
dropped silently. All values stay strings; parsing is the transform's job.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jhmig.errors import SourceReadError, column_names_excerpt
from jhmig.layout import FileLayout

# Bytes that cp1252 leaves undefined still appear in real exports: they are
# kept visible as U+FFFD and reported, rather than aborting the whole file.
REPLACEMENT = "\ufffd"


@dataclass
class DelimitedRead:
    frame: pd.DataFrame  # source column names, all strings; index and column src_line
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # (line, reason, raw text)
    undecodable_lines: list[int] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    blank_lines: int = 0


def _open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    # utf-8-sig also strips a BOM that Windows tools put in front of UTF-8 files
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    return open(path, encoding=enc, errors="replace", newline="")


def read_delimited(path: Path, layout: FileLayout, encoding: str) -> DelimitedRead:
    wanted = list(layout.columns)
    try:
        handle = _open_text(path, encoding)
    except LookupError:
        raise SourceReadError(str(path), f"unknown encoding {encoding!r}", hint="fix 'encoding' in the layout file") from None
    with handle:
        if layout.quotechar:
            reader = csv.reader(handle, delimiter=layout.delimiter, quotechar=layout.quotechar, doublequote=True, strict=False)
        else:  # an unquoted export: a '"' opening a remark must not swallow the following fields
            reader = csv.reader(handle, delimiter=layout.delimiter, quoting=csv.QUOTE_NONE, strict=False)
        rows: list[list[str]] = []
        lines: list[int] = []
        result = DelimitedRead(frame=pd.DataFrame())
        previous_end = 0
        header: list[str] | None = None
        positions: list[int] = []
        try:
            for record in reader:
                start = previous_end + 1
                previous_end = reader.line_num
                if not record or (len(record) == 1 and not record[0].strip()):
                    result.blank_lines += 1
                    continue
                if layout.header and header is None:
                    header = [h.replace("\ufeff", "").strip().upper() for h in record]
                    positions, result.extra_columns = _match_header(path, header, wanted, layout.delimiter)
                    continue
                if header is None:  # no header line: columns in layout order
                    header = wanted
                    positions = list(range(len(wanted)))
                if any(REPLACEMENT in v for v in record):
                    result.undecodable_lines.append(start)
                if len(record) != len(header):
                    raw = layout.delimiter.join(record)
                    reason = f"{len(record)} Felder statt {len(header)}"
                    result.malformed.append((start, reason, raw))
                    continue
                rows.append([record[i] for i in positions])
                lines.append(start)
        except csv.Error as exc:
            if "field larger than field limit" in str(exc) and layout.quotechar:
                # the csv module only sees a field growing past its limit: the quote that opened it is the problem
                raise SourceReadError(
                    str(path), f"opens a quote ({layout.quotechar}) that never closes: the rest of the file would become one field",
                    line=previous_end + 1,
                    hint=f"close the quote in line {previous_end + 1} (a field's {layout.quotechar} must be doubled inside quotes) "
                    "and export again, or set 'quotechar' for this file in the layout if the export does not quote",
                ) from None
            raise SourceReadError(
                str(path), f"not readable as delimited text: {exc}", line=previous_end + 1,
                hint="check delimiter/quotechar/encoding in the layout file",
            ) from None
    if layout.header and header is None:
        raise SourceReadError(str(path), "the file is empty (no header line)", hint="re-export the file from the legacy system")
    frame = pd.DataFrame(rows, columns=wanted, dtype="string")
    frame.index = pd.Index(lines, name="src_line")
    frame["src_line"] = lines
    result.frame = frame
    return result


def _match_header(path: Path, header: list[str], wanted: list[str], delimiter: str) -> tuple[list[int], list[str]]:
    index = {name: i for i, name in enumerate(header)}
    missing = [w for w in wanted if w.upper() not in index]
    if missing:
        # One big header column almost always means the layout names the wrong delimiter.
        other = next((d for d in (";", ",", "|", "\t") if d != delimiter and d in header[0]), None) if len(header) == 1 else None
        # UTF-8 read as a single-byte code page shows its byte-order mark as 'ï»¿'
        bom = header[0].startswith(("\u00ef\u00bb\u00bf", "\u00cf\u00bb\u00bf"))
        hint = (f"the header is one single column: the file seems delimited by {other!r}, not {delimiter!r}; fix 'delimiter' for this file"
                if other else "the file starts with a UTF-8 byte-order mark: set 'encoding: utf-8' for this file" if bom else "this export differs from the layout: name these columns under 'columns' as the header spells them "
                "(case is ignored), or write a layout file for this export (see docs/layouts.md)")
        raise SourceReadError(
            str(path),
            f"header lacks column(s) {', '.join(missing)}; found {column_names_excerpt(header, wanted)}",
            line=1,
            hint=hint,
        )
    extra = [h for h in header if h not in {w.upper() for w in wanted}]
    return [index[w.upper()] for w in wanted], extra
