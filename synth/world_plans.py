"""Help sequences of one child: which HzE types follow each other, how long
each runs, why it ends, and the helps that run alongside (Hilfekombination).

Pure planning on the random stream: the plans become services in world.py."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from jhmig.synth import dates
from jhmig.synth.codes import (
    END_REASON_ADULT,
    END_REASONS_AMBULANT,
    END_REASONS_PROTECTIVE,
    END_REASONS_STATIONARY,
    END_REASONS_UMA,
    PLACEMENT_TYPES,
    SERVICE_TYPES,
)
from jhmig.synth.office import CASE_HISTORY_START, EXPORT_DATE
from jhmig.synth.population import Identity

# Tuned together with the household figures in world.py.
P_NEXT_HELP = 0.85  # another help follows the previous one
ESCALATION = 1.5  # weight of stationary help after ambulant help
P_COMBINED = 0.6  # a second help of another type runs alongside
COMBINED_TYPES = (("010", 35), ("090", 30), ("030", 15), ("120", 5), ("020", 8))
P_YOUNG_ADULT = 0.55  # §41 after a placement that ended at 18


@dataclass
class Plan:
    type: str
    start: dt.date
    end: dt.date | None
    reason: str | None


def end_reason(rng: random.Random, code: str, end: dt.date) -> str:
    table = (END_REASONS_UMA if code == "111" else END_REASONS_PROTECTIVE if code == "110"
             else END_REASONS_STATIONARY if SERVICE_TYPES[code].stationary else END_REASONS_AMBULANT)
    codes, weights = zip(*[(c, w) for c, w in table if c != "30" or code in ("060", "065")])
    return str(rng.choices(codes, weights)[0])


def duration_end(rng: random.Random, code: str, start: dt.date) -> dt.date:
    low, high_mode, high = SERVICE_TYPES[code].months
    # random.triangular takes (low, high, mode)
    value = rng.triangular(low, high, high_mode)
    days = int(value) if SERVICE_TYPES[code].in_days else int(value * 30.44)
    return dates.add_days(start, max(days, 1))


def choose_type(rng: random.Random, age: int, previous: str | None) -> str | None:
    candidates: list[tuple[str, float]] = []
    for code, st in SERVICE_TYPES.items():
        if st.weight <= 0 or not st.min_age <= age <= st.max_age:
            continue
        weight = st.weight
        if previous is not None and previous not in PLACEMENT_TYPES and st.stationary:
            weight *= ESCALATION  # escalation after ambulant help
        if previous == "110" and code in ("060", "070", "040"):
            weight *= 4
        if previous == code:
            weight *= 0.4
        candidates.append((code, weight))
    if not candidates:
        return None
    codes, weights = zip(*candidates)
    return str(rng.choices(codes, weights)[0])


def help_plans(rng: random.Random, child: Identity) -> list[Plan]:
    b18 = dates.birthday(child.birth_date, 18)
    lo = max(child.birth_date, CASE_HISTORY_START)
    hi = min(dates.add_days(b18, -183), dates.add_days(EXPORT_DATE, -14))
    if lo >= hi:
        return []
    plans: list[Plan] = []
    # Help tends to start early in childhood, which leaves room for a sequence.
    t = dates.add_days(lo, int((hi - lo).days * rng.random() ** 1.6))
    previous: str | None = None
    while t <= hi and len(plans) < 10:
        code = choose_type(rng, dates.age_on(child.birth_date, t), previous)
        if code is None:
            break
        end: dt.date | None = duration_end(rng, code, t)
        reason: str | None = None
        assert end is not None
        if end >= b18:
            end, reason = dates.add_days(b18, -1), END_REASON_ADULT
        if end > EXPORT_DATE:
            end, reason = None, None
        elif reason is None:
            reason = end_reason(rng, code, end)
        plans.append(Plan(code, t, end, reason))
        if end is None or rng.random() > P_NEXT_HELP:
            break
        t = dates.add_days(end, rng.randint(14, 400))
        previous = code
    last = plans[-1] if plans else None
    if last is not None and last.reason == END_REASON_ADULT and last.type in ("060", "070", "080") and rng.random() < P_YOUNG_ADULT:
        plans.append(young_adult_plan(rng, child))
    return plans + combined_helps(rng, child, plans)


def combined_helps(rng: random.Random, child: Identity, mains: list[Plan]) -> list[Plan]:
    """Ambulant helps running alongside a main help (Hilfekombination).

    They lie inside the main help's period and differ from its type, so
    they never overlap a help of their own type."""
    extra: list[Plan] = []
    latest_start = dates.add_days(dates.birthday(child.birth_date, 18), -183)
    for main in mains:
        if main.type in ("100", "110", "111") or rng.random() > P_COMBINED:
            continue
        main_end = main.end or EXPORT_DATE
        if (main_end - main.start).days < 60:
            continue
        start = dates.random_date(rng, dates.add_days(main.start, 7), dates.add_days(main_end, -30))
        if start > latest_start:
            continue
        age = dates.age_on(child.birth_date, start)
        if age < 3:
            continue  # toddlers get no second help alongside
        choices = [(c, w) for c, w in COMBINED_TYPES
                   if c != main.type and SERVICE_TYPES[c].min_age <= age <= SERVICE_TYPES[c].max_age
                   and all(c != p.type for p in extra)]
        if not choices:
            continue
        code = rng.choices([c for c, _ in choices], [w for _, w in choices])[0]
        end: dt.date | None = min(duration_end(rng, code, start), main_end)
        assert end is not None
        reason = main.reason if end == main.end else None
        if main.end is None and end >= EXPORT_DATE:
            end = None
        elif reason is None or reason == END_REASON_ADULT and end != main.end:
            reason = end_reason(rng, code, end)
        extra.append(Plan(code, start, end, reason))
    return extra


def young_adult_plan(rng: random.Random, child: Identity) -> Plan:
    # §41 starts at least two weeks after the 18th birthday: keeps the
    # clean data clear of age-boundary ambiguity.
    b18 = dates.birthday(child.birth_date, 18)
    start = dates.add_days(b18, rng.randint(14, 60))
    end: dt.date | None = min(duration_end(rng, "100", start), dates.add_days(dates.birthday(child.birth_date, 21), -1))
    reason: str | None = None
    assert end is not None
    if end > EXPORT_DATE or start > EXPORT_DATE:
        end = None
    else:
        reason = end_reason(rng, "100", end)
    return Plan("100", start, end, reason)
