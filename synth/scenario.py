"""The true world every synthetic source is drawn from: population,
institutions and the office's case history for one size and seed.

The legacy export is written from it today; the caseworkers' Excel lists
will be written from the same scenario, so both sources share identities.
Each purpose draws from its own random stream, so adding a consumer does not
change what the others produce.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from faker import Faker
from jhmig.synth.names import NamePool
from jhmig.synth.population import Population, PopulationBuilder, generate_population
from jhmig.synth.providers import (
    Institution,
    add_spelling_variants,
    generate_institutions,
)
from jhmig.synth.sizes import SizeProfile, size_profile
from jhmig.synth.world import World, WorldBuilder

PROVIDER_VARIANT_SHARE = 0.07


@dataclass
class Scenario:
    seed: int
    profile: SizeProfile
    population: Population
    builder: PopulationBuilder  # creates further identities and addresses on demand
    institutions: list[Institution]
    world: World
    caseworkers: dict[str, list[str]]  # initials per department

    def rng(self, purpose: str) -> random.Random:
        return seeded_rng(self.seed, purpose)


def seeded_rng(seed: int, purpose: str) -> random.Random:
    # String seeds are hashed with SHA-512 by random.seed: stable across runs and platforms.
    return random.Random(f"jhmig.synth:{seed}:{purpose}")


def build_scenario(size: str, seed: int) -> Scenario:
    profile = size_profile(size)
    fake = Faker("de_DE")
    fake.seed_instance(seed)
    population, builder = generate_population(profile, seeded_rng(seed, "population"), NamePool(fake))
    institutions = generate_institutions(seeded_rng(seed, "providers"), builder, profile.institutions, profile.kitas)
    add_spelling_variants(institutions, seeded_rng(seed, "provider-variants"), PROVIDER_VARIANT_SHARE, 2)
    world_builder = WorldBuilder(seeded_rng(seed, "world"), population, builder, institutions, profile)
    world = world_builder.build()
    return Scenario(seed, profile, population, builder, institutions, world, world_builder.caseworkers)
