"""The Jugendgerichtshilfe's proceedings: young people aged 14 to 20 at the offence.

They are drawn from the true population on purpose so that they meet the
other sources: some are children the ASD lists show (one person, two
departments, the primer's example), some had an UVG claim in the legacy
export, the rest are young people of the district the office never saw
before. A few reoffend, so one person appears in two year sheets.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from jhmig.synth import dates
from jhmig.synth.lists_links import LegacyLinks
from jhmig.synth.lists_model import LIST_STAND, AsdEntry, JghEntry
from jhmig.synth.lists_text import (
    COURT_OF_DISTRICT,
    OFFENCES,
    OUTCOME_UNMAPPED,
    OUTCOME_WEIGHTS,
)
from jhmig.synth.population import Identity
from jhmig.synth.scenario import Scenario

OFFENCE_FROM = dt.date(2021, 6, 1)
OFFENCE_TO = dt.date(2025, 1, 31)
P_REOFFEND = 0.18
P_NO_HEARING = 0.55  # a dismissal (§45 JGG) usually comes from the prosecutor, without a hearing
P_UNCODABLE = 0.03  # outcomes the synonym table does not know (TOA, Verwarnung)
POOL_WEIGHTS = (("asd", 0.3), ("uvg", 0.3), ("any", 0.4))


def offence_window(person: Identity) -> tuple[dt.date, dt.date] | None:
    """Offence dates at which the person is 14 to 20 years old, inside the lists' years."""
    first = max(OFFENCE_FROM, dates.birthday(person.birth_date, 14))
    last = min(OFFENCE_TO, dates.add_days(dates.birthday(person.birth_date, 21), -1))
    return (first, last) if first <= last else None


class JghSelector:
    def __init__(self, scenario: Scenario, links: LegacyLinks, rng: random.Random, persons: int,
                 asd_entries: list[AsdEntry]) -> None:
        self.scenario = scenario
        self.links = links
        self.rng = rng
        self.persons = persons
        self.asd_ids = {e.child.id for e in asd_entries}
        hze = {s.child.id for s in scenario.world.services}
        self.known_to_asd = self.asd_ids | hze
        self.caseworkers: list[str] = []

    def _pools(self) -> dict[str, list[Identity]]:
        people = [c for h in self.scenario.population.households for c in h.children]
        people += [h.children[0] for h in self.scenario.population.uma]
        fits = sorted((p for p in people if self.links.clean_person(p.id) and offence_window(p) is not None), key=lambda p: p.id)
        uvg = {c.child.id for c in self.scenario.world.claims if c.taint is None}
        return {
            "asd": [p for p in fits if p.id in self.asd_ids],
            "uvg": [p for p in fits if p.id in uvg and p.id in self.links.primary_of],
            "any": fits,
        }

    def select(self, caseworkers: list[str]) -> list[JghEntry]:
        rng = self.rng
        pools = self._pools()
        names, weights = zip(*POOL_WEIGHTS, strict=True)
        chosen: list[Identity] = []
        taken: set[str] = set()
        for _ in range(self.persons * 3):
            if len(chosen) >= self.persons:
                break
            pool = pools[rng.choices(names, weights)[0]] or pools["any"]
            person = rng.choice(pool)
            if person.id not in taken:
                taken.add(person.id)
                chosen.append(person)
        entries: list[JghEntry] = []
        for person in chosen:
            window = offence_window(person)
            assert window is not None
            first = dates.random_date(rng, *window)
            entries.append(self._proceeding(person, first, caseworkers))
            later_from = dates.add_days(first, 90)
            if rng.random() < P_REOFFEND and later_from <= window[1]:
                entries.append(self._proceeding(person, dates.random_date(rng, later_from, window[1]), caseworkers))
        self._every_outcome(entries)
        entries.sort(key=lambda e: (e.offence_date, e.person.id))
        serial: dict[int, int] = {}
        for entry in entries:
            serial[entry.year] = serial.get(entry.year, 0) + rng.choice((1, 1, 2))
            entry.az = f"JGH {serial[entry.year]:03d}/{entry.year % 100:02d}"
        return entries

    def _every_outcome(self, entries: list[JghEntry]) -> None:
        """The spec names six outcomes: a rare one (Freispruch) missing from a small list is given to a
        proceeding of a frequent one that went to court."""
        codes = [code for code, _ in OUTCOME_WEIGHTS]
        for code in codes:
            counts = Counter(e.outcome for e in entries)
            if counts[code]:
                continue
            donors = [e for e in entries if e.outcome in codes and counts[e.outcome] > 2 and e.hearing is not None]
            if donors:
                self.rng.choice(donors).outcome = code

    def _proceeding(self, person: Identity, offence_date: dt.date, caseworkers: list[str]) -> JghEntry:
        rng = self.rng
        offences, offence_weights = zip(*OFFENCES, strict=True)
        outcomes, outcome_weights = zip(*OUTCOME_WEIGHTS, strict=True)
        received = dates.add_days(offence_date, rng.randint(10, 75))
        year = min(received.year, LIST_STAND.year)
        outcome: str | None = rng.choices(outcomes, outcome_weights)[0]
        decided = dates.add_days(offence_date, rng.randint(60, 300))
        hearing: dt.date | None = decided
        if outcome == "dismissal" and rng.random() < P_NO_HEARING:
            hearing = None
        special: str | None = None
        if decided > LIST_STAND:
            outcome = "pending"  # the hearing is still ahead
        elif rng.random() < P_UNCODABLE:
            outcome, special = None, rng.choice(OUTCOME_UNMAPPED)
        court = COURT_OF_DISTRICT.get(person.address.district, "AG Dresden")
        return JghEntry(
            person=person, az="", offence=rng.choices(offences, offence_weights)[0], offence_date=offence_date,
            court=court, hearing=hearing, outcome=outcome, special_outcome=special,
            asd_known=person.id in self.known_to_asd, caseworker=rng.choice(caseworkers), year=year,
        )
