"""Kita fee takeovers of one family: the Kita months of each child and the
childminder (Kindertagespflege) some under-threes have before."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from jhmig.synth import dates
from jhmig.synth.model import CaseFile, KitaPlacement
from jhmig.synth.office import EXPORT_DATE
from jhmig.synth.population import Household, Identity
from jhmig.synth.providers import Institution, pick_record
from jhmig.synth.world_cases import RATE_BASE_YEAR

KITA_HISTORY_START = dt.date(2008, 1, 1)
P_KITA_CHILD = 0.9
P_CHILDMINDER = 0.45  # under-threes with a childminder first (children born 2007 on)


def kita_period(rng: random.Random, child: Identity) -> tuple[dt.date, dt.date | None] | None:
    start = dates.add_days(dates.birthday(child.birth_date, 1), rng.randint(0, 500))
    start = dates.month_start(dates.month_index(start))
    if start < KITA_HISTORY_START or start > EXPORT_DATE:
        return None
    school_year = child.birth_date.year + (6 if child.birth_date.month < 7 else 7)
    end: dt.date | None = dt.date(school_year, 7, 31)
    assert end is not None
    if rng.random() < 0.3:
        end = dates.month_end(dates.month_index(dates.random_date(rng, dates.add_days(start, 180), end)))
    if end <= start:
        return None
    return start, None if end > EXPORT_DATE else end


def add_kita(rng: random.Random, kitas: list[KitaPlacement], open_case: Callable[[str, dt.date], CaseFile],
             by_kind: dict[str, list[Institution]], household: Household) -> None:
    """One fee-takeover file per family; each child in Kita is paid for monthly."""
    periods = [(c, p) for c in household.children if rng.random() < P_KITA_CHILD and (p := kita_period(rng, c))]
    if not periods:
        return
    case = open_case("KT", dates.add_days(min(min(p[0], dates.birthday(c.birth_date, 1)) for c, p in periods), -rng.randint(0, 60)))
    parent = household.single_parent or household.mother
    if parent is not None:
        case.add(parent, "M" if parent.sex == "2" else "V", case.opened, None)
    for child, (start, end) in periods:
        case.add(child, "K", max(min(start, dates.birthday(child.birth_date, 1)), child.birth_date), None)
        scale = 0.97 ** (RATE_BASE_YEAR - start.year)
        childminder = childminding(rng, by_kind, case, child, start)
        if childminder is not None:
            kitas.append(childminder)
            if childminder.end is None:
                continue  # still with the childminder on the export date
            start = max(start, dates.add_days(childminder.end, 1))
            if end is not None and end <= start:
                continue
        fee = round(rng.uniform(120, 420) * scale * 100)
        meals = rng.randint(45, 85) * 100
        provider = pick_record(rng.choice(by_kind["kita"]), rng)
        kitas.append(KitaPlacement(case, child, provider, start, end, (fee, meals)))


def childminding(rng: random.Random, by_kind: dict[str, list[Institution]], case: CaseFile, child: Identity,
                 kita_start: dt.date) -> KitaPlacement | None:
    """Kindertagespflege before the Kita: the office pays the childminder
    monthly (Förderleistung, Sachaufwand, half of her social insurance)."""
    if child.birth_date < dt.date(2007, 1, 1) or rng.random() > P_CHILDMINDER:
        return None
    # Under-threes with a childminder, the Kita from the third birthday on.
    start = dates.month_start(dates.month_index(dates.add_days(child.birth_date, rng.randint(270, 420))))
    end = dates.month_end(dates.month_index(max(kita_start, dates.birthday(child.birth_date, 3))) - 1)
    if end <= start or start > EXPORT_DATE:
        return None
    scale = 0.97 ** (RATE_BASE_YEAR - start.year)
    lines = (int(rng.uniform(450, 700) * scale) * 100, int(rng.uniform(250, 350) * scale) * 100,
             int(rng.uniform(60, 120) * scale) * 100)
    return KitaPlacement(case, child, pick_record(rng.choice(by_kind["tagespflege"]), rng),
                         start, None if end > EXPORT_DATE else end, lines)
