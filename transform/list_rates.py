"""Rates as caseworkers write them: an amount and its unit, and a monthly equivalent where one is defined.

A list's cost column holds a monthly amount, a Tagessatz, the price of a
Fachleistungsstunde, a yearly sum or a lump sum. The unit is read, in this
order, from the value itself (``85 €/Tag``, ``pauschal 500``), from a unit
column (``Einheit``: ``Tag``, ``Std.``), from the cost column's header
(``Tagessatz``, ``€/Std.``, ``Kosten mtl.``) and last from the mapping's
``formats.rate_unit``. The amount and unit are kept as written; the monthly
equivalent is computed with the factors of :data:`MONTHLY_FACTORS` and
stored apart, never in place of the rate (hours and lump sums have none: how
many hours a month, how long a lump sum lasts, the list does not say).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from jhmig.transform.list_values import parse_list_amounts
from jhmig.transform.synonyms import is_empty_text, load_coding_rules
from jhmig.values import clean

# documented factors (docs/lists.md): 365 / 12 = 30.42 days and 52.18 / 12 = 4.35 weeks a month
MONTHLY_FACTORS: dict[str, float | None] = {"month": 1.0, "day": 30.42, "week": 4.35, "year": 1 / 12, "hour": None, "lump_sum": None}
# unit words, as the start of a word (casefolded; "tgl." and "Tagessatz" both say "per day")
_UNIT_PATTERNS: tuple[tuple[str, str], ...] = (
    ("lump_sum", r"pausch|einmal|fallpauschale"),
    ("hour", r"std\b|stunde|stündl|fls\b|fachleistungs|h\b"),
    ("day", r"tag\b|tage\b|tages|tägl|tgl\b|kalendertag"),
    ("week", r"woche|wöch|wo\b"),
    ("month", r"monat|mtl\b|monatl|mon\b|p\.?\s?m\b"),
    ("year", r"jahr|jährl|jährl|p\.?\s?a\b"),
)
_UNIT_RES = tuple((unit, re.compile(rf"(?<![a-zäöüß])(?:{pattern})", re.IGNORECASE)) for unit, pattern in _UNIT_PATTERNS)
# a unit written after or before the amount: "85 €/Tag", "45,50 € je Std.", "pauschal 500 €", "1.200 mtl."
_VALUE_UNIT = re.compile(r"(?:\s*(?:/|je|pro|per|p\.|im)\s*|\s+|(?<=[\d€]))([a-zäöüß.]+\.?)\s*$|^\s*([a-zäöüß]+\.?)\s+(?=\S*\d)",
                         re.IGNORECASE)
_APPROX_WORDS = ("ca", "circa", "etwa", "ungefähr", "ungef")


def unit_of_text(text: str | None) -> str | None:
    """The rate unit a word or header names ("Tagessatz" -> day, "€/Std." -> hour, "Kosten" -> None)."""
    if not text:
        return None
    found = {unit for unit, pattern in _UNIT_RES if pattern.search(text)}
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class Rates:
    cents: pd.Series  # Int64, the amount as written
    unit: pd.Series  # string: rate_unit code (day, hour, week, month, year, lump_sum); NA without an amount or unknown unit
    monthly_cents: pd.Series  # Int64, the monthly equivalent; NA where none is defined
    source: pd.Series  # string: where the unit came from (Wert, Spalte Einheit, Spaltenkopf, Zuordnung)
    bad: pd.Series  # an amount that could not be read
    approx: pd.Series  # "ca. 3000"
    unknown_unit: pd.Series  # a unit column or value whose unit no word names


def parse_list_rates(values: pd.Series, unit_values: pd.Series | None, header: str | None, default_unit: str | None) -> Rates:
    raw = clean(values)
    # "entf.", "--", "?": no amount, said on purpose - an empty cell, not an unreadable amount (mappings/lists/synonyms/coding.yaml)
    rules = load_coding_rules()
    raw = raw.mask(raw.map(lambda v: isinstance(v, str) and is_empty_text(v, rules)).astype(bool))
    written = raw.str.extract(_VALUE_UNIT.pattern, flags=re.IGNORECASE)
    word = written[0].fillna(written[1]).astype("string")
    word = word.mask(word.str.lower().str.rstrip(".").isin(_APPROX_WORDS))
    from_value = word.map(lambda w: unit_of_text(w) if isinstance(w, str) else None).astype("string")
    amount_text = raw.copy()
    has_word = from_value.notna()
    amount_text[has_word] = [_strip_unit(t) for t in raw[has_word]]
    cents, bad, approx = parse_list_amounts(amount_text)
    column = clean(unit_values) if unit_values is not None else pd.Series(pd.NA, index=raw.index, dtype="string")
    from_column = column.map(lambda t: unit_of_text(t) if isinstance(t, str) else None).astype("string")
    header_unit = unit_of_text(header)
    unit = from_value.fillna(from_column)
    source = pd.Series(pd.NA, index=raw.index, dtype="string")
    source[from_value.notna()] = "Wert"
    source[from_value.isna() & from_column.notna()] = "Spalte Einheit"
    fallback, fallback_source = (header_unit, "Spaltenkopf") if header_unit else (default_unit, "Zuordnung")
    unknown = (column.notna() & from_column.isna() & from_value.isna()).astype(bool)
    if fallback:
        rest = unit.isna() & ~unknown
        unit[rest] = fallback
        source[rest] = fallback_source
    unit = unit.where(cents.notna()).astype("string")
    source = source.where(cents.notna()).astype("string")
    factor = unit.map(lambda u: MONTHLY_FACTORS.get(u) if isinstance(u, str) else None)
    factor = pd.to_numeric(factor, errors="coerce")
    monthly = (cents.astype("Float64") * factor).round().astype("Int64")
    return Rates(cents, unit, monthly, source, bad, approx, (unknown & cents.notna()).astype(bool))


def _strip_unit(text: str) -> str:
    stripped = _VALUE_UNIT.sub("", text).strip()
    return re.sub(r"\s*(/|je|pro|per)\s*$", "", stripped, flags=re.IGNORECASE).strip()


def rate_totals(services: pd.DataFrame | None) -> dict[str, object]:
    """The list money of a run, which is which: rates as written per unit, and the monthly equivalent where one exists."""
    if services is None or not len(services) or "rate_cents" not in services:
        return {"as_written": {}, "monthly_equivalent_cents": 0, "without_monthly_equivalent": 0}
    rated = services[services["rate_cents"].notna()]
    units = rated["rate_unit"].astype("string").fillna("unknown")
    as_written = {str(unit): {"count": int(len(part)), "cents": int(part["rate_cents"].sum())}
                  for unit, part in rated.groupby(units, sort=True)}
    monthly = rated["rate_monthly_cents"]
    return {"as_written": as_written, "monthly_equivalent_cents": int(monthly.dropna().sum()),
            "without_monthly_equivalent": int(monthly.isna().sum())}
