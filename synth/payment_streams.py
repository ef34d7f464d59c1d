"""Payment streams: every service, claim and Kita placement becomes one
small ``Stream`` that knows its period, rate and payee; payments.py turns
the active streams into ZAHLUNGEN.DAT records month by month."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from jhmig.synth import dates
from jhmig.synth.office import PAYMENT_START
from jhmig.synth.population import Identity
from jhmig.synth.world import World
from jhmig.synth.world_claims import EXPORT_MONTH
from jhmig.synth.writers import payee_text

FAR = dt.date(9999, 12, 31)  # end of a stream still running on the export date


def person_payee(person: Identity) -> str:
    return payee_text(f"{person.family_name}, {person.given_names.split(' ')[0]}")


@dataclass(slots=True, eq=False)
class Stream:
    kind: str  # HE, UV, KB
    first: int  # first and last period month
    last: int
    lag: int  # 1: paid the month after the period (provider invoices), 0: in advance
    case: str
    service: str
    iban: str
    payee: str
    start: dt.date
    end: dt.date
    unit: str = "M"
    rate: int = 0
    hours: float = 0.0
    due_day: int = 1
    birth: dt.date | None = None
    fixed_cents: int | None = None  # UVG adjustments: the written (negative) amount
    recovery: tuple[float, str, str] | None = None  # (chance of a payment per month, payer IBAN, payer)
    protect: bool = False  # no random payment defects: its payments are counted in another defect's detail
    overlap: tuple[dt.date, dt.date] | None = None  # period of the placement an overlapping claim runs into
    source: Any = None  # Service or Claim
    extra_after_end: bool = False


def build_streams(world: World, rng: random.Random) -> list[Stream]:
    streams: list[Stream] = []
    first_allowed = dates.month_index(PAYMENT_START) - 1
    for s in world.services:
        if not s.pays:
            continue
        assert s.provider is not None or s.payee is not None
        if s.payee is not None:  # foster parents get Pflegegeld in advance
            iban, payee, lag, day = s.payee.iban or "", person_payee(s.payee), 0, 1
        else:
            assert s.provider is not None
            iban, payee, lag, day = s.provider.iban or "", payee_text(s.provider.name), 1, 8 + s.provider.key % 12
        end = s.end or FAR
        last = min(dates.month_index(end), EXPORT_MONTH)
        # Pflegegeld is paid as two lines, material costs and the
        # Erziehungsbeitrag; together they make the monthly rate.
        parts = (s.rate_cents * 62 // 100, s.rate_cents - s.rate_cents * 62 // 100) if s.payee is not None else (s.rate_cents,)
        for n, rate in enumerate(parts):
            streams.append(Stream(
                "HE", dates.month_index(s.start), last, lag, s.case.number, str(s.key), iban, payee, s.start, end,
                unit=s.unit, rate=rate, hours=s.hours_per_month, due_day=day, source=s,
                extra_after_end=s.extra_payment_after_end and n == 0,
            ))
        if s.type in ("060", "070") and s.unit in ("T", "M") and s.rate_cents > 0:
            # Placements carry more monthly lines: Barbetrag and Bekleidung to the
            # institution, the pension contribution (Alterssicherung) to foster parents.
            extras = (rng.randint(40, 110), rng.randint(35, 70)) if s.type == "070" else (rng.randint(40, 95),)
            for euros in extras:
                streams.append(Stream(
                    "HE", dates.month_index(s.start), last, lag, s.case.number, str(s.key), iban, payee, s.start, end,
                    unit="M", rate=euros * 100, due_day=day, source=s,
                ))
    for c in world.claims:
        if not c.paid:
            continue
        assert c.parent is not None
        end = c.end or FAR
        recovery = None
        if c.recovery and c.liable is not None:
            # How reliably the liable parent pays decides the recovery quota (13-20 % overall).
            recovery = (rng.uniform(0.15, 0.75), c.liable.iban or "", person_payee(c.liable))
        streams.append(Stream(
            "UV", dates.month_index(c.start), min(dates.month_index(end), EXPORT_MONTH), 0, c.case.number, "",
            c.parent.iban or "", person_payee(c.parent), c.start, end, birth=c.child.birth_date,
            fixed_cents=c.amount_cents if c.adjustment else None, recovery=recovery, protect=c.overlaps is not None,
            overlap=(c.overlaps.start, c.overlaps.end or FAR) if c.overlaps is not None else None, source=c,
            extra_after_end=c.extra_payment_after_end,
        ))
    for k in world.kitas:
        end = k.end or FAR
        for cents in k.lines_cents:
            streams.append(Stream(
                "KB", dates.month_index(k.start), min(dates.month_index(end), EXPORT_MONTH), 0, k.case.number, "",
                k.provider.iban or "", payee_text(k.provider.name), k.start, end, rate=cents, due_day=15,
            ))
    return [s for s in streams if s.last + s.lag >= first_allowed + 1 and s.first <= s.last]
