"""Providers: list providers (free text) resolve to the export's Träger; the rest become new providers.

The reference is the first source of the run that delivers providers (the
legacy export). A list name is compared in its comparison form
(:func:`jhmig.orgnames.provider_words`) with every reference name:
``token_sort_ratio`` catches word order, ``token_set_ratio`` a name that
contains the other (plus a town, a legal form); the best candidate must
beat the second best institution by a margin, or nothing is attached.

Where several Träger pass (the GmbH and the Stiftung "Familienhilfe
Rosengarten"), the export's services of the same child decide, per list row:
a list family's rows naming one name are one provider record, but a row
whose child the other Träger serves names a key of its own
(``T:<name>#<TRAEGER_NR>``), merged into that Träger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
from rapidfuzz import fuzz, process

from jhmig.identity import Cluster, PairDecision, Outcome, RecordRef, Repointed
from jhmig.match.records import SEP
from jhmig.orgnames import provider_words
from jhmig.records import Batch


@dataclass
class ProviderResolution:
    clusters: list[Cluster] = field(default_factory=list)
    new: list[RecordRef] = field(default_factory=list)
    pairs: list[PairDecision] = field(default_factory=list)
    repointed: list[Repointed] = field(default_factory=list)  # list services that name a Träger of their own row


def _stem(words: str) -> str:
    """German adjective endings off long words: "Heilpädagogisches"/"heilpädagogische" compare alike."""
    out = []
    for w in words.split():
        for ending in ("es", "en", "er", "em", "e"):
            if len(w) > 7 and w.endswith(ending):
                w = w[: -len(ending)]
                break
        out.append(w)
    return " ".join(out)


def _table(batch: Batch) -> pd.DataFrame:
    frame = batch.frames.get("provider")
    if frame is None or not len(frame):
        return pd.DataFrame(columns=["legacy_key", "words", "postcode", "address"])
    names = frame["name"].astype("string")
    postcode = frame["postcode"].astype("string").str.strip().str.zfill(5) if "postcode" in frame else pd.Series(pd.NA, index=frame.index)
    return pd.DataFrame({"legacy_key": frame["legacy_key"].astype("string").to_numpy(),
                         "words": names.map(lambda n: _stem(provider_words(n)) if isinstance(n, str) else "").to_numpy(),
                         "postcode": postcode.to_numpy(), "address": _addresses(frame).to_numpy()})


def _addresses(frame: pd.DataFrame) -> pd.Series:
    """Street and house number compared loosely ("Hauptstr. 5" = "Hauptstraße 5"); NA where either is missing."""
    if "street" not in frame or "house_number" not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    street = frame["street"].astype("string").str.casefold().str.replace(r"str\.?$|straße$|strasse$", "str", regex=True)
    street = street.str.replace(r"[^a-zäöüß0-9]+", "", regex=True)
    number = frame["house_number"].astype("string").str.casefold().str.replace(r"\s+", "", regex=True)
    both = street.fillna("").ne("") & number.fillna("").ne("")
    return (street + " " + number).where(both)


def _export_variants(reference: pd.DataFrame, limit: float, same_address: bool = True) -> dict[str, str]:
    """Spelling variants of one institution in the reference source: later key -> first key (same postcode).

    ``same_address``: where both records give street and house number, these must agree too; two Träger
    of one name in one town ("Familienzentrum Am Mühlgraben gGmbH" and "... GmbH & Co. KG") are two."""
    parent: dict[str, str] = {}
    for _, group in reference[reference["postcode"].notna() & (reference["words"] != "")].groupby("postcode", sort=False):
        keys, words, address = group["legacy_key"].tolist(), group["words"].tolist(), group["address"].tolist()
        for i in range(len(keys)):
            for j in range(i):
                elsewhere = same_address and isinstance(address[i], str) and isinstance(address[j], str) and address[i] != address[j]
                if keys[j] not in parent and not elsewhere and fuzz.token_sort_ratio(words[i], words[j]) >= limit:
                    parent.setdefault(keys[i], keys[j])
                    break
    return parent


def _best(words: str, choices: list[str], keys: list[str], thresholds: dict, used: Counter[str] | None = None,
          passing: set[int] | None = None) -> tuple[int | None, float]:
    """Index of the reference name that is this institution, or None; and its score.

    ``used``: reference keys the export's services of the same children name. Among names that pass the
    thresholds, one of those wins: "Familienhilfe Rosengarten" is the GmbH or the Stiftung of that name
    by the help the child gets."""
    sort = process.extract(words, choices, scorer=fuzz.token_sort_ratio, limit=3)
    contain = process.extract(words, choices, scorer=fuzz.token_set_ratio, limit=3)
    scored: dict[int, float] = {}
    for _, score, i in sort:
        if score >= thresholds["token_sort"]:
            scored[i] = max(scored.get(i, 0.0), score)
    mine = set(words.split())
    for _, score, i in contain:
        common = len(mine & set(choices[i].split()))
        if score >= thresholds["token_set"] and common >= thresholds["min_common_words"]:
            scored[i] = max(scored.get(i, 0.0), score - 0.5)  # containment is a little weaker than the same words
    exact = {i for _, score, i in process.extract(words, choices, scorer=fuzz.token_sort_ratio, limit=10) if score >= 100.0}
    voted = _voted(exact | (_passing(words, choices, thresholds) if passing is None else passing), keys, used)
    if voted is not None:
        return voted, 100.0
    if len({choices[i] for i in exact}) == 1:  # the same words: that institution, however close another one is
        return min(exact), 100.0
    if not scored:
        return None, 0.0
    ranked = sorted(scored.items(), key=lambda kv: -kv[1])
    best, score = ranked[0]
    # a rival spelled exactly like the best is the same institution entered twice, not another one
    rivals = [s for i, s in ranked[1:] if keys[i] != keys[best] and choices[i] != choices[best]]
    if rivals and score - rivals[0] < thresholds["margin"]:
        return None, score
    return best, score


def _voted(passing: set[int], keys: list[str], used: Counter[str] | None) -> int | None:
    """The passing name whose Träger the same children's export services name most often, if one leads.

    Counted per Träger (the spelling variants of one count once), so that a Träger entered twice does
    not tie with itself."""
    if not used:
        return None
    first: dict[str, int] = {}
    for i in sorted(passing):
        if keys[i] in used:
            first.setdefault(keys[i], i)
    votes = sorted(((used[k], -i) for k, i in first.items()), reverse=True)
    if votes and (len(votes) == 1 or votes[0][0] > votes[1][0]):
        return -votes[0][1]
    return None


def _passing(words: str, choices: list[str], thresholds: dict) -> set[int]:
    mine = set(words.split())
    out = {i for _, s, i in process.extract(words, choices, scorer=fuzz.token_sort_ratio, limit=10) if s >= thresholds["token_sort"]}
    out |= {i for _, s, i in process.extract(words, choices, scorer=fuzz.token_set_ratio, limit=10)
            if s >= thresholds["token_set"] and len(mine & set(choices[i].split())) >= thresholds["min_common_words"]}
    return out


#: weight of a vote by how closely the export's service matches the list row's (providers.yaml ``votes``)
VOTE_WEIGHTS = {"same_help_and_start": 100, "same_help": 10, "other_help": 1}


def _service_columns(frame: pd.DataFrame) -> list[pd.Series]:
    """legacy_key, person_key, provider_key, service_type and start day of a service frame, as text."""
    columns = [frame[c].astype("string") if c in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
               for c in ("legacy_key", "person_key", "provider_key", "service_type")]
    start = pd.to_datetime(frame["start_date"], errors="coerce") if "start_date" in frame else pd.Series(pd.NaT, index=frame.index)
    return columns + [start.dt.strftime("%Y-%m-%d").astype("string")]


Votes = dict[tuple[str, str], dict[str, Counter[str]]]  # (list source, provider key) -> list service key -> Träger keys, weighted


def _used_by_same_children(batches: list[Batch], person_of: Mapping[str, str], canonical: dict[str, str],
                           weights: Mapping[str, int] = VOTE_WEIGHTS) -> Votes:
    """(list source, provider key) -> per list service (its key): the reference provider keys the first
    source's services name for the same child, weighted by how closely each service is the list row's
    (``weights``, :data:`VOTE_WEIGHTS`). Per row, not per name: one name in a list can stand for two Träger of the
    export, each serving other children; a child served by both is told apart by the help."""
    if not batches or not person_of:
        return {}
    reference = batches[0]
    services = reference.frames.get("service")
    if services is None or not len(services):
        return {}
    by_person: dict[str, list[tuple[str, object, object]]] = {}
    for _, person, provider, kind, start in zip(*_service_columns(services)):
        if isinstance(person, str) and isinstance(provider, str):
            uid = reference.source_system + SEP + person
            by_person.setdefault(person_of.get(uid, uid), []).append((canonical.get(provider, provider), kind, start))
    out: Votes = {}
    for batch in batches[1:]:
        frame = batch.frames.get("service")
        if frame is None or not len(frame):
            continue
        for service, person, provider, kind, start in zip(*_service_columns(frame)):
            if isinstance(service, str) and isinstance(person, str) and isinstance(provider, str):
                uid = batch.source_system + SEP + person
                found = by_person.get(person_of.get(uid, uid))
                if found:
                    out.setdefault((batch.source_system, provider), {})[service] = _weighted(found, kind, start, weights)
    return out


def _weighted(found: list[tuple[str, object, object]], kind: object, start: object, weights: Mapping[str, int]) -> Counter[str]:
    votes: Counter[str] = Counter()
    for provider, their_kind, their_start in found:
        same_kind = isinstance(kind, str) and isinstance(their_kind, str) and their_kind == kind
        same_start = isinstance(start, str) and isinstance(their_start, str) and their_start == start
        level = "same_help_and_start" if same_kind and same_start else "same_help" if same_kind else "other_help"
        votes[provider] = max(votes[provider], weights[level])
    return votes


def _total(rows: dict[str, Counter[str]] | None) -> Counter[str] | None:
    if not rows:
        return None
    total: Counter[str] = Counter()
    for votes in rows.values():
        total.update(votes)
    return total


@dataclass
class _Reference:
    """The Träger of the reference source a list name is compared with."""

    source: str
    keys: list[str]  # per name: the institution's first record (spelling variants point to it)
    choices: list[str]  # per name: its comparison form
    thresholds: dict


def _split_rows(passing: set[int], target: str | None, rows: dict[str, Counter[str]] | None, ref: _Reference) -> dict[str, str]:
    """Service key -> another Träger than ``target``, for the rows of one list name whose child that Träger serves.

    Only among the Träger whose names pass for this name (``passing``, indexes into the reference); a row whose child's services name none of them,
    or two, follows the name's decision."""
    if not rows or not passing:
        return {}
    out = {}
    for service, votes in sorted(rows.items()):
        index = _voted(passing, ref.keys, votes)
        if index is not None and ref.keys[index] != target:
            out[service] = ref.keys[index]
    return out


@dataclass
class _Links:
    """The clusters as they grow: reference key (or ``new:<words>``) -> its records, the first one surviving."""

    reference: str
    out: ProviderResolution
    members: dict[str, list[RecordRef]] = field(default_factory=dict)
    seen_new: dict[str, RecordRef] = field(default_factory=dict)  # comparison form -> first new provider (another list family names it too)

    def attach(self, target: str, record: RecordRef, score: float) -> None:
        refs = self.members.setdefault(target, [RecordRef(self.reference, "provider", target)])
        if record in refs:
            return
        refs.append(record)
        self.out.pairs.append(PairDecision(RecordRef(self.reference, "provider", target), record, score / 100, Outcome.MATCH,
                                           ("Name des Trägers gleich/ähnlich",), "rule"))

    def new(self, words: str, record: RecordRef) -> None:
        if words in self.seen_new:
            self.members.setdefault(f"new:{words}", [self.seen_new[words]]).append(record)
        else:
            self.seen_new[words] = record
            self.out.new.append(record)

    def clusters(self) -> list[Cluster]:
        return [Cluster(refs[0], tuple(sorted(set(refs))), {"name": refs[0].source_system}) for refs in self.members.values()]


def _link_name(links: _Links, record: RecordRef, words: str, rows: dict[str, Counter[str]] | None, ref: _Reference) -> None:
    """One list provider: to the Träger its name (and its children's services) point at; rows whose child
    another Träger of that name serves get a key of their own, merged into that Träger."""
    passing = _passing(words, ref.choices, ref.thresholds) if words else set()  # the Träger this name may be
    index, score = _best(words, ref.choices, ref.keys, ref.thresholds, _total(rows), passing) if words else (None, 0.0)
    target = ref.keys[index] if index is not None else None
    splits = _split_rows(passing, target, rows, ref)
    if target is None and splits and len(splits) == len(rows or {}):
        target, score = Counter(splits.values()).most_common(1)[0][0], 100.0  # every row knows its Träger: no new provider
        splits = {s: t for s, t in splits.items() if t != target}
    for service, other in splits.items():
        split = RecordRef(record.source_system, "provider", f"{record.legacy_key}#{other}")
        links.out.repointed.append(Repointed(RecordRef(record.source_system, "service", service), "provider_key", split))
        links.attach(other, split, 100.0)
    if target is not None:
        links.attach(target, record, score)
    else:
        links.new(words, record)


def resolve_providers(batches: list[Batch], settings: dict, person_of: Mapping[str, str] | None = None) -> ProviderResolution:
    out = ProviderResolution()
    tables = [(b.source_system, _table(b)) for b in batches]
    tables = [(s, t) for s, t in tables if len(t)]
    if not tables:
        return out
    reference_source, reference = tables[0]
    thresholds = {"token_sort": 92.0, "token_set": 96.0, "min_common_words": 2, "margin": 3.0, **(settings.get("thresholds") or {})}
    variants = settings.get("export_variants") or {}
    canonical = (_export_variants(reference, float(variants.get("token_sort", 95)), bool(variants.get("same_address", True)))
                 if variants.get("enabled", True) else {})
    links = _Links(reference_source, out)
    for key, first in canonical.items():
        links.members.setdefault(first, [RecordRef(reference_source, "provider", first)]).append(
            RecordRef(reference_source, "provider", key))
    ref = _Reference(reference_source, [canonical.get(k, k) for k in reference["legacy_key"]], reference["words"].tolist(), thresholds)
    weights = {k: int(v) for k, v in {**VOTE_WEIGHTS, **(settings.get("votes") or {})}.items()}
    used = _used_by_same_children(batches, person_of or {}, canonical, weights)
    for source, table in tables[1:]:
        for key, words in zip(table["legacy_key"], table["words"]):
            _link_name(links, RecordRef(source, "provider", str(key)), words, used.get((source, str(key))), ref)
    out.clusters = links.clusters()
    return out
