"""Defects of single values in the legacy records: impossible dates, broken
IBANs, postcodes that lost their leading zero, unparseable amounts and
mojibake. Each lands on a row no other defect touched (``Row.taint``)."""

from __future__ import annotations

import random

from jhmig.synth import dates
from jhmig.synth.codes import PLACEMENT_TYPES
from jhmig.synth.defects import DefectLog, FreeRows, claim, wanted
from jhmig.synth.iban import with_wrong_check_digits
from jhmig.synth.layout import AKTEN, LEISTUNGEN, PERSONEN, TRAEGER
from jhmig.synth.legacy_records import LegacyRecords
from jhmig.synth.writers import Row


def mojibake(text: str, encoding: str) -> str | None:
    """``text`` as a reader shows it that takes cp850 (DOS) or UTF-8 bytes for cp1252."""
    try:
        garbled = text.encode(encoding).decode("cp1252")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return None if garbled == text else garbled


class ValueDefects:
    def __init__(self, records: LegacyRecords, rng: random.Random, log: DefectLog) -> None:
        self.records = records
        self.rows = records.rows
        self.rng = rng
        self.log = log
        self.free_rows = FreeRows(self.rows, rng)

    def _services_followed(self) -> set[str]:
        """LEIST_NR of services after which the child has another of the same type.

        A reader may take an unreadable end as "open"; such a service would
        then overlap the next one, so only the last of a kind gets a bad end.
        """
        identity = {str(r.pers_nr): r.identity.id for r in self.records.person_records}
        starts: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for row in self.rows[LEISTUNGEN]:
            v = row.values
            who = identity.get(v["PERS_NR"], v["PERS_NR"])
            starts.setdefault((who, v["HILFEART"]), []).append((v["BEGINN"][6:] + v["BEGINN"][3:5] + v["BEGINN"][:2], v["LEIST_NR"]))
        followed: set[str] = set()
        for items in starts.values():
            items.sort()
            followed.update(key for _, key in items[:-1])
        return followed

    def invalid_dates(self) -> None:
        adults = {str(r.pers_nr) for r in self.records.person_records if r.identity.kind not in ("child", "uma")}
        followed = self._services_followed()
        plan: dict[str, tuple[str, ...]] = {
            PERSONEN: ("ANGELEGT", "GEAENDERT", "GEB_DAT"),
            LEISTUNGEN: ("BEGINN", "ENDE"),
            AKTEN: ("ANGELEGT", "ABGESCHL"),
        }
        for file, columns in plan.items():
            def plant(row: Row, _n: int, file: str = file, columns: tuple[str, ...] = columns) -> bool:
                usable = [c for c in columns if len(row.values[c]) == 10
                          and row.values[c] not in (dates.UNKNOWN_DATE_TEXT, dates.OPEN_END_TEXT)]
                if file == PERSONEN and row.values["PERS_NR"] not in adults:
                    usable = [c for c in usable if c != "GEB_DAT"]  # a child's age must stay checkable
                if file == LEISTUNGEN and (row.values["LEIST_NR"] in followed or row.values["HILFEART"] in PLACEMENT_TYPES):
                    usable = [c for c in usable if c != "ENDE"]  # placements: a claim may follow
                if not usable:
                    return False
                column = self.rng.choice(usable)
                day, month, year = (int(x) for x in row.values[column].split("."))
                claim(row, "invalid_date")
                row.values[column] = dates.impossible_date_text(dates.Date(year, month, min(day, 28)), self.rng)
                self.log.add("invalid_date", file, row, field=column, detail={"form": "impossible"})
                return True
            self.free_rows.each(file, wanted(0.001, len(self.rows[file]), 2), lambda r: True, plant)

    def invalid_ibans(self) -> None:
        providers = self.rows[TRAEGER]
        for row in self.free_rows.pick(TRAEGER, wanted(0.02, len(providers), 2), lambda r: r.values["IBAN"] != ""):
            claim(row, "invalid_iban")
            row.values["IBAN"] = with_wrong_check_digits(row.values["IBAN"], self.rng)
            self.log.add("invalid_iban", TRAEGER, row, field="IBAN", detail={})

    def plz_4_digits(self) -> None:
        for file, share in ((PERSONEN, 0.004), (TRAEGER, 0.01)):
            for row in self.free_rows.pick(file, wanted(share, len(self.rows[file])), lambda r: r.values["PLZ"].startswith("0")):
                claim(row, "plz_4_digits")
                row.values["PLZ"] = row.values["PLZ"][1:]
                self.log.add("plz_4_digits", file, row, field="PLZ", detail={})

    def unparseable_amounts(self) -> None:
        services = self.rows[LEISTUNGEN]
        rows = self.free_rows.pick(LEISTUNGEN, wanted(0.001, len(services), 2),
                          lambda r: r.values["ENTGELT"] != "" and not r.values["ENTGELT"].endswith("-"))
        for n, row in enumerate(rows):
            amount = row.values["ENTGELT"]
            if n % 2 == 0 or "0" not in amount:
                text = f"ca. {amount.split(',')[0]}"
            else:
                i = amount.rindex("0")
                text = amount[:i] + "O" + amount[i + 1:]  # letter O typed for zero
            claim(row, "unparseable_amount")
            row.values["ENTGELT"] = text
            self.log.add("unparseable_amount", LEISTUNGEN, row, field="ENTGELT", detail={"original": amount})

    def mojibake(self) -> None:
        encodings = ("cp850", "utf-8")
        for file, columns, share in ((PERSONEN, ("NAME", "VORNAME", "STRASSE"), 0.001), (TRAEGER, ("NAME", "STRASSE"), 0.01)):
            def plant(row: Row, n: int, file: str = file, columns: tuple[str, ...] = columns) -> bool:
                # Alternate the two encodings so both kinds of garbage occur.
                encoding = encodings[n % 2]
                options = [(c, g) for c in columns if (g := mojibake(row.values[c], encoding))]
                if not options:
                    return False
                column, garbled = self.rng.choice(options)
                claim(row, "mojibake")
                original = row.values[column]
                row.values[column] = garbled
                self.log.add("mojibake", file, row, field=column,
                             detail={"read_as": "cp1252", "written_as": encoding, "original": original})
                return True

            def has_umlaut(row: Row, columns: tuple[str, ...] = columns) -> bool:
                return any(not row.values[c].isascii() for c in columns)
            self.free_rows.each(file, wanted(share, len(self.rows[file]), 2), has_umlaut, plant)
