"""A small synthetic office for matching tests: a background of distinct persons (so that the model can
train) plus the hand-built pairs a test adds. Names of the hand-built pairs never occur in the background."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from jhmig.records import Batch
from jhmig.validation.frames import entity_frame

FAMILY = ("Becker Fischer Hoffmann Koch Richter Klein Wolf Neumann Schwarz Zimmermann Braun Hartmann Lange Krause Lehmann "
          "Schmitt Werner Krüger Meier Lorenz Schulze Kaiser Fuchs Peters Scholz Möller Weiß Jung Hahn Vogel Friedrich "
          "Keller Günther Frank Berger Winkler Roth Beck Lorenzen Baumann Franke Albrecht Schuster Simon Ludwig Böhm "
          "Winter Kraus Martin Schumacher Vogt Stein Jäger Otto Sommer Groß Seidel Heinrich Haas Dietrich").split()
GIVEN = ("Mia Emma Hannah Sofia Lina Ella Clara Lea Marie Leonie Emilia Luisa Noah Ben Paul Leon Finn Elias Luca Henry "
         "Felix Emil Anton Theo Jakob Moritz Oskar Max Tim Jan Lara Nele Ida Frieda Greta Mila Maja Amelie Jonas Niklas "
         "Tom Erik Mats Linus Lukas Julian Samuel Karl Ole Jannik Carla Romy Pia Helena Ronja Isabell Zoe Alina").split()
STREETS = "Hauptstraße Bahnhofstraße Gartenweg Schulstraße Lindenallee Bergstraße Ringstraße Waldweg".split()


def _person(key: str, family: str, given: str, born: dt.date | None, **more: Any) -> dict[str, Any]:
    return {"legacy_key": key, "family_name": family, "given_names": given, "birth_date": born.isoformat() if born else None,
            "sex": more.pop("sex", None), "birth_name": more.pop("birth_name", None), **more}


def background(seed: int = 7, size: int = 500) -> tuple[list[dict], list[dict]]:
    """(persons, addresses) with distinct identities and some duplicates under second keys (typo, umlaut)."""
    rng = random.Random(seed)
    persons, addresses, seen = [], [], set()
    while len(persons) < size:
        family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        born = dt.date(1975, 1, 1) + dt.timedelta(days=rng.randrange(365 * 45))
        if (family, given, born) in seen:
            continue
        seen.add((family, given, born))
        key = str(50000 + len(persons))
        persons.append(_person(key, family, given, born, sex=rng.choice("mw")))
        addresses.append({"legacy_key": key, "person_key": key, "street": rng.choice(STREETS), "house_number": str(rng.randrange(1, 80)),
                          "postcode": f"0{rng.randrange(1000, 9999)}", "city": "Beispielstadt"})
    for n, i in enumerate(range(0, size, 8)):  # one in eight entered twice: as it was, or with the usual slips
        original = persons[i]
        family, given, born = original["family_name"], original["given_names"], original["birth_date"]
        variant = n % 5
        if variant == 1:
            family = family.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").replace("ß", "ss")
        elif variant == 2:
            given = given[:-1] + given[-1] * 2
        elif variant == 3:
            family = family[0] + family[2] + family[1] + family[3:]
        elif variant == 4 and int(born[8:10]) <= 12:
            born = born[:5] + born[8:10] + "-" + born[5:7]
        key = str(60000 + i)
        persons.append({**original, "legacy_key": key, "family_name": family, "given_names": given, "birth_date": born})
        addresses.append({**addresses[i], "legacy_key": key, "person_key": key})
    return persons, addresses


def export_batch(extra_persons: list[dict], extra_addresses: list[dict] | None = None, *, cases: list[dict] | None = None,
                 participants: list[dict] | None = None, services: list[dict] | None = None, claims: list[dict] | None = None,
                 providers: list[dict] | None = None) -> Batch:
    persons, addresses = background()
    batch = Batch("legacy")
    batch.frames["person"] = entity_frame("person", persons + extra_persons, src_path="PERSONEN.TXT")
    batch.frames["address"] = entity_frame("address", addresses + (extra_addresses or []), src_path="PERSONEN.TXT")
    for entity, rows, path in (("case_file", cases, "AKTEN.TXT"), ("participant", participants, "BETEILIGTE.TXT"),
                               ("service", services, "LEISTUNGEN.TXT"), ("uvg_claim", claims, "UVG.TXT"),
                               ("provider", providers, "TRAEGER.TXT")):
        if rows:
            batch.frames[entity] = entity_frame(entity, rows, src_path=path)
    return batch


def list_batch(source: str, file: str, persons: list[dict], *, cases: list[dict] | None = None, participants: list[dict] | None = None,
               services: list[dict] | None = None, providers: list[dict] | None = None) -> Batch:
    batch = Batch(source)
    rows = [{**p, "src_sheet": "laufend", "src_line": p.get("src_line", i + 5)} for i, p in enumerate(persons)]
    batch.frames["person"] = entity_frame("person", rows, src_path=file)
    for entity, items in (("case_file", cases), ("participant", participants), ("service", services), ("provider", providers)):
        if items:
            batch.frames[entity] = entity_frame(entity, [{"src_sheet": "laufend", **r} for r in items], src_path=file)
    return batch


def person(key: str, family: str, given: str, born: str | None, **more: Any) -> dict[str, Any]:
    return _person(key, family, given, dt.date.fromisoformat(born) if born else None, **more)


def load_with_aliases(db: Any, batches: list[Batch], aliases: Any, run: str, detached: Any = None) -> Any:
    """Load the batches into the SQLite file ``db`` in one committed run, merged records resolving through ``aliases``
    (``detached``: records whose remembered merge this run undoes)."""
    import pandas as pd

    from jhmig.load import LoadRequest, RunVerdict, open_target
    from jhmig.records import QUARANTINE_COLUMNS, findings_frame
    from jhmig.transform import read_unified_code_lists

    request = LoadRequest(run_uid=run, started_at=dt.datetime(2026, 12, 3, 8, 0), sources={}, options={}, batches=batches,
                          quarantine=pd.DataFrame(columns=[*QUARANTINE_COLUMNS, "raw"]), findings=findings_frame(),
                          code_lists=read_unified_code_lists(), aliases=aliases, detached=detached)
    target = open_target(f"sqlite:///{db}")
    try:
        target.upgrade()
        return target.load(request, lambda r: RunVerdict(status="ok", summary_json="{}", commit=True))
    finally:
        target.dispose()
