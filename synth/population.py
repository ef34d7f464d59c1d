"""The true population: identities and households behind every record.

This module knows nothing about any export format. The legacy export (and,
later, the caseworkers' Excel lists) draw on the same identities, and every
record they write is traced back to an ``Identity.id`` in the truth file, so
duplicate detection and cross-source matching can be scored.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from jhmig.synth import dates
from jhmig.synth.iban import german_iban
from jhmig.synth.names import RESIDENT_NATIONALITIES, UMA_NATIONALITIES, NamePool
from jhmig.synth.office import EXPORT_DATE, HOME_TOWNS, OTHER_TOWNS, Town
from jhmig.synth.sizes import SizeProfile


@dataclass(frozen=True)
class Address:
    street: str
    house_number: str
    postcode: str
    city: str
    district: str  # social district of the office, '' outside its area


@dataclass(eq=False, slots=True)
class Identity:
    id: str  # "I000123"
    family_name: str
    given_names: str
    birth_name: str  # '' unless the family name changed (marriage)
    birth_date: dt.date
    sex: str  # '1' male, '2' female, '3' diverse
    nationality: str  # legacy 3-digit code, '' unknown
    address: Address
    kind: str  # child, mother, father, foster, relative, uma, staff
    birth_date_known: bool = True  # the office may never have learnt it (absent fathers)
    death_date: dt.date | None = None
    iban: str | None = None


@dataclass(eq=False)
class Household:
    id: int
    kind: str  # single_mother, single_father, couple, foster, uma, staff
    address: Address
    mother: Identity | None = None
    father: Identity | None = None
    children: list[Identity] = field(default_factory=list)
    separated_on: dt.date | None = None  # single parent since
    liable_known: bool = True  # the absent parent is known to the office

    @property
    def single_parent(self) -> Identity | None:
        if self.kind == "single_mother":
            return self.mother
        if self.kind == "single_father":
            return self.father
        return None

    @property
    def absent_parent(self) -> Identity | None:
        if self.kind == "single_mother":
            return self.father
        if self.kind == "single_father":
            return self.mother
        return None


@dataclass
class Population:
    households: list[Household]
    foster_families: list[Household]
    uma: list[Household]
    staff: list[Identity]
    identities: list[Identity]
    office_address: Address


class PopulationBuilder:
    """Creates identities in a deterministic order (ids follow creation)."""

    def __init__(self, rng: random.Random, names: NamePool) -> None:
        self.rng = rng
        self.names = names
        self.identities: list[Identity] = []
        self._household_seq = 0
        self._home_weights = [t.weight for t in HOME_TOWNS]
        self._other_weights = [t.weight for t in OTHER_TOWNS]

    # -- building blocks -------------------------------------------------

    def address(self, *, away_share: float = 0.08, rng: random.Random | None = None) -> Address:
        """A random address; later stages pass their own ``rng`` so they do not
        shift the population's random stream."""
        rng = rng or self.rng
        away = rng.random() < away_share
        town: Town = rng.choices(OTHER_TOWNS if away else HOME_TOWNS, self._other_weights if away else self._home_weights)[0]
        return Address(self.names.street(rng), self.names.house_number(rng), rng.choice(town.postcodes), town.city, town.district)

    def identity(self, *, family_name: str, given_names: str, birth_date: dt.date, sex: str, nationality: str,
                 address: Address, kind: str, birth_name: str = "") -> Identity:
        ident = Identity(
            id=f"I{len(self.identities) + 1:06d}", family_name=family_name, given_names=given_names,
            birth_name=birth_name, birth_date=birth_date, sex=sex, nationality=nationality, address=address, kind=kind,
        )
        if kind not in ("child", "uma"):
            ident.iban = german_iban(self.rng)
        self.identities.append(ident)
        return ident

    def _next_household_id(self) -> int:
        self._household_seq += 1
        return self._household_seq

    def _nationality(self) -> str:
        codes, weights = zip(*RESIDENT_NATIONALITIES)
        return str(self.rng.choices(codes, weights)[0])

    def _sex(self) -> str:
        r = self.rng.random()
        return "3" if r < 0.001 else "1" if r < 0.512 else "2"

    def _given(self, nationality: str, sex: str, *, child: bool) -> str:
        foreign = self.names.foreign_given_names(self.rng, nationality, sex if sex in "12" else "2")
        if foreign and self.rng.random() < 0.85:
            return foreign
        if child:
            return self.names.child_given_names(self.rng, sex if sex in "12" else "2")
        return self.names.adult_given_names(self.rng, sex)

    def _family(self, nationality: str) -> str:
        foreign = self.names.foreign_family_name(self.rng, nationality)
        return foreign if foreign and self.rng.random() < 0.9 else self.names.family_name(self.rng)

    # -- households ------------------------------------------------------

    def family_household(self) -> Household:
        rng = self.rng
        r = rng.random()
        kind = "single_mother" if r < 0.56 else "single_father" if r < 0.62 else "couple"
        nationality = self._nationality()
        address = self.address()

        # Older families' files were archived: the export is dominated by recent ones.
        first_birth = dates.add_days(dt.date(1990, 1, 1), int(rng.triangular(0, 12690, 10500)))
        mother_birth = dates.add_days(first_birth, -int(rng.triangular(16.2, 40, 24) * 365.25))
        father_birth = dates.add_days(mother_birth, -int(rng.triangular(-3, 12, 2) * 365.25))

        mother_birth_name = self._family(nationality)
        father_name = self._family(nationality if rng.random() < 0.8 else "000")
        married = kind == "couple" and rng.random() < 0.7 or kind != "couple" and rng.random() < 0.45
        if married:
            roll = rng.random()
            mother_name = father_name if roll < 0.8 else self.names.double_name(rng, father_name) if roll < 0.9 else mother_birth_name
            child_name = father_name if mother_name != mother_birth_name else mother_birth_name
        else:
            mother_name = mother_birth_name
            child_name = mother_birth_name if kind == "single_mother" and rng.random() < 0.7 else father_name
        household = Household(self._next_household_id(), kind, address)
        household.mother = self.identity(
            family_name=mother_name, given_names=self._given(nationality, "2", child=False), birth_date=mother_birth,
            sex="2", nationality=nationality, address=address, kind="mother",
            birth_name=mother_birth_name if mother_name != mother_birth_name else "",
        )
        father_address = address if kind in ("couple", "single_father") else self.address(away_share=0.3)
        father_nationality = nationality if rng.random() < 0.8 else "000"
        household.father = self.identity(
            family_name=father_name, given_names=self._given(father_nationality, "1", child=False), birth_date=father_birth,
            sex="1", nationality=father_nationality, address=father_address, kind="father",
        )
        if kind == "single_mother":
            household.liable_known = rng.random() < 0.8
            household.father.birth_date_known = rng.random() < 0.85
            if rng.random() < 0.004:
                household.father.death_date = dates.random_date(rng, dt.date(2010, 1, 1), EXPORT_DATE)
        elif kind == "single_father":
            household.liable_known = rng.random() < 0.95

        birth = first_birth
        count = rng.choices((1, 2, 3, 4), (45, 35, 15, 5))[0]
        for _ in range(count):
            sex = self._sex()
            household.children.append(self.identity(
                family_name=child_name, given_names=self._given(nationality, sex, child=True), birth_date=birth,
                sex=sex, nationality=nationality, address=address, kind="child",
            ))
            birth = dates.add_days(birth, int(rng.triangular(1.1, 6, 2.5) * 365.25))
            if birth > dates.add_days(EXPORT_DATE, -30):
                break
        if household.single_parent is not None:
            # Single since some time between shortly before the first birth and
            # the youngest child's 15th birthday (drives UVG and Beistandschaft).
            youngest = household.children[-1].birth_date
            latest = min(dates.add_years(youngest, 15), dates.add_days(EXPORT_DATE, -60))
            household.separated_on = dates.random_date(rng, dates.add_days(first_birth, -200), latest)
        return household

    def foster_household(self) -> Household:
        rng = self.rng
        address = self.address(away_share=0.15)
        name = self.names.family_name(rng)
        household = Household(self._next_household_id(), "foster", address)
        mother_birth = dates.random_date(rng, dt.date(1958, 1, 1), dt.date(1992, 12, 31))
        household.mother = self.identity(
            family_name=name, given_names=self.names.adult_given_names(rng, "2"), birth_date=mother_birth, sex="2",
            nationality="000", address=address, kind="foster",
            birth_name=self.names.family_name(rng) if rng.random() < 0.6 else "",
        )
        if rng.random() < 0.75:
            household.father = self.identity(
                family_name=name, given_names=self.names.adult_given_names(rng, "1"),
                birth_date=dates.add_days(mother_birth, -int(rng.triangular(-2, 8, 2) * 365.25)), sex="1",
                nationality="000", address=address, kind="foster",
            )
        return household

    def relative(self, household: Household) -> Identity:
        """A grandparent who takes a child in (kinship foster care)."""
        rng = self.rng
        parent = household.mother or household.father
        assert parent is not None
        base = household.children[0].family_name if household.children else parent.family_name
        sex = "2" if rng.random() < 0.7 else "1"
        return self.identity(
            family_name=base if rng.random() < 0.6 else parent.birth_name or parent.family_name,
            given_names=self.names.adult_given_names(rng, sex),
            birth_date=dates.add_days(parent.birth_date, -int(rng.triangular(17, 40, 25) * 365.25)), sex=sex,
            nationality=parent.nationality, address=self.address(away_share=0.2), kind="relative",
        )

    def uma_household(self) -> Household:
        rng = self.rng
        codes, weights = zip(*UMA_NATIONALITIES)
        nationality = rng.choices(codes, weights)[0]
        # Arrivals peak in 2015/2016 (primer: about half of Inobhutnahmen are UMA).
        year = rng.choices(range(2015, 2025), (30, 22, 8, 6, 5, 5, 5, 7, 8, 4))[0]
        arrival = dates.random_date(rng, dt.date(year, 1, 1), min(dt.date(year, 12, 31), dates.add_days(EXPORT_DATE, -45)))
        age_days = int(rng.triangular(14.05, 17.9, 16.2) * 365.25)
        sex = "1" if rng.random() < 0.9 else "2"
        address = self.address(away_share=0.0)
        child = self.identity(
            family_name=self._family(nationality), given_names=self._given(nationality, sex, child=True),
            birth_date=dates.add_days(arrival, -age_days), sex=sex, nationality=nationality, address=address, kind="uma",
        )
        # Birth dates of UMA are often estimated as 01.01. of the year.
        if rng.random() < 0.35:
            child.birth_date = dt.date(child.birth_date.year, 1, 1)
        household = Household(self._next_household_id(), "uma", address, children=[child])
        household.separated_on = arrival  # reused as "arrived on"
        return household

    def staff_member(self, office: Address) -> Identity:
        rng = self.rng
        sex = "2" if rng.random() < 0.75 else "1"
        return self.identity(
            family_name=self.names.family_name(rng), given_names=self.names.adult_given_names(rng, sex),
            birth_date=dates.random_date(rng, dt.date(1962, 1, 1), dt.date(1994, 12, 31)), sex=sex, nationality="000",
            address=office, kind="staff",
        )


OFFICE_ADDRESS = Address("Am Landratsamt", "1", "01662", "Meißen", "01")


def generate_population(profile: SizeProfile, rng: random.Random, names: NamePool) -> tuple[Population, PopulationBuilder]:
    """All true households of the office's area that its departments deal with."""
    builder = PopulationBuilder(rng, names)
    staff = [builder.staff_member(OFFICE_ADDRESS) for _ in range(profile.staff)]
    households = [builder.family_household() for _ in range(profile.households)]
    fosters = [builder.foster_household() for _ in range(profile.foster_families)]
    uma = [builder.uma_household() for _ in range(profile.uma)]
    population = Population(households, fosters, uma, staff, builder.identities, OFFICE_ADDRESS)
    return population, builder
