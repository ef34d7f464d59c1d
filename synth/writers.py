"""Writing the legacy notations: cp1252, CRLF, ';' with doubled quotes,
amounts with decimal comma and trailing minus, and fixed-width payments.

Every delimited row learns the physical line it starts on, because remarks
with quoted line breaks shift all following lines and the truth file must
point at the line a reader reports.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

ENCODING = "cp1252"
CRLF = "\r\n"
PAYMENT_RECORD_LENGTH = 142


class Row:
    """One record of a delimited file: its values by column and where it landed."""

    __slots__ = ("file", "line", "taint", "values")

    def __init__(self, file: str, values: dict[str, str]) -> None:
        self.file = file
        self.values = values
        self.line = 0  # physical line, set by write_delimited
        self.taint: str | None = None  # the defect planted in this record, if any

    def copy(self) -> Row:
        return Row(self.file, dict(self.values))


def format_amount(cents: int, *, thousands: bool = True) -> str:
    """1.234,50 / 12,00- : decimal comma, optional thousands dot, trailing minus."""
    negative = cents < 0
    euros, rest = divmod(abs(cents), 100)
    whole = f"{euros:,}".replace(",", ".") if thousands else str(euros)
    return f"{whole},{rest:02d}{'-' if negative else ''}"


def write_delimited(path: Path, columns: Sequence[str], rows: Iterable[Row]) -> int:
    """Writes header + rows; sets ``row.line``; returns the number of records."""
    count = 0
    line = 2  # the header is line 1
    with path.open("w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quotechar='"', doublequote=True,
                            quoting=csv.QUOTE_MINIMAL, lineterminator=CRLF)
        writer.writerow(columns)
        for row in rows:
            values = [row.values[c] for c in columns]
            writer.writerow(values)
            row.line = line
            # A quoted line break inside a field makes the record span lines.
            line += 1 + sum(v.count("\n") for v in values)
            count += 1
    return count


def payment_line(number: int, case: str, service: str, kind: str, due: int, start: int, end: int,
                 cents: int, iban: str, payee: str) -> str:
    """One ZAHLUNGEN.DAT data record (142 characters + CRLF)."""
    return f"10{number:>10}{case:<20}{service:>10}{kind}{due:08d}{start:08d}{end:08d}{cents:>13}{iban:<34}{payee:<27}{CRLF}"


def trailer_line(count: int, sum_cents: int) -> str:
    """'90' + record count (10 digits, zero-padded) + signed cent sum (15 chars, '+'/'-' and 14 digits)."""
    return f"90{count:010d}{sum_cents:+015d}".ljust(PAYMENT_RECORD_LENGTH) + CRLF


def payee_text(name: str) -> str:
    """Payee field: the payment interface cut names to 27 characters."""
    return name[:27]
