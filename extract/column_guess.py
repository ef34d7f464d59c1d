"""Column names compared loosely, and the guess for names no mapping covers exactly.

Used by the profiler (suggesting a mapping for an unknown list) and by the
list extraction (a mapping's names miss "Beginn der Hilfe"), so that both
read a header the same way. A name matches exactly when its loose key equals
a known name's key. Otherwise it is *guessed* when it is a known name plus
filler words ("Beginn der Hilfe", "Kosten je Monat", "Geburtsdatum Kind",
"mtl. Kosten"), or when its key starts with a known name of five letters or
more, followed by whole words ("Aktenzeichen ASD", not "Hilfeplan") that
neither name another person ("Geburtsdatum Mutter" is not the child's birth
date) nor another field ("Kosten Träger"). A guess is only ever
a fallback: callers report it and never let it beat an exact match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jhmig.list_fields import LIST_FIELDS
from jhmig.textfold import din_fold

_NOT_WORD = re.compile(r"[\W_]+")

# Words that qualify a column name without changing what it holds. Never a
# word that is itself a column name of its own (von, bis, ab, seit, art ...).
FILLER_WORDS = frozenset({
    "der", "die", "das", "des", "dem", "den", "ein", "eine", "je", "pro", "per", "im", "in", "am", "um", "zum", "zur", "vom",
    "mtl", "monatl", "monatlich", "monat", "mon", "tgl", "taeglich", "tag", "jaehrlich", "jahr",
    "kind", "kindes", "jugendliche", "jugendlichen", "jugendlicher", "jgl", "hilfe", "massnahme", "leistung",
    "eur", "euro", "aktuell", "akt", "lt", "laut", "zeitraum",
})
# a guessed name whose rest mentions one of these is about somebody else, not the child
OTHER_PERSON = ("mutter", "vater", "eltern", "sorgeberecht", "geschwister", "partner")
PREFIX_MIN = 5  # "Ende" + anything is too weak a prefix; "Beginn..." / "Kosten..." are not

# loose keys of column names caseworkers use, per unified field (the profiler's vocabulary): from the one table of list
# fields; a field with no place in the target (team) is never guessed
FIELD_GUESSES: dict[str, tuple[str, ...]] = {f.name: f.guesses for f in LIST_FIELDS if f.target is not None and f.guesses}


def _fold(text: str) -> str:
    folded = din_fold(unicodedata.normalize("NFKC", text))
    # "Traeger" and "Träger" are one column; after that, drop accents (é -> e)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def loose_key(text: str) -> str:
    """Comparison form of a column name: case, spaces, NBSP, dots, hyphens, umlaut spellings and accents ignored."""
    return _NOT_WORD.sub("", _fold(text))


def name_words(text: str) -> list[str]:
    """The words of a column name, folded like :func:`loose_key` ("Hilfe-" / "art" stay two words)."""
    return [w for w in _NOT_WORD.split(_fold(text)) if w]


@dataclass(frozen=True)
class NameMatch:
    field: str
    known: str  # the loose key of the known name it matched
    guessed: bool  # False: the loose keys are equal


KnownNames = Mapping[str, Iterable[str]]  # field -> column names (or loose keys) that mean it


def known_keys(known: KnownNames) -> dict[str, str]:
    """loose key -> field; the first field naming a key keeps it (mapping order decides, as for exact matches)."""
    out: dict[str, str] = {}
    for field_name, names in known.items():
        for name in names:
            key = loose_key(name)
            if key:
                out.setdefault(key, field_name)
    return out


def match_name(name: str, keys: Mapping[str, str], *, prefix: bool = True) -> NameMatch | None:
    """How a column name matches the known names (see the module doc); None when it does not.

    ``prefix=False`` leaves out the weakest guess (a known name followed by any words), for judging whether
    joined header rows still read as column names: "Vorname" + a first data row "Lena" must not.
    """
    key = loose_key(name)
    if not key:
        return None
    if key in keys:
        return NameMatch(keys[key], key, False)
    core = _without_filler(name_words(name))
    if core and core in keys:
        return NameMatch(keys[core], core, True)
    return _by_prefix(name_words(name), keys) if prefix else None


def _without_filler(words: list[str]) -> str:
    """The key of a name with filler words stripped from both ends; "" when nothing (or everything) was filler."""
    start, end = 0, len(words)
    while start < end and words[start] in FILLER_WORDS:
        start += 1
    while end > start and words[end - 1] in FILLER_WORDS:
        end -= 1
    if start == end or (start == 0 and end == len(words)):
        return ""
    return "".join(words[start:end])


def _by_prefix(words: list[str], keys: Mapping[str, str]) -> NameMatch | None:
    # the longest run of leading words wins: "Hilfe Beginn ..." is a start date before it is a "Hilfe ..."
    for n in range(len(words) - 1, 0, -1):
        known = "".join(words[:n])
        if len(known) < PREFIX_MIN or known not in keys:
            continue
        field_name, rest = keys[known], words[n:]
        if any(other in word for word in rest for other in OTHER_PERSON):
            return None
        if any(keys.get(key, field_name) != field_name for key in (*rest, "".join(rest))):
            return None  # two fields' names in one header: no guess is safe
        return NameMatch(field_name, known, True)
    return None


def guess_field(name: str, known: KnownNames | None = None) -> str | None:
    """The field a column name means (exact or guessed), by the profiler's vocabulary unless ``known`` is given."""
    found = match_name(name, known_keys(FIELD_GUESSES if known is None else known))
    return found.field if found else None
