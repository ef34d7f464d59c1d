"""Vectorised value parsers shared by the stages (dates, amounts, integers).

Each parser takes a pandas string Series and returns the parsed Series plus
a boolean mask of values that were present but could not be parsed, so the
caller can turn them into findings. Nothing here raises on bad data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

_ZERO_DATE = re.compile(r"^[0\s./-]*$")
_WS = re.compile(r"[\s\u00a0\u202f]+")


def clean(s: pd.Series) -> pd.Series:
    """Strip surrounding white space (including non-breaking spaces); empty -> NA."""
    out = s.astype("string").str.replace("\u00a0", " ", regex=False).str.strip()
    return out.mask(out == "")


@dataclass(frozen=True)
class DateParse:
    value: pd.Series  # datetime64, NaT where unknown, open or bad
    bad: pd.Series  # present but not a valid date (e.g. 31.02.2019)
    open_end: pd.Series  # the sentinel for "open / still running"


def parse_dates(s: pd.Series, fmt: str, *, unknown: tuple[str, ...] = ("",), open_end: tuple[str, ...] = ()) -> DateParse:
    raw = clean(s)
    present = raw.notna()
    is_unknown = raw.isin([u for u in unknown if u]) | raw.fillna("").str.fullmatch(_ZERO_DATE.pattern)
    is_open = raw.isin(list(open_end)) if open_end else pd.Series(False, index=s.index)
    todo = present & ~is_unknown & ~is_open
    parsed = pd.to_datetime(raw.where(todo), format=fmt, errors="coerce")
    # A year 9999 is an open end whatever its spelling (e.g. 99991231 in fixed width).
    far = parsed.dt.year >= 9000
    is_open = is_open | far.fillna(False)
    parsed = parsed.mask(far)
    bad = todo & parsed.isna() & ~is_open
    return DateParse(parsed, bad.astype(bool), is_open.astype(bool))


def parse_amount_cents(
    s: pd.Series, *, decimal: str = ",", thousands: str = ".", negative: str = "both"
) -> tuple[pd.Series, pd.Series]:
    """Euro amounts as written ('1.234,50', '12,00-', '1.250,00 €') -> Int64 cents."""
    raw = clean(s)
    present = raw.notna()
    t = raw.str.replace("€", "", regex=False).str.replace("EUR", "", regex=False)
    t = t.str.replace(_WS.pattern, "", regex=True)
    if thousands:
        t = t.str.replace(thousands, "", regex=False)
    if decimal != ".":
        t = t.str.replace(decimal, ".", regex=False)
    lead = "-?" if negative in ("leading", "both") else ""
    trail = "-?" if negative in ("trailing", "both") else ""
    parts = t.str.extract(rf"^(?P<lead>{lead})(?P<int>\d+)(?:\.(?P<frac>\d{{1,2}}))?(?P<trail>{trail})$")
    ok = parts["int"].notna()
    ints = pd.to_numeric(parts["int"].where(ok), errors="coerce")
    frac = parts["frac"].fillna("0").str.ljust(2, "0")
    cents = ints * 100 + pd.to_numeric(frac.where(ok), errors="coerce")
    neg = (parts["lead"] == "-") | (parts["trail"] == "-")
    cents = cents.where(~neg.fillna(False), -cents)
    both_signs = (parts["lead"] == "-") & (parts["trail"] == "-")
    ok = ok & ~both_signs.fillna(False)
    out = cents.where(ok).round().astype("Int64")
    return out, (present & ~ok).astype(bool)


def parse_int(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Signed integers ('  -12345', '0000042') -> Int64, with a mask of bad values."""
    raw = clean(s)
    present = raw.notna()
    ok = raw.str.fullmatch(r"[+-]?\d+").fillna(False).astype(bool)
    out = pd.to_numeric(raw.where(ok), errors="coerce").astype("Int64")
    return out, (present & ~ok).astype(bool)


def sum_cents(values: pd.Series) -> int:
    return int(values.dropna().astype(np.int64).sum())
