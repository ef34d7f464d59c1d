"""The words caseworkers type into their lists.

Service types and JGH outcomes are written as free text. The spellings
under ``EXACT`` are ones the shipped synonym tables
(mappings/lists/synonyms/*.csv) cover; ``TYPOS`` are near misses a fuzzy
match must catch (checked by tests/test_synth_lists.py against the real
synonym lookup); ``UNMAPPED`` are values no synonym covers, which the
toolkit must report with their counts.
"""

from __future__ import annotations

import random
from collections.abc import Set as AbstractSet

# unified service type -> spellings the synonym table knows (the first ones are the most common)
SERVICE_EXACT: dict[str, tuple[str, ...]] = {
    "28": ("Erziehungsberatung", "Beratung", "§28", "EB"),
    "29": ("soziale Gruppenarbeit", "SGA", "§29"),
    "30": ("Erziehungsbeistand", "EB", "Betreuungshelfer", "§30"),
    "31": ("SPFH", "§31", "§ 31 SGB VIII", "Familienhilfe", "31", "SPFH §31", "sozialpäd. Familienhilfe", "sozialpäd. FH"),
    "32": ("Tagesgruppe", "TG", "§32"),
    "33": ("Vollzeitpflege", "PF", "Pflegefamilie", "§33", "VZP"),
    "34": ("Heim", "Heimerziehung", "stat.", "Wohngruppe", "stationär", "§34", "Heim (§34)"),
    "35": ("ISE", "Einzelbetreuung", "§35"),
    "35a": ("35a", "§35a", "Eingliederungshilfe"),
    "41": ("junge Volljährige", "§41"),
    "42": ("Inobhut", "Inobhutnahme", "ION", "§42"),
    "42a": ("UMA", "vorläufige Inobhutnahme", "§42a"),
    "27_2": ("flexible Hilfe", "§ 27 Abs. 2"),
    "8a": ("8a", "§8a", "Gefährdungseinschätzung", "§ 8a"),
}
# spellings that name two types ("EB": Erziehungsbeistand §30 or Erziehungsberatung §28): the steward decides
AMBIGUOUS_TEXTS = frozenset({"EB"})
# types that are no help at all: a §8a assessment is a check, the reader must not code it as a service
NOT_SERVICES = frozenset({"8a"})

# near misses: similar enough for the fuzzy match (rapidfuzz ratio >= 90 after normalisation)
SERVICE_TYPOS: dict[str, tuple[str, ...]] = {
    "28": ("Erziehungsbertung",),
    "29": ("soziale Gruppenarbiet",),
    "30": ("Erziehungsbeistnad", "Erziehungbeistand"),
    "31": ("Familienhlife", "Famlienhilfe"),
    "32": ("Tagesgrupe", "Tagessgruppe"),
    "33": ("Vollzeitplege", "Vollzeitpfelge", "Pflegefamilei"),
    "34": ("Heimerziehnug", "Heimerzieung"),
    "35": ("Einzelbetruung",),
    "35a": ("Eingliederungshlife",),
    "41": ("junge Volljärige",),
    "42": ("Inobhutnahem", "Inobhutname"),
    "42a": ("vorläufige Inobhutname",),
    "27_2": ("flexibele Hilfe",),
    "8a": ("Gefährdungseinschäzung",),
}

# a service of a known type written so that no synonym covers it (the table is incomplete)
SERVICE_UNCOVERED: dict[str, tuple[str, ...]] = {
    "34": ("Regelgruppe Haus am See",),
    "35a": ("Lerntherapie",),
}

# helps that fit no category of the code list at all (list-only cases)
SPECIAL_HELPS: tuple[str, ...] = ("Sonderhilfe Jugendwerkstatt", "Elternkurs Starke Eltern", "Clearing")

OUTCOME_EXACT: dict[str, tuple[str, ...]] = {
    "dismissal": ("Einstellung", "eingestellt", "Einst.", "§45", "§47"),
    "directive": ("Weisung", "Sozialstunden", "Arbeitsweisung", "Weisungen"),
    "condition": ("Auflage", "Geldauflage", "Auflagen"),
    "detention": ("Jugendarrest", "Arrest", "Freizeitarrest", "Dauerarrest"),
    "youth_sentence": ("Jugendstrafe", "Jugendstrafe auf Bewährung", "JS", "Bewährung"),
    "acquittal": ("Freispruch", "freigesprochen"),
    "pending": ("offen", "läuft"),
}
OUTCOME_TYPOS: dict[str, tuple[str, ...]] = {
    "dismissal": ("Einstelung",),
    "directive": ("Weisng",),
    "condition": ("Aufage",),
    "detention": ("Jugendarest",),
    "youth_sentence": ("Jugendstafe",),
    "acquittal": ("Freisprch",),
    "pending": (),
}
OUTCOME_UNMAPPED: tuple[str, ...] = ("TOA", "Verwarnung", "Verfahren abgegeben")

# true outcome shares of concluded proceedings (diversion dominates juvenile justice)
OUTCOME_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("dismissal", 45), ("directive", 18), ("condition", 14), ("detention", 9), ("youth_sentence", 7), ("acquittal", 3),
)

OFFENCES: tuple[tuple[str, float], ...] = (
    ("Ladendiebstahl", 16), ("Diebstahl", 10), ("Körperverletzung", 12), ("gef. Körperverletzung", 7),
    ("Sachbeschädigung", 10), ("Erschleichen von Leistungen", 6), ("BtM-Verstoß", 9), ("Fahren ohne Fahrerlaubnis", 6),
    ("Raub", 3), ("räuberische Erpressung", 2), ("Bedrohung", 4), ("Beleidigung", 5), ("Betrug", 4),
    ("Hausfriedensbruch", 3), ("Diebstahl; Sachbeschädigung", 2), ("Verstoß PflVG", 2),
)

COURT_OF_DISTRICT: dict[str, str] = {
    "01": "AG Meißen", "02": "AG Meißen", "03": "AG Meißen", "06": "AG Meißen", "07": "AG Meißen", "08": "AG Meißen",
    "09": "AG Meißen", "11": "AG Meißen", "04": "AG Riesa", "05": "AG Riesa", "10": "AG Riesa", "12": "AG Riesa",
}
COURT_VARIANTS: dict[str, tuple[str, ...]] = {
    "AG Meißen": ("AG Meißen", "AG Meissen", "Amtsgericht Meißen", "JSchöffG Meißen", "AG MEI"),
    "AG Riesa": ("AG Riesa", "Amtsgericht Riesa", "AG Riesa (JugR)"),
    "AG Dresden": ("AG Dresden", "Amtsgericht Dresden"),
}

ASD_REMARKS: tuple[str, ...] = (
    "HPG geplant", "Verlängerung beantragt", "Mutter kooperativ", "Kostenzusage liegt vor", "Schulbesuch regelmäßig",
    "Vater nicht erreichbar", "HPG 2x jährlich", "Rückführung geprüft", "Krisenintervention", "Kontakt über Schule",
    "Kita meldet Auffälligkeiten", "Geschwister ebenfalls betreut", "Träger berichtet positiv", "Abbruch droht",
    "Mutter krank; Oma hilft", "KiWo-Meldung; Hausbesuch erfolgt", "Träger \"Lichtblick\" angefragt",
)
ASD_COMMENTS: tuple[str, ...] = (
    "Verlängerung bis Ende Juni beantragt", "Akte liegt bei WJH", "Kosten lt. Bescheid", "bitte mit SB klären",
    "Rechnung fehlt noch", "alte Akte im Archiv", "Träger hat gewechselt",
)
JGH_REMARKS: tuple[str, ...] = (
    "Bericht geschrieben", "Termin verlegt", "Stellungnahme an StA", "Mutter begleitet", "Auflage erfüllt",
    "Sozialstunden abgeleistet", "Kontakt zu ASD", "Dolmetscher nötig", "nicht erschienen", "Diversion angeregt",
)


def service_text(code: str, kind: str, rng: random.Random, variant: int) -> str:
    """The free text for a service type; ``variant`` counts earlier uses so all spellings get used."""
    if kind == "typo" and SERVICE_TYPOS.get(code):
        options = SERVICE_TYPOS[code]
        return options[variant % len(options)]
    if kind == "uncovered" and SERVICE_UNCOVERED.get(code):
        return rng.choice(SERVICE_UNCOVERED[code])
    spellings = SERVICE_EXACT[code]
    if variant < len(spellings):
        return spellings[variant]
    # afterwards the first (common) spellings dominate, as in real lists
    weights = [1.0 / (i + 1) for i in range(len(spellings))]
    return rng.choices(spellings, weights)[0]


def text_kind(code: str | None, text: str, kind: str) -> str:
    """How a written service type should be read: as written, or as ambiguous / as no service at all."""
    if kind in ("exact", "typo") and code in NOT_SERVICES:
        return "not_a_service"
    if kind == "exact" and text in AMBIGUOUS_TEXTS:
        return "ambiguous"
    return kind


def outcome_text(code: str, kind: str, rng: random.Random, variant: int) -> str:
    if kind == "typo" and OUTCOME_TYPOS.get(code):
        options = OUTCOME_TYPOS[code]
        return options[variant % len(options)]
    spellings = OUTCOME_EXACT[code]
    if variant < len(spellings):
        return spellings[variant]
    weights = [1.0 / (i + 1) for i in range(len(spellings))]
    return rng.choices(spellings, weights)[0]


_LEGAL_FORMS = (" gGmbH", " e.V.", " GmbH & Co. KG", " GmbH", " Stiftung", " UG (haftungsbeschränkt)", " gemeinnützige GmbH")
_CARRIERS = ("AWO", "DRK", "Diakonie", "Caritas", "Paritätische", "Arbeiterwohlfahrt")
_ABBREVIATIONS = (("Arbeiterwohlfahrt", "AWO"), ("AWO", "Arbeiterwohlfahrt"), ("DRK", "Deutsches Rotes Kreuz"),
                  ("Sankt ", "St."), ("St. ", "St."), ("Kinder- und Jugendhaus", "KJH"), ("Kindertagesstätte", "Kita"),
                  ("Kinderheim", "KH"), ("Wohngruppe", "WG"), ("Paritätische", "Parität."), ("Heilpädagogisches", "Heilpäd."))


def provider_spelling(name: str, official: AbstractSet[str], rng: random.Random) -> str:
    """How a caseworker writes an institution: never exactly as TRAEGER.TXT spells any of its records."""
    base = name
    for form in _LEGAL_FORMS:
        if base.endswith(form):
            base = base[: -len(form)]
            break
    words = base.split(" ")
    carrier = ""
    if words[0] in _CARRIERS and len(words) >= 3:
        carrier, words = words[0], words[1:]
    elif words[0] == "Stadt" and len(words) >= 4:
        carrier, words = " ".join(words[:2]), words[2:]
    rest = " ".join(words)
    candidates: list[str] = [base, rest]
    if carrier:
        candidates.append(f"{rest} ({carrier})")  # "Kinderheim St. Josef (Caritas)"
    if len(words) >= 3 and words[-2] in ("St.", "Sankt"):
        # "Kinderheim St. Josef" -> "St.Josef Kinderheim e.V."
        candidates.append(f"St.{words[-1]} {' '.join(words[:-2])} e.V.")
    for long, short in _ABBREVIATIONS:
        if long in base:
            candidates.append(base.replace(long, short, 1))
    candidates.append(base.lower() if rng.random() < 0.4 else base.replace(" ", "  ", 1))
    fresh = [c.strip() for c in dict.fromkeys(candidates) if c.strip() and c.strip() not in official]
    return rng.choice(fresh) if fresh else f"{base} (Außenstelle)"
