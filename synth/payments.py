"""Streams ZAHLUNGEN.DAT: ten years of payments, month by month.

Two million records must not become two million objects: every service,
claim and Kita placement becomes one small ``Stream`` (payment_streams.py);
each due month the active streams emit plain tuples, the month's batch is
sorted, numbered, written and dropped. Payment defects are planted while numbering, because
only then is the record number known.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jhmig.synth import dates, uvg_rates
from jhmig.synth.defects import DefectLog, Ref
from jhmig.synth.iban import with_wrong_check_digits
from jhmig.synth.layout import AKTEN, LEISTUNGEN, UVG, ZAHLUNGEN
from jhmig.synth.model import Claim
from jhmig.synth.office import EXPORT_DATE, PAYMENT_START
from jhmig.synth.payment_streams import Stream
from jhmig.synth.world_claims import EXPORT_MONTH
from jhmig.synth.writers import ENCODING, Row, payment_line, trailer_line

ORDER = {"UV": 0, "HE": 1, "KB": 2, "RG": 3, "ST": 4}
P_REVERSAL = 0.004
P_DANGLING_CASE = 0.003
P_DANGLING_SERVICE = 0.003
INVALID_IBAN_SPACING = (8_000, 32_000)
MATRIX_SPACING = (6_000, 24_000)  # each payment defect of the matrix: a few in a small export  # a few in a small export, ~90 in two million records
EXPORT_YMD = int(dates.ymd(EXPORT_DATE))


def _ymd(d: dt.date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


@dataclass
class PaymentResult:
    records: int = 0
    sum_cents: int = 0
    by_year_type: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    overlap_payments: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # id(claim) -> [(record, cents)]


class PaymentWriter:
    def __init__(self, rng: random.Random, log: DefectLog, missing_case: Callable[[str], str],
                 missing_service: Callable[[], str], rows_by_key: dict[str, dict[str, Row]],
                 matrix_rng: random.Random | None = None) -> None:
        self.rng = rng
        # The defect matrix's payment defects draw from their own stream, so the payments themselves
        # stay what they were without them.
        self.matrix = MatrixPayments(matrix_rng or random.Random(0), log)
        self.rows_by_key = rows_by_key  # to name the line of the record a broken reference meant
        self.log = log
        self.missing_case = missing_case
        self.missing_service = missing_service
        self.uvg = uvg_rates.uvg_cents_fast()
        self._due_cache: dict[tuple[int, int], int] = {}
        # Month index -> (first day, last day, both as YYYYMMDD, days): computed once.
        self._months: dict[int, tuple[dt.date, dt.date, int, int, int]] = {}
        for month in range(dates.month_index(PAYMENT_START) - 1, EXPORT_MONTH + 2):
            first, last = dates.month_start(month), dates.month_end(month)
            self._months[month] = (first, last, _ymd(first), _ymd(last), last.day)
        self.result = PaymentResult()
        self._next_bad_iban = rng.randint(1_000, INVALID_IBAN_SPACING[1])

    def _due(self, month: int, day: int) -> int:
        key = (month, day)
        cached = self._due_cache.get(key)
        if cached is None:
            d = dates.first_weekday_on_or_after(dt.date(month // 12, month % 12 + 1, day))
            cached = self._due_cache[key] = _ymd(d)
        return cached

    # -- amounts -------------------------------------------------------------------

    def _period(self, s: Stream, month: int) -> tuple[int, int, int, int]:
        """(from, to, days, days in month) of the stream's period in ``month``."""
        ms, me, ms_int, me_int, dim = self._months[month]
        if s.start <= ms and s.end >= me:
            return ms_int, me_int, dim, dim  # the common case: a whole month
        von = max(ms, s.start)
        bis = min(me, s.end)
        return _ymd(von), _ymd(bis), (bis - von).days + 1, dim

    def _he_cents(self, s: Stream, days: int, dim: int) -> int:
        if s.unit == "T":
            return s.rate * days
        if s.unit == "M":
            return s.rate if days == dim else round(s.rate * days / dim)
        hours = s.hours * days / dim * self.rng.uniform(0.7, 1.15)
        return round(max(0.5, round(hours * 4) / 4) * s.rate)

    def _uv_cents(self, s: Stream, month: int) -> int:
        if s.fixed_cents is not None:
            return s.fixed_cents
        assert s.birth is not None
        age = dates.age_on(s.birth, dt.date(month // 12, month % 12 + 1, 1))
        return self.uvg[(month, uvg_rates.age_band(age))]

    # -- emitting ------------------------------------------------------------------

    def _emit(self, s: Stream, due_month: int, batch: list[tuple[Any, ...]], *, outside: bool = False) -> None:
        rng = self.rng
        if outside:
            assert s.end is not None
            after = dates.add_days(s.end, 1)
            month = dates.month_index(after)
            period = Stream(s.kind, month, month, s.lag, s.case, s.service, s.iban, s.payee, after,
                            dates.month_end(month), unit=s.unit, rate=s.rate, hours=s.hours, birth=s.birth)
            von, bis, days, dim = self._period(period, month)
        else:
            month = due_month - s.lag
            von, bis, days, dim = self._period(s, month)
        if s.kind == "UV":
            cents, due = self._uv_cents(s, month), self._due(due_month, 1)
        elif s.kind == "HE":
            cents, due = self._he_cents(s, days, dim), self._due(due_month, s.due_day)
        else:
            cents, due = s.rate, self._due(due_month, 15)
        if due > EXPORT_YMD:
            return  # not yet paid on the export date
        tag: Any = ("outside", s) if outside else None
        if s.overlap is not None and not outside and _ymd(s.overlap[0]) <= bis and von <= _ymd(s.overlap[1]):
            tag = ("overlap", s)
        batch.append((due, ORDER[s.kind], s.case, s.service, von, len(batch), s.kind, bis, cents, s.iban, s.payee,
                      s.protect or outside, tag))
        if outside or s.protect:
            return
        if s.recovery is not None and rng.random() < s.recovery[0]:
            share = rng.uniform(0.4, 0.9)
            rg_due = self._due(due_month, rng.randint(2, 26))
            if rg_due <= EXPORT_YMD:
                batch.append((rg_due, ORDER["RG"], s.case, "", von, len(batch), "RG", bis,
                               -round(cents * share / 100) * 100, s.recovery[1], s.recovery[2], False, None))
        if rng.random() < P_REVERSAL:
            st_due = _ymd(dates.add_days(dt.date(due // 10000, due // 100 % 100, due % 100), rng.randint(2, 12)))
            if st_due <= EXPORT_YMD:
                batch.append((st_due, ORDER["ST"], s.case, s.service, von, len(batch), "ST", bis, -cents,
                              s.iban, s.payee, False, None))

    # -- the file --------------------------------------------------------------------

    def write(self, path: Path, streams: list[Stream], progress: Callable[[str, int, int], None] | None) -> PaymentResult:
        first_due = dates.month_index(PAYMENT_START)
        months = EXPORT_MONTH - first_due + 1
        pending = sorted(streams, key=lambda s: s.first + s.lag)
        extras: dict[int, list[Stream]] = {}
        for s in streams:
            if s.extra_after_end:
                extras.setdefault(dates.month_index(dates.add_days(s.end, 1)) + s.lag, []).append(s)
        active: list[Stream] = []
        cursor = 0
        number = 0  # the record's line in the file
        zahl_nr = 0  # its key: the line, until a line is repeated
        result = self.result
        with path.open("w", encoding=ENCODING, newline="") as handle:
            for step, due_month in enumerate(range(first_due, EXPORT_MONTH + 1)):
                while cursor < len(pending) and pending[cursor].first + pending[cursor].lag <= due_month:
                    active.append(pending[cursor])
                    cursor += 1
                active = [s for s in active if s.last + s.lag >= due_month]
                batch: list[tuple[Any, ...]] = []
                for s in active:
                    self._emit(s, due_month, batch)
                for s in extras.get(due_month, []):
                    self._emit(s, due_month, batch, outside=True)
                batch.sort()
                lines = []
                for record in batch:
                    number += 1
                    zahl_nr += 1
                    line = self._record(number, zahl_nr, record)
                    lines.append(line)
                    if self.matrix.duplicate_now(number, record):
                        number += 1  # the same line once more (a payment run exported twice)
                        lines.append(line)
                        self.matrix.log_duplicate(number, zahl_nr)
                        self._account(*self._last)
                handle.write("".join(lines))
                if progress is not None:
                    progress("payments", step + 1, months)
            handle.write(trailer_line(result.records, result.sum_cents))
        return result

    def _record(self, number: int, zahl_nr: int, record: tuple[Any, ...]) -> str:
        due, _order, case, service, von, _seq, kind, bis, cents, iban, payee, protected, tag = record
        result = self.result
        if tag is not None:
            source = tag[1].source
            if tag[0] == "outside":
                is_claim = isinstance(source, Claim)
                self.log.add(
                    "payment_outside_period", ZAHLUNGEN, record_no=number, key=str(zahl_nr), field="VON", value=str(von),
                    related=[Ref(UVG if is_claim else LEISTUNGEN, source)],
                    detail={"source_end": dates.fmt(source.end), "bis": str(bis)},
                )
            else:
                result.overlap_payments.setdefault(id(source), []).append((number, cents))
        elif not protected:
            r = self.rng.random()
            if r < P_DANGLING_CASE:
                original, case = case, self.missing_case(case)
                self.log.add("dangling_case_ref", ZAHLUNGEN, record_no=number, key=str(zahl_nr), field="AKTEN_NR",
                             value=case, related=[Ref(AKTEN, self.rows_by_key[AKTEN].get(original), key=original)])
            elif r < P_DANGLING_CASE + P_DANGLING_SERVICE:
                if service:
                    original, service = service, self.missing_service()
                    self.log.add("dangling_service_ref", ZAHLUNGEN, record_no=number, key=str(zahl_nr), field="LEIST_NR",
                                 value=service, related=[Ref(LEISTUNGEN, self.rows_by_key[LEISTUNGEN].get(original), key=original)])
            elif number >= self._next_bad_iban and iban:
                iban = with_wrong_check_digits(iban, self.rng)
                self.log.add("invalid_iban", ZAHLUNGEN, record_no=number, key=str(zahl_nr), field="IBAN", value=iban)
                self._next_bad_iban = number + self.rng.randint(*INVALID_IBAN_SPACING)
            elif number >= self.matrix.soonest:
                service, von, bis, cents = self.matrix.plant(number, zahl_nr, kind, service, von, bis, cents)
        self._last = (due, kind, cents)
        # _account inlined: this runs once per payment record (two million in a large export)
        result.records += 1
        result.sum_cents += cents
        slot = result.by_year_type.get((due // 10000, kind))
        if slot is None:
            slot = result.by_year_type[(due // 10000, kind)] = [0, 0]
        slot[0] += 1
        slot[1] += cents
        return payment_line(zahl_nr, case, service, kind, due, von, bis, cents, iban, payee)

    def _account(self, due: int, kind: str, cents: int) -> None:
        result = self.result
        result.records += 1
        result.sum_cents += cents
        slot = result.by_year_type.get((due // 10000, kind))
        if slot is None:
            slot = result.by_year_type[(due // 10000, kind)] = [0, 0]
        slot[0] += 1
        slot[1] += cents


class MatrixPayments:
    """The defect matrix in ZAHLUNGEN.DAT: a line repeated, a negative amount where only
    positive ones belong (KB), an HE payment without its service, an impossible period
    date, a period ending before it starts. Each kind every ``MATRIX_SPACING`` records
    or so, so every size has some and none has many; only on records no other defect took."""

    KINDS = ("duplicate_record", "negative_payment", "payment_without_service", "invalid_date", "end_before_start")

    def __init__(self, rng: random.Random, log: DefectLog) -> None:
        self.rng = rng
        self.log = log
        self.next_at = {k: rng.randint(300, MATRIX_SPACING[1]) for k in self.KINDS}
        self._pending_duplicate: int | None = None
        self._bad_dates = 0
        self.soonest = min(self.next_at.values())  # no kind is due before this record

    def _due(self, kind: str, number: int) -> bool:
        return number >= self.next_at[kind]

    def _done(self, kind: str, number: int) -> None:
        self.next_at[kind] = number + self.rng.randint(*MATRIX_SPACING)
        self.soonest = min(self.next_at.values())

    def plant(self, number: int, zahl_nr: int, kind: str, service: str, von: int, bis: int,
              cents: int) -> tuple[str, int, int, int]:
        if self._due("negative_payment", number) and kind == "KB" and cents > 0:
            self._done("negative_payment", number)
            cents = -cents
            self.log.add("negative_payment", ZAHLUNGEN, record_no=number, key=str(zahl_nr), field="BETRAG_CENT",
                         value=str(cents), detail={"zahlart": kind})
        elif self._due("payment_without_service", number) and kind == "HE" and service:
            self._done("payment_without_service", number)
            original, service = service, ""
            self.log.add("payment_without_service", ZAHLUNGEN, record_no=number, key=str(zahl_nr), field="LEIST_NR",
                         value="", related=[Ref(LEISTUNGEN, key=original)], detail={"zahlart": kind})
        elif self._due("invalid_date", number) and kind in ("HE", "KB"):
            self._done("invalid_date", number)
            # every form in both fields, in turn
            field, form = (("VON", "impossible"), ("BIS", "month_13"), ("BIS", "impossible"), ("VON", "month_13"))[self._bad_dates % 4]
            self._bad_dates += 1
            year = (von if field == "VON" else bis) // 10000
            bad = year * 10000 + (231 if form == "impossible" else 1300 + self.rng.randint(1, 28))
            if field == "VON":
                von = bad
            else:
                bis = bad
            self.log.add("invalid_date", ZAHLUNGEN, record_no=number, key=str(zahl_nr), field=field, value=str(bad),
                         detail={"form": form})
        elif self._due("end_before_start", number) and kind in ("HE", "KB"):
            self._done("end_before_start", number)
            start = dt.date(von // 10000, von // 100 % 100, von % 100)
            bis = _ymd(start - dt.timedelta(days=self.rng.randint(1, 20)))
            self.log.add("end_before_start", ZAHLUNGEN, record_no=number, key=str(zahl_nr), field="BIS", value=str(bis),
                         detail={})
        elif self._due("duplicate_record", number):
            self._pending_duplicate = number
        return service, von, bis, cents

    def duplicate_now(self, number: int, record: tuple[Any, ...]) -> bool:
        if self._pending_duplicate != number:
            return False
        self._pending_duplicate = None
        self._done("duplicate_record", number)
        return True

    def log_duplicate(self, number: int, zahl_nr: int) -> None:
        self.log.add("duplicate_record", ZAHLUNGEN, record_no=number, key=str(zahl_nr),
                     related=[Ref(ZAHLUNGEN, key=str(zahl_nr), record_no=number - 1)], detail={})
