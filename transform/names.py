"""Names: keep them as written, add normalised keys beside them for matching.

* match key: DIN 5007-2 (ä=ae, ö=oe, ü=ue, ß=ss), case-folded, particles
  (von, van, zu, ...) and titles removed, NFC first;
* phonetic key: Kölner Phonetik (Postel 1969) of the family name.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
from cologne_phonetics import encode as cologne_encode

from jhmig.textfold import din_fold

PARTICLES = frozenset(
    "von vom zu zum zur van der den de del della di da du le la ten ter op dem und auf".split()
)
TITLES = frozenset("dr prof dipl ing med phil rer nat jur habil mag".split())
_NON_LETTER = re.compile(r"[^a-z ]+")


def match_key(name: str | None) -> str | None:
    if name is None or (isinstance(name, float)) or not str(name).strip():
        return None
    text = din_fold(unicodedata.normalize("NFC", str(name)))
    # strip remaining diacritics (é -> e) after the German replacements
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    words = [w for w in _NON_LETTER.sub(" ", text.replace("-", " ")).split() if w not in PARTICLES and w not in TITLES]
    return " ".join(words) or None


def phonetic_key(name: str | None) -> str | None:
    key = match_key(name)
    if not key:
        return None
    codes = [c for _, c in cologne_encode(key)] if " " in key else [cologne_encode(key)[0][1]]
    return " ".join(c for c in codes if c) or None


def _map_unique(series: pd.Series, func) -> pd.Series:  # type: ignore[no-untyped-def]
    # Names repeat a lot: compute each distinct value once.
    uniques = series.dropna().unique()
    table = {u: func(u) for u in uniques}
    return series.map(table).astype("string")


def person_keys(family: pd.Series, given: pd.Series) -> tuple[pd.Series, pd.Series]:
    fam = _map_unique(family, match_key)
    giv = _map_unique(given, match_key)
    combined = fam.fillna("") + "|" + giv.fillna("")
    combined = combined.mask(fam.isna() & giv.isna())
    return combined.astype("string"), _map_unique(family, phonetic_key)
