"""Providers and institutions (Träger, Einrichtungen, Kitas).

An ``Institution`` is the true organisation; a ``ProviderRecord`` is one
TRAEGER.TXT record of it. Some institutions were entered several times
with slightly different spellings (spec: "The same institution can appear
several times"); services then point at either record.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from jhmig.synth.iban import german_iban
from jhmig.synth.population import Address, PopulationBuilder

# kind -> name prefixes of its institutions
PREFIXES: dict[str, tuple[str, ...]] = {
    "stationaer": ("Kinderheim", "Kinder- und Jugendhaus", "Wohngruppe", "Jugendhilfezentrum", "Kinderdorf",
                   "Heilpädagogisches Kinderheim", "Jugendwohnen", "Therapeutische Wohngruppe", "Mutter-Kind-Haus"),
    "ambulant": ("Ambulante Hilfen", "Familienhilfe", "Jugendhilfeverbund", "Familienzentrum", "Ambulanter Dienst",
                 "Praxis für Lerntherapie", "Jugendhilfe"),
    "beratung": ("Erziehungs- und Familienberatungsstelle", "Beratungsstelle für Kinder, Jugendliche und Eltern"),
    "tagesgruppe": ("Tagesgruppe", "Heilpädagogische Tagesgruppe"),
    "inobhut": ("Kinderschutzhaus", "Inobhutnahmestelle", "Kinder- und Jugendnotdienst", "Bereitschaftspflege"),
    "uma": ("Clearinghaus", "Jugendwohnen International", "Clearingstelle"),
    "kita": ("Kita", "Kindertagesstätte", "Kinderhaus", "Kindergarten"),
    "tagespflege": ("Kindertagespflege", "Tagespflegestelle", "Großtagespflege"),
}

PROPER_NAMES: tuple[str, ...] = (
    "St. Josef", "St. Elisabeth", "St. Franziskus", "St. Benno", "Sonnenschein", "Regenbogen", "Lindenhof",
    "Waldblick", "Elbtal", "Am Spitzhaus", "Pusteblume", "Kleeblatt", "Arche Noah", "Löwenzahn", "Sonnenblick",
    "Schloss Schönfeld", "Bethesda", "Spatzennest", "Zwergenland", "Villa Kunterbunt", "Märchenland",
    "Am Weinberg", "Haus Elbblick", "Lößnitzgrund", "Friedewald", "Storchennest", "Wirbelwind", "Glückskäfer",
    "Bärenhöhle", "Haus Lebensweg", "Neue Wege", "Brücke", "Horizont", "Lichtblick", "Kompass", "Wegweiser",
    "Jona", "Don Bosco", "Pestalozzi", "Fröbel", "Kinderland", "Sternschnuppe", "Am Mühlgraben", "Heidehof",
    "Rosengarten", "Talblick", "Spielkiste", "Schatzinsel", "Weitblick", "Wurzelwerk", "Morgenröte", "Zuversicht",
)

# provider type (TA) -> (weight per kind, carrier prefix in the name, legal forms)
CARRIERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "10": ("Stadt {city}", ("",)),
    "21": ("AWO", ("gGmbH", "e.V.", "")),
    "22": ("", ("e.V.", "gGmbH")),
    "23": ("DRK", ("gGmbH", "e.V.", "")),
    "24": ("Diakonie", ("gGmbH", "e.V.", "")),
    "25": ("Caritas", ("e.V.", "gGmbH", "")),
    "29": ("", ("e.V.", "Stiftung", "gGmbH")),
    "30": ("", ("GmbH", "GmbH & Co. KG", "UG (haftungsbeschränkt)")),
}

TYPE_WEIGHTS: dict[str, tuple[tuple[str, int], ...]] = {
    "stationaer": (("21", 12), ("22", 18), ("23", 8), ("24", 16), ("25", 14), ("29", 12), ("30", 20)),
    "ambulant": (("21", 15), ("22", 22), ("23", 8), ("24", 14), ("25", 12), ("29", 9), ("30", 20)),
    "beratung": (("21", 20), ("24", 30), ("25", 30), ("22", 20)),
    "tagesgruppe": (("21", 25), ("22", 25), ("24", 25), ("25", 25)),
    "inobhut": (("21", 20), ("22", 20), ("23", 25), ("24", 20), ("30", 15)),
    "uma": (("22", 30), ("23", 20), ("29", 20), ("30", 30)),
    "tagespflege": (("30", 100),),
    "kita": (("10", 35), ("21", 12), ("22", 12), ("23", 8), ("24", 14), ("25", 8), ("29", 6), ("30", 5)),
}

KIND_SHARES: tuple[tuple[str, int], ...] = (
    ("stationaer", 32), ("ambulant", 36), ("beratung", 8), ("tagesgruppe", 8), ("inobhut", 9), ("uma", 7),
)

EXPANSIONS = (("AWO", "Arbeiterwohlfahrt"), ("DRK", "Deutsches Rotes Kreuz"), ("St. ", "Sankt "),
              ("Kinder- und Jugendhaus", "Kinder- u. Jugendhaus"), ("Kita", "Kindertagesstätte"),
              ("gGmbH", "gemeinnützige GmbH"))


@dataclass(eq=False)
class Institution:
    name: str
    kind: str
    provider_type: str  # TA code
    address: Address
    iban: str | None
    records: list[ProviderRecord] = field(default_factory=list)


@dataclass(eq=False)
class ProviderRecord:
    """One TRAEGER.TXT record (an institution may have several)."""

    institution: Institution
    name: str
    address: Address
    iban: str | None
    is_variant: bool = False
    key: int = 0
    row: Any = None


def _compose(rng: random.Random, kind: str, provider_type: str, city: str) -> str:
    carrier, forms = CARRIERS[provider_type]
    prefix = rng.choice(PREFIXES[kind])
    proper = rng.choice(PROPER_NAMES)
    carrier = carrier.format(city=city)
    if provider_type == "22" and rng.random() < 0.3:
        carrier = "Paritätische"  # most members of the Paritätischer carry their own name
    if kind == "tagespflege":
        return f"{prefix} {proper} ({rng.choice(('Fr.', 'Fr.', 'Hr.'))} {rng.choice(('Schulze', 'Lehmann', 'Krause', 'Hähnel', 'Wünsche', 'Vogel', 'Börner'))})"
    if provider_type == "25" and rng.random() < 0.5 and not proper.startswith("St."):
        proper = rng.choice(("St. Josef", "St. Elisabeth", "St. Franziskus", "St. Benno"))
    parts = [carrier, prefix, f'"{proper}"' if kind == "kita" and rng.random() < 0.15 else proper]
    name = " ".join(p for p in parts if p)
    form = rng.choice(forms)
    return f"{name} {form}".strip() if form else name


def spelling_variant(name: str, rng: random.Random, taken: set[str]) -> str | None:
    """A plausible second spelling of the same institution's name."""
    candidates: list[str] = []
    for short, long in EXPANSIONS:
        if short in name:
            candidates.append(name.replace(short, long, 1))
        if long in name:
            candidates.append(name.replace(long, short, 1))
    for form in (" gGmbH", " e.V.", " GmbH", " Stiftung"):
        if name.endswith(form):
            candidates.append(name[: -len(form)])
            candidates.append(name[: -len(form)] + (" e.V." if form != " e.V." else " gGmbH"))
    if "St. " in name:
        candidates.append(name.replace("St. ", "St.", 1))
    words = name.split(" ")
    if len(words) >= 3:
        candidates.append(" ".join(words[-2:] + words[:-2]))  # "Kinderheim St. Josef" -> "St. Josef Kinderheim"
    candidates.append(name.upper())
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        if umlaut in name:
            candidates.append(name.replace(umlaut, plain))
    candidates.append(name.replace(" ", "  ", 1))
    candidates = [c for c in dict.fromkeys(candidates) if c != name and c not in taken and len(c) <= 80]
    return rng.choice(candidates) if candidates else None


def _variant_address(address: Address, rng: random.Random) -> Address:
    street = address.street
    if rng.random() < 0.5 and street.endswith("straße"):
        street = street[: -len("straße")] + "str."
    elif rng.random() < 0.3 and street.endswith("Straße"):
        street = street[: -len("Straße")] + "Str."
    return Address(street, address.house_number, address.postcode, address.city, address.district)


def generate_institutions(rng: random.Random, builder: PopulationBuilder, count: int, kitas: int) -> list[Institution]:
    institutions: list[Institution] = []
    names: set[str] = set()
    kinds, weights = zip(*KIND_SHARES)
    plan = [rng.choices(kinds, weights)[0] for _ in range(count)] + ["kita"] * kitas + ["tagespflege"] * (kitas // 2 + 1)
    # Every kind must exist at least once, whatever the size.
    for i, kind in enumerate(kinds):
        plan[i] = kind
    for kind in plan:
        types, type_weights = zip(*TYPE_WEIGHTS[kind])
        provider_type = rng.choices(types, type_weights)[0]
        address = builder.address(away_share=0.3 if kind == "stationaer" else 0.0 if kind == "tagespflege" else 0.03)
        name = _compose(rng, kind, provider_type, address.city)
        if name in names:
            name = f"{name} {address.city}"
        if name in names:
            continue
        names.add(name)
        iban = None if provider_type == "10" and rng.random() < 0.7 else german_iban(rng)
        institution = Institution(name, kind, provider_type, address, iban)
        institution.records.append(ProviderRecord(institution, name, address, iban))
        institutions.append(institution)
    return institutions


def add_spelling_variants(institutions: list[Institution], rng: random.Random, share: float, minimum: int) -> list[ProviderRecord]:
    """Give some institutions a second or third record; returns the new records."""
    taken = {i.name for i in institutions}
    wanted = max(minimum, round(share * len(institutions)))
    chosen = rng.sample(institutions, min(wanted, len(institutions)))
    added: list[ProviderRecord] = []
    for institution in chosen:
        for _ in range(1 if rng.random() < 0.75 else 2):
            name = spelling_variant(institution.name, rng, taken)
            if name is None:
                break
            taken.add(name)
            iban = institution.iban if rng.random() < 0.6 else None
            address = _variant_address(institution.address, rng) if rng.random() < 0.4 else institution.address
            record = ProviderRecord(institution, name, address, iban, is_variant=True)
            institution.records.append(record)
            added.append(record)
    return added


def pick_record(institution: Institution, rng: random.Random) -> ProviderRecord:
    """Mostly the first record; spelling variants get some of the services."""
    if len(institution.records) > 1 and rng.random() < 0.45:
        return rng.choice(institution.records[1:])
    return institution.records[0]
