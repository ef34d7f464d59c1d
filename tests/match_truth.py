"""Scoring the matching stage against the generator's truth (used by bench/match_accuracy.py and the accuracy test).

The truth is read only after the stage has decided; nothing here feeds it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from jhmig.identity import IdentityResult, Outcome
from jhmig.records import Batch


@dataclass
class Before:
    """What the batches held before matching: person records and each list row's provider and case keys."""

    persons: list[tuple[str, str]] = field(default_factory=list)  # (source_system, legacy_key)
    person_row: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # list person key -> (file, sheet, row)
    export_source: str = ""
    row_provider: dict[tuple[str, str, int], tuple[str, str]] = field(default_factory=dict)  # (file, sheet, row) -> (source, key)
    row_case: dict[tuple[str, str, int], tuple[str, str]] = field(default_factory=dict)
    row_service: dict[tuple[str, str, int], tuple[str, str]] = field(default_factory=dict)  # list row -> (source, service key)


def prepare_batches(work: Path) -> tuple[list[Batch], Before]:
    from jhmig.config import resolve_list_sources
    from jhmig.extract import extract_export
    from jhmig.extract.excel_lists import extract_lists
    from jhmig.layout import load_layout
    from jhmig.list_mapping import load_list_mapping
    from jhmig.transform import build_context, read_unified_code_lists, transform_extract
    from jhmig.transform.list_rows import build_list_context, transform_lists

    layout, codes = load_layout(), read_unified_code_lists()
    export = extract_export(work / "legacy", layout)
    transform_extract(export, build_context(layout, export, codes))
    batches = [export.batch]
    for folder, mapping_path in resolve_list_sources(work / "lists"):
        mapping = load_list_mapping(mapping_path)
        extract = extract_lists(folder, mapping)
        transform_lists(extract, build_list_context(mapping, codes))
        batches.append(extract.batch)
    for batch in batches:
        batch.raw.clear()
    before = Before(export_source=batches[0].source_system)
    for batch in batches:
        persons = batch.frames.get("person")
        if persons is not None:
            before.persons += [(batch.source_system, str(k)) for k in persons["legacy_key"]]
        if batch is batches[0]:
            continue
        if persons is not None:  # list rows are keyed by their content: the truth names them by file, sheet and row
            before.person_row.update({str(k): (str(p), str(s), int(n)) for k, p, s, n in
                                      zip(persons["legacy_key"], persons["src_path"], persons["src_sheet"], persons["src_line"])})
        for entity, column, target in (("service", "provider_key", before.row_provider), ("participant", "case_file_key", before.row_case),
                                       ("service", "legacy_key", before.row_service)):
            frame = batch.frames.get(entity)
            if frame is None:
                continue
            for path, sheet, line, key in zip(frame["src_path"], frame["src_sheet"], frame["src_line"], frame[column]):
                if isinstance(key, str):
                    target[(str(path), str(sheet), int(line))] = (batch.source_system, key)
    return batches, before


@dataclass
class Truth:
    export_identity: dict[str, str]  # PERS_NR -> identity
    row_identity: dict[tuple[str, str, int], str]  # list row (file, sheet, row) -> identity
    row_provider: dict[tuple[str, str, int], str]  # list row -> TRAEGER_NR
    row_case: dict[tuple[str, str, int], str]  # list row -> AKTEN_NR (where the list carries the legacy number)
    provider_variant: dict[str, str]  # TRAEGER_NR of a spelling variant -> the institution's first record


def truth_of(truth: dict[str, Any]) -> Truth:
    export = {ref.split(":", 1)[1]: identity for ref, identity in truth["identities"].items()}
    rows = [r for r in truth.get("lists", {}).get("rows", []) if r["kind"] == "data"]
    variant = {d["key"]: d["related"][0]["key"] for d in truth["defects"] if d["kind"] == "provider_spelling_variant"}
    return Truth(
        export_identity=export,
        row_identity={(r["file"], r["sheet"], r["row"]): r["identity"] for r in rows},
        row_provider={(r["file"], r["sheet"], r["row"]): r["legacy_provider"].split(":", 1)[1] for r in rows if r.get("legacy_provider")},
        row_case={(r["file"], r["sheet"], r["row"]): r["legacy_case"].split(":", 1)[1] for r in rows if r.get("legacy_case")},
        provider_variant=variant,
    )


def _pairs_of(groups: dict[Any, list[tuple[str, str]]]) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    return {tuple(sorted(p)) for members in groups.values() for p in combinations(sorted(set(members)), 2)}  # type: ignore[misc]


def _metrics(found: set, true: set) -> dict[str, float]:
    tp = len(found & true)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"true": len(true), "found": len(found), "precision": precision, "recall": recall, "f1": f1}


def _union(pairs: set) -> dict[Any, list]:
    parent: dict[Any, Any] = {}

    def find(x: Any) -> Any:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[Any, list] = defaultdict(list)
    for x in list(parent):
        groups[find(x)].append(x)
    return groups


def evaluate(result: IdentityResult, truth: Truth, before: Before) -> dict[str, Any]:
    export = before.export_source

    def identity(record: tuple[str, str]) -> str | None:
        source, key = record
        if source == export:
            return truth.export_identity.get(key)
        row = before.person_row.get(key)
        return truth.row_identity.get(row) if row is not None else None

    by_identity: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for record in before.persons:
        found_identity = identity(record)
        if found_identity is not None:
            by_identity[found_identity].append(record)
    true = _pairs_of(by_identity)
    found = _pairs_of({i: [(m.source_system, m.legacy_key) for m in c.members] for i, c in enumerate(result.persons)})
    review = [tuple(sorted(((p.left.source_system, p.left.legacy_key), (p.right.source_system, p.right.legacy_key))))
              for p in result.pairs if p.outcome == Outcome.REVIEW]
    decided = _pairs_of(_union(found | {r for r in review if r in true}))

    def kind(pair: tuple) -> str:
        n = sum(1 for s, _ in pair if s == export)
        return {2: "within the export", 1: "export - list", 0: "list - list"}[n]

    persons = {"all, review not merged": _metrics(found, true), "all, review decided by truth": _metrics(decided, true)}
    for label in ("within the export", "export - list", "list - list"):
        persons[f"{label}"] = _metrics({p for p in found if kind(p) == label}, {p for p in true if kind(p) == label})
    out: dict[str, Any] = {"records": len(before.persons), "export_records": sum(1 for s, _ in before.persons if s == export),
                           "persons": persons, "review": len(review), "review_true": sum(1 for r in review if r in true)}
    out["list_records"] = out["records"] - out["export_records"]
    out["review_share"] = len(review) / max(1, len(before.persons))
    out.update(_links(result, truth, before, "provider"))
    out.update(_links(result, truth, before, "case_file"))
    return out


def _links(result: IdentityResult, truth: Truth, before: Before, entity: str) -> dict[str, Any]:
    survivor = {(m.source_system, m.legacy_key): c.survivor for c in result.clusters(entity) for m in c.members}
    expected = truth.row_provider if entity == "provider" else truth.row_case
    rows = before.row_provider if entity == "provider" else before.row_case
    # a list service the matching stage gave a provider key of its own row (one name, two Träger)
    repointed = {(r.record.source_system, r.record.legacy_key): (r.target.source_system, r.target.legacy_key)
                 for r in result.repointed if r.record.entity == "service" and entity == "provider"}
    linked = wrong = 0
    for row, legacy_key in expected.items():
        record = repointed.get(before.row_service.get(row), rows.get(row))  # type: ignore[arg-type]
        target = survivor.get(record) if record else None
        if target is None or target.source_system != before.export_source:
            continue
        want = {legacy_key, truth.provider_variant.get(legacy_key, legacy_key)}
        got = {target.legacy_key, truth.provider_variant.get(target.legacy_key, target.legacy_key)}
        if want & got:
            linked += 1
        else:
            wrong += 1
    name = "providers" if entity == "provider" else "cases"
    return {f"{name}_expected": len(expected), f"{name}_linked": linked, f"{name}_wrong": wrong,
            f"{'provider' if entity == 'provider' else 'case'}_rate": linked / max(1, len(expected))}
