"""What a list row says about the child beyond the name: sex and address (fields of jhmig.list_fields)."""

from __future__ import annotations

import re

import pandas as pd

from jhmig.records import Severity
from jhmig.textfold import din_fold
from jhmig.transform.list_sheet import SheetRows
from jhmig.values import clean

SEX_WORDS = {"m": "m", "maennlich": "m", "mannlich": "m", "junge": "m", "j": "m", "w": "w", "weiblich": "w", "maedchen": "w",
             "madchen": "w", "f": "w", "d": "d", "divers": "d", "x": "d", "u": "u", "unbekannt": "u", "?": "u", "-": "u"}
# "Hauptstr. 5a", "Am Markt 12-14", "Bahnhofstraße 3 b"
_STREET = re.compile(r"^(?P<street>.*?[^\d\s,])\s*(?P<number>\d+\s?[a-zA-Z]?(?:\s?[-/]\s?\d+\s?[a-zA-Z]?)?)$")
# "Hauptstr. 5, 01234 Meißen" / "Hauptstr. 5 01234 Meißen"
_FULL = re.compile(r"^(?P<street>.+?)\s*[,;]?\s+(?P<postcode>\d{5})\s+(?P<city>\S.*)$")


def list_sex(rows: SheetRows, person_key: pd.Series) -> pd.Series:
    """The child's sex as the code list ``sex`` has it; "u" when the list says nothing, "u" and a warning when it says
    something else."""
    text = clean(rows.col("sex"))
    folded = text.map(lambda v: din_fold(v).strip(" .") if isinstance(v, str) else v)
    code = folded.map(SEX_WORDS).astype("string")
    unreadable = text.notna() & code.isna()
    rows.report("person", unreadable, "list.sex_unreadable", Severity.WARNING,
                "Geschlecht nicht lesbar (m/w/d): als „unbekannt“ übernommen", "sex", person_key)
    return code.fillna("u").astype("string")


def split_street(street: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``Hauptstr. 5a`` -> (``Hauptstr.``, ``5a``); a street without a number stays whole."""
    parts = street.str.extract(_STREET.pattern)
    has = parts["number"].notna()
    return (parts["street"].where(has, street).str.strip().astype("string"),
            parts["number"].where(has).str.replace(" ", "", regex=False).astype("string"))


def list_addresses(rows: SheetRows, person_key: pd.Series) -> pd.DataFrame | None:
    """The child's address (street, postcode, city, or all in one cell), keyed like its person, as the export's
    addresses share their person line's key."""
    if not any(rows.has(f) for f in ("street", "postcode", "city", "address_full")):
        return None
    street, postcode, city = clean(rows.col("street")), clean(rows.col("postcode")), clean(rows.col("city"))
    full = clean(rows.col("address_full"))
    parsed = full.str.extract(_FULL.pattern)
    unparsed = full.notna() & parsed["postcode"].isna()
    rows.report("person", unparsed, "list.address_unparsed", Severity.WARNING,
                "Anschrift nicht in Straße, PLZ und Ort zerlegt: ganz als Straße übernommen", "address_full", person_key)
    street = street.fillna(parsed["street"].where(~unparsed, full).astype("string"))
    postcode = postcode.fillna(parsed["postcode"].astype("string"))
    city = city.fillna(parsed["city"].astype("string"))
    street, number = split_street(street)
    # a postcode typed as a number lost its leading zero ("1234" for 01234): written as the list has it, checked later
    frame = rows.base.assign(legacy_key=person_key, person_key=person_key, street=street, house_number=number,
                             postcode=postcode.str.replace(r"\.0$", "", regex=True), city=city)
    present = street.notna() | postcode.notna() | city.notna()
    return frame.loc[present]
