"""The defect matrix: every defect the specs list, in every file and column
where it can occur (issue 21), beyond the first generation's defects.

shared/spec/legacy-export.md lists what a real export gets wrong and says
keys are unique "in a clean export; real exports contain duplicates and
dangling references". The first generation planted most kinds in one or two
files; this module widens each to every keyed file, foreign key, date
column, coded column and text column, at least once per cell and a small
share beyond (so the default data set's size and run time barely change):

- ``conflicting_key`` in PERSONEN and LEISTUNGEN, and the combination of
  issue 21 no test of one defect alone finds: a PERS_NR exported twice with
  other content for a person who is also entered under a second PERS_NR;
- ``dangling_person_ref`` in each UVG person column, and a referenced
  person deleted (``detail.deleted``: every participant naming it dangles);
- the date forms of ``DATE_FORMS`` in every date column of the text files;
- ``end_before_start`` in every period (BETEILIGTE, AKTEN, death before birth);
- ``unknown_code`` in the columns whose codes the spec fixes (GESCHL,
  FACHBEREICH, STATUS, ROLLE, EINHEIT, RUECKGRIFF);
- ``noisy_text``: non-breaking and trailing spaces, embedded ``;``, quotes
  and line breaks in text columns.

Payment defects are planted while ZAHLUNGEN.DAT is numbered (payments.py).
Each defect lands on a row no other defect touched (``Row.taint``), and
rows that relational rules read (services a claim or payment is checked
against) are chosen so no other rule starts to fire (docs/truth.md,
"Guarantees").
"""

from __future__ import annotations

import functools
import random
from collections import Counter, defaultdict
from collections.abc import Callable

from jhmig.synth import dates
from jhmig.synth.codes import PLACEMENT_TYPES, RETIRED_OTHER
from jhmig.synth.defects import RESERVED, DefectLog, FreeRows, Ref, claim, wanted
from jhmig.synth.layout import AKTEN, BETEILIGTE, LEISTUNGEN, PERSONEN, TRAEGER, UVG
from jhmig.synth.legacy_records import LegacyRecords
from jhmig.synth.writers import Row, format_amount

DELETED = "deleted"  # taint of a row removed from its file (other records still name it)

#: Codes outside the sets the spec fixes for the columns that have no SCHLUESSEL table.
UNKNOWN_FIXED: dict[tuple[str, str], tuple[str, ...]] = {
    (PERSONEN, "GESCHL"): ("4", "X"),
    (AKTEN, "FACHBEREICH"): ("JA", "SD"),
    (AKTEN, "STATUS"): ("X", "O"),
    (BETEILIGTE, "ROLLE"): ("Q", "O"),
    (LEISTUNGEN, "EINHEIT"): ("W", "J"),
    (UVG, "RUECKGRIFF"): ("?", "T"),  # not J/N; jhmig reads X, 1, ja ... as flags (as in the lists)
}

#: Date columns of the text files: (file, column, kind of column).
#: start: the record's start; end: its end (may be open); other: a standalone date.
DATE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    (PERSONEN, "GEB_DAT", "start"), (PERSONEN, "TODES_DAT", "end"), (PERSONEN, "ANGELEGT", "other"),
    (PERSONEN, "GEAENDERT", "other"), (AKTEN, "ANGELEGT", "start"), (AKTEN, "ABGESCHL", "end"),
    (BETEILIGTE, "VON", "start"), (BETEILIGTE, "BIS", "end"), (LEISTUNGEN, "BEGINN", "start"),
    (LEISTUNGEN, "ENDE", "end"), (UVG, "BEGINN", "start"), (UVG, "ENDE", "end"),
)

#: form -> truth kind. ``impossible`` (31.02.2019) is defects_values.py's; the
#: others are planted here. ``unpadded`` (1.1.2019) keeps the true day.
DATE_FORMS: dict[str, str] = {
    "month_13": "invalid_date",  # 15.13.2020
    "iso": "invalid_date",  # 2019-05-03
    "impossible": "invalid_date",  # 31.02.2019 (also planted by defects_values.py in a few columns)
    "unpadded": "date_notation",  # 1.1.2019
    "too_old": "implausible_date",  # 01.01.1800
    "unknown": "unknown_date_not_allowed",  # 00.00.0000 where a date is required
}
#: Where 00.00.0000 ("unknown") is not allowed: the start of a service or claim
#: (without it nothing can be counted or paid), of a case file and of a participation.
UNKNOWN_NOT_ALLOWED = frozenset({(LEISTUNGEN, "BEGINN"), (UVG, "BEGINN"), (AKTEN, "ANGELEGT"), (BETEILIGTE, "VON")})
#: 01.01.1800 only where it breaks no other rule: in an end column it is an end
#: before the start, in the start of a service or claim a service before birth.
TOO_OLD_ALLOWED = frozenset({(PERSONEN, "GEB_DAT"), (PERSONEN, "ANGELEGT"), (PERSONEN, "GEAENDERT"),
                             (AKTEN, "ANGELEGT"), (BETEILIGTE, "VON")})

NOISE_COLUMNS: dict[str, tuple[str, ...]] = {
    PERSONEN: ("NAME", "VORNAME", "STRASSE", "ORT"),
    TRAEGER: ("NAME", "STRASSE", "ORT"),
    AKTEN: ("BEMERKUNG",),
}
NOISE_FORMS: tuple[str, ...] = ("nbsp", "trailing_space", "semicolon", "quote", "line_break")


@functools.lru_cache(maxsize=None)
def _parts(text: str) -> tuple[int, int, int] | None:
    if len(text) != 10 or text in (dates.UNKNOWN_DATE_TEXT, dates.OPEN_END_TEXT):
        return None
    try:
        day, month, year = (int(x) for x in text.split("."))
        dates.Date(year, month, day)
    except ValueError:
        return None
    return day, month, year


def _ordinal(text: str) -> int | None:
    parts = _parts(text)
    return None if parts is None else dates.Date(parts[2], parts[1], parts[0]).toordinal()


class MatrixDefects:
    def __init__(self, records: LegacyRecords, rng: random.Random, log: DefectLog,
                 missing_person: Callable[[], str], by_key: dict[str, dict[str, Row]]) -> None:
        self.records = records
        self.rows = records.rows
        self.rng = rng
        self.log = log
        self.missing_person = missing_person
        self.by_key = by_key
        self.free_rows = FreeRows(self.rows, rng)
        self.inserts: list[tuple[Row, Row]] = []
        self.adults = {str(r.pers_nr) for r in records.person_records if r.identity.kind not in ("child", "uma")}

    def plant(self) -> None:
        self.conflicting_keys()
        self.dangling_uvg_columns()
        self.deleted_person()
        self.date_forms()
        self.end_before_start()
        self.unknown_fixed_codes()
        self.retired_other_codes()
        self.noisy_text()
        self._apply()

    # -- keys ------------------------------------------------------------------------

    def _conflict(self, row: Row, copy: Row, changed: list[str], detail: dict[str, object] | None = None) -> None:
        if row.taint is None:
            claim(row, RESERVED)
        claim(copy, "conflicting_key")
        self.inserts.append((row, copy))
        self.log.add("conflicting_key", row.file, copy, field=changed[0], related=[Ref(row.file, row)],
                     detail={"fields": changed, **(detail or {})})

    def _moved_person(self, row: Row) -> tuple[Row, list[str]]:
        copy = row.copy()
        others = [r for r in self.rows[PERSONEN] if r.values["ORT"] != row.values["ORT"] and r.values["ORT"]]
        other = self.rng.choice(others)
        for column in ("STRASSE", "HNR", "PLZ", "ORT"):
            copy.values[column] = other.values[column]
        return copy, [c for c in ("STRASSE", "HNR", "PLZ", "ORT") if copy.values[c] != row.values[c]]

    def conflicting_keys(self) -> None:
        persons = self.rows[PERSONEN]
        for row in self.free_rows.pick(PERSONEN, wanted(0.001, len(persons), 2), lambda r: r.values["ORT"] != ""):
            copy, changed = self._moved_person(row)
            self._conflict(row, copy, changed)
        # Issue 21: the key twice with other content, for a person also entered under a second key.
        originals = [r.original.row for r in self.records.person_records
                     if r.original is not None and r.taint == "duplicate_person" and r.original.row is not None
                     and r.original.row.taint == RESERVED]
        seen: set[int] = set()
        unique = [r for r in originals if not (id(r) in seen or seen.add(id(r)))]  # type: ignore[func-returns-value]
        for row in self.rng.sample(unique, min(len(unique), wanted(0.0005, len(persons), 2))):
            copy, changed = self._moved_person(row)
            self._conflict(row, copy, changed, {"combination": "duplicate_person"})
        services = self.rows[LEISTUNGEN]
        for row in self.free_rows.pick(LEISTUNGEN, wanted(0.001, len(services), 2),
                                       lambda r: r.values["ENTGELT"] != "" and not r.values["ENTGELT"].endswith("-")
                                       and _parts(r.values["BEGINN"]) is not None):
            copy = row.copy()
            cents = int(row.values["ENTGELT"].replace(".", "").replace(",", ""))
            copy.values["ENTGELT"] = format_amount(cents + self.rng.randint(1, 40) * 100)
            self._conflict(row, copy, ["ENTGELT"])

    # -- references --------------------------------------------------------------------

    def dangling_uvg_columns(self) -> None:
        """At least one dangling reference in each UVG person column."""
        for column in ("KIND_PERS_NR", "ELTERNTEIL_PERS_NR", "PFLICHTIGER_PERS_NR"):
            for row in self.free_rows.pick(UVG, 1, lambda r, c=column: r.values[c] != ""):
                claim(row, "dangling_person_ref")
                original = row.values[column]
                row.values[column] = self.missing_person()
                self.log.add("dangling_person_ref", UVG, row, field=column,
                             related=[Ref(PERSONEN, self.by_key[PERSONEN][original])], detail={})

    def deleted_person(self) -> None:
        """A person record deleted although participations still name it."""
        named: dict[str, list[Row]] = defaultdict(list)
        for row in self.rows[BETEILIGTE]:
            named[row.values["PERS_NR"]].append(row)
        elsewhere = {r.values["PERS_NR"] for r in self.rows[LEISTUNGEN]}
        elsewhere |= {r.values[c] for r in self.rows[UVG] for c in ("KIND_PERS_NR", "ELTERNTEIL_PERS_NR", "PFLICHTIGER_PERS_NR")}
        identities = Counter(r.identity.id for r in self.records.person_records)
        candidates = [
            r for r in self.records.person_records
            if r.row is not None and r.row.taint is None and r.original is None and identities[r.identity.id] == 1
            and str(r.pers_nr) in self.adults and str(r.pers_nr) not in elsewhere
            and 1 <= len(named[str(r.pers_nr)]) <= 3 and all(p.taint is None for p in named[str(r.pers_nr)])
        ]
        for record in self.rng.sample(candidates, min(len(candidates), wanted(0.0003, len(self.rows[PERSONEN])))):
            key = str(record.pers_nr)
            claim(record.row, DELETED)
            for row in named[key]:
                claim(row, "dangling_person_ref")
                self.log.add("dangling_person_ref", BETEILIGTE, row, field="PERS_NR",
                             related=[Ref(PERSONEN, key=key)], detail={"deleted": True})

    # -- dates -------------------------------------------------------------------------

    def _uvg_single(self) -> set[int]:
        """UVG rows that are the only claim of their case file: UV payments find their
        claim by case and period, so an unreadable period must not hide a claim that others share."""
        per_case = Counter(r.values["AKTEN_NR"] for r in self.rows[UVG])
        return {id(r) for r in self.rows[UVG] if per_case[r.values["AKTEN_NR"]] == 1}

    def _services_followed(self) -> set[str]:
        identity = {str(r.pers_nr): r.identity.id for r in self.records.person_records}
        starts: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        for row in self.rows[LEISTUNGEN]:
            who = identity.get(row.values["PERS_NR"], row.values["PERS_NR"])
            starts[(who, row.values["HILFEART"])].append((_ordinal(row.values["BEGINN"]) or 0, row.values["LEIST_NR"]))
        followed: set[str] = set()
        for items in starts.values():
            items.sort()
            followed.update(key for _, key in items[:-1])
        return followed

    def _date_usable(self, file: str, column: str, role: str, form: str) -> Callable[[Row], bool]:
        single_claims = self._single_claims if file == UVG else set()
        followed = self._followed if (file, column) == (LEISTUNGEN, "ENDE") else set()

        def test(row: Row) -> bool:
            value = row.values[column]
            if form in ("unpadded", "too_old") or role != "end":
                if _parts(value) is None:
                    return False
            elif value not in ("", dates.OPEN_END_TEXT) and _parts(value) is None:
                return False  # an end: a real date, empty or open
            if file == PERSONEN and column == "GEB_DAT" and row.values["PERS_NR"] not in self.adults:
                return False  # a child's age must stay checkable
            if file == UVG and id(row) not in single_claims:
                return False
            if file == LEISTUNGEN and column == "ENDE" and (row.values["LEIST_NR"] in followed
                                                          or row.values["HILFEART"] in PLACEMENT_TYPES):
                return False  # a reader may take an unreadable end as open
            if file == LEISTUNGEN and column == "ENDE" and value in ("", dates.OPEN_END_TEXT) and form != "unpadded":
                return row.values["END_GRUND"] == ""
            return True
        return test

    def _written(self, form: str, value: str) -> str:
        parts = _parts(value)
        day, month, year = parts if parts else (self.rng.randint(1, 28), self.rng.randint(1, 12), self.rng.randint(2015, 2024))
        if form == "month_13":
            return f"{min(day, 28):02d}.13.{year:04d}"
        if form == "iso":
            return f"{year:04d}-{month:02d}-{day:02d}"
        if form == "impossible":
            return dates.impossible_date_text(dates.Date(year, month, min(day, 28)), self.rng)
        if form == "unpadded":
            return f"{day}.{month}.{year}"
        if form == "too_old":
            return "01.01.1800"
        return dates.UNKNOWN_DATE_TEXT

    def date_forms(self) -> None:
        self._single_claims = self._uvg_single()
        self._followed = self._services_followed()
        for file, column, role in DATE_COLUMNS:
            for form, kind in DATE_FORMS.items():
                if form == "unknown" and (file, column) not in UNKNOWN_NOT_ALLOWED:
                    continue
                if form == "too_old" and (file, column) not in TOO_OLD_ALLOWED:
                    continue
                test = self._date_usable(file, column, role, form)
                if form == "unpadded":
                    # day or month below 10, so the notation really differs
                    base = test
                    test = lambda r, b=base: b(r) and "0" in (r.values[column][0], r.values[column][3])  # noqa: E731
                for row in self.free_rows.pick(file, wanted(0.0002, len(self.rows[file])), test):
                    claim(row, kind)
                    row.values[column] = self._written(form, row.values[column])
                    self.log.add(kind, file, row, field=column, detail={"form": form})

    def end_before_start(self) -> None:
        """An end before the start in the periods the first generation left out."""
        periods = ((BETEILIGTE, "VON", "BIS"), (AKTEN, "ANGELEGT", "ABGESCHL"), (PERSONEN, "GEB_DAT", "TODES_DAT"))
        for file, start, end in periods:
            def test(row: Row, start: str = start, file: str = file) -> bool:
                if _parts(row.values[start]) is None:
                    return False
                return file != PERSONEN or row.values["PERS_NR"] in self.adults
            for row in self.free_rows.pick(file, wanted(0.0005, len(self.rows[file]), 2), test):
                first = _ordinal(row.values[start])
                assert first is not None
                claim(row, "end_before_start")
                row.values[end] = dates.fmt(dates.Date.fromordinal(first - self.rng.randint(1, 400)))
                if file == AKTEN:
                    row.values["STATUS"] = "Z"
                self.log.add("end_before_start", file, row, field=end, detail={})

    # -- codes -------------------------------------------------------------------------

    def unknown_fixed_codes(self) -> None:
        for (file, column), codes in UNKNOWN_FIXED.items():
            test = (lambda r: True) if file != UVG else (lambda r, s=self._uvg_single(): id(r) in s)
            for row in self.free_rows.pick(file, wanted(0.0005, len(self.rows[file]), 2), test):
                claim(row, "unknown_code")
                row.values[column] = self.rng.choice(codes)
                self.log.add("unknown_code", file, row, field=column, detail={"table": None})

    def retired_other_codes(self) -> None:
        """Retired codes of the nationality, social-district and provider-type tables."""
        for file, column, table in ((PERSONEN, "STAATSANG", "ST"), (PERSONEN, "SOZRAUM", "SR"), (TRAEGER, "ART", "TA")):
            code = RETIRED_OTHER[table]
            assert code.valid_to is not None
            for row in self.free_rows.pick(file, wanted(0.0005, len(self.rows[file]), 2), lambda r, c=column: r.values[c] != ""):
                claim(row, "retired_code")
                row.values[column] = code.code
                created = _ordinal(row.values["ANGELEGT"]) if file == PERSONEN else None
                self.log.add("retired_code", file, row, field=column, detail={
                    "table": table, "valid_to": dates.fmt(code.valid_to), "successor": code.successor,
                    "used_after_retirement": None if created is None else created > code.valid_to.toordinal()})

    # -- text ---------------------------------------------------------------------------

    def noisy_text(self) -> None:
        for file, columns in NOISE_COLUMNS.items():
            for column in columns:
                for form in NOISE_FORMS:
                    if form == "line_break" and file == PERSONEN:
                        continue  # names and addresses of persons: one line (BEMERKUNG, TRAEGER carry them)
                    for row in self.free_rows.pick(file, 1, lambda r, c=column: " " in r.values[c].strip() or len(r.values[c]) > 3):
                        original = row.values[column]
                        claim(row, "noisy_text")
                        row.values[column] = self._noise(form, original)
                        self.log.add("noisy_text", file, row, field=column, detail={"noise": form, "original": original})

    def _noise(self, form: str, text: str) -> str:
        if form == "nbsp":
            return text.replace(" ", "\u00a0", 1) if " " in text else text + "\u00a0"
        if form == "trailing_space":
            return text + "  "
        if form == "semicolon":
            return text + "; 2. OG"
        if form == "quote":
            return text + ' "alt"'
        return text + "\r\nHinterhaus"

    # -- rows --------------------------------------------------------------------------

    def _apply(self) -> None:
        for original, copy in self.inserts:
            rows = self.rows[original.file]
            at = rows.index(original) + 1
            rows.insert(self.rng.randint(at, len(rows)), copy)  # exported from a second table, further down
        self.rows[PERSONEN] = [r for r in self.rows[PERSONEN] if r.taint != DELETED]
