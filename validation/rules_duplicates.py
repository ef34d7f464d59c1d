"""Records of one source that are probably the same person or institution under two keys.

The legacy system let caseworkers enter a person twice (a typo, ``Mueller``
for ``Müller``, day and month swapped, no birth date) and an institution under
several spellings. These rules do not merge anything - merging across sources
is the matching stage's job - they flag the later record of each suspicious
pair as a warning that names the earlier one, so that a steward can decide.

Candidate pairs come from cheap blocks (same birth date, same name key), and
only pairs inside a block are compared, so that 60,000 persons cost a fraction
of a second.

* persons: DIN 5007-2 name key and Kölner Phonetik from :mod:`jhmig.transform.names`
  (``match_key`` = "family|given", ``phonetic_key`` of the family name);
* providers: name words without legal forms and with abbreviations expanded
  (:func:`jhmig.orgnames.provider_words`), same postcode or city.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

from jhmig.orgnames import provider_words
from jhmig.records import Severity
from jhmig.validation.model import Hits, Rule, RuleContext

#: Name words compared by sound may differ by this many edits (a typo, a transposition).
MAX_NAME_EDITS = 1
#: ... and by two in long names (>= 8 letters), where two slips are as likely as one in a short one.
MAX_NAME_EDITS_LONG = 2
#: A name key shared by at most this many records of a source is rare enough to pair records without a birth date.
RARE_NAME_COUNT = 3
#: token_set_ratio of two provider names in one town from which they are one institution.
PROVIDER_SIMILARITY = 90.0


# --------------------------------------------------------------------------
# persons
# --------------------------------------------------------------------------


def _close(a: str, b: str) -> bool:
    """One slip apart (two in long names): typo, dropped or doubled letter, transposed letters."""
    limit = MAX_NAME_EDITS_LONG if max(len(a), len(b)) >= 8 else MAX_NAME_EDITS
    return DamerauLevenshtein.distance(a, b, score_cutoff=limit) <= limit


def _close_names(a: pd.Series, b: pd.Series, raw_a: pd.Series, raw_b: pd.Series) -> np.ndarray:
    """Per pair: the names are one slip apart, as written ("Weßi"/"Weiß") or as keys ("Mueller"/"Müler")."""
    return np.array([
        pd.notna(x) and pd.notna(y) and (_close(str(x), str(y)) or (pd.notna(rx) and pd.notna(ry) and _close(str(rx), str(ry))))
        for x, y, rx, ry in zip(a, b, raw_a, raw_b)
    ], dtype=bool)


def _person_table(frame: pd.DataFrame) -> pd.DataFrame:
    key = frame["match_key"].astype("string")
    parts = key.str.split("|", n=1, expand=True).reindex(columns=[0, 1])
    table = pd.DataFrame({
        "pos": np.arange(len(frame)),
        "legacy_key": frame["legacy_key"].astype("string").to_numpy(),
        "line": pd.to_numeric(frame["src_line"], errors="coerce").to_numpy(),
        "key": key.to_numpy(),
        "family": parts[0].replace("", pd.NA).to_numpy(),
        "given": parts[1].replace("", pd.NA).to_numpy(),
        # as written, lower case (not casefold: that writes ß as ss): a slip across an umlaut or ß
        # ("Lwöer"/"Löwer", "Weßi"/"Weiß") is one edit here, two in the key
        "family_raw": frame["family_name"].astype("string").str.lower().to_numpy() if "family_name" in frame else pd.NA,
        "given_raw": frame["given_names"].astype("string").str.lower().to_numpy() if "given_names" in frame else pd.NA,
        "sound": frame["phonetic_key"].astype("string").to_numpy() if "phonetic_key" in frame else pd.NA,
        "born": pd.to_datetime(frame["birth_date"], errors="coerce").to_numpy(),
        "sex": frame["sex"].astype("string").to_numpy() if "sex" in frame else pd.NA,
    })
    return table[table["key"].notna() & table["legacy_key"].notna()]


def _pairs(table: pd.DataFrame, left_on: list[str], right_on: list[str] | None = None) -> pd.DataFrame:
    """Pairs of different records sharing the block values (each unordered pair once when the block is symmetric)."""
    right_on = right_on or left_on
    left = table.dropna(subset=left_on)
    right = table.dropna(subset=right_on)
    pairs = left.merge(right, left_on=left_on, right_on=right_on, suffixes=("_a", "_b"))
    pairs = pairs[pairs["legacy_key_a"] != pairs["legacy_key_b"]]
    if right_on == left_on:
        pairs = pairs[pairs["pos_a"] < pairs["pos_b"]]
    return pairs


def _sex_compatible(pairs: pd.DataFrame) -> pd.Series:
    known = pairs["sex_a"].isin(["m", "w", "d"]) & pairs["sex_b"].isin(["m", "w", "d"])
    return ~known | (pairs["sex_a"] == pairs["sex_b"])


def _swapped(born: pd.Series) -> pd.Series:
    """The birth date with day and month exchanged, where that is another valid date."""
    dates = pd.to_datetime(born)
    day, month, year = dates.dt.day, dates.dt.month, dates.dt.year
    ok = dates.notna() & (day <= 12) & (day != month)
    text = year.astype("Int64").astype("string") + "-" + day.astype("Int64").astype("string") + "-" + month.astype("Int64").astype("string")
    return pd.to_datetime(text.where(ok), format="%Y-%m-%d", errors="coerce")


def _person_candidates(table: pd.DataFrame) -> pd.DataFrame:
    """(pos_a, pos_b, why) of probable duplicates."""
    found: list[pd.DataFrame] = []

    def keep(pairs: pd.DataFrame, mask: pd.Series | np.ndarray, why: str) -> None:
        hit = pairs[np.asarray(mask, dtype=bool)]
        if len(hit):
            found.append(pd.DataFrame({"pos_a": hit["pos_a"].to_numpy(), "pos_b": hit["pos_b"].to_numpy(), "why": why}))

    # same birth date, family names that sound alike, given names one slip apart (umlaut spellings: same key)
    same_day = _pairs(table, ["born", "sound"])
    close = (_close_names(same_day["given_a"], same_day["given_b"], same_day["given_raw_a"], same_day["given_raw_b"])
             & _close_names(same_day["family_a"], same_day["family_b"], same_day["family_raw_a"], same_day["family_raw_b"]))
    keep(same_day, close & _sex_compatible(same_day).to_numpy(), "gleiches Geburtsdatum, fast gleicher Name")
    # same birth date and given names, family names one slip apart that do not sound alike
    same_given = _pairs(table, ["born", "given"])
    same_given = same_given[same_given["sound_a"].fillna("") != same_given["sound_b"].fillna("")]
    fam = _close_names(same_given["family_a"], same_given["family_b"], same_given["family_raw_a"], same_given["family_raw_b"])
    keep(same_given, fam & _sex_compatible(same_given).to_numpy(), "gleiches Geburtsdatum und Vorname, Familienname vertippt")
    # same name, day and month of the birth date exchanged
    swapped = table.assign(born_swapped=_swapped(table["born"]))
    pairs = _pairs(swapped, ["key", "born"], ["key", "born_swapped"])
    pairs = pairs[pairs["pos_a"] != pairs["pos_b"]]
    keep(pairs, _sex_compatible(pairs), "gleicher Name, Tag und Monat des Geburtsdatums vertauscht")
    # without a birth date (on one side or both) the name must carry it - only where it is not a common one in this source
    counts = table["key"].map(table["key"].value_counts())
    rare = table[counts <= RARE_NAME_COUNT]
    pairs = _pairs(rare, ["key"])
    keep(pairs, (pairs["born_a"].isna() | pairs["born_b"].isna()) & _sex_compatible(pairs), "gleicher Name, ohne Geburtsdatum")
    if not found:
        return pd.DataFrame(columns=["pos_a", "pos_b", "why"])
    out = pd.concat(found, ignore_index=True)
    low, high = np.minimum(out["pos_a"], out["pos_b"]), np.maximum(out["pos_a"], out["pos_b"])
    return out.assign(pos_a=low, pos_b=high).drop_duplicates(subset=["pos_a", "pos_b"]).reset_index(drop=True)


def _later_of_pairs(table: pd.DataFrame, pairs: pd.DataFrame, what: str) -> tuple[pd.Index, pd.Series]:
    """The record of each pair that comes later in the source, and a message naming the earlier one."""
    by_pos = table.set_index("pos")
    a, b = by_pos.loc[pairs["pos_a"]], by_pos.loc[pairs["pos_b"]]
    a_later = a["line"].to_numpy() > b["line"].to_numpy()
    later = np.where(a_later, pairs["pos_a"], pairs["pos_b"])
    earlier_key = np.where(a_later, b["legacy_key"].to_numpy(dtype=object), a["legacy_key"].to_numpy(dtype=object))
    earlier_line = np.where(a_later, b["line"].to_numpy(), a["line"].to_numpy())
    message = pd.Series([f"möglicherweise {what} wie Schlüssel {k} (Zeile {int(line)}): {why}"
                         for k, line, why in zip(earlier_key, earlier_line, pairs["why"])], dtype="string")
    return pd.Index(later), message


def _in_source_order(frame: pd.DataFrame, positions: pd.Index, message: pd.Series) -> Hits:
    order = np.argsort(positions.to_numpy(), kind="stable")
    return Hits(frame.index[positions.to_numpy()[order]], message.iloc[order].reset_index(drop=True))


def person_possible_duplicate(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    table = _person_table(frame)
    pairs = _person_candidates(table)
    if not len(pairs):
        return Hits.none()
    positions, message = _later_of_pairs(table, pairs, "dieselbe Person")
    return _in_source_order(frame, positions, message)


# --------------------------------------------------------------------------
# providers
# --------------------------------------------------------------------------

def provider_possible_duplicate(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    names = frame["name"].astype("string")
    # a lost leading zero ("1468") is the same town as "01468"
    town = (frame["postcode"].astype("string").str.strip().str.zfill(5) if "postcode" in frame
            else pd.Series(pd.NA, index=frame.index, dtype="string"))
    if "city" in frame:
        town = town.fillna(frame["city"].astype("string").str.casefold())
    table = pd.DataFrame({
        "pos": np.arange(len(frame)),
        "legacy_key": frame["legacy_key"].astype("string").to_numpy(),
        "line": pd.to_numeric(frame["src_line"], errors="coerce").to_numpy(),
        "words": names.map(lambda n: provider_words(n) if isinstance(n, str) else pd.NA).to_numpy(),
        "town": town.to_numpy(),
    }).dropna(subset=["words", "legacy_key"])
    table = table[table["words"] != ""]
    # without a town, the name alone must be the same (two "Kita Sonnenschein" in two towns are two)
    table["town"] = table["town"].fillna("?")
    pairs = _pairs(table, ["town"])
    # token_sort, not token_set: "Stadt Radebeul Kita Elbtal" contains "Stadt Radebeul" and is still another Kita
    score = np.array([fuzz.token_sort_ratio(a, b) for a, b in zip(pairs["words_a"], pairs["words_b"])])
    pairs = pairs[score >= PROVIDER_SIMILARITY] if len(pairs) else pairs
    if not len(pairs):
        return Hits.none()
    pairs = pairs.assign(why="ähnlicher Name am selben Ort")[["pos_a", "pos_b", "why"]]
    positions, message = _later_of_pairs(table, pairs, "dieselbe Einrichtung")
    return _in_source_order(frame, positions, message)


RULES: tuple[Rule, ...] = (
    Rule("person.possible_duplicate", "person", Severity.WARNING, "Person vermutlich doppelt erfasst (unter zwei Schlüsseln)",
         "beide Sätze vergleichen: dieselbe Person, dann im Altsystem zusammenführen oder einen 'nicht migrieren'; "
         "sonst (z. B. Zwillinge) akzeptieren", person_possible_duplicate, "legacy_key", ("match_key", "birth_date")),
    Rule("provider.possible_duplicate", "provider", Severity.WARNING, "Träger/Einrichtung vermutlich mehrfach erfasst (andere Schreibweise)",
         "Sätze vergleichen und im Zielsystem eine Einrichtung führen; Leistungen auf den verbleibenden Träger umhängen",
         provider_possible_duplicate, "name", ("name",)),
)
