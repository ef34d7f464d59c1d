"""Parsers for the values caseworkers type into Excel lists.

Lists mix real Excel dates (arriving as ISO text), dates typed as text in
several formats, Excel serial numbers stored as text, month-only dates
("Mai 2009", "05/2009"), amounts as numbers or as text with '€' and German
separators, and approximations ("ca. 3000"). Each parser returns the value
plus masks for the caller's findings; nothing raises on bad data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from jhmig.list_mapping import OPEN_DATE_MARKERS
from jhmig.values import clean, parse_amount_cents

MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3, "mrz": 3, "april": 4, "apr": 4,
    "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "dezember": 12, "dez": 12,
}
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 (with the 1900 leap-year bug folded in)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ].*)?$")
_SERIAL = re.compile(r"^\d{4,5}(\.0+)?$")
_MONTH_NAME = re.compile(r"^([a-zäöü]+)\.?\s*(\d{2}|\d{4})$")
_MONTH_NUM = re.compile(r"^(\d{1,2})[./](\d{4})$")
_YEAR_ONLY = re.compile(r"^(19|20)\d{2}$")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_APPROX = re.compile(r"^(?:ca\.?|circa|etwa|ungefähr|ungef\.|~)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ListDates:
    value: pd.Series  # datetime64; month-/year-only values as the 1st of the period, see ``precision``
    bad: pd.Series  # present, not a date
    month_only: pd.Series  # only month and year given: the 1st of the month is stored, precision "month"
    serial: pd.Series  # an Excel serial number stored as text
    year_only: pd.Series | None = None  # only a year given: 1 January is stored, precision "year"
    open_marker: pd.Series | None = None  # "offen", "n.n.", "?", "-": no date, on purpose

    @property
    def precision(self) -> pd.Series:
        """"month" / "year" where the value is less exact than a day; NA otherwise."""
        out = pd.Series(pd.NA, index=self.value.index, dtype="string")
        out[self.month_only] = "month"
        if self.year_only is not None:
            out[self.year_only] = "year"
        return out


def parse_list_dates(s: pd.Series, formats: tuple[str, ...], open_markers: tuple[str, ...] = OPEN_DATE_MARKERS) -> ListDates:
    raw = clean(s)
    text = raw.str.lower()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    markers = {" ".join(m.casefold().split()) for m in open_markers}
    open_marker = text.str.split().str.join(" ").isin(markers).fillna(False).astype(bool)
    todo = raw.notna() & ~open_marker

    # on the cell as written: "1952-10-11T14:35:27" (an Excel date cell with a time) keeps its capital T
    iso = todo & raw.str.match(_ISO.pattern, case=False).fillna(False).astype(bool)
    out[iso] = pd.to_datetime(raw[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")

    serial = todo & ~iso & text.str.match(_SERIAL.pattern).fillna(False).astype(bool)
    days = pd.to_numeric(raw[serial], errors="coerce")
    plausible = days.between(10_000, 80_000).fillna(False).astype(bool)  # 1927..2119: a 4-5 digit number in a date column
    serial_idx = days.index[plausible.to_numpy()]
    out[serial_idx] = _EXCEL_EPOCH + pd.to_timedelta(days[plausible], unit="D")
    serial = serial & out.notna()

    month_only = pd.Series(False, index=s.index)
    year_only = pd.Series(False, index=s.index)
    rest = todo & out.isna() & ~serial
    for fmt in formats:
        if not rest.any():
            break
        # a declared format without a day ("%m/%Y", "ca. %Y" for UMA) is read at its precision: month or year
        precision = "day" if "%d" in fmt else "month" if ("%m" in fmt or "%b" in fmt or "%B" in fmt) else "year"
        parsed = pd.to_datetime(raw[rest].str.strip(), format=fmt, errors="coerce")
        hit = parsed.notna()
        idx = parsed.index[hit.to_numpy()]
        # two-digit years: 09 -> 2009, 85 -> 1985 (children and parents, never the future)
        values = parsed[hit].dt.normalize()  # a time of day ("09.07.2013 12:00:00") says nothing the target keeps
        if "%y" in fmt:
            values = values.where(values <= pd.Timestamp.now(), values - pd.DateOffset(years=100))
        out[idx] = values
        if precision == "month":
            month_only[idx] = True
        elif precision == "year":
            year_only[idx] = True
        rest = rest & out.isna()

    if rest.any():
        names = text[rest].str.extract(_MONTH_NAME.pattern)
        nums = text[rest].str.extract(_MONTH_NUM.pattern)
        month = names[0].map(MONTHS).fillna(pd.to_numeric(nums[0], errors="coerce"))
        year = pd.to_numeric(names[1].fillna(nums[1]), errors="coerce")
        year = year.where(year >= 100, year + 2000)
        ok = (month.between(1, 12) & year.between(1900, 2100)).fillna(False).astype(bool)
        idx = ok.index[ok.to_numpy()]
        if len(idx):
            out[idx] = pd.to_datetime({"year": year[idx], "month": month[idx], "day": 1})
            month_only[idx] = True
    plain_year = rest & out.isna() & text.str.match(_YEAR_ONLY.pattern).fillna(False).astype(bool)
    if plain_year.any():
        out[plain_year] = pd.to_datetime(raw[plain_year] + "-01-01", format="%Y-%m-%d")
    year_only = year_only | plain_year
    bad = todo & out.isna()
    return ListDates(out, bad.astype(bool), month_only.astype(bool), serial.astype(bool), year_only.astype(bool), open_marker)


def parse_list_amounts(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """-> (cents Int64, bad mask, approximate mask). Numbers from numeric cells use a decimal point."""
    raw = clean(s)
    approx = raw.str.contains(_APPROX.pattern, regex=True, case=False).fillna(False).astype(bool)
    text = raw.str.replace(_APPROX, "", regex=True)
    plain = text.str.match(_PLAIN_NUMBER.pattern).fillna(False).astype(bool)
    cents = pd.Series(pd.NA, index=s.index, dtype="Int64")
    cents[plain] = (pd.to_numeric(text[plain]) * 100).round().astype("Int64")
    german, bad = parse_amount_cents(text.where(~plain), decimal=",", thousands=".", negative="both")
    cents = cents.fillna(german)
    return cents, (bad & ~plain).astype(bool), approx


FLAG_TRUE = {"ja", "j", "x", "yes", "1", "wahr", "true", "bekannt"}
FLAG_FALSE = {"nein", "n", "no", "0", "falsch", "false", "-", "unbekannt"}


def parse_flags(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = clean(s).str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[text.isin(FLAG_TRUE).fillna(False)] = True
    out[text.isin(FLAG_FALSE).fillna(False)] = False
    bad = text.notna() & out.isna()
    return out, bad.astype(bool)


def split_full_name(s: pd.Series, separator: str = ",") -> tuple[pd.Series, pd.Series]:
    """'Müller, Anna' -> ('Müller', 'Anna'); without separator: 'Anna Müller' -> ('Müller', 'Anna')."""
    text = clean(s)
    has_sep = text.str.contains(separator, regex=False).fillna(False).astype(bool)
    parts = text.str.split(separator, n=1, expand=True, regex=False)
    family = parts[0].str.strip() if 0 in parts else text
    given = parts[1].str.strip() if 1 in parts else pd.Series(pd.NA, index=s.index, dtype="string")
    spaced = text.str.rsplit(" ", n=1, expand=True)
    if 1 in spaced:
        family = family.where(has_sep, spaced[1])
        given = given.where(has_sep, spaced[0].where(spaced[1].notna()))
    return family.mask(family == "").astype("string"), given.mask(given == "").astype("string")
