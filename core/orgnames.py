"""Comparison form of an institution's name (Träger, Einrichtung): words, legal forms dropped, abbreviations alike.

Shared by the possible-duplicate rule (validation) and the matching stage,
which resolves list providers to the export's Träger. The phrase table is
data: ``mappings/matching/provider_abbreviations.csv``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pandas as pd

from jhmig.layout import MAPPINGS_DIR
from jhmig.textfold import din_fold

ABBREVIATIONS_CSV = MAPPINGS_DIR / "matching" / "provider_abbreviations.csv"
_WORD = re.compile(r"[a-z0-9]+")
# Umlauts of a DOS-era (cp850) or UTF-8 file read as cp1252: compared as the letters they were.
_MOJIBAKE = (("Ã¤", "ä"), ("Ã¶", "ö"), ("Ã¼", "ü"), ("ÃŸ", "ß"), ("Ã„", "Ä"), ("Ã–", "Ö"), ("Ãœ", "Ü"),
             ("„", "ä"), ("”", "ö"), ("\x81", "ü"), ("Ž", "Ä"), ("™", "Ö"), ("š", "Ü"), ("á", "ß"))


@cache
def _phrases() -> tuple[dict[tuple[str, ...], tuple[str, ...]], int]:
    """Phrase (as words) -> what it means (as words), and the longest phrase's length."""
    table = pd.read_csv(ABBREVIATIONS_CSV, dtype=str, keep_default_na=False, comment="#")
    phrases = {tuple(row.phrase.split()): tuple(row.means.split()) for row in table.itertuples() if row.phrase.strip()}
    return phrases, max((len(p) for p in phrases), default=1)


def provider_words(name: str) -> str:
    """Comparison form of an institution's name: words, legal forms dropped, abbreviations written alike."""
    for wrong, right in _MOJIBAKE:
        name = name.replace(wrong, right)
    text = din_fold(unicodedata.normalize("NFKC", name))
    # "e.V." and "g.GmbH" are legal forms: join dotted single letters first ("e.v." -> "ev")
    text = re.sub(r"\b([a-z])\.\s?(?=[a-z]\b\.?)", r"\1", text)
    # "St.Josef" is two words
    text = re.sub(r"\.(?=\w)", ". ", text)
    words = _WORD.findall(text)
    phrases, longest = _phrases()
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            means = phrases.get(tuple(words[i:i + size]))
            if means is not None:
                out.extend(means)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)
