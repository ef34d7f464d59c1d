"""Defects of single records: wrong or missing keys, unknown and retired
codes, and duplicated or conflicting lines; ``plant`` also runs the value
defects of defects_values.py (impossible dates, broken IBANs, lost leading
zeros, unparseable amounts, mojibake) in between, in a fixed order.

They are planted on the rows built from the clean history, each on a row no
other defect touched (``Row.taint``).
"""

from __future__ import annotations

import random

from jhmig.synth import dates
from jhmig.synth.codes import (
    RETIRED_EG,
    RETIRED_HA,
    UNKNOWN_EG,
    UNKNOWN_HA,
    UNKNOWN_TA,
)
from jhmig.synth.defects import RESERVED, DefectLog, FreeRows, Ref, claim, wanted
from jhmig.synth.defects_codes import CodeDefects, used_late
from jhmig.synth.defects_values import ValueDefects
from jhmig.synth.iban import german_iban
from jhmig.synth.layout import AKTEN, BETEILIGTE, LEISTUNGEN, PERSONEN, TRAEGER, UVG
from jhmig.synth.legacy_records import LegacyRecords
from jhmig.synth.office import PAYMENT_START
from jhmig.synth.population import PopulationBuilder
from jhmig.synth.writers import Row

DANGLING_SHARE = 0.003


def _paid_before_history(row: Row) -> bool:
    end = row.values["ENDE"]
    return len(end) == 10 and end != dates.OPEN_END_TEXT and int(end[6:]) < PAYMENT_START.year


class RecordDefects:
    def __init__(self, records: LegacyRecords, rng: random.Random, log: DefectLog, builder: PopulationBuilder,
                 caseworkers: dict[str, list[str]]) -> None:
        self.records = records
        self.rows = records.rows
        self.rng = rng
        self.log = log
        self.builder = builder
        self.caseworkers = caseworkers
        self.free_rows = FreeRows(self.rows, rng)
        self.values = ValueDefects(records, rng, log)
        self.inserts: list[tuple[Row, Row, bool]] = []  # (original, copy, right after it)
        self.by_key: dict[str, dict[str, Row]] = {
            f: {self._key(f, r): r for r in reversed(self.rows[f])} for f in (PERSONEN, AKTEN, LEISTUNGEN, TRAEGER)
        }
        self.missing_cases: dict[str, list[str]] = {}
        self._ranges: dict[str, tuple[int, int]] = {}
        self.last_serial: dict[str, int] = {}
        for number in self.by_key[AKTEN]:
            prefix, serial = number.rsplit("/", 1)
            self.last_serial[prefix] = max(self.last_serial.get(prefix, 0), int(serial))

    @staticmethod
    def _key(file: str, row: Row) -> str:
        column = {PERSONEN: "PERS_NR", AKTEN: "AKTEN_NR", LEISTUNGEN: "LEIST_NR", TRAEGER: "TRAEGER_NR"}[file]
        return row.values[column]

    def plant(self) -> None:
        self.retired_codes()
        self.dangling_refs()
        self.values.invalid_dates()
        self.unknown_codes()
        CodeDefects(self.rows, self.free_rows, self.rng, self.log).plant()
        self.values.invalid_ibans()
        self.values.plz_4_digits()
        self.values.unparseable_amounts()
        self.values.mojibake()
        self.conflicting_keys()
        self.duplicate_records()
        self._apply_inserts()

    # -- helpers -----------------------------------------------------------------

    def missing_number(self, file: str) -> str:
        """A key in the range in use that no record has (a deleted record)."""
        taken = self.by_key[file]
        if file not in self._ranges:
            numbers = [int(k) for k in taken]
            self._ranges[file] = (min(numbers), max(numbers) + 40)
        low, high = self._ranges[file]
        while True:
            candidate = str(self.rng.randint(low, high))
            if candidate not in taken:
                return candidate

    def missing_case_number(self, original: str) -> str:
        """An Aktenzeichen of a deleted case file of the same department and
        year: right format, serial past the last one in use."""
        prefix = original.rsplit("/", 1)[0]
        known = self.missing_cases.setdefault(prefix, [])
        if known and self.rng.random() < 0.3:
            return self.rng.choice(known)  # several records of the same deleted file
        candidate = f"{prefix}/{self.last_serial[prefix] + len(known) + self.rng.randint(1, 3):05d}"
        known.append(candidate)
        return candidate

    # -- codes ---------------------------------------------------------------------

    def retired_codes(self) -> None:
        for row in self.rows[LEISTUNGEN]:
            if row.taint != "retired_code":
                continue
            ha, eg = row.values["HILFEART"], row.values["END_GRUND"]
            code = RETIRED_HA.get(ha) or RETIRED_EG.get(eg)
            assert code is not None
            column = "HILFEART" if ha in RETIRED_HA else "END_GRUND"
            self.log.add("retired_code", LEISTUNGEN, row, field=column, detail={
                "table": code.table, "valid_to": dates.fmt(code.valid_to), "successor": code.successor,
                "used_after_retirement": used_late(row, column, code)})

    def unknown_codes(self) -> None:
        services = self.rows[LEISTUNGEN]
        for row in self.free_rows.pick(LEISTUNGEN, wanted(0.001, len(services))):
            claim(row, "unknown_code")
            row.values["HILFEART"] = self.rng.choice(UNKNOWN_HA)
            self.log.add("unknown_code", LEISTUNGEN, row, field="HILFEART", detail={"table": "HA"})
        for row in self.free_rows.pick(LEISTUNGEN, wanted(0.001, len(services)), lambda r: r.values["END_GRUND"] != ""):
            claim(row, "unknown_code")
            row.values["END_GRUND"] = self.rng.choice(UNKNOWN_EG)
            self.log.add("unknown_code", LEISTUNGEN, row, field="END_GRUND", detail={"table": "EG"})
        for row in self.free_rows.pick(TRAEGER, wanted(0.003, len(self.rows[TRAEGER]))):
            claim(row, "unknown_code")
            row.values["ART"] = self.rng.choice(UNKNOWN_TA)
            self.log.add("unknown_code", TRAEGER, row, field="ART", detail={"table": "TA"})

    # -- references ------------------------------------------------------------------

    def dangling_refs(self) -> None:
        for file in (BETEILIGTE, LEISTUNGEN, UVG):
            # UV payments find their claim through the case number only: a claim
            # pointing elsewhere would make all its payments look unclaimed, so
            # only claims paid before the export's payment history get one.
            test = _paid_before_history if file == UVG else (lambda r: True)
            for row in self.free_rows.pick(file, wanted(DANGLING_SHARE, len(self.rows[file])), test):
                claim(row, "dangling_case_ref")
                original = row.values["AKTEN_NR"]
                row.values["AKTEN_NR"] = self.missing_case_number(original)
                self.log.add("dangling_case_ref", file, row, field="AKTEN_NR",
                             related=[Ref(AKTEN, self.by_key[AKTEN][original])], detail={})
            for row in self.free_rows.pick(file, wanted(DANGLING_SHARE, len(self.rows[file]))):
                columns = ["PERS_NR"] if file != UVG else [c for c in ("KIND_PERS_NR", "ELTERNTEIL_PERS_NR", "PFLICHTIGER_PERS_NR") if row.values[c]]
                column = self.rng.choice(columns)
                claim(row, "dangling_person_ref")
                original = row.values[column]
                row.values[column] = self.missing_number(PERSONEN)
                self.log.add("dangling_person_ref", file, row, field=column,
                             related=[Ref(PERSONEN, self.by_key[PERSONEN][original])], detail={})
        services = self.rows[LEISTUNGEN]
        for row in self.free_rows.pick(LEISTUNGEN, wanted(DANGLING_SHARE, len(services)), lambda r: r.values["TRAEGER_NR"] != ""):
            claim(row, "dangling_provider_ref")
            original = row.values["TRAEGER_NR"]
            row.values["TRAEGER_NR"] = self.missing_number(TRAEGER)
            self.log.add("dangling_provider_ref", LEISTUNGEN, row, field="TRAEGER_NR",
                         related=[Ref(TRAEGER, self.by_key[TRAEGER][original])], detail={})

    # -- lines ---------------------------------------------------------------------------

    def conflicting_keys(self) -> None:
        for row in self.free_rows.pick(AKTEN, wanted(0.001, len(self.rows[AKTEN]), 2)):
            copy = row.copy()
            changed: list[str] = []
            dept = row.values["FACHBEREICH"]
            others = [c for c in self.caseworkers[dept] if c != row.values["SACHB"]]
            if others:
                copy.values["SACHB"] = self.rng.choice(others)
                changed.append("SACHB")
            if row.values["STATUS"] == "Z":
                copy.values["STATUS"], copy.values["ABGESCHL"] = "A", ""
                changed += ["STATUS", "ABGESCHL"]
            elif not changed:
                copy.values["STATUS"] = "R"
                changed.append("STATUS")
            self._conflict(row, copy, AKTEN, changed)
        for row in self.free_rows.pick(TRAEGER, wanted(0.005, len(self.rows[TRAEGER]), 1)):
            copy = row.copy()
            moved = self.builder.address(away_share=0.1, rng=self.rng)
            copy.values.update({"STRASSE": moved.street, "HNR": moved.house_number, "PLZ": moved.postcode, "ORT": moved.city})
            changed = ["STRASSE", "HNR", "PLZ", "ORT"]
            if row.values["IBAN"]:
                copy.values["IBAN"] = german_iban(self.rng)
                changed.append("IBAN")
            self._conflict(row, copy, TRAEGER, changed)

    def _conflict(self, row: Row, copy: Row, file: str, changed: list[str]) -> None:
        claim(row, RESERVED)
        claim(copy, "conflicting_key")
        self.inserts.append((row, copy, False))
        self.log.add("conflicting_key", file, copy, field=changed[0], related=[Ref(file, row)], detail={"fields": changed})

    def duplicate_records(self) -> None:
        for file in (PERSONEN, LEISTUNGEN):
            for row in self.free_rows.pick(file, wanted(0.001, len(self.rows[file]), 2)):
                copy = row.copy()
                claim(row, RESERVED)
                claim(copy, "duplicate_record")
                self.inserts.append((row, copy, True))
                self.log.add("duplicate_record", file, copy, related=[Ref(file, row)], detail={})

    def _apply_inserts(self) -> None:
        for original, copy, adjacent in self.inserts:
            rows = self.rows[original.file]
            at = rows.index(original) + 1
            if not adjacent:
                at = self.rng.randint(at, len(rows))  # exported from a second table, further down
            rows.insert(at, copy)
