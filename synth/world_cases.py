"""Case-file housekeeping of the simulated office: caseworker initials,
tariff rates, and closing the files once their services have ended."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import TYPE_CHECKING

from jhmig.synth import dates
from jhmig.synth.codes import Tariff
from jhmig.synth.office import EXPORT_DATE
from jhmig.synth.population import PopulationBuilder

if TYPE_CHECKING:  # world.py imports this module
    from jhmig.synth.world import World

RATE_BASE_YEAR = 2024


def rounded_rate(tariff: Tariff, rng: random.Random, year: int) -> int:
    euros = rng.uniform(tariff.low, tariff.high) * 0.975 ** (RATE_BASE_YEAR - year)
    if tariff.unit == "M":
        return round(euros / 10) * 1000  # monthly flat rates are whole tens of euros
    if tariff.unit == "S":
        return round(euros * 2) * 50  # hourly rates in 50-cent steps
    return round(euros * 100)  # daily rates from Entgeltvereinbarungen, to the cent


def caseworker_initials(rng: random.Random, builder: PopulationBuilder, count: int, taken: set[str]) -> list[str]:
    result: list[str] = []
    while len(result) < count:
        given = builder.names.adult_given_names(rng, rng.choice("12")).split(" ")[0]
        family = builder.names.family_name(rng).split(" ")[-1]
        style = rng.random()
        raw = given[0] + family[:2] if style < 0.5 else given[0] + family[0] if style < 0.8 else family[:4]
        initials = raw.upper().replace("Ä", "AE").replace("Ö", "OE").replace("Ü", "UE").replace("-", "")[:4]
        if len(initials) >= 2 and initials.isalpha() and initials.isascii() and initials not in taken:
            taken.add(initials)
            result.append(initials)
    return result


def finish_cases(rng: random.Random, world: World) -> None:
    """Closes each file after its last service, claim or Kita placement (or leaves it open or at rest)."""
    ends: dict[int, list[dt.date | None]] = defaultdict(list)
    for service in world.services:
        ends[id(service.case)].append(service.end)
    for claim in world.claims:
        ends[id(claim.case)].append(claim.end)
    for kita in world.kitas:
        ends[id(kita.case)].append(kita.end)
    for case in world.cases:
        if case.department in ("BS", "AV"):
            closed = case.closed
        else:
            case_ends = ends.get(id(case), [])
            if not case_ends or any(e is None for e in case_ends):
                closed = None
            else:
                closed = dates.add_days(max(e for e in case_ends if e is not None), rng.randint(20, 150))
        if closed is None or closed > EXPORT_DATE:
            case.closed, case.status = None, "A"
        elif case.department not in ("BS", "AV") and rng.random() < 0.1:
            # At rest: never formally closed. Not for Beistandschaft and
            # guardianship, which end by law at 18 (an open one would be a finding).
            case.closed, case.status = None, "R"
        else:
            case.closed, case.status = max(closed, case.opened), "Z"
        for participation in case.participations:
            participation.end = case.closed
