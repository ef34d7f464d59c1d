"""DIN 5007-2 spelling for comparisons: ä = ae, ö = oe, ü = ue, ß = ss.

One table for every stage that compares German text loosely (person match
keys, provider names, column names of caseworkers' lists), so that they all
treat "Müller" and "Mueller" alike.
"""

from __future__ import annotations

DIN_5007_2 = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})


def din_fold(text: str) -> str:
    """Case-folded, umlauts and ß written out (DIN 5007-2); nothing else changed."""
    return text.casefold().translate(DIN_5007_2)
