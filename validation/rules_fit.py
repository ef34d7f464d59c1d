"""Rules read off the target schema: values the database column cannot hold.

SQLite stores a 10,000-character name in a ``VARCHAR(200)`` without a word,
PostgreSQL refuses the whole load for it; PostgreSQL refuses a NUL byte that
SQLite keeps. Either way one bad record must not decide the fate of the run:
these rules find such values before the load, on both databases alike, and
quarantine only their record. Lengths and ranges come from the SQLAlchemy
models (:mod:`jhmig.schema`), so they cannot drift from the tables.

- ``value.too_long``: longer than the column's ``String(n)`` (legacy keys:
  the key map's column);
- ``value.control_character``: NUL and other control characters (tab and
  line breaks are text);
- ``value.out_of_range``: a number beyond the column's integer type.
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd

from jhmig.records import Severity
from jhmig.validation.model import Check, Hits, Rule, RuleContext

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# PostgreSQL's integer types; SQLite would take more, but a target must not depend on the database.
# (BigInteger needs no rule: the parsers already refuse what int64 cannot hold.)
_RANGES = {"SmallInteger": 2**15, "Integer": 2**31}
_FIX_LENGTH = "Wert im Altsystem kürzen oder berichtigen (meist ein Erfassungs- oder Exportfehler)"
_FIX_CONTROL = "Steuerzeichen im Altsystem entfernen; bei vielen Sätzen die Exportdatei prüfen (Binärdaten, falsche Kodierung)"
_FIX_RANGE = "Zahl im Altsystem berichtigen"


def too_long(column: str, length: int) -> Check:
    def check(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
        text = frame[column].astype("string")
        size = text.str.len()
        return Hits.where((size > length).fillna(False), frame,
                          lambda r: f"{column}: " + r[column].astype("string").str.len().astype("string")
                          + f" Zeichen, die Spalte fasst {length}",
                          lambda r: r[column].astype("string").str.slice(0, 40) + "...")

    return check


def _first_control(text: str) -> str:
    match = _CONTROL.search(text)
    return f"U+{ord(match.group(0)):04X}" if match else ""


def control_characters(column: str) -> Check:
    def check(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
        text = frame[column].astype("string")  # Arrow-backed: the regex runs in C++, no Python call per value
        hit = text.str.contains(_CONTROL.pattern, regex=True).fillna(False)
        # The value itself is shown escaped: a NUL cannot go into a report cell or a PostgreSQL text.
        return Hits.where(hit, frame,
                          lambda r: f"{column}: enthält das Steuerzeichen " + r[column].astype("string").map(_first_control),
                          lambda r: r[column].astype("string").map(lambda v: _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", v)))

    return check


def out_of_range(column: str, bound: int) -> Check:
    def check(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = ((values >= bound) | (values < -bound)).fillna(False)
        return Hits.where(bad, frame, lambda r: f"{column}: Zahl außerhalb des Wertebereichs der Spalte (±{bound:,})")

    return check


@cache
def _rules() -> tuple[Rule, ...]:
    from jhmig.entities import entity_specs
    from jhmig.schema import Base

    key_length = Base.metadata.tables["mig_key_map"].columns["legacy_key"].type.length
    rules: list[Rule] = []
    for entity, spec in entity_specs().items():
        table = Base.metadata.tables[entity]
        texts = [("legacy_key", key_length)] + [(r.key_column, key_length) for r in spec.references]
        for name in spec.value_columns:
            kind = type(table.columns[name].type).__name__
            if kind in ("String", "Text"):
                texts.append((name, table.columns[name].type.length))
            elif kind in _RANGES:
                rules.append(Rule("value.out_of_range", entity, Severity.ERROR, "Zahl, die die Zieltabelle nicht fassen kann",
                                  _FIX_RANGE, out_of_range(name, _RANGES[kind]), name, (name,)))
        for name, length in texts:
            if length:
                rules.append(Rule("value.too_long", entity, Severity.ERROR, "Wert länger als die Spalte der Zieltabelle",
                                  _FIX_LENGTH, too_long(name, length), name, (name,)))
            rules.append(Rule("value.control_character", entity, Severity.ERROR, "Steuerzeichen (z. B. NUL) im Text",
                              _FIX_CONTROL, control_characters(name), name, (name,)))
    return tuple(rules)


def rules() -> tuple[Rule, ...]:
    return _rules()
