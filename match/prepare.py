"""Named preparation steps that turn source columns into comparison columns.

A configuration names them per field (``steps: [fold, drop_particles]``);
each step maps a Series to a Series. Text steps compute every distinct value
once (names repeat a lot). A step that yields nothing gives NA, which the
comparisons treat as "unknown" (weight 0), never as a disagreement.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
from cologne_phonetics import encode as cologne_encode

from jhmig.textfold import din_fold

PARTICLES = frozenset("von vom zu zum zur van der den de del della di da du le la ten ter op dem und auf".split())
TITLES = frozenset("dr prof dipl ing med phil rer nat jur habil mag".split())
_NON_LETTER = re.compile(r"[^a-z0-9 ]+")

Step = Callable[[pd.Series], pd.Series]


def _per_value(func: Callable[[str], object]) -> Step:
    def step(series: pd.Series) -> pd.Series:
        values = series.astype("object")
        uniques = pd.unique(values[values.notna()])
        table = {u: func(str(u)) for u in uniques}
        out = values.map(table)
        return out.where(out.notna(), None)
    return step


def _fold(text: str) -> str | None:
    text = din_fold(unicodedata.normalize("NFC", text))
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))  # é -> e after ä -> ae
    text = " ".join(_NON_LETTER.sub(" ", text.replace("-", " ")).split())
    return text or None


def _drop_particles(text: str) -> str | None:
    words = [w for w in text.split() if w not in PARTICLES and w not in TITLES]
    return " ".join(words) or None


def _phonetic(text: str) -> str | None:
    words = text.split()
    if not words:
        return None
    return "".join(cologne_encode(w)[0][1] for w in words) or None


def _swap_day_month(iso: str) -> str | None:
    """yyyymmdd -> yyyyddmm where that is another valid date."""
    if len(iso) != 8:
        return None
    month, day = int(iso[4:6]), int(iso[6:8])
    if day > 12 or day == month:
        return None
    return iso[:4] + iso[6:8] + iso[4:6]


def _file_number(text: str) -> str | None:
    """An Aktenzeichen compared loosely: no spaces or dots, no leading zeros in number groups, upper case."""
    text = unicodedata.normalize("NFKC", text).upper()
    groups = re.findall(r"[A-Z]+|\d+", text)
    return "-".join(g.lstrip("0") or "0" if g.isdigit() else g for g in groups) or None


def _date_iso(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        dates = series
    else:
        dates = pd.to_datetime(series.astype("string").str.strip(), format="%Y%m%d", errors="coerce")
    out = dates.dt.strftime("%Y%m%d").astype("object")
    return out.where(dates.notna(), None)


def _words(series: pd.Series) -> pd.Series:
    return series.map(lambda v: sorted(set(str(v).split())) if isinstance(v, str) else None)


STEPS: dict[str, Step] = {
    "text": _per_value(lambda t: " ".join(unicodedata.normalize("NFC", t).split()) or None),
    "lower": _per_value(lambda t: t.lower() or None),
    "fold": _per_value(_fold),
    "drop_particles": _per_value(_drop_particles),
    "join": _per_value(lambda t: t.replace(" ", "") or None),
    "first_word": _per_value(lambda t: (t.split() or [None])[0]),
    "last_word": _per_value(lambda t: (t.split() or [None])[-1]),
    "prefix3": _per_value(lambda t: t[:3] or None),
    "sorted_words": _per_value(lambda t: " ".join(sorted(t.split())) or None),
    "phonetic": _per_value(_phonetic),
    "digits": _per_value(lambda t: re.sub(r"\D", "", t) or None),
    "zfill5": _per_value(lambda t: t.zfill(5) if t.isdigit() and 3 <= len(t) <= 5 else t),
    "file_number": _per_value(_file_number),
    "date_iso": _date_iso,
    "swap_day_month": _per_value(_swap_day_month),
    "year": _per_value(lambda t: t[:4] if len(t) >= 4 else None),
    "words": _words,
    "known_sex": _per_value(lambda t: t.strip().lower() if t.strip().lower() in {"m", "w", "d"} else None),
}


def prepare_column(frame: pd.DataFrame, sources: tuple[str, ...], steps: tuple[str, ...]) -> pd.Series:
    """The prepared column: the first source column, or several joined by a space; then the steps."""
    present = [frame[c] if c in frame else pd.Series(None, index=frame.index, dtype="object") for c in sources]
    if len(present) == 1:
        series = present[0]
    else:
        parts = [p.astype("string").fillna("") for p in present]
        joined = parts[0].str.cat(parts[1:], sep=" ").str.strip()
        series = joined.where(joined != "", None)
    if not steps or steps[0] != "date_iso":
        series = series.astype("object").where(series.notna(), None)
    for name in steps:
        try:
            series = STEPS[name](series)
        except KeyError:
            raise KeyError(f"unknown preparation step {name!r}; known: {', '.join(STEPS)}") from None
    if series.dtype == object:
        sample = series.dropna().head(1)
        if len(sample) and isinstance(sample.iloc[0], (list, tuple, np.ndarray)):
            series = series.map(_present)  # list columns: plain sorted lists, empty -> None
        else:
            series = series.astype(object).where(series.notna(), None)
    return series


def _present(value: object) -> object:
    """None for every kind of empty (None, NaN, NA, empty list); lists as plain sorted lists."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return sorted(str(v) for v in value) or None
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value


def as_object(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype="object")
