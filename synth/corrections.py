"""Negative correction records: the legitimate use of the trailing minus.

A refund booked as a one-month service record with a negative monthly rate
after an ambulant help ended, and a UVG adjustment (negative monthly amount
for the month after a claim ended, e.g. Kindergeld offset). Both are valid
records, not defects; truth lists them under features.trailing_minus.
"""

from __future__ import annotations

import dataclasses
import random

from jhmig.synth import dates
from jhmig.synth.defects import RESERVED, claim
from jhmig.synth.model import Claim
from jhmig.synth.office import EXPORT_DATE, PAYMENT_START
from jhmig.synth.world import World
from jhmig.synth.world_claims import EXPORT_MONTH


def add_corrections(world: World, rng: random.Random, pinned: set[str]) -> None:
    count = max(2, round(0.002 * len(world.services)))
    services = [
        s for s in world.services
        if s.taint is None and s.written_type == s.type and s.type in ("030", "040", "050", "120") and s.pays
        and s.end is not None and PAYMENT_START <= s.end <= dates.add_days(EXPORT_DATE, -70)
        and dates.add_days(s.end, 60) < dates.birthday(s.child.birth_date, 18)
    ]
    rng.shuffle(services)
    made = 0
    for s in services:
        if made >= count:
            break
        assert s.end is not None
        start, end = dates.add_days(s.end, 1), dates.add_days(s.end, rng.randint(10, 30))
        if any(o is not s and o.written_type == s.written_type and o.start <= dates.add_days(end, 30)
               and (o.end is None or o.end >= start) for o in world.services_by_child[s.child.id]):
            continue
        refund = dataclasses.replace(s, start=start, end=end, end_reason="90", unit="M", key=0, row=None, taint=None,
                                     rate_cents=-rng.randint(2, 30) * 1000, hours_per_month=0.0)
        claim(s, RESERVED)
        claim(refund, RESERVED)
        pinned.add(s.child.id)
        world.services.append(refund)
        world.services_by_child[s.child.id].append(refund)
        made += 1

    count = max(2, round(0.004 * len(world.claims)))
    claims = [c for c in world.claims if c.taint is None and c.paid and c.end is not None
              and c.ended_by_placement is None and PAYMENT_START <= c.end and dates.month_index(c.end) < EXPORT_MONTH]
    rng.shuffle(claims)
    made = 0
    for c in claims:
        if made >= count:
            break
        assert c.end is not None
        month = dates.month_index(c.end) + 1
        if dates.age_on(c.child.birth_date, dates.month_end(month)) >= 18:
            continue
        if any(o is not c and o.start <= dates.month_end(month) and (o.end is None or o.end >= dates.month_start(month))
               for o in world.claims_by_child[c.child.id]):
            continue
        if any(p.written_type in ("060", "065", "070") and p.start <= dates.month_end(month)
               and (p.end is None or p.end >= dates.month_start(month)) for p in world.services_by_child.get(c.child.id, [])):
            continue
        adjustment = Claim(case=c.case, child=c.child, parent=c.parent, liable=c.liable, start=dates.month_start(month),
                           end=dates.month_end(month), recovery=False, amount_cents=-rng.randint(12, 150) * 100,
                           adjustment=True)
        claim(c, RESERVED)
        claim(adjustment, RESERVED)
        pinned.add(c.child.id)
        world.claims.append(adjustment)
        world.claims_by_child[c.child.id].append(adjustment)
        made += 1
