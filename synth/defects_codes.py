"""Code defects beyond the first generation's: retired codes without a
successor, retired codes used after their retirement, and nationality and
social-district codes that SCHLUESSEL.TXT does not list.

Every retired code is a ``retired_code`` defect; ``detail.successor`` is
``null`` when nobody names one, ``detail.used_after_retirement`` is true when
the record's date (BEGINN for HILFEART, ENDE for END_GRUND) lies after
``valid_to``. Unknown PERSONEN codes are ``unknown_code`` with table ST or SR.
"""

from __future__ import annotations

import datetime as dt
import random

from jhmig.synth import dates
from jhmig.synth.codes import HA, EG, UNKNOWN_SR, UNKNOWN_ST, Code
from jhmig.synth.defects import DefectLog, FreeRows, claim, wanted
from jhmig.synth.layout import LEISTUNGEN, PERSONEN
from jhmig.synth.writers import Row

NO_SUCCESSOR = {c.code: c for c in (*HA, *EG) if c.valid_to and not c.successor}
AMBULANT_HA = frozenset({"010", "020", "030", "040", "050", "080", "090", "120"})


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        return None


def _ended_by(row: Row, day: dt.date) -> bool:
    end = _date(row.values["ENDE"])
    return end is not None and end <= day


def used_late(row: Row, column: str, code: Code) -> bool:
    """The record's date (BEGINN for HILFEART, ENDE for END_GRUND) lies after the code's last valid day."""
    day = _date(row.values["BEGINN" if column == "HILFEART" else "ENDE"])
    return bool(day and code.valid_to and day > code.valid_to)


class CodeDefects:
    def __init__(self, rows: dict[str, list[Row]], free_rows: FreeRows, rng: random.Random, log: DefectLog) -> None:
        self.rows = rows
        self.free_rows = free_rows
        self.rng = rng
        self.log = log

    def plant(self) -> None:
        self.retired_without_successor()
        self.retired_used_late()
        self.unknown_person_codes()

    def _retired(self, row: Row, column: str, code: Code) -> None:
        claim(row, "retired_code")
        row.values[column] = code.code
        self.log.add("retired_code", LEISTUNGEN, row, field=column, detail={
            "table": code.table, "valid_to": dates.fmt(code.valid_to), "successor": code.successor,
            "used_after_retirement": used_late(row, column, code)})

    def retired_without_successor(self) -> None:
        n = len(self.rows[LEISTUNGEN])
        ha, eg = NO_SUCCESSOR["097"], NO_SUCCESSOR["08"]
        assert ha.valid_to and eg.valid_to
        for row in self.free_rows.pick(LEISTUNGEN, wanted(0.002, n, 2),
                                       lambda r: r.values["HILFEART"] in AMBULANT_HA and _ended_by(r, ha.valid_to)):  # type: ignore[arg-type]
            self._retired(row, "HILFEART", ha)
        for row in self.free_rows.pick(LEISTUNGEN, wanted(0.002, n, 2),
                                       lambda r: r.values["END_GRUND"] in ("10", "20", "90") and _ended_by(r, eg.valid_to)):  # type: ignore[arg-type]
            self._retired(row, "END_GRUND", eg)

    def retired_used_late(self) -> None:
        """065 on foster care begun after 2016, 25 on helps ended by the young person after 2014."""
        n = len(self.rows[LEISTUNGEN])
        kinship = next(c for c in HA if c.code == "065")
        early_end = next(c for c in EG if c.code == "25")
        assert kinship.valid_to and early_end.valid_to

        def begun_after(row: Row, day: dt.date) -> bool:
            start = _date(row.values["BEGINN"])
            return start is not None and start > day

        for row in self.free_rows.pick(LEISTUNGEN, wanted(0.001, n, 2),
                                       lambda r: r.values["HILFEART"] == "060" and begun_after(r, kinship.valid_to)):  # type: ignore[arg-type]
            self._retired(row, "HILFEART", kinship)
        for row in self.free_rows.pick(LEISTUNGEN, wanted(0.001, n, 2),
                                       lambda r: r.values["END_GRUND"] == "20" and not _ended_by(r, early_end.valid_to)  # type: ignore[arg-type]
                                       and _date(r.values["ENDE"]) is not None):
            self._retired(row, "END_GRUND", early_end)

    def unknown_person_codes(self) -> None:
        n = len(self.rows[PERSONEN])
        for column, table, codes in (("STAATSANG", "ST", UNKNOWN_ST), ("SOZRAUM", "SR", UNKNOWN_SR)):
            for row in self.free_rows.pick(PERSONEN, wanted(0.001, n, 3), lambda r, c=column: r.values[c] != ""):
                claim(row, "unknown_code")
                row.values[column] = self.rng.choice(codes)
                self.log.add("unknown_code", PERSONEN, row, field=column, detail={"table": table})
