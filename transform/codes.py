"""Code maps: legacy codes -> unified codes, declared in CSV files under ``mappings/``.

A code-map CSV has the columns ``legacy_code,legacy_text,unified_code,note``
and optionally ``legacy_pattern``. A row with a ``legacy_code`` maps that
code. A row with only a ``legacy_text`` maps every legacy code whose text in
the export's own code table (SCHLUESSEL.TXT) reads like it (case, spacing and
a trailing parenthesis such as "(alt)" ignored). A row with a
``legacy_pattern`` (a regular expression, searched case-insensitively in
that text, rows tried top to bottom) catches the many ways offices word the
same thing ("§ 28", "planmäßig", "frei-gemeinnützig: Caritas"). So retired
codes and codes numbered differently in another office still map.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jhmig.errors import ConfigError
from jhmig.layout import MAPPINGS_DIR

CODES_DIR = MAPPINGS_DIR / "codes"
CODE_LIST_COLUMNS = ("code_list", "code", "label_de", "label_en", "legal_basis", "service_form")


def normalize_text(text: str) -> str:
    """Compare code texts loosely: case, white space, punctuation at the ends, '§' spacing."""
    t = text.casefold().replace("\u00a0", " ")
    t = re.sub(r"\s+", " ", t).strip(" .,;:-")
    return t


@dataclass(frozen=True)
class LegacyCode:
    text: str
    retired: bool
    valid_to: dt.date | None = None  # the last day the code was valid (retired codes)
    successor: str | None = None  # the code that replaced it, when the code table names one


def historical_code(table: str, code: str) -> str:
    """The unified value of a code kept as it was (no successor, no mapping): table and code."""
    return f"{table}:{code}"


@dataclass
class CodeMap:
    name: str  # the unified code list it maps onto
    path: Path | None  # None: no map file, codes stay as written (checked against the code table)
    by_code: dict[str, str] = field(default_factory=dict)
    by_text: dict[str, str] = field(default_factory=dict)
    by_pattern: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.path.name if self.path else f"Schlüsseltabelle ({self.name})"

    def resolve(self, code: str, legacy_table: dict[str, LegacyCode] | None, table_name: str | None = None,
                _depth: int = 0) -> tuple[str | None, str]:
        """-> (unified code or None, how).

        ``how``: 'code' | 'text' | 'pattern' (mapped), 'successor' (a retired code the
        code table names a successor for, mapped through that successor), 'identity'
        (no map file: the code itself), 'historical' (in the code table but nobody maps
        it: kept as ``TABLE:code``, its text goes into the code list), 'unknown'.
        """
        if code in self.by_code:
            return self.by_code[code], "code"
        entry = legacy_table.get(code) if legacy_table else None
        if entry is None:
            return None, "unknown"
        if entry.successor and entry.successor != code and _depth < 5:
            hit, _how = self.resolve(entry.successor, legacy_table, table_name, _depth + 1)
            if hit is not None and _how != "historical":
                return hit, "successor"
        if self.path is None:
            return code, "identity"
        text = entry.text
        hit = self.by_text.get(normalize_text(text)) or self.by_text.get(normalize_text(_PAREN.sub("", text)))
        if hit:
            return hit, "text"
        for pattern, target in self.by_pattern:
            if pattern.search(text):
                return target, "pattern"
        return historical_code(table_name or "?", code), "historical"


_PAREN = re.compile(r"\([^)]*\)\s*$")


def read_code_map(name: str, path: Path, unified: set[str]) -> CodeMap:
    cmap = CodeMap(name=name, path=path)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            needed = {"legacy_code", "legacy_text", "unified_code"}
            if not reader.fieldnames or not needed <= set(reader.fieldnames):
                raise ConfigError(f"code map {path} must have the columns legacy_code,legacy_text,unified_code[,note]")
            for number, row in enumerate(reader, start=2):
                target = (row.get("unified_code") or "").strip()
                if target not in unified:
                    raise ConfigError(
                        f"code map {path}, line {number}: unified code {target!r} is not in code list {name}",
                        hint=f"use one of {', '.join(sorted(unified))}, or add it to mappings/codes/{name}.csv",
                    )
                code = (row.get("legacy_code") or "").strip()
                text = (row.get("legacy_text") or "").strip()
                pattern = (row.get("legacy_pattern") or "").strip()
                if code:
                    cmap.by_code[code] = target
                elif text:
                    cmap.by_text[normalize_text(text)] = target
                elif pattern:
                    try:
                        cmap.by_pattern.append((re.compile(pattern, re.IGNORECASE), target))
                    except re.error as exc:
                        raise ConfigError(f"code map {path}, line {number}: bad legacy_pattern {pattern!r}: {exc}") from None
    except FileNotFoundError:
        raise ConfigError(f"code map {path} does not exist") from None
    return cmap


def read_unified_code_lists(codes_dir: Path = CODES_DIR) -> pd.DataFrame:
    """All unified code lists as one frame shaped like the ``code_list`` table."""
    parts = []
    for path in sorted(codes_dir.glob("*.csv")):
        parts.append(read_code_list_file(path.stem, path))
    if not parts:
        raise ConfigError(f"no unified code lists found in {codes_dir}")
    out = pd.concat(parts, ignore_index=True).reindex(columns=list(CODE_LIST_COLUMNS))
    return out.replace({"": None})


def read_code_list_file(name: str, path: Path) -> pd.DataFrame:
    """One unified code list (``code,label_de[,label_en,legal_basis,service_form]``) as ``code_list`` rows.

    Shipped lists live in ``mappings/codes``; an office may supply its own (ISO-3
    nationalities, its social districts) and name it in the layout's ``code_maps``.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise ConfigError(f"code list {path} does not exist") from None
    if "code" not in frame.columns:
        raise ConfigError(f"code list {path} must have a column 'code' (and label_de)")
    frame.insert(0, "code_list", name)
    return frame.reindex(columns=list(CODE_LIST_COLUMNS)).replace({"": None})


def extra_code_list_rows(name: str, codes: dict[str, tuple[str, str | None]]) -> pd.DataFrame:
    """Code-list rows for codes the export brings along: {unified code: (label, legal basis)}."""
    rows = [{"code_list": name, "code": code, "label_de": label, "legal_basis": basis} for code, (label, basis) in sorted(codes.items())]
    return pd.DataFrame(rows).reindex(columns=list(CODE_LIST_COLUMNS))


def legacy_tables(raw_codes: pd.DataFrame | None, columns: dict[str, str],
                  retired: pd.Series | None = None, valid_to: pd.Series | None = None) -> dict[str, dict[str, LegacyCode]]:
    """The export's own code tables (SCHLUESSEL.TXT) by table and code.

    ``columns`` maps the fields code_table/code/text/valid_to to source columns.
    A code counts as retired when its valid-to date is set; ``retired`` (a mask
    over the rows, from the layout's date format and open-end sentinels) decides
    that when given, otherwise the reference's spelling is assumed. ``valid_to``
    (parsed dates) gives the retirement day; a ``successor`` column, when the
    layout maps one, names the code that replaced a retired one.
    """
    tables: dict[str, dict[str, LegacyCode]] = {}
    if raw_codes is None or not len(raw_codes):
        return tables
    get = {f: raw_codes[c].fillna("").astype(str).str.strip() for f, c in columns.items() if c in raw_codes}
    n = len(raw_codes)
    empty = pd.Series([""] * n, index=raw_codes.index)
    given = retired.fillna(False).astype(bool).tolist() if retired is not None else [None] * n
    days = [None if pd.isna(d) else pd.Timestamp(d).date() for d in valid_to] if valid_to is not None else [None] * n
    rows = zip(get.get("code_table", empty), get.get("code", empty), get.get("text", empty), get.get("valid_to", empty), given, days,
               get.get("successor", empty))
    for tab, code, text, written_to, is_retired, day, successor in rows:
        if is_retired is None:
            is_retired = bool(written_to) and not re.fullmatch(r"[0.\s]*", written_to) and not written_to.startswith("31.12.9999")
        tables.setdefault(tab, {})[code] = LegacyCode(text=text, retired=is_retired, valid_to=day if is_retired else None,
                                                      successor=successor or None)
    return tables
