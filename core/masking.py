"""The one masking function: how a personal value looks in a report or on the console.

Stewards need to see the *shape* of a value (which word, how long, which
year) to find a record, but not the value itself. Used by the steward
reports (`jhmig.reports`) and by `jhmig profile` (`jhmig.extract`).
"""

from __future__ import annotations

import re

LINE = "line"  # the whole text of an unreadable record (quarantine key "_line")
HIDDEN_LINE = "[Satzinhalt ausgeblendet]"

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def mask(value: str, kind: str = "name") -> str:
    """Show the shape, hide the content: first and last letter of each word, the year of a date.

    ``kind`` is ``name`` or ``street`` (words masked), ``date`` (digits
    masked, the year kept) or :data:`LINE` (a whole record: hidden).
    """
    if kind == LINE:
        return HIDDEN_LINE
    if kind == "date":
        match = _YEAR.search(value)
        hidden = re.sub(r"\d", "*", value)
        if match:  # keep the year: the age band matters to stewards, the day identifies the child
            hidden = hidden[:match.start()] + match.group(0) + hidden[match.end():]
        return hidden
    return _WORD.sub(lambda m: _mask_word(m.group(0)), value)


#: a date inside a record key (``...|K|21.01.2025``, ``...|2025-02-14``): for a newborn the start date is the birth date
KEY_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])|(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


def mask_key(key: str | None) -> str | None:
    """A record key as reports show it: day and month of every date in it hidden, the year kept.

    Keys carry dates (a participation's start, a claim's begin) that are a
    birth date often enough (a newborn's participation starts at birth), so
    no report shows them in clear: ``51.2-WJH-2021/00031|13123|K|**.**.2025``.
    The year stays: it tells the records of a case file apart, as the masked
    birth date does.
    """
    if not key:
        return key
    return KEY_DATE.sub(lambda m: f"**.**.{m.group(3)}" if m.group(3) else f"{m.group(4)}-**-**", key)


def mask_keys_in(value: object) -> object:
    """``mask_key`` on every ``key``/``legacy_key`` string (and the key lists of ``records``) of a JSON-able tree."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in _KEY_FIELDS and isinstance(v, str):
                out[k] = mask_key(v)
            elif k == "records" and isinstance(v, dict):  # the delta: change -> list of keys
                out[k] = {c: [mask_key(x) if isinstance(x, str) else mask_keys_in(x) for x in keys] if isinstance(keys, list) else mask_keys_in(keys)
                          for c, keys in v.items()}
            else:
                out[k] = mask_keys_in(v)
        return out
    if isinstance(value, list):
        return [mask_keys_in(v) for v in value]
    return value


_KEY_FIELDS = frozenset({"key", "legacy_key", "a_legacy_key", "b_legacy_key"})


def _mask_word(word: str) -> str:
    if len(word) <= 2:
        return word[0] + "*" * (len(word) - 1)
    return word[0] + "*" * (len(word) - 2) + word[-1]
