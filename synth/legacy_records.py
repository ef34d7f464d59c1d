"""Turns the true case history into the legacy export's records.

Assigns the legacy keys (PERS_NR, Aktenzeichen, LEIST_NR, TRAEGER_NR) the
way the old system did (in order of creation, with gaps where records were
deleted) and writes every value in the legacy notation. Defects that change
single values are planted afterwards on these rows.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from jhmig.synth import dates
from jhmig.synth.codes import code_tables
from jhmig.synth.defects import DefectLog, Ref
from jhmig.synth.duplicates import PersonRecord, plant_duplicates
from jhmig.synth.layout import (
    AKTEN,
    BETEILIGTE,
    LEISTUNGEN,
    PERSONEN,
    SCHLUESSEL,
    TRAEGER,
    UVG,
)
from jhmig.synth.model import CaseFile, Claim, Service
from jhmig.synth.office import (
    DEPARTMENT_UNITS,
    EXPORT_DATE,
    SOCIAL_DISTRICTS,
    SYSTEM_START,
)
from jhmig.synth.population import Identity, Population, PopulationBuilder
from jhmig.synth.providers import ProviderRecord
from jhmig.synth.remarks import remark
from jhmig.synth.world import World
from jhmig.synth.writers import Row, format_amount

ARCHIVED_SHARE = 0.24  # persons whose case files were archived before 2005; the person master was never cleaned


@dataclass
class LegacyRecords:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    person_records: list[PersonRecord] = field(default_factory=list)
    provider_records: list[ProviderRecord] = field(default_factory=list)
    record_of: dict[tuple[str, int], PersonRecord] = field(default_factory=dict)  # (identity, case) -> record used
    primary_of: dict[str, PersonRecord] = field(default_factory=dict)

    def person_key(self, identity: Identity | None, case: CaseFile) -> str:
        if identity is None:
            return ""
        record = self.record_of.get((identity.id, id(case))) or self.primary_of[identity.id]
        return str(record.pers_nr)


def _keys_with_gaps(count: int, first: int, rng: random.Random) -> list[int]:
    """Ascending keys; about one in twelve numbers was used by a record deleted later."""
    keys: list[int] = []
    key = first
    for _ in range(count):
        keys.append(key)
        key += 1 if rng.random() < 0.92 else rng.randint(2, 4)
    return keys


class LegacyBuilder:
    def __init__(self, world: World, population: Population, builder: PopulationBuilder, rng: random.Random,
                 log: DefectLog, pinned: set[str]) -> None:
        self.world = world
        self.population = population
        self.builder = builder
        self.rng = rng
        self.log = log
        self.pinned = pinned
        self.out = LegacyRecords()

    def build(self) -> LegacyRecords:
        self._person_records()
        self._case_numbers()
        self._provider_keys()
        self._service_keys()
        out = self.out
        out.rows[PERSONEN] = [self._person_row(r) for r in out.person_records]
        out.rows[AKTEN] = [self._case_row(c) for c in sorted(self.world.cases, key=lambda c: c.number)]
        out.rows[BETEILIGTE] = self._participation_rows()
        out.rows[LEISTUNGEN] = [self._service_row(s) for s in sorted(self.world.services, key=lambda s: s.key)]
        out.rows[UVG] = [self._claim_row(c) for c in sorted(self.world.claims, key=lambda c: (c.case.number, c.start))]
        out.rows[TRAEGER] = [self._provider_row(p) for p in out.provider_records]
        out.rows[SCHLUESSEL] = [
            Row(SCHLUESSEL, {"TAB": c.table, "SCHL": c.code, "TEXT": c.text, "GUELTIG_BIS": dates.fmt(c.valid_to)})
            for c in code_tables(SOCIAL_DISTRICTS)
        ]
        return out

    # -- persons -----------------------------------------------------------------

    def _person_records(self) -> None:
        rng = self.rng
        first_seen: dict[str, dates.Date] = {}
        cases_of: dict[str, list[CaseFile]] = defaultdict(list)
        identities: dict[str, Identity] = {}
        for case in self.world.cases:
            for p in case.participations:
                identities[p.person.id] = p.person
                if case not in cases_of[p.person.id]:
                    cases_of[p.person.id].append(case)
                seen = first_seen.get(p.person.id)
                if seen is None or p.start < seen:
                    first_seen[p.person.id] = p.start
        for staff in self.population.staff:  # internal staff exist in the person master from the start
            identities.setdefault(staff.id, staff)
            first_seen.setdefault(staff.id, SYSTEM_START)
        primaries: list[PersonRecord] = []
        for ident in sorted(identities.values(), key=lambda i: i.id):
            created = max(dates.add_days(first_seen[ident.id], -rng.randint(0, 25)), SYSTEM_START, ident.birth_date)
            primaries.append(PersonRecord(ident, created, ident.address))
        # Archived persons: members of households the office no longer has files for.
        known = set(identities)
        spare = [i for h in self.population.households for i in (h.mother, h.father, *h.children)
                 if i is not None and i.id not in known and i.birth_date < dates.add_days(SYSTEM_START, 365 * 3)]
        for ident in rng.sample(spare, min(len(spare), round(ARCHIVED_SHARE * len(primaries)))):
            created = dates.random_date(rng, max(SYSTEM_START, ident.birth_date), dates.add_days(SYSTEM_START, 4 * 365))
            primaries.append(PersonRecord(ident, created, ident.address))
        duplicates, uses = plant_duplicates(primaries, cases_of, rng, self.log, self.pinned, EXPORT_DATE)
        for dup in duplicates:
            if dup.overrides.pop("_moved", None):
                dup.address = self.builder.address(rng=rng)
        records = sorted(primaries + duplicates, key=lambda r: (r.created, r.identity.id, r.original is not None))
        for record, key in zip(records, _keys_with_gaps(len(records), 10001, rng)):
            record.pers_nr = key
        self.out.person_records = records
        self.out.primary_of = {r.identity.id: r for r in primaries}
        self.out.record_of = uses

    def _person_row(self, record: PersonRecord) -> Row:
        rng = self.rng
        ident = record.identity
        address = record.address
        if ident.birth_date_known:
            birth = dates.fmt(ident.birth_date)
        else:
            birth = rng.choice(("", dates.UNKNOWN_DATE_TEXT))
        r = rng.random()
        changed = (dates.UNKNOWN_DATE_TEXT if r < 0.12 else "" if r < 0.2
                   else dates.fmt(dates.random_date(rng, record.created, EXPORT_DATE)))
        sex = ident.sex if rng.random() > 0.004 else rng.choice(("0", ""))
        values = {
            "PERS_NR": str(record.pers_nr), "NAME": ident.family_name, "VORNAME": ident.given_names,
            "GEBNAME": ident.birth_name, "GEB_DAT": birth, "GESCHL": sex,
            "STAATSANG": ident.nationality if rng.random() > 0.03 else "",
            "STRASSE": address.street, "HNR": address.house_number, "PLZ": address.postcode, "ORT": address.city,
            "SOZRAUM": address.district, "TODES_DAT": dates.fmt(ident.death_date),
            "ANGELEGT": dates.fmt(record.created), "GEAENDERT": changed,
        }
        values.update(record.overrides)
        row = Row(PERSONEN, values)
        row.taint = record.taint
        record.row = row
        return row

    # -- keys ----------------------------------------------------------------------

    def _case_numbers(self) -> None:
        serial: dict[tuple[str, int], int] = defaultdict(int)
        for case in sorted(self.world.cases, key=lambda c: (c.opened, c.department)):
            year = case.opened.year
            serial[(case.department, year)] += 1 + (1 if self.rng.random() < 0.03 else 0)
            case.number = f"{DEPARTMENT_UNITS[case.department]}-{case.department}-{year}/{serial[(case.department, year)]:05d}"

    def _provider_keys(self) -> None:
        originals = [i.records[0] for i in self.world.institutions]
        variants = [r for i in self.world.institutions for r in i.records[1:]]
        self.rng.shuffle(variants)  # entered later, in no particular order
        records = originals + variants
        for record, key in zip(records, _keys_with_gaps(len(records), 1001, self.rng)):
            record.key = key
        self.out.provider_records = records

    def _service_keys(self) -> None:
        services = sorted(self.world.services, key=lambda s: (s.start, s.case.number, s.child.id))
        for service, key in zip(services, _keys_with_gaps(len(services), 200001, self.rng)):
            service.key = key

    # -- rows ------------------------------------------------------------------------

    def _open_end(self) -> str:
        return dates.OPEN_END_TEXT if self.rng.random() < 0.8 else ""

    def _case_row(self, case: CaseFile) -> Row:
        text = remark(case.department, self.rng, dates.random_date(self.rng, case.opened, case.closed or EXPORT_DATE))
        case.remark = text
        row = Row(AKTEN, {
            "AKTEN_NR": case.number, "FACHBEREICH": case.department, "STATUS": case.status,
            "ANGELEGT": dates.fmt(case.opened), "ABGESCHL": dates.fmt(case.closed), "SACHB": case.caseworker,
            "BEMERKUNG": text,
        })
        case.row = row
        return row

    def _participation_rows(self) -> list[Row]:
        rows: list[Row] = []
        role_order = {r: i for i, r in enumerate("KMVSPUBG")}
        for case in sorted(self.world.cases, key=lambda c: c.number):
            for p in sorted(case.participations, key=lambda p: (role_order[p.role], p.person.id)):
                end = dates.fmt(p.end) if p.end else (dates.OPEN_END_TEXT if self.rng.random() < 0.3 else "")
                row = Row(BETEILIGTE, {
                    "AKTEN_NR": case.number, "PERS_NR": self.out.person_key(p.person, case), "ROLLE": p.role,
                    "VON": dates.fmt(p.start), "BIS": end,
                })
                p.row = row
                rows.append(row)
        return rows

    def _service_row(self, s: Service) -> Row:
        row = Row(LEISTUNGEN, {
            "LEIST_NR": str(s.key), "AKTEN_NR": s.case.number, "PERS_NR": self.out.person_key(s.child, s.case),
            "HILFEART": s.written_type, "BEGINN": dates.fmt(s.written_start or s.start),
            "ENDE": dates.fmt(s.written_end or s.end) if (s.written_end or s.end) else self._open_end(),
            "END_GRUND": s.end_reason or "", "TRAEGER_NR": str(s.provider.key) if s.provider else "",
            "ENTGELT": format_amount(s.rate_cents) if s.unit else "", "EINHEIT": s.unit,
        })
        row.taint = s.taint
        s.row = row
        return row

    def _claim_row(self, c: Claim) -> Row:
        end = c.written_end or c.end
        row = Row(UVG, {
            "AKTEN_NR": c.case.number, "KIND_PERS_NR": self.out.person_key(c.child, c.case),
            "ELTERNTEIL_PERS_NR": self.out.person_key(c.parent, c.case),
            "PFLICHTIGER_PERS_NR": self.out.person_key(c.liable, c.case),
            "BEGINN": dates.fmt(c.start), "ENDE": dates.fmt(end) if end else self._open_end(),
            "MONATSBETRAG": format_amount(c.amount_cents), "RUECKGRIFF": "J" if c.recovery else "N",
        })
        row.taint = c.taint
        c.row = row
        return row

    def _provider_row(self, p: ProviderRecord) -> Row:
        row = Row(TRAEGER, {
            "TRAEGER_NR": str(p.key), "NAME": p.name, "ART": p.institution.provider_type,
            "STRASSE": p.address.street, "HNR": p.address.house_number, "PLZ": p.address.postcode,
            "ORT": p.address.city, "IBAN": p.iban or "",
        })
        p.row = row
        if p.is_variant:
            row.taint = "provider_spelling_variant"
            others = [o for o in p.institution.records if o is not p]
            self.log.add("provider_spelling_variant", TRAEGER, row, field="NAME",
                         related=[Ref(TRAEGER, o) for o in others],
                         detail={"institution": p.institution.name})
        return row
