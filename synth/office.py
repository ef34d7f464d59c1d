"""The fictional office whose export is simulated, and its surroundings.

Town names and postcodes are borrowed from the Meißen area in Saxony on
purpose: all its postcodes start with ``0``, so a reader that treats PLZ as
numbers loses the leading zero on nearly every record (the primer's
``01662 Meißen`` example). The office itself is fictional.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

OFFICE_NAME = "Kreisjugendamt Beispielkreis"
OFFICE_AGS = "14627000"
LEGACY_VERSION = "OK.JUG 7.4"
EXPORT_DATE = dt.date(2025, 3, 15)
SYSTEM_START = dt.date(2004, 1, 1)  # oldest records of the legacy system
CASE_HISTORY_START = dt.date(2005, 1, 1)  # case files opened before were archived
PAYMENT_START = dt.date(2015, 1, 1)  # the export carries ten years of payments

# Organisational unit per department: the first part of the Aktenzeichen.
DEPARTMENT_UNITS: dict[str, str] = {
    "UV": "51.3",
    "BS": "51.4",
    "AV": "51.4",
    "WJH": "51.2",
    "PKD": "51.2",
    "KT": "51.5",
}


@dataclass(frozen=True)
class Town:
    city: str
    postcodes: tuple[str, ...]
    district: str  # SOZRAUM code ('' outside the office's area)
    weight: int


HOME_TOWNS: tuple[Town, ...] = (
    Town("Meißen", ("01662",), "01", 26),
    Town("Radebeul", ("01445",), "02", 32),
    Town("Coswig", ("01640",), "03", 20),
    Town("Großenhain", ("01558",), "04", 18),
    Town("Riesa", ("01587", "01589", "01591"), "05", 28),
    Town("Weinböhla", ("01689",), "06", 9),
    Town("Moritzburg", ("01468",), "07", 8),
    Town("Nossen", ("01683",), "08", 8),
    Town("Lommatzsch", ("01623",), "09", 5),
    Town("Gröditz", ("01609",), "10", 6),
    Town("Radeburg", ("01471",), "11", 6),
    Town("Strehla", ("01616",), "12", 4),
    Town("Klipphausen", ("01665",), "08", 7),
    Town("Niederau", ("01689",), "06", 4),
)

# Where people move away to and where distant institutions are.
OTHER_TOWNS: tuple[Town, ...] = (
    Town("Dresden", ("01067", "01069", "01099", "01127", "01307", "01309"), "", 30),
    Town("Leipzig", ("04103", "04109", "04155", "04229", "04318"), "", 14),
    Town("Chemnitz", ("09111", "09126", "09130"), "", 8),
    Town("Zwickau", ("08056", "08058"), "", 3),
    Town("Görlitz", ("02826", "02828"), "", 3),
    Town("Bautzen", ("02625",), "", 3),
    Town("Pirna", ("01796",), "", 4),
    Town("Freital", ("01705",), "", 4),
    Town("Halle (Saale)", ("06108", "06110"), "", 3),
    Town("Cottbus", ("03046",), "", 2),
    Town("Berlin", ("10115", "10247", "12043", "13055"), "", 6),
    Town("Hamburg", ("20095", "22761"), "", 2),
    Town("München", ("80331", "81371"), "", 2),
    Town("Köln", ("50667", "51103"), "", 2),
    Town("Erfurt", ("99084",), "", 2),
    Town("Magdeburg", ("39104",), "", 2),
    Town("Hannover", ("30159",), "", 1),
    Town("Frankfurt am Main", ("60311",), "", 1),
)

SOCIAL_DISTRICTS: dict[str, str] = {
    "01": "Meißen",
    "02": "Radebeul",
    "03": "Coswig",
    "04": "Großenhain",
    "05": "Riesa",
    "06": "Weinböhla/Niederau",
    "07": "Moritzburg",
    "08": "Nossen/Klipphausen",
    "09": "Lommatzsch",
    "10": "Gröditz",
    "11": "Radeburg",
    "12": "Strehla",
}
