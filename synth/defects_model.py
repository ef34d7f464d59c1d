"""Defects that live in the relations between records (periods, ages,
placements), planted in the true case history before any row is written.

Each picks records nobody else has touched, changes what the legacy system
*wrote* (or adds the record a careless colleague added), logs the defect and
reserves the records it depends on, so no later defect blurs it. Children
involved are "pinned": their records are never split across duplicate
person records, so the finding stays visible per PERS_NR.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from jhmig.synth import dates, uvg_rates
from jhmig.synth.codes import PLACEMENT_TYPES, SERVICE_TYPES
from jhmig.synth.defects import RESERVED, DefectLog, Ref, claim, wanted
from jhmig.synth.layout import LEISTUNGEN, UVG
from jhmig.synth.model import Claim, Service
from jhmig.synth.office import EXPORT_DATE, PAYMENT_START
from jhmig.synth.world import World
from jhmig.synth.world_claims import EXPORT_MONTH

AMBULANT_HZE = ("010", "020", "030", "040", "050", "080", "090", "120")
UVG_FAST = uvg_rates.uvg_cents_fast()


class ModelDefects:
    def __init__(self, world: World, rng: random.Random, log: DefectLog, pinned: set[str]) -> None:
        self.world = world
        self.rng = rng
        self.log = log
        self.pinned = pinned

    def plant(self) -> None:
        self.uvg_overlaps_placement()
        self.overlapping_services()
        self.age_limits()
        self.service_before_birth()
        self.end_before_start()
        self.payments_outside_period()

    # -- helpers -------------------------------------------------------------

    def _pick(self, candidates: list[Any], count: int) -> list[Any]:
        return self.rng.sample(candidates, min(count, len(candidates)))

    def _each(self, candidates: list[Any], count: int, plant: Callable[[Any], bool]) -> None:
        """Tries candidates in random order until ``count`` of them took the defect."""
        order = self.rng.sample(candidates, len(candidates))
        done = 0
        for candidate in order:
            if done >= count:
                break
            done += plant(candidate)

    def _same_type(self, service: Service) -> list[Service]:
        return [s for s in self.world.services_by_child[service.child.id]
                if s is not service and s.written_type == service.written_type]

    def _clean(self, service: Service) -> bool:
        return service.taint is None and service.written_type == service.type and service.child.id not in self.pinned

    # -- UVG claim running into a placement -----------------------------------

    def uvg_overlaps_placement(self) -> None:
        claims = self.world.claims
        candidates = [
            c for c in claims
            if c.taint is None and c.end is not None and c.ended_by_placement is not None
            and c.ended_by_placement.taint is None and c.ended_by_placement.start >= dt.date(2015, 2, 1)
            and c.child.id not in self.pinned
        ]
        self._each(candidates, wanted(0.02, len(claims)), self._extend_into_placement)

    def _extend_into_placement(self, c: Claim) -> bool:
        placement = c.ended_by_placement
        assert placement is not None
        if c.taint is not None or placement.taint is not None:
            return False
        first = dates.month_index(placement.start)
        limit = dates.month_index(dates.birthday(c.child.birth_date, 18)) - 1
        if placement.end is not None:
            limit = min(limit, dates.month_index(placement.end) - 1)  # a later claim starts after it
        last = min(first + self.rng.randint(0, 7), limit)
        if last < first:
            return False
        claim(c, "uvg_overlaps_placement")
        claim(placement, RESERVED)
        self.pinned.add(c.child.id)
        c.overlaps = placement
        c.end = None if last >= EXPORT_MONTH and placement.end is None else dates.month_end(min(last, EXPORT_MONTH))
        overlap_months = min(last, EXPORT_MONTH) - first + 1
        self.log.add(
            "uvg_overlaps_placement", UVG, c, field="ENDE", related=[Ref(LEISTUNGEN, placement)],
            detail={"service": lambda p=placement: str(p.key), "overlap_months": overlap_months, "overpaid_cents": 0},
        )
        return True

    # -- two services of one type for one child at the same time --------------

    def overlapping_services(self) -> None:
        services = self.world.services
        candidates = [
            s for s in services
            if self._clean(s) and s.type in AMBULANT_HZE + ("060", "070") and s.pays
            and ((s.end or EXPORT_DATE) - s.start).days >= 120
        ]
        self._each(candidates, wanted(0.005, len(services)), self._add_twin)

    def _add_twin(self, s: Service) -> bool:
        services = self.world.services
        latest = min(dates.add_days(s.end or EXPORT_DATE, -30), dates.add_days(dates.birthday(s.child.birth_date, 18), -200))
        earliest = dates.add_days(s.start, 14)
        if latest <= earliest:
            return False
        start = dates.random_date(self.rng, earliest, latest)
        low, mode, high = SERVICE_TYPES[s.type].months
        end: dt.date | None = dates.add_days(start, int(self.rng.triangular(low, high, mode) * 30.44))
        assert end is not None
        if s.end is not None:
            end = min(end, s.end)
        elif end > EXPORT_DATE:
            end = None
        twin = dataclasses.replace(
            s, start=start, end=end, end_reason=None if end is None else "10", key=0, row=None, taint=None,
            rate_cents=int(s.rate_cents * self.rng.uniform(0.95, 1.08)),
        )
        claim(twin, "overlapping_services")
        claim(s, RESERVED)
        self.pinned.add(s.child.id)
        services.append(twin)
        self.world.services_by_child[s.child.id].append(twin)
        self.log.add("overlapping_services", LEISTUNGEN, twin, field="BEGINN", related=[Ref(LEISTUNGEN, s)],
                     detail={"service": lambda o=s: str(o.key), "hilfeart": s.type})
        return True

    # -- age limits --------------------------------------------------------------

    def age_limits(self) -> None:
        services = self.world.services
        each = wanted(0.001, len(services))
        adults = [s for s in services if self._clean(s) and s.type == "100"]
        self._each(adults, each, lambda s: self._recode(s, "070" if s.unit == "T" else "030", "hze_after_18"))
        minors = [s for s in services if self._clean(s) and s.type in ("030", "040", "080", "090", "120")
                  and 16 <= dates.age_on(s.child.birth_date, s.start) <= 17]
        self._each(minors, each, lambda s: self._recode(s, "100", "sec41_under_18"))
        self._uvg_after_18(each)

    def _recode(self, s: Service, code: str, rule: str) -> bool:
        """The service written with the code of the other side of the 18th birthday."""
        if not self._clean(s):
            return False  # e.g. its child got another defect meanwhile
        end = s.end or EXPORT_DATE
        if any(o is not s and o.written_type == code and o.start <= end and (o.end is None or o.end >= s.start)
               for o in self.world.services_by_child[s.child.id]):
            return False  # would also make two services of one type overlap
        claim(s, "age_limit")
        self.pinned.add(s.child.id)
        s.written_type = code
        self.log.add("age_limit", LEISTUNGEN, s, field="HILFEART", detail={
            "rule": rule, "age_at_start": dates.age_on(s.child.birth_date, s.start)})
        return True

    def _uvg_after_18(self, count: int) -> None:
        by_child = self.world.claims_by_child
        candidates: list[Claim] = []
        for child_id, claims in by_child.items():
            last = max(claims, key=lambda c: c.start)
            b18 = dates.birthday(last.child.birth_date, 18)
            if (last.taint is None and last.end is not None and child_id not in self.pinned
                    and dates.month_index(last.end) == dates.month_index(b18) - 1
                    and not self.world.services_by_child.get(child_id)
                    and dates.month_index(b18) + 3 < EXPORT_MONTH):
                candidates.append(last)
        for previous in self._pick(candidates, count):
            first = dates.month_index(dates.birthday(previous.child.birth_date, 18)) + 1 + self.rng.randint(0, 2)
            last_m = min(first + self.rng.randint(0, 4), EXPORT_MONTH)
            extra = Claim(
                case=previous.case, child=previous.child, parent=previous.parent, liable=previous.liable,
                start=dates.month_start(first), end=None if last_m == EXPORT_MONTH else dates.month_end(last_m),
                recovery=False, amount_cents=UVG_FAST[(min(last_m, EXPORT_MONTH), 2)],
            )
            claim(extra, "age_limit")
            claim(previous, RESERVED)
            self.pinned.add(previous.child.id)
            self.world.claims.append(extra)
            self.world.claims_by_child[previous.child.id].append(extra)
            self.log.add("age_limit", UVG, extra, field="BEGINN", detail={
                "rule": "uvg_after_18", "age_at_start": dates.age_on(extra.child.birth_date, extra.start)})

    # -- service recorded as starting before the child was born ---------------

    def service_before_birth(self) -> None:
        services = self.world.services
        candidates = [
            s for s in services
            if self._clean(s) and s.type not in PLACEMENT_TYPES and (s.start - s.child.birth_date).days <= 365
            and not any(o.start <= s.start for o in self._same_type(s))
        ]
        for s in self._pick(candidates, wanted(0.001, len(services))):
            claim(s, "service_before_birth")
            self.pinned.add(s.child.id)
            s.written_start = dates.add_days(s.child.birth_date, -self.rng.randint(1, 120))
            self.log.add("service_before_birth", LEISTUNGEN, s, field="BEGINN",
                         detail={"birth_date": dates.fmt(s.child.birth_date)})

    # -- end before start ------------------------------------------------------

    def end_before_start(self) -> None:
        services = self.world.services
        candidates = [s for s in services if self._clean(s) and s.end is not None and s.type not in PLACEMENT_TYPES]
        self._each(candidates, wanted(0.002, len(services)), self._invert_service)
        claims = self.world.claims
        candidates_c = [c for c in claims if c.taint is None and c.end is not None and c.ended_by_placement is None
                        and c.child.id not in self.pinned]
        self._each(candidates_c, wanted(0.003, len(claims)), self._invert_claim)

    def _invert_service(self, s: Service) -> bool:
        written_end = dates.add_days(s.start, -self.rng.randint(1, 60))
        if s.taint is not None or any(o.start < s.start and (o.end is None or o.end >= written_end) for o in self._same_type(s)):
            return False
        claim(s, "end_before_start")
        self.pinned.add(s.child.id)
        s.written_end = written_end
        s.paid = False  # the legacy system refused to pay an inverted period
        self.log.add("end_before_start", LEISTUNGEN, s, field="ENDE", detail={})
        return True

    def _invert_claim(self, c: Claim) -> bool:
        written_end = dates.month_end(dates.month_index(c.start) - self.rng.randint(1, 6))
        if c.taint is not None or c.child.id in self.pinned:
            return False
        if any(p.end is not None and p.end >= dates.add_days(written_end, -400) and p.start < c.start
               for p in self.world.services_by_child.get(c.child.id, []) if p.written_type in PLACEMENT_TYPES):
            return False
        if any(o is not c and o.start < c.start and (o.end is None or o.end >= dates.add_days(written_end, -200))
               for o in self.world.claims_by_child[c.child.id]):
            return False
        claim(c, "end_before_start")
        self.pinned.add(c.child.id)
        c.written_end = written_end
        c.paid = False
        self.log.add("end_before_start", UVG, c, field="ENDE", detail={})
        return True

    # -- an extra payment after the end of its service or claim ---------------

    def payments_outside_period(self) -> None:
        last_day = dates.add_days(EXPORT_DATE, -45)
        services = [s for s in self.world.services if s.taint is None and s.pays and s.end is not None
                    and PAYMENT_START <= s.end <= last_day]
        for s in self._pick(services, wanted(0.004, len(services))):
            claim(s, RESERVED)
            s.extra_payment_after_end = True
        claims = [
            c for c in self.world.claims
            if c.taint is None and c.paid and c.end is not None and c.ended_by_placement is None
            and PAYMENT_START <= c.end and dates.month_index(c.end) < EXPORT_MONTH
            and not any(o is not c and o.start <= dates.add_days(c.end, 31) and (o.end is None or o.end > c.end)
                        for o in self.world.claims_by_child[c.child.id])
        ]
        for c in self._pick(claims, wanted(0.004, len(claims))):
            claim(c, RESERVED)
            c.extra_payment_after_end = True
