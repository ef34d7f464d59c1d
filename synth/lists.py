"""Writes the caseworkers' Excel lists of a scenario (shared/spec/excel-lists.md).

Runs after the legacy export: the lists copy clean legacy records only and
name legacy keys read from the export's truth. Every purpose draws from its
own random stream, so the legacy files do not change when the lists do.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jhmig.synth.lists_asd import TEAMS, AsdSelector, ListSizes
from jhmig.synth.lists_jgh import JghSelector
from jhmig.synth.lists_layout_jgh import jgh_file
from jhmig.synth.lists_layouts import (
    mitte_file,
    nord_file,
    sued_file,
    west_file,
)
from jhmig.synth.lists_links import LegacyLinks
from jhmig.synth.lists_model import AsdEntry, FilePlan
from jhmig.synth.lists_tables import LayoutContext
from jhmig.synth.lists_truth import lists_truth
from jhmig.synth.lists_writer import write_file
from jhmig.synth.names import NamePool
from jhmig.synth.scenario import Scenario

LISTS_DIR = "lists"


@dataclass(frozen=True)
class Caseworker:
    initials: str
    display: str  # "Fr. Krause": how colleagues name the sheet


def caseworkers(names: NamePool, rng: random.Random, count: int, taken: set[str]) -> list[Caseworker]:
    staff: list[Caseworker] = []
    while len(staff) < count:
        sex = "2" if rng.random() < 0.75 else "1"
        family = names.family_name(rng)
        given = names.adult_given_names(rng, sex).split(" ")[0]
        display = f"{'Fr.' if sex == '2' else 'Hr.'} {family}"
        initials = (given[0] + family.split(" ")[-1][0]).upper()
        if display in taken or len(display) > 31:
            continue
        taken.add(display)
        staff.append(Caseworker(initials, display))
    return staff


def build_list_files(scenario: Scenario, legacy_truth: dict[str, Any]) -> list[FilePlan]:
    links = LegacyLinks.from_truth(legacy_truth)
    sizes = ListSizes.for_households(scenario.profile.households)
    asd = AsdSelector(scenario, links, scenario.rng("lists-asd"), sizes).select()
    staff_rng = scenario.rng("lists-staff")
    per_team = max(3, scenario.profile.caseworkers_per_department // 2)
    taken: set[str] = set()
    staff = {team: caseworkers(scenario.builder.names, staff_rng, per_team, taken) for team in TEAMS}
    jgh_staff = caseworkers(scenario.builder.names, staff_rng, max(2, per_team - 1), taken)
    by_team: dict[str, list[AsdEntry]] = defaultdict(list)
    handled_by: dict[tuple[str, str], str] = {}
    for entry in asd:
        key = (entry.team, entry.child.id)
        if key not in handled_by:
            handled_by[key] = staff_rng.choice(staff[entry.team]).initials
        entry.caseworker = handled_by[key]
        by_team[entry.team].append(entry)
    jgh = JghSelector(scenario, links, scenario.rng("lists-jgh"), sizes.jgh_persons, asd).select([c.initials for c in jgh_staff])

    official = frozenset(r.name for i in scenario.institutions for r in i.records)

    def context(name: str, variants: dict[str, int]) -> LayoutContext:
        return LayoutContext(scenario.rng(f"lists-layout-{name}"), links, variants, official)

    variants: dict[str, int] = {}  # spellings used so far, shared so that every spelling shows up somewhere
    return [
        nord_file(by_team["Nord"], context("nord", variants)),
        sued_file(by_team["Süd"], context("sued", variants), [c.display for c in staff["Süd"]]),
        mitte_file(by_team["Mitte"], context("mitte", variants)),
        west_file(by_team["West"], context("west", variants)),
        jgh_file(jgh, context("jgh", variants)),
    ]


def write_lists(scenario: Scenario, out_dir: Path, legacy_truth: dict[str, Any]) -> dict[str, Any]:
    """Writes ``out_dir/lists/`` and returns the truth's "lists" section."""
    directory = out_dir / LISTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    files = build_list_files(scenario, legacy_truth)
    for plan in files:
        write_file(plan, directory)
    return lists_truth(files, LISTS_DIR)
