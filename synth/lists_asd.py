"""Which helps the ASD teams keep in their lists.

Most rows copy a help the legacy export also holds (the WJH/PKD service the
ASD arranged); some are list-only cases the legacy system never saw
(§8a assessments, Inobhutnahmen, helps run by the office itself, helps no
category fits). A child belongs to the team of its social district; after a
move, its earlier helps stay in the old team's list and the later ones go
to the new team, which is how one child ends up in two teams' lists.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from jhmig.synth import dates
from jhmig.synth.codes import SERVICE_TYPES
from jhmig.synth.lists_links import (
    HA_TO_UNIFIED,
    LegacyLinks,
    case_ref,
    provider_ref,
    usable_service,
)
from jhmig.synth.lists_model import LIST_STAND, LIST_START, AsdEntry
from jhmig.synth.lists_text import SPECIAL_HELPS
from jhmig.synth.model import Service
from jhmig.synth.population import Identity
from jhmig.synth.providers import Institution
from jhmig.synth.scenario import Scenario

TEAMS = ("Nord", "Mitte", "Süd", "West")
DISTRICT_TEAM: dict[str, str] = {
    "04": "Nord", "10": "Nord", "11": "Nord", "12": "Nord",
    "01": "Mitte", "": "Mitte",  # families outside the district are handled by the central team
    "02": "Süd", "03": "Süd", "06": "Süd", "07": "Süd",
    "05": "West", "08": "West", "09": "West",
}
AZ_STYLE: dict[str, str] = {"Nord": "N-{year}/{n:03d}", "Mitte": "ASD-M {n}/{yy}", "Süd": "S {yy}-{n:03d}", "West": "W/{year}/{n}"}
P_MOVE = 0.22  # a child with several helps moved to another team's district in between
P_LEGACY_AZ = 0.35  # the team writes the WJH/PKD file number instead of its own
DAYS_PER_MONTH = 30.42

# list-only cases: (unified type or None for a help no category fits, weight, provider kind)
LIST_ONLY_KINDS: tuple[tuple[str | None, float, str], ...] = (
    ("8a", 30, ""), ("28", 12, "beratung"), ("42", 14, "inobhut"), ("27_2", 10, "ambulant"), ("31", 10, "ambulant"),
    (None, 8, "ambulant"),
)
PROVIDER_KIND: dict[str, str] = {kind_code: kind for kind_code, _, kind in LIST_ONLY_KINDS if kind_code} | {
    "30": "ambulant", "32": "tagesgruppe", "33": "", "34": "stationaer", "35": "stationaer", "35a": "ambulant"}
# the spec names spellings of these types; a list set needs this many rows of each to show them all
REQUIRED_ROWS: dict[str, int] = {"31": 4, "34": 4, "30": 3, "33": 3, "32": 2, "35": 2, "35a": 2, "42": 2}
# ages at the start of a help (completed years), as the legacy catalogue has them
AGES: dict[str, tuple[int, int]] = {
    HA_TO_UNIFIED[code]: (st.min_age, st.max_age) for code, st in SERVICE_TYPES.items() if st.max_age < 18}


@dataclass(frozen=True)
class ListSizes:
    asd_rows: int  # rows copied from legacy services (about)
    list_only: int
    jgh_persons: int

    @classmethod
    def for_households(cls, households: int) -> ListSizes:
        # small (820 households) -> a few hundred rows; large (17,900) -> a few thousand
        return cls(asd_rows=round(households * 0.19), list_only=max(6, round(households * 0.035)),
                   jgh_persons=max(12, round(households * 0.065)))


def monthly_cents(service: Service) -> int | None:
    if not service.unit:
        return None
    if service.unit == "T":
        return round(service.rate_cents * DAYS_PER_MONTH)
    if service.unit == "S":
        return round(service.rate_cents * service.hours_per_month)
    return service.rate_cents


def team_of(child: Identity) -> str:
    return DISTRICT_TEAM.get(child.address.district, "Mitte")


class AsdSelector:
    def __init__(self, scenario: Scenario, links: LegacyLinks, rng: random.Random, sizes: ListSizes) -> None:
        self.scenario = scenario
        self.links = links
        self.rng = rng
        self.sizes = sizes
        self.by_kind: dict[str, list[Institution]] = defaultdict(list)
        for institution in scenario.institutions:
            self.by_kind[institution.kind].append(institution)

    def select(self) -> list[AsdEntry]:
        from_services = self._from_services()
        entries = from_services + self._list_only(from_services)
        self._number(entries)
        return entries

    # -- helps the legacy export holds too -------------------------------------------

    def _candidates(self) -> dict[str, list[Service]]:
        by_child: dict[str, list[Service]] = defaultdict(list)
        for service in self.scenario.world.services:
            if not usable_service(service) or service.child.kind not in ("child", "uma"):
                continue
            if service.start > LIST_STAND or (service.end is not None and service.end < LIST_START):
                continue
            if not self.links.clean_person(service.child.id):
                continue
            by_child[service.child.id].append(service)
        return by_child

    def _from_services(self) -> list[AsdEntry]:
        rng = self.rng
        by_child = self._candidates()
        children = sorted(by_child)
        rng.shuffle(children)
        entries: list[AsdEntry] = []
        for child_id in children:
            if len(entries) >= self.sizes.asd_rows:
                break
            services = sorted(by_child[child_id], key=lambda s: (s.start, s.key))
            child = services[0].child
            home = team_of(child)
            split = 0
            if len(services) >= 2 and rng.random() < P_MOVE:
                split = rng.randint(1, len(services) - 1)
            earlier = rng.choice([t for t in TEAMS if t != home])
            for index, service in enumerate(services):
                team = earlier if index < split else home
                entry = self._entry(service, team)
                if split:
                    if index < split:
                        entry.moved_to = home
                    else:
                        entry.moved_from = earlier
                entries.append(entry)
        return entries

    def _entry(self, service: Service, team: str) -> AsdEntry:
        record = service.provider
        return AsdEntry(
            child=service.child, team=team, code=HA_TO_UNIFIED[service.type], start=service.start, end=service.end,
            institution=record.institution if record else None, provider_ref=provider_ref(record),
            monthly_cents=monthly_cents(service), service=service,
            foster_family=service.payee.family_name if service.payee is not None and record is None else None,
        )

    # -- list-only cases ---------------------------------------------------------------

    def _list_only(self, from_services: list[AsdEntry]) -> list[AsdEntry]:
        """Cases only the lists know. The first two are helps no category fits (the unmapped
        report must have something to show); then types the spec names that the sampled
        services happen to lack, so every spelling of excel-lists.md can appear."""
        rng = self.rng
        with_services = {s.child.id for s in self.scenario.world.services}
        pool = sorted((c for h in self.scenario.population.households for c in h.children
                       if c.id not in with_services and self.links.clean_person(c.id)
                       and dates.birthday(c.birth_date, 17) > LIST_START and c.birth_date < dates.add_days(LIST_STAND, -200)),
                      key=lambda c: c.id)
        rng.shuffle(pool)
        have = Counter(e.code for e in from_services)
        plan: list[str | None] = [None, None]
        for code, needed in REQUIRED_ROWS.items():
            plan += [code] * max(0, needed - have[code])
        codes, weights, _ = zip(*LIST_ONLY_KINDS, strict=True)
        while len(plan) < self.sizes.list_only:
            plan.append(rng.choices(codes, weights)[0])
        entries: list[AsdEntry] = []
        for number, code in enumerate(plan):
            found = self._child_for(pool, code)
            if found is None:
                continue
            child, window = found
            entries.append(self._list_only_entry(child, code, dates.random_date(rng, *window), number))
        return entries

    def _child_for(self, pool: list[Identity], code: str | None) -> tuple[Identity, tuple[dt.date, dt.date]] | None:
        """A child of the pool who is of an age for the help inside the lists' years (taken from the pool)."""
        low, high = AGES.get(code or "", (0, 17))
        for index, child in enumerate(pool):
            earliest = max(LIST_START, dates.add_days(child.birth_date, 60), dates.birthday(child.birth_date, low))
            latest = min(dates.add_days(LIST_STAND, -10), dates.add_days(dates.birthday(child.birth_date, high + 1), -1),
                         dates.add_days(dates.birthday(child.birth_date, 18), -120))
            if earliest <= latest:
                del pool[index]
                return child, (earliest, latest)
        return None

    def _list_only_entry(self, child: Identity, code: str | None, start: dt.date, number: int) -> AsdEntry:
        rng = self.rng
        kind = PROVIDER_KIND.get(code or "", "ambulant")
        days = {"8a": rng.randint(5, 40), "42": rng.randint(2, 70)}.get(code or "", int(rng.triangular(60, 700, 240)))
        end: dt.date | None = dates.add_days(start, days)
        assert end is not None
        if end > LIST_STAND:
            end = None
        institution = rng.choice(self.by_kind[kind]) if kind and self.by_kind[kind] else None
        foster = self.scenario.builder.names.family_name(rng) if code == "33" else None
        cents = None if institution is None and foster is None else rng.randint(25, 90) * (
            10000 if code in ("34", "35") else 3000 if code == "42" else 1000)
        return AsdEntry(
            child=child, team=team_of(child), code=code, start=start, end=end,
            institution=institution, provider_ref=provider_ref(institution.records[0]) if institution else None,
            monthly_cents=cents, special_text=SPECIAL_HELPS[number % len(SPECIAL_HELPS)] if code is None else None,
            foster_family=foster,
        )

    # -- file numbers ------------------------------------------------------------------

    def _number(self, entries: list[AsdEntry]) -> None:
        """One team file number per child and team; some teams' rows carry the legacy file number."""
        rng = self.rng
        serial: dict[tuple[str, int], int] = defaultdict(int)
        own: dict[tuple[str, str], str] = {}
        legacy_style: dict[tuple[str, str], bool] = {}
        for entry in sorted(entries, key=lambda e: (e.start, e.child.id, e.team)):
            key = (entry.team, entry.child.id)
            if key not in legacy_style:
                legacy_style[key] = rng.random() < P_LEGACY_AZ
            ref = case_ref(entry.service.case) if entry.service is not None else None
            if legacy_style[key] and ref is not None and entry.service is not None:
                entry.az, entry.legacy_case = entry.service.case.number, ref
                continue
            if key not in own:
                year = entry.start.year
                serial[(entry.team, year)] += rng.choice((1, 1, 1, 2))
                own[key] = AZ_STYLE[entry.team].format(year=year, yy=f"{year % 100:02d}", n=serial[(entry.team, year)])
            entry.az = own[key]
