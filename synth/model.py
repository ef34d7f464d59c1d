"""The office's true case history: case files, participations, services,
UVG claims and Kita fee takeovers, with true dates and amounts.

Objects here hold the truth. What the legacy system *wrote* (codes, dates
as text, keys) lives in the rows built from them; defects change rows or add
objects, and mark them with ``taint`` so that a record carries one defect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from jhmig.synth.population import Identity
from jhmig.synth.providers import ProviderRecord


@dataclass(eq=False)
class CaseFile:
    department: str  # UV, BS, AV, WJH, PKD, KT
    opened: dt.date
    closed: dt.date | None = None
    status: str = "A"
    caseworker: str = ""
    remark: str = ""
    participations: list[Participation] = field(default_factory=list)
    number: str = ""  # Aktenzeichen, assigned in opening order
    row: Any = None
    taint: str | None = None

    def add(self, person: Identity, role: str, start: dt.date, end: dt.date | None) -> Participation:
        p = Participation(self, person, role, start, end)
        self.participations.append(p)
        return p


@dataclass(eq=False)
class Participation:
    case: CaseFile
    person: Identity
    role: str
    start: dt.date
    end: dt.date | None
    row: Any = None
    taint: str | None = None


@dataclass(eq=False)
class Service:
    case: CaseFile
    child: Identity
    type: str  # true service type (HA code, current)
    written_type: str  # the code the legacy record carries (retired or miscoded ones differ)
    start: dt.date
    end: dt.date | None  # None: running at export
    end_reason: str | None
    provider: ProviderRecord | None
    unit: str  # T, M, S or '' (office's own service, no rate)
    rate_cents: int
    hours_per_month: float = 0.0
    payee: Identity | None = None  # foster parent for §33
    written_start: dt.date | None = None  # what the record says, when it differs from the truth
    written_end: dt.date | None = None
    paid: bool = True  # False: the legacy system never paid it (e.g. inverted period)
    extra_payment_after_end: bool = False  # planted payment_outside_period
    key: int = 0
    row: Any = None
    taint: str | None = None

    @property
    def pays(self) -> bool:
        return self.paid and self.unit != "" and (self.provider is not None or self.payee is not None)


@dataclass(eq=False)
class Claim:
    case: CaseFile
    child: Identity
    parent: Identity | None
    liable: Identity | None
    start: dt.date  # always the first of a month
    end: dt.date | None  # last of a month; None running
    recovery: bool
    amount_cents: int = 0  # MONATSBETRAG as written (negative for adjustments)
    adjustment: bool = False
    ended_by_placement: Service | None = None
    overlaps: Service | None = None  # planted uvg_overlaps_placement
    written_end: dt.date | None = None  # what the record says, when it differs from the truth
    paid: bool = True
    extra_payment_after_end: bool = False
    row: Any = None
    taint: str | None = None


@dataclass(eq=False)
class KitaPlacement:
    case: CaseFile
    child: Identity
    provider: ProviderRecord
    start: dt.date
    end: dt.date | None
    lines_cents: tuple[int, ...]  # monthly payment lines (fee and meal money; or childminder's components)
