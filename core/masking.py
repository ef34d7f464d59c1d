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


def _mask_word(word: str) -> str:
    if len(word) <= 2:
        return word[0] + "*" * (len(word) - 1)
    return word[0] + "*" * (len(word) - 2) + word[-1]
