"""UVG claims of one child: the months a claim may run (placements, the 18th
birthday, the pre-2017 limits of age 12 and 72 months) and the UV case file."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from jhmig.synth import dates, uvg_rates
from jhmig.synth.model import CaseFile, Claim, Service
from jhmig.synth.office import CASE_HISTORY_START, EXPORT_DATE
from jhmig.synth.population import Household, Identity

if TYPE_CHECKING:  # world.py imports this module
    from jhmig.synth.world import World

EXPORT_MONTH = dates.month_index(EXPORT_DATE)
REFORM_MONTH = dates.month_index(uvg_rates.REFORM_2017)


def add_uvg(rng: random.Random, world: World, open_case: Callable[[str, dt.date], CaseFile],
            household: Household, child: Identity, placements: list[Service]) -> None:
    """The child's UV file and its claims (none if no month qualifies)."""
    assert household.separated_on is not None
    periods = claim_periods(rng, household, child, placements)
    if not periods:
        return
    parent = household.single_parent
    liable = household.absent_parent if household.liable_known else None
    case = open_case("UV", dates.add_days(dates.month_start(periods[0][0]), -rng.randint(0, 40)))
    case.add(child, "K", max(case.opened, child.birth_date), None)
    assert parent is not None
    case.add(parent, "M" if parent.sex == "2" else "V", case.opened, None)
    if liable is not None:
        case.add(liable, "U", case.opened, None)
    recovery = liable is not None and rng.random() < 0.7
    for first, last, ended_by in periods:
        claim = Claim(
            case=case, child=child, parent=parent, liable=liable, start=dates.month_start(first),
            end=None if last is None else dates.month_end(last), recovery=recovery, ended_by_placement=ended_by,
        )
        claim.amount_cents = claim_amount(child, first if last is None else last)
        world.claims.append(claim)
        world.claims_by_child[child.id].append(claim)


def claim_amount(child: Identity, month: int) -> int:
    month = min(month, EXPORT_MONTH)
    first_day = dates.month_start(month)
    cents = uvg_rates.monthly_cents(first_day, dates.age_on(child.birth_date, first_day))
    return cents if cents is not None else uvg_rates.monthly_cents(first_day, 8) or 0


def claim_periods(rng: random.Random, household: Household, child: Identity,
                  placements: list[Service]) -> list[tuple[int, int | None, Service | None]]:
    """Claim month ranges (first, last or None if running, placement that ended it)."""
    assert household.separated_on is not None
    blocks = sorted(
        (dates.month_index(s.start), dates.month_index(s.end) if s.end else 10**9, s) for s in placements
    )
    last_allowed = dates.month_index(dates.birthday(child.birth_date, 18)) - 1
    last_pre_reform_age = dates.month_index(dates.birthday(child.birth_date, 12)) - 1
    m = max(dates.month_index(household.separated_on) + 1, dates.month_index(child.birth_date) + 1,
            dates.month_index(CASE_HISTORY_START)) + rng.choice((0, 0, 1, 2, 3, 6))
    used_before_reform = 0
    result: list[tuple[int, int | None, Service | None]] = []
    while m <= min(last_allowed, EXPORT_MONTH) and len(result) < 4:
        inside = next((b for b in blocks if b[0] <= m <= b[1]), None)
        if inside is not None:
            if inside[1] >= 10**9 or rng.random() < 0.5:
                break
            m = inside[1] + 1 + rng.randint(0, 2)
            continue
        if m < REFORM_MONTH and (m > last_pre_reform_age or used_before_reform >= 72):
            m = REFORM_MONTH  # no claim until the 2017 reform lifted the limits
            if rng.random() < 0.3:
                break
            continue
        end = min(m + int(rng.expovariate(1 / 110)), last_allowed)
        ended_by: Service | None = None
        next_block = next((b for b in blocks if b[0] > m), None)
        if next_block is not None and next_block[0] - 1 <= end:
            end, ended_by = next_block[0] - 1, next_block[2]
        capped = False
        if m < REFORM_MONTH:
            pre_end = min(last_pre_reform_age, m + (72 - used_before_reform) - 1)
            if pre_end < REFORM_MONTH - 1 and pre_end < end:
                end, ended_by, capped = pre_end, None, True
            used_before_reform += min(end, REFORM_MONTH - 1) - m + 1
        running = end >= EXPORT_MONTH and (ended_by is None or next_block is None or next_block[0] > EXPORT_MONTH)
        if running and end > EXPORT_MONTH:
            result.append((m, None, None))
            break
        result.append((m, end, ended_by))
        if ended_by is not None:
            if ended_by.end is None or rng.random() < 0.5:
                break
            m = dates.month_index(ended_by.end) + 1 + rng.randint(0, 2)
        elif capped:
            if rng.random() < 0.3:
                break
            m = REFORM_MONTH
        else:
            if rng.random() > 0.15:
                break
            m = end + rng.randint(3, 24)
    return result
