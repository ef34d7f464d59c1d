"""Simulates the office's case history from the true population.

Rules the clean history obeys (so that every violation in the export is a
planted, recorded defect): HzE §§27-35 start before the 18th birthday, §41
starts after it; services of one type never overlap for one child; a UVG
claim never overlaps a §33/§34 placement of its child, runs in whole
months, stops at 18 (and, before the July 2017 reform, at 12 or after 72
months); nothing starts before the child is born.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from jhmig.synth import dates, uvg_rates
from jhmig.synth.codes import (
    END_REASON_ADULT,
    END_REASONS_AMBULANT,
    END_REASONS_PROTECTIVE,
    END_REASONS_STATIONARY,
    END_REASONS_UMA,
    PLACEMENT_TYPES,
    RETIRED_EG,
    RETIRED_HA,
    SERVICE_TYPES,
    Tariff,
)
from jhmig.synth.model import CaseFile, Claim, KitaPlacement, Service
from jhmig.synth.office import CASE_HISTORY_START, EXPORT_DATE, SYSTEM_START
from jhmig.synth.population import Household, Identity, Population, PopulationBuilder
from jhmig.synth.providers import Institution, ProviderRecord, pick_record
from jhmig.synth.sizes import SizeProfile

EXPORT_MONTH = dates.month_index(EXPORT_DATE)
REFORM_MONTH = dates.month_index(uvg_rates.REFORM_2017)
KITA_HISTORY_START = dt.date(2008, 1, 1)
RATE_BASE_YEAR = 2024

# How often households meet each department. Tuned together so that persons,
# case files, services and payments land near the brief's figures (about
# 2.2 persons and 1.4 services per case file, 65-70 payments per case file).
P_UV_CHILD = 0.5  # child of a single parent gets an UV file
P_BS_CHILD = 0.06  # ... and a Beistandschaft
P_HZE_SINGLE = 0.4  # household gets Hilfe zur Erziehung
P_HZE_COUPLE = 0.3
P_SIBLING_HELP = 0.7  # a further child of an HzE household is helped too
P_NEXT_HELP = 0.85  # another help follows the previous one
ESCALATION = 1.5  # weight of stationary help after ambulant help
P_COMBINED = 0.6  # a second help of another type runs alongside
COMBINED_TYPES = (("010", 35), ("090", 30), ("030", 15), ("120", 5), ("020", 8))
P_YOUNG_ADULT = 0.55  # §41 after a placement that ended at 18
P_AV_PLACED = 0.15  # a placed child gets an Amtsvormund
P_KINSHIP = 0.25  # foster care with relatives
P_KITA_FAMILY = 0.45  # household gets Kita fees paid
P_KITA_CHILD = 0.9
P_CHILDMINDER = 0.45  # under-threes with a childminder first (children born 2007 on)


@dataclass
class World:
    cases: list[CaseFile] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    kitas: list[KitaPlacement] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    services_by_child: dict[str, list[Service]] = field(default_factory=lambda: defaultdict(list))
    claims_by_child: dict[str, list[Claim]] = field(default_factory=lambda: defaultdict(list))
    household_of: dict[str, Household] = field(default_factory=dict)


@dataclass
class _Plan:
    type: str
    start: dt.date
    end: dt.date | None
    reason: str | None


def _rounded_rate(tariff: Tariff, rng: random.Random, year: int) -> int:
    euros = rng.uniform(tariff.low, tariff.high) * 0.975 ** (RATE_BASE_YEAR - year)
    if tariff.unit == "M":
        return round(euros / 10) * 1000  # monthly flat rates are whole tens of euros
    if tariff.unit == "S":
        return round(euros * 2) * 50  # hourly rates in 50-cent steps
    return round(euros * 100)  # daily rates from Entgeltvereinbarungen, to the cent


def _caseworker_initials(rng: random.Random, builder: PopulationBuilder, count: int, taken: set[str]) -> list[str]:
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


class WorldBuilder:
    def __init__(self, rng: random.Random, population: Population, builder: PopulationBuilder,
                 institutions: list[Institution], profile: SizeProfile) -> None:
        self.rng = rng
        self.population = population
        self.builder = builder
        self.world = World(institutions=institutions)
        self.by_kind: dict[str, list[Institution]] = defaultdict(list)
        for institution in institutions:
            self.by_kind[institution.kind].append(institution)
        taken: set[str] = set()
        self.caseworkers = {
            dept: _caseworker_initials(rng, builder, profile.caseworkers_per_department, taken)
            for dept in ("UV", "BS", "AV", "WJH", "PKD", "KT")
        }
        self._foster_pool = list(population.foster_families)
        self._guarded: set[str] = set()  # children who already have an AV case

    # -- public ------------------------------------------------------------

    def build(self) -> World:
        for household in self.population.households:
            for person in [household.mother, household.father, *household.children]:
                if person is not None:
                    self.world.household_of[person.id] = household
            self._family(household)
        for household in self.population.uma:
            self.world.household_of[household.children[0].id] = household
            self._uma(household)
        self._finish_cases()
        return self.world

    # -- helpers -------------------------------------------------------------

    def _case(self, department: str, opened: dt.date) -> CaseFile:
        case = CaseFile(department, max(opened, SYSTEM_START), caseworker=self.rng.choice(self.caseworkers[department]))
        self.world.cases.append(case)
        return case

    def _provider(self, kind: str) -> ProviderRecord:
        return pick_record(self.rng.choice(self.by_kind[kind]), self.rng)

    def _end_reason(self, code: str, end: dt.date) -> str:
        table = (END_REASONS_UMA if code == "111" else END_REASONS_PROTECTIVE if code == "110"
                 else END_REASONS_STATIONARY if SERVICE_TYPES[code].stationary else END_REASONS_AMBULANT)
        codes, weights = zip(*[(c, w) for c, w in table if c != "30" or code in ("060", "065")])
        return str(self.rng.choices(codes, weights)[0])

    def _service(self, case: CaseFile, child: Identity, plan: _Plan, *, provider: ProviderRecord | None = None,
                 payee: Identity | None = None, written_type: str | None = None) -> Service:
        rng = self.rng
        st = SERVICE_TYPES[plan.type]
        probabilities, tariffs = zip(*st.tariffs)
        tariff: Tariff = rng.choices(tariffs, probabilities)[0]
        kind = st.provider_kind
        if plan.type in ("080", "090", "100"):
            kind = "ambulant" if tariff.unit == "S" else "stationaer"
        own_office = st.own_office_share > 0 and rng.random() < st.own_office_share
        if provider is None and kind and not own_office:
            provider = self._provider(kind)
        service = Service(
            case=case, child=child, type=plan.type, written_type=written_type or plan.type, start=plan.start,
            end=plan.end, end_reason=plan.reason, provider=provider,
            unit="" if own_office else tariff.unit,
            rate_cents=0 if own_office else _rounded_rate(tariff, rng, plan.start.year),
            hours_per_month=round(rng.uniform(tariff.hours_low, tariff.hours_high), 1) if tariff.unit == "S" else 0.0,
            payee=payee,
        )
        if service.written_type in RETIRED_HA:
            service.taint = "retired_code"
        elif service.end_reason in ("20", "21") and service.end is not None and service.end < dt.date(2015, 1, 1) and rng.random() < 0.35:
            service.end_reason = next(iter(RETIRED_EG))
            service.taint = "retired_code"
        self.world.services.append(service)
        self.world.services_by_child[child.id].append(service)
        return service

    def _duration_end(self, code: str, start: dt.date) -> dt.date:
        low, high_mode, high = SERVICE_TYPES[code].months
        # random.triangular takes (low, high, mode)
        value = self.rng.triangular(low, high, high_mode)
        days = int(value) if SERVICE_TYPES[code].in_days else int(value * 30.44)
        return dates.add_days(start, max(days, 1))

    def _choose_type(self, age: int, previous: str | None) -> str | None:
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
        return str(self.rng.choices(codes, weights)[0])

    # -- help sequences ------------------------------------------------------

    def _help_plans(self, child: Identity) -> list[_Plan]:
        rng = self.rng
        b18 = dates.birthday(child.birth_date, 18)
        lo = max(child.birth_date, CASE_HISTORY_START)
        hi = min(dates.add_days(b18, -183), dates.add_days(EXPORT_DATE, -14))
        if lo >= hi:
            return []
        plans: list[_Plan] = []
        # Help tends to start early in childhood, which leaves room for a sequence.
        t = dates.add_days(lo, int((hi - lo).days * rng.random() ** 1.6))
        previous: str | None = None
        while t <= hi and len(plans) < 10:
            code = self._choose_type(dates.age_on(child.birth_date, t), previous)
            if code is None:
                break
            end: dt.date | None = self._duration_end(code, t)
            reason: str | None = None
            assert end is not None
            if end >= b18:
                end, reason = dates.add_days(b18, -1), END_REASON_ADULT
            if end > EXPORT_DATE:
                end, reason = None, None
            elif reason is None:
                reason = self._end_reason(code, end)
            plans.append(_Plan(code, t, end, reason))
            if end is None or rng.random() > P_NEXT_HELP:
                break
            t = dates.add_days(end, rng.randint(14, 400))
            previous = code
        last = plans[-1] if plans else None
        if last is not None and last.reason == END_REASON_ADULT and last.type in ("060", "070", "080") and rng.random() < P_YOUNG_ADULT:
            plans.append(self._young_adult_plan(child))
        return plans + self._combined_helps(child, plans)

    def _combined_helps(self, child: Identity, mains: list[_Plan]) -> list[_Plan]:
        """Ambulant helps running alongside a main help (Hilfekombination).

        They lie inside the main help's period and differ from its type, so
        they never overlap a help of their own type."""
        rng = self.rng
        extra: list[_Plan] = []
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
            end: dt.date | None = min(self._duration_end(code, start), main_end)
            assert end is not None
            reason = main.reason if end == main.end else None
            if main.end is None and end >= EXPORT_DATE:
                end = None
            elif reason is None or reason == END_REASON_ADULT and end != main.end:
                reason = self._end_reason(code, end)
            extra.append(_Plan(code, start, end, reason))
        return extra

    def _young_adult_plan(self, child: Identity) -> _Plan:
        # §41 starts at least two weeks after the 18th birthday: keeps the
        # clean data clear of age-boundary ambiguity.
        b18 = dates.birthday(child.birth_date, 18)
        start = dates.add_days(b18, self.rng.randint(14, 60))
        end: dt.date | None = min(self._duration_end("100", start), dates.add_days(dates.birthday(child.birth_date, 21), -1))
        reason: str | None = None
        assert end is not None
        if end > EXPORT_DATE or start > EXPORT_DATE:
            end = None
        else:
            reason = self._end_reason("100", end)
        return _Plan("100", start, end, reason)

    # -- households ----------------------------------------------------------

    def _family(self, household: Household) -> None:
        rng = self.rng
        single = household.single_parent is not None
        placements: dict[str, list[Service]] = defaultdict(list)
        if rng.random() < (P_HZE_SINGLE if single else P_HZE_COUPLE):
            self._hze(household, placements)
        if single:
            for child in household.children:
                if rng.random() < P_UV_CHILD:
                    self._uvg(household, child, placements[child.id])
                if rng.random() < P_BS_CHILD:
                    self._beistandschaft(household, child)
        if rng.random() < P_KITA_FAMILY:
            self._kita(household)

    def _hze(self, household: Household, placements: dict[str, list[Service]]) -> None:
        rng = self.rng
        children = household.children
        involved = [c for i, c in enumerate(children) if rng.random() < (0.85 if i == 0 else P_SIBLING_HELP)] or [children[0]]
        ambulant: list[tuple[Identity, _Plan]] = []
        for child in involved:
            for plan in self._help_plans(child):
                if plan.type in ("060", "065"):
                    placements[child.id].append(self._foster_care(household, child, plan))
                else:
                    ambulant.append((child, plan))
        if not ambulant:
            return
        # One WJH case per period of contact; a new file after two quiet years.
        ambulant.sort(key=lambda cp: cp[1].start)
        case: CaseFile | None = None
        case_end: dt.date | None = None
        for child, plan in ambulant:
            if case is None or (case_end is not None and (plan.start - case_end).days > 4 * 365):
                case = self._case("WJH", dates.add_days(plan.start, -rng.randint(0, 45)))
                self._add_parents(case, household, case.opened)
                # The family file lists every child of the household, helped or not.
                for sibling in household.children:
                    if sibling.birth_date <= case.opened and dates.age_on(sibling.birth_date, case.opened) < 18:
                        case.add(sibling, "K", case.opened, None)
                case_end = plan.end
            elif case_end is not None:
                case_end = None if plan.end is None else max(case_end, plan.end)
            if not any(p.person is child and p.role == "K" for p in case.participations):
                case.add(child, "K", max(case.opened, child.birth_date), None)
            service = self._service(case, child, plan)
            if plan.type == "070":
                placements[child.id].append(service)
                if rng.random() < P_AV_PLACED:
                    self._guardianship(household, child, plan.start)

    def _add_parents(self, case: CaseFile, household: Household, start: dt.date) -> None:
        rng = self.rng
        if household.mother is not None and household.kind != "single_father":
            case.add(household.mother, "M", start, None)
        if household.father is not None and (household.kind != "single_mother" or rng.random() < 0.5):
            case.add(household.father, "V", start, None)
        if rng.random() < 0.03 and household.children:
            case.add(self.builder.relative(household), "S", start, None)

    def _foster_care(self, household: Household, child: Identity, plan: _Plan) -> Service:
        rng = self.rng
        case = self._case("PKD", dates.add_days(plan.start, -rng.randint(0, 30)))
        case.add(child, "K", max(case.opened, child.birth_date), None)
        kinship = rng.random() < P_KINSHIP
        if kinship:
            carers = [self.builder.relative(household)]
        else:
            family = rng.choice(self._foster_pool)
            carers = [p for p in (family.mother, family.father) if p is not None]
        for carer in carers:
            case.add(carer, "P", case.opened, None)
        if rng.random() < 0.6:
            self._add_parents(case, household, case.opened)
        written = "065" if kinship and plan.start <= RETIRED_HA["065"].valid_to else "060"  # type: ignore[operator]
        plan.type = "060"
        service = self._service(case, child, plan, payee=carers[0], written_type=written)
        if rng.random() < P_AV_PLACED:
            self._guardianship(household, child, plan.start)
        return service

    def _guardianship(self, household: Household | None, child: Identity, placed_on: dt.date) -> None:
        rng = self.rng
        if child.id in self._guarded:
            return
        self._guarded.add(child.id)
        case = self._case("AV", dates.add_days(placed_on, rng.randint(0, 90)))
        b18 = dates.birthday(child.birth_date, 18)
        case.closed = b18 if b18 <= EXPORT_DATE else None
        case.add(child, "K", max(case.opened, child.birth_date), None)
        case.add(rng.choice(self.population.staff), "B", case.opened, None)
        if household is not None and household.mother is not None and rng.random() < 0.5:
            case.add(household.mother, "M", case.opened, None)

    def _beistandschaft(self, household: Household, child: Identity) -> None:
        rng = self.rng
        assert household.separated_on is not None
        b18 = dates.birthday(child.birth_date, 18)
        opened = dates.add_days(max(household.separated_on, child.birth_date, CASE_HISTORY_START), rng.randint(0, 365))
        if opened >= min(dates.add_days(b18, -90), EXPORT_DATE):
            return
        case = self._case("BS", opened)
        closed = min(dates.add_days(opened, int(rng.triangular(1, 17, 4) * 365.25)), dates.add_days(b18, -1))
        case.closed = closed if closed <= EXPORT_DATE else None
        case.add(child, "K", opened, None)
        parent = household.single_parent
        assert parent is not None
        case.add(parent, "M" if parent.sex == "2" else "V", opened, None)
        if household.liable_known and household.absent_parent is not None:
            case.add(household.absent_parent, "U", opened, None)
        case.add(rng.choice(self.population.staff), "B", opened, None)

    def _uvg(self, household: Household, child: Identity, placements: list[Service]) -> None:
        rng = self.rng
        assert household.separated_on is not None
        periods = self._claim_periods(household, child, placements)
        if not periods:
            return
        parent = household.single_parent
        liable = household.absent_parent if household.liable_known else None
        case = self._case("UV", dates.add_days(dates.month_start(periods[0][0]), -rng.randint(0, 40)))
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
            claim.amount_cents = self._claim_amount(child, first if last is None else last)
            self.world.claims.append(claim)
            self.world.claims_by_child[child.id].append(claim)

    def _claim_amount(self, child: Identity, month: int) -> int:
        month = min(month, EXPORT_MONTH)
        first_day = dates.month_start(month)
        cents = uvg_rates.monthly_cents(first_day, dates.age_on(child.birth_date, first_day))
        return cents if cents is not None else uvg_rates.monthly_cents(first_day, 8) or 0

    def _claim_periods(self, household: Household, child: Identity, placements: list[Service]) -> list[tuple[int, int | None, Service | None]]:
        """Claim month ranges (first, last or None if running, placement that ended it)."""
        rng = self.rng
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

    def _kita_period(self, child: Identity) -> tuple[dt.date, dt.date | None] | None:
        rng = self.rng
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

    def _kita(self, household: Household) -> None:
        """One fee-takeover file per family; each child in Kita is paid for monthly."""
        rng = self.rng
        periods = [(c, p) for c in household.children if rng.random() < P_KITA_CHILD and (p := self._kita_period(c))]
        if not periods:
            return
        case = self._case("KT", dates.add_days(min(min(p[0], dates.birthday(c.birth_date, 1)) for c, p in periods), -rng.randint(0, 60)))
        parent = household.single_parent or household.mother
        if parent is not None:
            case.add(parent, "M" if parent.sex == "2" else "V", case.opened, None)
        for child, (start, end) in periods:
            case.add(child, "K", max(min(start, dates.birthday(child.birth_date, 1)), child.birth_date), None)
            scale = 0.97 ** (RATE_BASE_YEAR - start.year)
            childminder = self._childminding(case, child, start)
            if childminder is not None:
                self.world.kitas.append(childminder)
                if childminder.end is None:
                    continue  # still with the childminder on the export date
                start = max(start, dates.add_days(childminder.end, 1))
                if end is not None and end <= start:
                    continue
            fee = round(rng.uniform(120, 420) * scale * 100)
            meals = rng.randint(45, 85) * 100
            provider = pick_record(rng.choice(self.by_kind["kita"]), rng)
            self.world.kitas.append(KitaPlacement(case, child, provider, start, end, (fee, meals)))

    def _childminding(self, case: CaseFile, child: Identity, kita_start: dt.date) -> KitaPlacement | None:
        """Kindertagespflege before the Kita: the office pays the childminder
        monthly (Förderleistung, Sachaufwand, half of her social insurance)."""
        rng = self.rng
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
        return KitaPlacement(case, child, pick_record(rng.choice(self.by_kind["tagespflege"]), rng),
                             start, None if end > EXPORT_DATE else end, lines)

    def _uma(self, household: Household) -> None:
        rng = self.rng
        child = household.children[0]
        arrival = household.separated_on
        assert arrival is not None
        b18 = dates.birthday(child.birth_date, 18)
        case = self._case("WJH", arrival)
        case.add(child, "K", arrival, None)
        guardian = rng.choice(self.population.staff)
        case.add(guardian, "G", arrival, None)
        end = self._duration_end("111", arrival)
        if end > EXPORT_DATE:
            self._service(case, child, _Plan("111", arrival, None, None))
            return
        self._service(case, child, _Plan("111", arrival, end, self._end_reason("111", end)))
        if rng.random() < 0.45:
            return  # most young people of §42a are handed over to another office
        self._guardianship(None, child, arrival)
        start = dates.add_days(end, 1)
        if start < dates.add_days(b18, -30) and rng.random() < 0.85:
            stay_end: dt.date | None = min(self._duration_end("070", start), dates.add_days(b18, -1))
            assert stay_end is not None
            reason: str | None = END_REASON_ADULT if stay_end == dates.add_days(b18, -1) else self._end_reason("070", stay_end)
            if stay_end > EXPORT_DATE:
                stay_end, reason = None, None
            self._service(case, child, _Plan("070", start, stay_end, reason), provider=self._provider("uma"))
            if reason != END_REASON_ADULT:
                return
        if rng.random() < P_YOUNG_ADULT:
            plan = self._young_adult_plan(child)
            if plan.start <= EXPORT_DATE:
                self._service(case, child, plan)

    # -- closing ---------------------------------------------------------------

    def _finish_cases(self) -> None:
        rng = self.rng
        ends: dict[int, list[dt.date | None]] = defaultdict(list)
        for service in self.world.services:
            ends[id(service.case)].append(service.end)
        for claim in self.world.claims:
            ends[id(claim.case)].append(claim.end)
        for kita in self.world.kitas:
            ends[id(kita.case)].append(kita.end)
        for case in self.world.cases:
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
