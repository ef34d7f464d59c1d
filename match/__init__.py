"""Matching stage: one child, one person - identity resolution across the legacy export and every list.

Called by the orchestrator after transform and before validate, over all
batches of a run at once::

    result = resolve_identities(batches, MatchSettings(), decisions)

It scores person pairs (Splink 5 on DuckDB, :mod:`jhmig.match.splink_model`),
attaches list case files and providers to the export's, applies the result
to the batches (merged members leave their frames via ``Batch.merge``) and
returns an :class:`jhmig.identity.IdentityResult` for the loader (aliases),
the rules and the reports. Configuration: ``mappings/matching/*.yaml``
(docs/matching.md).
"""

from __future__ import annotations

import time

import pandas as pd

from jhmig.identity import IdentityResult, MatchSettings, RecordRef, ReviewDecision, count_outcomes
from jhmig.records import Batch, Finding, Severity

__all__ = ["resolve_identities"]


def _known_ids(settings: MatchSettings, entity: str) -> pd.Series | None:
    from jhmig.match.records import SEP

    known = settings.known_ids
    if known is None or not len(known):
        return None
    rows = known[known["entity"] == entity]
    return pd.Series(rows["new_id"].astype("int64").to_numpy(), index=(rows["source_system"] + SEP + rows["legacy_key"]).to_numpy())


def _known_since(settings: MatchSettings, entity: str) -> pd.Series | None:
    """uid -> the run that wrote the record's key-map entry (an entry moved to a survivor's id is newer than the survivor's)."""
    from jhmig.match.records import SEP

    known = settings.known_ids
    if known is None or not len(known) or "first_run_id" not in known:
        return None
    rows = known[known["entity"] == entity]
    return pd.Series(pd.to_numeric(rows["first_run_id"], errors="coerce").to_numpy(dtype=float),
                     index=(rows["source_system"] + SEP + rows["legacy_key"]).to_numpy())


def _config(settings: MatchSettings, name: str):  # type: ignore[no-untyped-def]
    from jhmig.match.config import load_match_config

    return load_match_config(settings.config_dir / f"{name}.yaml" if settings.config_dir else name)


def _raw(settings: MatchSettings, name: str) -> dict:
    from jhmig.match.config import CASE_FILE_KEYS, MATCHING_DIR, PROVIDER_KEYS, load_settings

    schema = {"providers": PROVIDER_KEYS, "case_files": CASE_FILE_KEYS}[name]
    return load_settings((settings.config_dir or MATCHING_DIR) / f"{name}.yaml", schema)


def resolve_identities(batches: list[Batch], settings: MatchSettings | None = None,
                       decisions: list[ReviewDecision] | None = None) -> IdentityResult:
    """Match persons, case files and providers of all batches; merge in place; return what was found."""
    from jhmig.match.apply import apply_identities
    from jhmig.match.case_files import resolve_case_files
    from jhmig.match.known import detached_records
    from jhmig.match.persons import resolve_persons
    from jhmig.match.records import SEP
    from jhmig.match.providers import resolve_providers

    settings = settings or MatchSettings()
    started = time.perf_counter()
    result = IdentityResult()
    if not settings.enabled:
        return result
    persons = resolve_persons(batches, _config(settings, "persons"), list(decisions or []), _known_ids(settings, "person"),
                              _known_since(settings, "person"))
    providers = resolve_providers(batches, _raw(settings, "providers"), persons.cluster_of)
    result.persons, result.pairs, result.model = persons.clusters, persons.pairs, persons.model
    result.case_files = resolve_case_files(batches, _raw(settings, "case_files"), persons.cluster_of)
    result.providers, result.new_providers, result.repointed = providers.clusters, providers.new, providers.repointed
    result.counts = {**count_outcomes("person", persons.pairs), **count_outcomes("provider", providers.pairs)}
    for cluster in result.case_files:
        for member in cluster.merged:
            bucket = result.counts.setdefault(f"case_file: {' / '.join(sorted((cluster.survivor.source_system, member.source_system)))}",
                                              {"match": 0, "review": 0, "non_match": 0})
            bucket["match"] += 1
    values = {RecordRef(*uid.split(SEP, 1)[:1], "person", uid.split(SEP, 1)[1]): v for uid, v in persons.values.items()}
    apply_identities(batches, result, values)
    result.detached = persons.detached + [ref for entity in ("case_file", "provider", "participant", "service")
                                          for ref in detached_records(batches, result, entity, _known_ids(settings, entity))]
    _mark_new_providers(batches, result.new_providers)
    result.seconds = time.perf_counter() - started
    return result


def _mark_new_providers(batches: list[Batch], new: list[RecordRef]) -> None:
    """A list provider that no Träger of the export matched is loaded as a new provider, marked as such."""
    by_source: dict[str, set[str]] = {}
    for ref in new:
        by_source.setdefault(ref.source_system, set()).add(ref.legacy_key)
    for batch in batches:
        keys = by_source.get(batch.source_system)
        frame = batch.frames.get("provider")
        if not keys or frame is None:
            continue
        rows = frame[frame["legacy_key"].astype("string").isin(keys)]
        for row in rows.itertuples(index=False):
            batch.findings.add(Finding(rule_id="match.provider_new", severity=Severity.INFO,
                                       message="Träger aus der Liste ist im Altsystem nicht bekannt: als neuer Träger angelegt",
                                       source_system=batch.source_system, entity="provider", legacy_key=str(row.legacy_key),
                                       src_path=str(row.src_path), src_sheet=str(row.src_sheet), src_line=int(row.src_line),
                                       field="name"))
