"""The identity of a caseworker's list row: a keyed hash of what the row says, not where it stands.

A list row's person key (and through it its case file without Aktenzeichen,
its participant, its service without a start) must keep its id when rows
above it are inserted, deleted or re-sorted, when a sheet is renamed for a
new year or a column is added. So the key is built from the row's content:

    L:<person facet>.<case facet>[#n]

* person facet: the row's name words (family and given names, or the one
  name column) folded (DIN 5007-2, sorted: swapped columns give the same)
  and its birth date;
* case facet: the normalised Aktenzeichen, the help (as written), its start,
  and for JGH lists the offence, its date and the hearing;
* ``#n``: the n-th row of the list family with identical content (in file,
  sheet and row order): the position only breaks ties.

Each facet is ten characters of an HMAC-SHA256 under the project's secret key
(:mod:`jhmig.keyring`): stable across runs, and nothing personal readable or
testable without the key. The key is computed from the cells as delivered,
before stewards' corrections replace any of them, so that a correction does
not change the row's identity.

A row whose content changed (a typo in the name fixed, a start date
corrected) gets a new key. :func:`reidentify` gives it the key of a row of an
earlier run that the list no longer has, when the two agree on one facet
(same child, or same case and help) and nothing else claims that row: the
record keeps its id in the key map like any other matched record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from jhmig.keyring import keyed_code
from jhmig.list_mapping import ListMapping
from jhmig.records import RawTable
from jhmig.textfold import din_fold
from jhmig.transform.list_values import parse_list_dates
from jhmig.values import clean

ROW_KEY = "_row_key"
LIST_ROW = "list_row"
PREFIX = "L:"
FACET_CHARS = 10
_KEY = re.compile(r"^L:([A-Z2-7]{10})\.([A-Z2-7]{10})(?:#(\d+))?$")
CASE_TEXT_FIELDS = ("service_type", "offence")
CASE_DATE_FIELDS = ("start_date", "offence_date", "hearing_date")


@dataclass(frozen=True)
class Reidentified:
    """How many new row keys took over a key of an earlier run, by the facet they agreed on."""

    by_person: int = 0
    by_case: int = 0

    @property
    def total(self) -> int:
        return self.by_person + self.by_case


def stamp_row_keys(tables: Iterable[RawTable], mapping: ListMapping, secret: bytes) -> None:
    """Add the column ``_row_key`` to every list table (one list family: keys unique across its files)."""
    seen: dict[str, int] = {}
    for table in tables:
        if table.entity != LIST_ROW or ROW_KEY in table.frame:
            continue
        keys = []
        for key in _content_keys(table, mapping, secret):  # file, sheet and row order: the position only breaks ties
            n = seen.get(key, 0) + 1
            seen[key] = n
            keys.append(key if n == 1 else f"{key}#{n}")
        table.frame = table.frame.assign(**{ROW_KEY: pd.Series(keys, index=table.frame.index, dtype="string")})


def _content_keys(table: RawTable, mapping: ListMapping, secret: bytes) -> list[str]:
    frame = table.frame
    formats = mapping.formats

    def text(name: str) -> pd.Series:
        if name not in frame:
            return pd.Series("", index=frame.index, dtype="string")
        return clean(frame[name]).fillna("").astype("string")

    def date(name: str) -> pd.Series:
        if name not in frame:
            return pd.Series("", index=frame.index, dtype="string")
        parsed = parse_list_dates(frame[name], formats.date_formats, formats.open_dates)
        raw = text(name).map(_fold)
        return parsed.value.dt.strftime("%Y-%m-%d").astype("string").fillna(raw)

    words = (text("name_full") + " " + text("family_name") + " " + text("given_names")).map(_sorted_words)
    person = words + "|" + date("birth_date")
    case = text("file_number").map(file_number_form)
    for name in CASE_TEXT_FIELDS:
        case = case + "|" + text(name).map(_fold)
    for name in CASE_DATE_FIELDS:
        case = case + "|" + date(name)
    return [PREFIX + keyed_code(secret, "list-person", p, FACET_CHARS) + "." + keyed_code(secret, "list-case", c, FACET_CHARS)
            for p, c in zip(person, case)]


def _fold(value: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", din_fold(str(value))).split())


def _sorted_words(value: str) -> str:
    return " ".join(sorted(_fold(value).split()))


def file_number_form(value: str) -> str:
    """An Aktenzeichen compared loosely: no spaces or dots, leading zeros of number groups dropped, letters upper case."""
    text = re.sub(r"[\s.]+", "", str(value)).upper()
    return re.sub(r"(?<![0-9])0+(?=[0-9])", "", text)


def facets(key: str) -> tuple[str, str] | None:
    found = _KEY.match(key)
    return (found.group(1), found.group(2)) if found else None


def reidentify(tables: Iterable[RawTable], earlier: Iterable[str], secret: bytes) -> Reidentified:
    """Give rows with a new key the key of an earlier run's row the list no longer has, where one facet agrees.

    ``earlier``: the person keys of this list family in the key map. A gone key
    is taken over by the first new row (in file, sheet and row order) that has
    its person facet (the same child: which of its rows is immaterial), else by
    the one new row that has its case facet, when that is the only gone key with
    it. A facet of empty cells (no name and birth date; no Aktenzeichen, help
    and dates) identifies nothing and is never used.
    """
    empty = empty_facets(secret)
    tables = [t for t in tables if ROW_KEY in t.frame and len(t.frame)]
    known = {str(k) for k in earlier}
    current = {str(k) for t in tables for k in t.frame[ROW_KEY]}
    gone = sorted(k for k in known - current if facets(k) is not None)
    if not gone:
        return Reidentified()
    fresh = [(n, t, line, facets(str(k))) for n, (t, line, k) in
             enumerate((t, line, k) for t in tables for line, k in t.frame[ROW_KEY].items()) if str(k) not in known]
    by_facet: list[dict[str, list[str]]] = [{}, {}]
    for key in gone:
        for index, facet in enumerate(facets(key)):  # type: ignore[arg-type]
            by_facet[index].setdefault(facet, []).append(key)
    taken: set[str] = set()
    renamed: dict[int, str] = {}
    counts = [0, 0]
    for index in (0, 1):  # the same child first; then the same case and help
        for n, _table, _line, found in fresh:
            if n in renamed or found is None:
                continue
            candidates = by_facet[index].get(found[index], [])
            if found[index] == empty[index] or (index == 1 and len(candidates) != 1):
                continue  # a facet that says nothing, or two gone rows of one case and help: which one is not known
            free = [k for k in candidates if k not in taken]
            if free:
                taken.add(free[0])
                renamed[n] = free[0]
                counts[index] += 1
    for n, table, line, _found in fresh:
        if n in renamed:
            table.frame.loc[line, ROW_KEY] = renamed[n]
    return Reidentified(counts[0], counts[1])


def empty_facets(secret: bytes) -> tuple[str, str]:
    """The person and case facets of a row whose identifying cells are all empty."""
    return (keyed_code(secret, "list-person", "|", FACET_CHARS),
            keyed_code(secret, "list-case", "|" * (len(CASE_TEXT_FIELDS) + len(CASE_DATE_FIELDS)), FACET_CHARS))
