"""Persons entered twice: a second (or third) PERSONEN record of one identity.

The variants are the ones the spec names: a typo, an umlaut spelling
(Müller/Mueller, ß/ss), day and month swapped, the birth date missing. When
the identity takes part in several case files, the department that created
the duplicate uses it for its own file, which is what makes duplicates hurt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from jhmig.synth import dates
from jhmig.synth.defects import RESERVED, DefectLog, Ref, wanted
from jhmig.synth.layout import PERSONEN
from jhmig.synth.model import CaseFile
from jhmig.synth.population import Address, Identity

VARIANTS: tuple[tuple[str, int], ...] = (("typo", 35), ("umlaut", 25), ("swapped_day_month", 20), ("missing_birth_date", 20))
UMLAUTS: tuple[tuple[str, str], ...] = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss"))
_SOUND_ALIKES: tuple[tuple[str, str], ...] = (("ei", "ai"), ("ai", "ei"), ("ey", "ei"), ("dt", "tt"), ("ck", "k"), ("th", "t"),
                                              ("ph", "f"), ("ie", "i"), ("mm", "m"), ("nn", "n"), ("tz", "z"), ("y", "i"))


@dataclass(eq=False)
class PersonRecord:
    identity: Identity
    created: dates.Date
    address: Address
    original: PersonRecord | None = None  # set on duplicates
    overrides: dict[str, str] = field(default_factory=dict)  # written values that differ from the identity
    pers_nr: int = 0
    row: Any = None
    taint: str | None = None


def typo(text: str, rng: random.Random) -> str | None:
    """A plausible typing or hearing error; None if the text is too short."""
    if len(text) < 3:
        return None
    for _ in range(10):
        r = rng.random()
        if r < 0.35:
            alikes = [(a, b) for a, b in _SOUND_ALIKES if a in text]
            if alikes:
                a, b = rng.choice(alikes)
                candidate = text.replace(a, b, 1)
            else:
                continue
        elif r < 0.6:
            i = rng.randrange(1, len(text) - 1)
            candidate = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        elif r < 0.8:
            i = rng.randrange(1, len(text))
            candidate = text[:i] + text[i + 1:]
        else:
            i = rng.randrange(1, len(text))
            candidate = text[:i] + text[i] + text[i:]
        if candidate != text and candidate.strip() == candidate and "  " not in candidate and len(candidate) >= 2:
            return candidate
    return None


def umlaut_spelling(text: str) -> str | None:
    result = text
    for umlaut, plain in UMLAUTS:
        result = result.replace(umlaut, plain)
    return None if result == text else result


def _variant(record: PersonRecord, variant: str, rng: random.Random) -> tuple[str, dict[str, str]] | None:
    ident = record.identity
    if variant == "umlaut":
        for column, text in (("NAME", ident.family_name), ("VORNAME", ident.given_names)):
            spelled = umlaut_spelling(text)
            if spelled:
                return variant, {column: spelled}
        return None
    if variant == "swapped_day_month":
        b = ident.birth_date
        if ident.birth_date_known and b.day <= 12 and b.day != b.month:
            return variant, {"GEB_DAT": f"{b.month:02d}.{b.day:02d}.{b.year:04d}"}
        return None
    if variant == "missing_birth_date":
        if ident.birth_date_known:
            return variant, {"GEB_DAT": rng.choice(("", dates.UNKNOWN_DATE_TEXT))}
        return None
    column, text = ("NAME", ident.family_name) if rng.random() < 0.6 else ("VORNAME", ident.given_names)
    changed = typo(text, rng)
    return (variant, {column: changed}) if changed else None


def _choose_originals(primaries: list[PersonRecord], cases_of: dict[str, list[CaseFile]], rng: random.Random,
                      pinned: set[str], count: int) -> tuple[list[PersonRecord], dict[int, str]]:
    """The records to duplicate, each with the variant its first copy gets (by ``id`` of the record).

    Splits the count by variant first, then draws each variant's records from
    those it can apply to (an umlaut spelling needs an umlaut), preferring
    persons with several case files: there the duplicate gets used."""
    eligible = [r for r in primaries if r.identity.kind != "staff"]
    names, weights = zip(*VARIANTS)
    probe = random.Random(0)
    chosen: list[PersonRecord] = []
    forced: dict[int, str] = {}
    for variant, weight in zip(names, weights, strict=True):
        share_count = max(1, round(count * weight / sum(weights)))
        fits = [r for r in eligible if id(r) not in forced and _variant(r, variant, probe) is not None]
        multi = [r for r in fits if len(cases_of.get(r.identity.id, [])) >= 2 and r.identity.id not in pinned]
        picked = rng.sample(multi, min(len(multi), int(share_count * 0.6)))
        taken = {id(r) for r in picked}
        others = [r for r in fits if id(r) not in taken]
        picked += rng.sample(others, min(len(others), share_count - len(picked)))
        for record in picked:
            forced[id(record)] = variant
        chosen += picked
    return chosen, forced


def plant_duplicates(
    primaries: list[PersonRecord],
    cases_of: dict[str, list[CaseFile]],
    rng: random.Random,
    log: DefectLog,
    pinned: set[str],
    export_date: dates.Date,
    share: float = 0.03,
) -> tuple[list[PersonRecord], dict[tuple[str, int], PersonRecord]]:
    """New duplicate records and which (identity, case) now uses them."""
    count = wanted(share, round(len(primaries) / 1.08), 4)  # ~3 % of all person records, third records included
    chosen, forced = _choose_originals(primaries, cases_of, rng, pinned, count)
    names, weights = zip(*VARIANTS)
    duplicates: list[PersonRecord] = []
    uses: dict[tuple[str, int], PersonRecord] = {}
    for original in chosen:
        copies = 2 if rng.random() < 0.12 else 1
        cases = sorted(cases_of.get(original.identity.id, []), key=lambda c: c.opened)
        original.taint = RESERVED  # the record duplicates are compared with stays as it is
        for n in range(copies):
            wanted_variant = forced[id(original)] if n == 0 else rng.choices(names, weights)[0]
            made = _variant(original, wanted_variant, rng) or _variant(original, "typo", rng)
            if made is None:
                continue
            variant, overrides = made
            case: CaseFile | None = None
            # Only name variants may stand in for a child in services and
            # claims: a wrong birth date there would fake an age finding.
            name_only = variant in ("typo", "umlaut") or original.identity.kind not in ("child", "uma")
            if len(cases) >= 2 and original.identity.id not in pinned and n == 0 and name_only:
                case = cases[-1]
            created = case.opened if case else dates.random_date(rng, dates.add_days(original.created, 30), export_date)
            moved = rng.random() < 0.3
            dup = PersonRecord(
                original.identity, max(created, original.created), original.address, original=original, overrides=overrides,
            )
            if moved:
                dup.overrides["_moved"] = "1"
            if rng.random() < 0.5:
                dup.overrides.setdefault("GEBNAME", "")
            dup.taint = "duplicate_person"
            duplicates.append(dup)
            if case is not None:
                uses[(original.identity.id, id(case))] = dup
            field_name = next(k for k in overrides if not k.startswith("_"))
            log.add("duplicate_person", PERSONEN, dup, field=field_name, related=[Ref(PERSONEN, original)],
                    detail={"variant": variant, "identity": original.identity.id,
                            "used_in_case": (lambda c=case: c.number) if case else None})
    return duplicates, uses
