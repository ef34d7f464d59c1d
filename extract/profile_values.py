"""Value kinds of a profiled column (date, date as text, amount as text, code-like ...) and masked samples."""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections import Counter
from datetime import date, datetime, time

from jhmig.extract.cells import EXCEL_ERRORS, CellValue, cell_text, clean_text
from jhmig.extract.header_detect import loose_key
from jhmig.list_mapping import DATE_TEXT
from jhmig.masking import mask

_DATE_TEXT = DATE_TEXT  # one grammar with the run's default formats (jhmig.list_mapping)
_AMOUNT_TEXT = re.compile(r"^\s*(ca\.?\s*)?[-+]?\s*(\d{1,3}(\.\d{3})+|\d+)(,\d+)?\s*(€|eur|euro)?\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"^\s*\d+\s*$")
_CODE = re.compile(r"^[\w§./\- ]{1,16}$")
_DATE_NAME = re.compile(r"dat|geb|beginn|ende|seit|^von|^bis|termin|tatzeit|am$")
_SERIAL_MIN, _SERIAL_MAX = 18264, 55153  # 1950 .. 2050 as Excel serials


def value_kind(value: CellValue, date_named: bool = False) -> str:
    if isinstance(value, bool):
        return "flag"
    if isinstance(value, (datetime, date)):
        return "date"
    if isinstance(value, time):
        return "time"
    if isinstance(value, (int, float)):
        if date_named and isinstance(value, int) and _SERIAL_MIN <= value <= _SERIAL_MAX:
            return "date-as-number"
        return "number"
    text = clean_text(str(value))
    if _DATE_TEXT.match(text):
        return "date-as-text"
    if _DIGITS.match(text):
        if date_named and _SERIAL_MIN <= int(text) <= _SERIAL_MAX:
            return "date-as-text"  # an Excel serial stored as text
        return "code-like"
    if _AMOUNT_TEXT.match(text) and ("," in text or "€" in text or "eur" in text.lower() or "ca" in text.lower()):
        return "amount-as-text"
    if _CODE.match(text) and any(ch.isdigit() for ch in text):
        return "code-like"
    return "text"


def infer_type(values: Sequence[CellValue], name: str = "") -> str:
    if not values:
        return "empty"
    date_named = bool(_DATE_NAME.search(loose_key(name))) if name else False
    kinds = Counter(value_kind(v, date_named) for v in values)
    kinds = Counter({("date-as-text" if k == "date-as-number" else k): n for k, n in kinds.items()})
    top, count = kinds.most_common(1)[0]
    if count >= 0.8 * len(values):
        return top
    # dates mixed with dates written as text are still one date column
    if kinds["date"] + kinds["date-as-text"] >= 0.8 * len(values):
        return "date + date-as-text"
    if kinds["number"] + kinds["amount-as-text"] >= 0.8 * len(values) and kinds["amount-as-text"]:
        return "number + amount-as-text"
    shown = ", ".join(f"{k} {n / len(values):.0%}" for k, n in kinds.most_common(3))
    return f"mixed ({shown})"


def mask_value(value: CellValue) -> str:
    """A sample value with its shape and no identifying content: names, dates (year kept), numbers (digits -> 9)."""
    if isinstance(value, bool):
        return "WAHR" if value else "FALSCH"
    if isinstance(value, (datetime, date)):
        return f"**.**.{value.year}"
    if isinstance(value, (int, float, time)):
        return re.sub(r"\d", "9", cell_text(value) or "")
    text = clean_text(str(value))
    if text in EXCEL_ERRORS:
        return text
    if _DATE_TEXT.match(text):
        return _mask_date_text(text)
    if any(ch.isdigit() for ch in text):
        return re.sub(r"\d", "9", mask(text) if len(re.findall(r"[^\W\d_]{3,}", text)) else text)
    return mask(text)


def _mask_date_text(text: str) -> str:
    iso = re.match(r"^(\d{4})-", text)
    if iso:
        return iso.group(1) + re.sub(r"\d", "*", text[4:])
    match = re.search(r"(\d{4}|\d{2})\s*$", text)
    keep = match.start() if match else len(text)
    return re.sub(r"\d", "*", text[:keep]) + text[keep:]


