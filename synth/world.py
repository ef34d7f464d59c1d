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

from jhmig.synth import dates
from jhmig.synth.codes import END_REASON_ADULT, RETIRED_EG, RETIRED_HA, SERVICE_TYPES, Tariff
from jhmig.synth.model import CaseFile, Claim, KitaPlacement, Service
from jhmig.synth.office import CASE_HISTORY_START, EXPORT_DATE, SYSTEM_START
from jhmig.synth.population import Household, Identity, Population, PopulationBuilder
from jhmig.synth.providers import Institution, ProviderRecord, pick_record
from jhmig.synth.sizes import SizeProfile
from jhmig.synth.world_cases import caseworker_initials, finish_cases, rounded_rate
from jhmig.synth.world_claims import add_uvg
from jhmig.synth.world_kita import add_kita
from jhmig.synth.world_plans import P_YOUNG_ADULT, Plan, duration_end, end_reason, help_plans, young_adult_plan

# How often households meet each department. Tuned together (with the help
# sequences in world_plans.py) so that persons, case files, services and
# payments land near the brief's figures (about 2.2 persons and 1.4 services
# per case file, 65-70 payments per case file).
P_UV_CHILD = 0.5  # child of a single parent gets an UV file
P_BS_CHILD = 0.06  # ... and a Beistandschaft
P_HZE_SINGLE = 0.4  # household gets Hilfe zur Erziehung
P_HZE_COUPLE = 0.3
P_SIBLING_HELP = 0.7  # a further child of an HzE household is helped too
P_AV_PLACED = 0.15  # a placed child gets an Amtsvormund
P_KINSHIP = 0.25  # foster care with relatives
P_KITA_FAMILY = 0.45  # household gets Kita fees paid


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
            dept: caseworker_initials(rng, builder, profile.caseworkers_per_department, taken)
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
        finish_cases(self.rng, self.world)
        return self.world

    # -- helpers -------------------------------------------------------------

    def _case(self, department: str, opened: dt.date) -> CaseFile:
        case = CaseFile(department, max(opened, SYSTEM_START), caseworker=self.rng.choice(self.caseworkers[department]))
        self.world.cases.append(case)
        return case

    def _provider(self, kind: str) -> ProviderRecord:
        return pick_record(self.rng.choice(self.by_kind[kind]), self.rng)

    def _service(self, case: CaseFile, child: Identity, plan: Plan, *, provider: ProviderRecord | None = None,
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
            rate_cents=0 if own_office else rounded_rate(tariff, rng, plan.start.year),
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
                    add_uvg(rng, self.world, self._case, household, child, placements[child.id])
                if rng.random() < P_BS_CHILD:
                    self._beistandschaft(household, child)
        if rng.random() < P_KITA_FAMILY:
            add_kita(rng, self.world.kitas, self._case, self.by_kind, household)

    def _hze(self, household: Household, placements: dict[str, list[Service]]) -> None:
        rng = self.rng
        children = household.children
        involved = [c for i, c in enumerate(children) if rng.random() < (0.85 if i == 0 else P_SIBLING_HELP)] or [children[0]]
        ambulant: list[tuple[Identity, Plan]] = []
        for child in involved:
            for plan in help_plans(rng, child):
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

    def _foster_care(self, household: Household, child: Identity, plan: Plan) -> Service:
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
        end = duration_end(self.rng, "111", arrival)
        if end > EXPORT_DATE:
            self._service(case, child, Plan("111", arrival, None, None))
            return
        self._service(case, child, Plan("111", arrival, end, end_reason(self.rng, "111", end)))
        if rng.random() < 0.45:
            return  # most young people of §42a are handed over to another office
        self._guardianship(None, child, arrival)
        start = dates.add_days(end, 1)
        if start < dates.add_days(b18, -30) and rng.random() < 0.85:
            stay_end: dt.date | None = min(duration_end(self.rng, "070", start), dates.add_days(b18, -1))
            assert stay_end is not None
            reason: str | None = END_REASON_ADULT if stay_end == dates.add_days(b18, -1) else end_reason(self.rng, "070", stay_end)
            if stay_end > EXPORT_DATE:
                stay_end, reason = None, None
            self._service(case, child, Plan("070", start, stay_end, reason), provider=self._provider("uma"))
            if reason != END_REASON_ADULT:
                return
        if rng.random() < P_YOUNG_ADULT:
            plan = young_adult_plan(self.rng, child)
            if plan.start <= EXPORT_DATE:
                self._service(case, child, plan)
