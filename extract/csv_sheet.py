"""A CSV "saved from Excel" as a one-sheet workbook: sniffed encoding and delimiter, all values text.

Caseworkers' CSVs come from German Excel: cp1252 with ';', sometimes UTF-8
with a BOM, sometimes a ``sep=;`` first line, quoted fields with line breaks
in remarks, stray NUL bytes, rows of different length. Rows are numbered as
Excel numbers them when it opens the file (one record = one row), so that a
data steward finds the row. Values stay text: "01067" is a postcode, not 1067.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from jhmig.extract.workbook_guard import GuardRefusal, Limits

DELIMITERS = (";", ",", "\t", "|")
_SNIFF_LINES = 50


@dataclass(frozen=True)
class CsvOptions:
    """How to read delimited text; ``None`` means sniff it."""

    encoding: str | None = None  # forced encoding; None = BOM / UTF-8 / fallback
    fallback_encoding: str = "cp1252"  # what German Excel writes when the text is not UTF-8
    delimiter: str | None = None  # forced delimiter; None = sniff
    preferred_delimiter: str = ";"  # wins a tie while sniffing


@dataclass
class CsvSheet:
    rows: list[tuple[int, tuple[str | None, ...]]]  # non-empty records only, 1-based row numbers
    width: int
    last_row: int
    encoding: str
    delimiter: str
    notes: list[str] = field(default_factory=list)


def read_csv_sheet(path: Path, options: CsvOptions, limits: Limits) -> CsvSheet:
    data = path.read_bytes()
    text, encoding, notes = _decode(data, options)
    if "\x00" in text:
        count = text.count("\x00")
        text = text.replace("\x00", "")
        notes.append(f"{count} NUL-Zeichen entfernt")
    first_line_end = text.find("\n")
    first_line = text[: first_line_end if first_line_end != -1 else len(text)].strip()
    skipped_lines = 0
    delimiter = options.delimiter
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        # Excel's own hint line; Excel consumes it and does not show it as a row
        delimiter = delimiter or first_line[4]
        text = text[first_line_end + 1:] if first_line_end != -1 else ""
        skipped_lines = 1
    if delimiter is None:
        delimiter = sniff_delimiter(text, options.preferred_delimiter)
    if skipped_lines:
        notes.append(f"Kopfzeile 'sep={delimiter}' übergangen")
    rows, width, last_row = _parse(text, delimiter, limits)
    return CsvSheet(rows=rows, width=width, last_row=last_row, encoding=encoding, delimiter=delimiter or "", notes=notes)


def _decode(data: bytes, options: CsvOptions) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    if options.encoding:
        try:
            return data.decode(options.encoding, errors="replace"), options.encoding, notes
        except LookupError:
            raise GuardRefusal(f"unknown encoding {options.encoding!r}", "fix 'encoding' in the mapping file") from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", notes
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16", notes
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace"), utf16, notes
    try:
        return data.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(options.fallback_encoding), options.fallback_encoding, notes
    except UnicodeDecodeError:
        text = data.decode(options.fallback_encoding, errors="replace")
        notes.append(f"{text.count(chr(0xFFFD))} Bytes sind in {options.fallback_encoding} nicht definiert (als \ufffd übernommen)")
        return text, options.fallback_encoding, notes
    except LookupError:
        raise GuardRefusal(f"unknown encoding {options.fallback_encoding!r}", "fix 'encoding' in the mapping file") from None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text of Latin letters has a NUL in every other byte."""
    sample = data[:4000]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def sniff_delimiter(text: str, preferred: str = ";") -> str:
    """The delimiter that splits the first lines most consistently (quotes respected); "" for one column."""
    sample = text[:200_000]
    lines = [line for line in sample.splitlines()[:_SNIFF_LINES] if line.strip()]
    if not lines:
        return preferred
    best: tuple[float, int, int, str] | None = None
    for candidate in DELIMITERS:
        counts = [_count_outside_quotes(line, candidate) for line in lines]
        nonzero = [c for c in counts if c]
        if not nonzero:
            continue
        mode, hits = Counter(nonzero).most_common(1)[0]
        consistency = hits / len(lines)
        key = (round(consistency, 2), mode, 1 if candidate == preferred else 0, candidate)
        if best is None or key[:3] > best[:3]:
            best = key
    return best[3] if best else ""


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count = 0
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


def _parse(text: str, delimiter: str, limits: Limits) -> tuple[list[tuple[int, tuple[str | None, ...]]], int, int]:
    rows: list[tuple[int, tuple[str | None, ...]]] = []
    width = 0
    filled = 0
    number = 0
    if not delimiter:  # one column: every line is a value (csv needs some delimiter)
        delimiter = "\x1f"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    try:
        for number, record in enumerate(reader, start=1):
            values = tuple(v if v != "" else None for v in record)
            while values and values[-1] is None:
                values = values[:-1]
            if not values:
                continue
            filled += sum(1 for v in values if v is not None)
            if filled > limits.max_filled_cells:
                raise GuardRefusal(f"too large: more than {limits.max_filled_cells:,} filled cells", "split the list")
            width = max(width, len(values))
            rows.append((number, values))
    except csv.Error as exc:
        raise GuardRefusal(f"not readable as delimited text near row {number + 1}: {exc}",
                           "check quotes in the file; save it from Excel again") from None
    return rows, width, number
