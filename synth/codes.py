"""Legacy code tables (SCHLUESSEL.TXT) and the catalogue of service types.

The codes are the legacy system's own, not the legal paragraphs (spec:
"Codes are the legacy codes of SCHLUESSEL.TXT"). Retired codes keep a
``GUELTIG_BIS``; old records still carry them, which the migration must
report and map to their successor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Code:
    table: str
    code: str
    text: str
    valid_to: dt.date | None = None  # set = retired
    successor: str | None = None  # the code that replaced a retired one


def _codes(table: str, rows: list[tuple[Any, ...]]) -> list[Code]:
    return [Code(table, *row) for row in rows]


HA = _codes("HA", [
    ("010", "Erziehungsberatung (§ 28 SGB VIII)"),
    ("020", "Soziale Gruppenarbeit (§ 29 SGB VIII)"),
    ("030", "Erziehungsbeistand, Betreuungshelfer (§ 30 SGB VIII)"),
    ("035", "Betreuungshelfer (alt)", dt.date(2012, 12, 31), "030"),
    ("040", "Sozialpädagogische Familienhilfe (§ 31 SGB VIII)"),
    ("050", "Erziehung in einer Tagesgruppe (§ 32 SGB VIII)"),
    ("060", "Vollzeitpflege (§ 33 SGB VIII)"),
    ("065", "Vollzeitpflege Verwandte (alt)", dt.date(2016, 12, 31), "060"),
    ("070", "Heimerziehung, sonstige betreute Wohnform (§ 34 SGB VIII)"),
    ("080", "Intensive sozialpädagogische Einzelbetreuung (§ 35 SGB VIII)"),
    ("090", "Eingliederungshilfe für seelisch behinderte Kinder (§ 35a SGB VIII)"),
    ("095", "Eingliederungshilfe ambulant (alt)", dt.date(2013, 12, 31), "090"),
    ("100", "Hilfe für junge Volljährige (§ 41 SGB VIII)"),
    ("110", "Inobhutnahme (§ 42 SGB VIII)"),
    ("111", "Vorläufige Inobhutnahme unbegleiteter Minderjähriger (§ 42a SGB VIII)"),
    ("120", "Flexible Hilfe zur Erziehung (§ 27 Abs. 2 SGB VIII)"),
    # retired without successor: no code map row and no text pattern knows it
    ("097", "Sozialpädagogische Sonderbetreuung (alt)", dt.date(2012, 12, 31)),
])

EG = _codes("EG", [
    ("10", "Beendigung gemäß Hilfeplan (planmäßig)"),
    ("20", "Abbruch durch Leistungsberechtigte / jungen Menschen"),
    ("21", "Abbruch durch Einrichtung / Dienst"),
    ("25", "Abbruch (alt, ohne Zuordnung)", dt.date(2014, 12, 31), "20"),
    ("30", "Adoption"),
    ("40", "Zuständigkeitswechsel (anderes Jugendamt)"),
    ("45", "Rückführung in die Herkunftsfamilie"),
    ("50", "Volljährigkeit"),
    ("90", "sonstiges"),
    ("08", "Hilfe beendet wegen Umzugs (alt)", dt.date(2013, 12, 31)),  # retired without successor
])

TA = _codes("TA", [
    ("10", "öffentlicher Träger"),
    ("21", "frei-gemeinnützig: Arbeiterwohlfahrt"),
    ("22", "frei-gemeinnützig: Der Paritätische"),
    ("23", "frei-gemeinnützig: Deutsches Rotes Kreuz"),
    ("24", "frei-gemeinnützig: Diakonie"),
    ("25", "frei-gemeinnützig: Caritas"),
    ("29", "frei-gemeinnützig: sonstige"),
    ("30", "privat-gewerblich"),
    ("40", "Pflegefamilie / Erziehungsstelle"),
    ("20", "frei-gemeinnützig (alt, ohne Verband)", dt.date(2010, 12, 31), "29"),  # retired: split by association
])

ST = _codes("ST", [
    ("000", "deutsch"),
    ("121", "albanisch"),
    ("125", "bulgarisch"),
    ("137", "italienisch"),
    ("152", "polnisch"),
    ("154", "rumänisch"),
    ("160", "russisch"),
    ("163", "türkisch"),
    ("166", "ukrainisch"),
    ("224", "eritreisch"),
    ("423", "afghanisch"),
    ("438", "irakisch"),
    ("475", "syrisch"),
    ("997", "staatenlos"),
    ("998", "ungeklärt"),
    ("134", "serbisch-montenegrinisch (alt)", dt.date(2006, 6, 30)),  # retired: the state dissolved, no one successor
])

#: Social districts the office merged into others (SCHLUESSEL.TXT keeps them, with GUELTIG_BIS).
RETIRED_SR = (Code("SR", "13", "Sozialraum Zeithain (alt, zu Riesa)", dt.date(2016, 12, 31), "05"),)


def code_tables(social_districts: dict[str, str]) -> list[Code]:
    """All rows of SCHLUESSEL.TXT in table order."""
    sr = [Code("SR", code, f"Sozialraum {name}") for code, name in sorted(social_districts.items())] + list(RETIRED_SR)
    return [*HA, *EG, *TA, *ST, *sr]


RETIRED_HA = {c.code: c for c in HA if c.valid_to}
RETIRED_EG = {c.code: c for c in EG if c.valid_to}

# Codes that appear in records although SCHLUESSEL.TXT does not know them.
UNKNOWN_HA = ("075", "045", "099")
UNKNOWN_EG = ("99", "70", "15")
UNKNOWN_TA = ("35", "50")
UNKNOWN_ST = ("999", "431", "170")  # nationality codes ST does not list
UNKNOWN_SR = ("14", "99", "00")  # social districts the office does not have (13 is a retired one)
#: Retired codes of the person and provider tables, planted by defects_matrix.py.
RETIRED_OTHER: dict[str, Code] = {c.table: c for c in (*TA, *ST, *RETIRED_SR) if c.valid_to}

PLACEMENT_TYPES = frozenset({"060", "065", "070"})  # §33 / §34: the child left the UVG parent
HZE_MINOR_TYPES = frozenset({"010", "020", "030", "035", "040", "050", "060", "065", "070", "080", "090", "095", "120"})
YOUNG_ADULT_TYPE = "100"


@dataclass(frozen=True)
class Tariff:
    unit: str  # T day, M month, S hour
    low: float  # euros at 2024 level
    high: float
    hours_low: float = 0.0  # hours per month, unit S only
    hours_high: float = 0.0


@dataclass(frozen=True)
class ServiceType:
    code: str
    weight: float  # share among services begun (primer: HzE shares 2023)
    min_age: int
    max_age: int  # oldest age (completed years) at start
    months: tuple[float, float, float]  # triangular duration (low, mode, high); days for short ones
    in_days: bool
    tariffs: tuple[tuple[float, Tariff], ...]  # (probability, tariff)
    provider_kind: str  # which institutions offer it; "" = foster family, no provider
    own_office_share: float = 0.0  # run by the office itself: no provider, no payments
    stationary: bool = False


SERVICE_TYPES: dict[str, ServiceType] = {
    st.code: st
    for st in (
        ServiceType("010", 40, 3, 17, (2, 5, 12), False, ((1.0, Tariff("S", 70, 95, 2, 5)),), "beratung", own_office_share=0.55),
        ServiceType("020", 2, 8, 16, (6, 10, 18), False, ((1.0, Tariff("M", 280, 520)),), "ambulant"),
        ServiceType("030", 7, 9, 17, (6, 14, 30), False, ((1.0, Tariff("S", 55, 72, 16, 34)),), "ambulant"),
        ServiceType("040", 14, 0, 16, (6, 18, 36), False, ((1.0, Tariff("S", 55, 72, 24, 50)),), "ambulant"),
        ServiceType("050", 2, 6, 13, (10, 20, 40), False, ((1.0, Tariff("M", 1900, 2900)),), "tagesgruppe"),
        ServiceType("060", 6, 0, 14, (6, 40, 150), False, ((1.0, Tariff("M", 850, 1350)),), "", stationary=True),
        ServiceType("070", 14, 6, 17, (3, 15, 55), False,
                    ((0.7, Tariff("T", 160, 320)), (0.3, Tariff("M", 4800, 9500))), "stationaer", stationary=True),
        ServiceType("080", 1, 12, 17, (6, 12, 30), False,
                    ((0.6, Tariff("S", 60, 80, 30, 70)), (0.4, Tariff("T", 250, 380))), "stationaer"),
        ServiceType("090", 5, 5, 17, (6, 20, 48), False,
                    ((0.75, Tariff("S", 50, 90, 6, 16)), (0.25, Tariff("T", 180, 300))), "ambulant"),
        ServiceType("100", 0, 18, 20, (6, 14, 36), False,
                    ((0.6, Tariff("T", 150, 300)), (0.4, Tariff("S", 55, 70, 16, 30))), "stationaer"),
        ServiceType("110", 5, 0, 17, (2, 14, 90), True, ((1.0, Tariff("T", 180, 320)),), "inobhut"),
        ServiceType("111", 0, 14, 17, (7, 20, 45), True, ((1.0, Tariff("T", 170, 260)),), "uma"),
        ServiceType("120", 4, 0, 17, (3, 10, 24), False, ((1.0, Tariff("S", 50, 70, 10, 30)),), "ambulant"),
    )
}

# Termination reasons by kind of service: (code, weight). About 71 % of HzE
# end as planned (primer); stationary placements often end by return home.
END_REASONS_AMBULANT = (("10", 71), ("20", 12), ("21", 6), ("40", 5), ("90", 6))
END_REASONS_STATIONARY = (("10", 40), ("45", 28), ("20", 10), ("21", 8), ("40", 6), ("90", 5), ("30", 3))
END_REASONS_PROTECTIVE = (("45", 50), ("10", 30), ("40", 12), ("90", 8))
END_REASONS_UMA = (("40", 60), ("10", 40))
END_REASON_ADULT = "50"
