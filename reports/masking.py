"""Personal data in reports: which values are personal, and how a report hides them.

Names, birth and death dates, streets and payees are social data (§35 SGB I).
Reports show keys, codes and amounts, but personal values only masked
(``M****r``, ``**.**.2009``) or, with ``--pseudonymize``, as stable
pseudonyms. Which values are personal is read off the layout (legacy
exports) or the list mapping's fields (Excel lists), never guessed from the
values. Messages of rules may quote a birth date or a name of *another*
record, so free text is scrubbed against every personal value of the source.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from jhmig.masking import KEY_DATE, LINE, mask, mask_key

# unified field -> kind of personal value (legacy layouts and list mappings)
PERSONAL_FIELDS: Mapping[str, str] = {
    "family_name": "name", "given_names": "name", "birth_name": "name", "name_full": "name", "payee": "name",
    "birth_date": "date", "death_date": "date",
    "street": "street", "address_full": "street",
}

# words of names that say nothing about a person and appear in ordinary messages
_PARTICLES = frozenset({"von", "van", "der", "den", "dem", "zu", "zur", "zum", "de", "la", "le", "und", "vom", "am", "an"})
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b|\b(\d{4})(\d{2})(\d{2})\b")

Redactor = Callable[[str, str], str]  # (value, kind) -> what a report shows


def field_kind(field: str | None, value_type: str | None = None) -> str | None:
    """The kind of personal value a field holds, or None; any column typed ``name`` is personal."""
    kind = PERSONAL_FIELDS.get(field or "")
    return kind or ("name" if value_type == "name" else None)


def canonical_date(text: str) -> str | None:
    """dd.mm.yyyy, yyyy-mm-dd or yyyymmdd as yyyy-mm-dd, to compare dates written differently."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        return None
    g = m.groups()
    y, mo, d = (g[2], g[1], g[0]) if g[0] else ((g[3], g[4], g[5]) if g[3] else (g[6], g[7], g[8]))
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


@dataclass(frozen=True)
class PersonalData:
    """What is personal in this run's source: columns per table, and the values to look for in free text."""

    columns: Mapping[tuple[str, str], Mapping[str, str]]  # (src_path, src_sheet) -> delivered column -> kind
    dates: frozenset[str]  # canonical dates of birth/death seen in the source
    words: frozenset[str]  # words of persons' names seen in the source

    def kind_of_column(self, src_path: str, src_sheet: str, column: str) -> str | None:
        if column == "_line":
            return LINE
        return self.columns.get((src_path, src_sheet), {}).get(column)


def personal_data(column_fields: Mapping[tuple[str, str], Mapping[str, tuple[str, str | None]]],
                  raw: Mapping[tuple[str, str], pd.DataFrame]) -> PersonalData:
    """Personal columns per table (from the layout or mapping) and the personal values they hold."""
    columns: dict[tuple[str, str], dict[str, str]] = {}
    dates: set[str] = set()
    words: set[str] = set()
    for where, fields in column_fields.items():
        kinds = {col: kind for col, (fld, vtype) in fields.items() if (kind := field_kind(fld, vtype))}
        columns[where] = kinds
        frame = raw.get(where)
        if frame is None:
            continue
        for col, kind in kinds.items():
            if col not in frame.columns or (kind == "name" and fields[col][0] == "payee"):
                continue  # payees are mostly institutions: their column is masked, their words are not collected
            uniques = frame[col].dropna().astype(str).unique()
            if kind == "date":
                dates.update(d for v in uniques if (d := canonical_date(v)))
            elif kind == "name":
                for value in uniques:
                    words.update(w for w in _WORD.findall(unicodedata.normalize("NFC", value))
                                 if len(w) >= 3 and w.casefold() not in _PARTICLES)
    return PersonalData(columns, frozenset(dates), frozenset(words))


class Hider:
    """Hides the personal values of findings, quarantine rows and raw records with one redactor."""

    def __init__(self, personal: PersonalData, redact: Redactor) -> None:
        self.personal = personal
        self.redact = redact

    def value(self, value: str | None, field: str | None) -> str | None:
        """A finding's value, hidden when its field is personal."""
        if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
            return None
        kind = field_kind(field)
        if kind and str(value):
            return self.redact(str(value), kind)
        if field and canonical_date(str(value)):
            return str(value)  # a date of a field that is not personal (Anlagedatum, Beginn): masked by field, never by value
        return self.text(str(value))

    @staticmethod
    def key(key: str | None) -> str | None:
        """A record key with the dates in it masked (a newborn's participation key ends in the birth date)."""
        return mask_key(key)

    def text(self, text: str | None) -> str | None:
        """Free text (a message) with every personal value of the source hidden."""
        if not text:
            return text
        p = self.personal
        if p.dates:
            text = _DATE.sub(lambda m: self.redact(m.group(0), "date") if canonical_date(m.group(0)) in p.dates else m.group(0), text)
        if p.words:
            text = _WORD.sub(lambda m: self.redact(m.group(0), "name") if m.group(0) in p.words else m.group(0), text)
        return text

    def record(self, values: Mapping[str, object], src_path: str, src_sheet: str, key: str | None = None) -> dict[str, str | None]:
        """A raw source record (column -> value) with its personal columns hidden.

        ``key``: the record's key; a date of the key (a participation's start) is masked in the record as in
        the key, since for a newborn it is the birth date. Other dates of columns that are not personal are
        shown as they are.
        """
        in_key = key_dates(key)
        out: dict[str, str | None] = {}
        for col, value in values.items():
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                out[col] = None
                continue
            kind = self.personal.kind_of_column(src_path, src_sheet, col)
            if kind and str(value):
                out[col] = self.redact(str(value), kind)
            elif (day := canonical_date(str(value))) is not None:
                # ANGELEGT, VON: not personal by their field, whatever birth date they happen to equal
                out[col] = mask(str(value), "date") if day in in_key else str(value)
            else:
                out[col] = self.text(str(value))
        return out

    # -- whole frames: distinct values are hidden once ----------------------
    def texts(self, values: pd.Series) -> pd.Series:
        uniques = values.dropna().unique()
        return values.map({u: self.text(str(u)) for u in uniques}).astype("string")

    def values(self, values: pd.Series, fields: pd.Series) -> pd.Series:
        pairs = pd.DataFrame({"v": values.astype("string"), "f": fields.astype("string")})
        distinct = pairs.dropna(subset=["v"]).drop_duplicates()
        hidden = {(r.v, None if pd.isna(r.f) else r.f): self.value(r.v, None if pd.isna(r.f) else r.f) for r in distinct.itertuples()}
        return pd.Series([None if pd.isna(v) else hidden[(v, None if pd.isna(f) else f)] for v, f in zip(pairs["v"], pairs["f"])],
                         index=values.index, dtype="string")

    def findings(self, findings: pd.DataFrame) -> pd.DataFrame:
        out = findings.copy()
        out["value"] = self.values(findings["value"], findings["field"])
        out["message"] = self.texts(findings["message"])
        if "legacy_key" in out:
            out["legacy_key"] = self.keys(findings["legacy_key"])
        return out

    def keys(self, keys: pd.Series) -> pd.Series:
        uniques = keys.dropna().unique()
        return keys.map({u: mask_key(str(u)) for u in uniques}).astype("string")

    def quarantine(self, quarantine: pd.DataFrame) -> pd.DataFrame:
        out = quarantine.copy()
        if "legacy_key" in out:
            out["legacy_key"] = self.keys(quarantine["legacy_key"])
        if "messages" in out:
            out["messages"] = self.texts(out["messages"])
        if "raw" in out:
            keys = quarantine["legacy_key"] if "legacy_key" in quarantine else pd.Series(None, index=quarantine.index)
            out["raw"] = [self.raw_json(r, p, s, k) for r, p, s, k in zip(out["raw"], out["src_path"], out["src_sheet"], keys)]
        return out

    def raw_json(self, text: object, src_path: str, src_sheet: str, key: object = None) -> str | None:
        if not isinstance(text, str) or not text:
            return None
        try:
            values = json.loads(text)
        except ValueError:
            return self.redact(text, LINE)
        if not isinstance(values, dict):
            return self.redact(text, LINE)
        return json.dumps(self.record(values, str(src_path), "" if pd.isna(src_sheet) else str(src_sheet),
                                      key if isinstance(key, str) else None), ensure_ascii=False)


def key_dates(key: str | None) -> frozenset[str]:
    """The dates inside a record key, canonical (yyyy-mm-dd)."""
    if not key:
        return frozenset()
    return frozenset(d for m in KEY_DATE.finditer(key) if (d := canonical_date(m.group(0))))


def masking_hider(personal: PersonalData) -> Hider:
    return Hider(personal, mask)
