"""Past runs from their folders, and what changed between two of them.

Every run (dry runs too: they leave nothing in the target) keeps its folder:
``summary.json``, ``findings.csv``, ``quarantine.csv`` and
``record_hashes.parquet``. :func:`diff_runs` compares two folders: counts per
entity, findings per rule (new, fixed, still open, matched finding by
finding), records that moved between loaded and quarantined, and loaded
records whose values changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from jhmig.errors import RefusedInput
from jhmig.reports.history import RUN_UID
from jhmig.reports.record_hashes import comparable, read_record_hashes, read_skipped_keys
from jhmig.reports.delta import skip_reasons

FINDING_ID = ["rule_id", "entity", "legacy_key", "field"]
RECORD_ID = ["source_system", "entity", "legacy_key"]


@dataclass(frozen=True)
class RunFolder:
    path: Path
    summary: dict[str, Any]

    @property
    def uid(self) -> str:
        return self.path.name


def run_folders(out_dir: Path) -> list[RunFolder]:
    """Run folders with a summary, oldest first."""
    if not out_dir.is_dir():
        return []
    found = []
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir() and RUN_UID.match(p.name)):
        try:
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found.append(RunFolder(folder, summary))
    return found


def find_run(out_dir: Path, ident: str) -> RunFolder | None:
    """A run by its uid, its run id, or a unique prefix or suffix of its uid.

    Several runs matching (a prefix like ``20261208``, or an id that older versions gave a dry run
    and the next run alike) is :class:`AmbiguousRun`, naming the candidates; no match is None.
    """
    runs = run_folders(out_dir)
    exact = [r for r in runs if r.uid == ident]
    if exact:
        return exact[-1]
    numbered = [r for r in runs if ident.isdigit() and str(r.summary.get("run_id")) == ident]
    candidates = numbered or [r for r in runs if r.uid.startswith(ident) or r.uid.endswith(ident)]
    if len(candidates) > 1:
        raise AmbiguousRun(ident, candidates)
    return candidates[0] if candidates else None


class AmbiguousRun(RefusedInput):
    """More than one run folder matches what the user typed (exit 2)."""

    def __init__(self, ident: str, candidates: list[RunFolder]) -> None:
        self.candidates = candidates
        shown = "; ".join(f"{r.uid} (id {r.summary.get('run_id', '-')}, {_mode(r.summary)}, {r.summary.get('status')})"
                          for r in candidates[:10])
        more = f"; and {len(candidates) - 10} more" if len(candidates) > 10 else ""
        super().__init__(f"{ident!r} is ambiguous: {len(candidates)} runs match: {shown}{more}",
                         hint="give more of the run uid (its start, or the six letters at its end)")


def _mode(summary: dict[str, Any]) -> str:
    options = summary.get("options") or {}
    return str(options.get("mode") or ("dry_run" if options.get("dry_run") else "load"))


def key_figures(summary: dict[str, Any]) -> dict[str, Any]:
    """One line of ``jhmig runs list``."""
    entities = summary.get("entities") or {}
    options = summary.get("options") or {}
    money = summary.get("money") or {}
    source = next(iter((summary.get("sources") or {}).values()), {}) or {}
    prints = source.get("fingerprints") or {}
    statistics = ((summary.get("signoff") or {}).get("statistics") or {})
    return {
        "run_id": summary.get("run_id"), "run_uid": summary.get("run_uid"), "started_at": summary.get("started_at"),
        "mode": _mode(summary), "status": summary.get("status"),
        "read": sum(int(e.get("read", 0)) for e in entities.values()), "loaded": sum(int(e.get("loaded", 0)) for e in entities.values()),
        "quarantined": sum(int(e.get("quarantined", 0)) for e in entities.values()),
        "errors": int(((summary.get("findings") or {}).get("by_severity") or {}).get("error", 0)),
        "loaded_cents": money.get("loaded_cents"), "statistics_equal": statistics.get("equal_share"),
        "gate": (summary.get("gate") or {}).get("passed"),
        "inputs": _short(prints.get("files")), "layout": prints.get("layout"), "mappings": prints.get("mappings"),
    }


def _short(files: dict[str, str] | None) -> str | None:
    """One digest over all input files' digests (the full list is in summary.json)."""
    if not files:
        return None
    import hashlib

    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:12]


def diff_runs(a: RunFolder, b: RunFolder) -> dict[str, Any]:
    la, lb = read_record_hashes(a.path), read_record_hashes(b.path)
    moved = _moved(a.path, b.path)
    return {
        "a": key_figures(a.summary), "b": key_figures(b.summary),
        "counts": _counts(a.summary, b.summary),
        "rules": _rules(_findings(a.path), _findings(b.path)),
        "moved": moved,
        **_records(la, lb, moved, read_skipped_keys(b.path)),
        "money": money_change(a.summary, b.summary),
    }


def _counts(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    ea, eb = a.get("entities") or {}, b.get("entities") or {}
    rows = []
    for entity in list(eb) + [e for e in ea if e not in eb]:
        for k in ("read", "loaded", "merged", "quarantined", "skipped"):
            then, now = int(ea.get(entity, {}).get(k, 0)), int(eb.get(entity, {}).get(k, 0))
            if then != now:
                rows.append({"entity": entity, "count": k, "a": then, "b": now, "delta": now - then})
    return rows


def _findings(folder: Path) -> pd.DataFrame:
    path = folder / "findings.csv"
    if not path.exists():
        return pd.DataFrame(columns=FINDING_ID)
    frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig", usecols=lambda c: c in FINDING_ID)
    return frame.reindex(columns=FINDING_ID).fillna("")


def _rules(a: pd.DataFrame, b: pd.DataFrame) -> list[dict[str, Any]]:
    """Per rule: findings only in B (new), only in A (fixed), in both (still open), matched one by one."""
    # a rule can fire twice on one record and field (e.g. two columns feed one field): count with multiplicity
    ca = a.groupby(FINDING_ID).size().rename("a")
    cb = b.groupby(FINDING_ID).size().rename("b")
    both = pd.concat([ca, cb], axis=1).fillna(0).astype("int64").reset_index()
    both["still"] = both[["a", "b"]].min(axis=1)
    both["new"] = both["b"] - both["still"]
    both["fixed"] = both["a"] - both["still"]
    per_rule = both.groupby("rule_id")[["new", "fixed", "still"]].sum()
    rows = []
    for rule_id, r in per_rule.iterrows():
        part = both[both["rule_id"] == rule_id]
        rows.append({"rule_id": str(rule_id), "new": int(r.new), "fixed": int(r.fixed), "still_open": int(r.still),
                     "new_records": _keys(part[part["new"] > 0]), "fixed_records": _keys(part[part["fixed"] > 0])})
    return sorted(rows, key=lambda r: (-(r["new"] + r["fixed"]), r["rule_id"]))


def _keys(frame: pd.DataFrame) -> list[str]:
    return [f"{e}:{k}" + (f" ({f})" if f else "") for e, k, f in zip(frame["entity"], frame["legacy_key"], frame["field"])]


def _quarantined(folder: Path) -> pd.DataFrame:
    path = folder / "quarantine.csv"
    if not path.exists():
        return pd.DataFrame(columns=[*RECORD_ID, "rule_ids"])
    frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig", usecols=lambda c: c in (*RECORD_ID, "rule_ids"))
    return frame.drop_duplicates(RECORD_ID)


def _moved(a: Path, b: Path) -> dict[str, list[dict[str, Any]]]:
    """Records loaded in one run and quarantined in the other.

    A key that is loaded and quarantined in one run alike (a key delivered twice with other
    content: one copy quarantined) has not moved when the other run says the same.
    """
    qa, qb = _quarantined(a), _quarantined(b)
    la, lb = read_record_hashes(a), read_record_hashes(b)
    out: dict[str, list[dict[str, Any]]] = {"to_loaded": [], "to_quarantine": []}
    if lb is not None:
        now_loaded = _without(qa.merge(lb[RECORD_ID].astype("string").drop_duplicates(), on=RECORD_ID), qb)
        out["to_loaded"] = [{"entity": e, "key": k, "was": r} for e, k, r in zip(now_loaded["entity"], now_loaded["legacy_key"], now_loaded["rule_ids"])]
    if la is not None:
        now_quarantined = _without(qb.merge(la[RECORD_ID].astype("string").drop_duplicates(), on=RECORD_ID), qa)
        out["to_quarantine"] = [{"entity": e, "key": k, "why": r}
                                for e, k, r in zip(now_quarantined["entity"], now_quarantined["legacy_key"], now_quarantined["rule_ids"])]
    return out


def _without(frame: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` whose record is not in ``other``."""
    if not len(frame) or not len(other):
        return frame
    marked = frame.merge(other[RECORD_ID].astype("string").drop_duplicates().assign(_other=True), on=RECORD_ID, how="left")
    return frame[marked["_other"].isna().to_numpy()]


def _records(la: pd.DataFrame | None, lb: pd.DataFrame | None, moved: dict[str, list[dict[str, Any]]],
             skipped_b: pd.DataFrame | None) -> dict[str, list[dict[str, Any]]]:
    """Loaded records changed, added and removed between the runs, matched on their stable identity.

    A record merged with others is its cluster (:mod:`jhmig.reports.record_hashes`): which member's key
    carries the row may differ between the runs without anything having changed. A record that moved
    to or from the quarantine is listed there, not here. A removed record says why (a steward's exclusion,
    skipped, or no longer delivered).
    """
    out: dict[str, list[dict[str, Any]]] = {"changed": [], "added": [], "removed": []}
    if la is None or lb is None:
        return out
    a, b = comparable(la, lb)
    a, b = a.drop_duplicates(["entity", "identity"]), b.drop_duplicates(["entity", "identity"])
    both = a.merge(b, on=["entity", "identity"], how="outer", suffixes=("_a", "_b"), indicator=True)
    changed = both[(both["_merge"] == "both") & (both["hash_a"] != both["hash_b"])]
    out["changed"] = [{"entity": e, "key": k, **({"was": w} if w != k else {})}  # was: the key that carried it in A
                      for e, k, w in zip(changed["entity"], changed["legacy_key_b"], changed["legacy_key_a"])]
    loaded_again = {(m["entity"], m["key"]) for m in moved["to_loaded"]}
    quarantined = {(m["entity"], m["key"]) for m in moved["to_quarantine"]}
    added = both[both["_merge"] == "right_only"]
    out["added"] = [{"entity": e, "key": k} for e, k in zip(added["entity"], added["legacy_key_b"]) if (e, k) not in loaded_again]
    removed = both[both["_merge"] == "left_only"]
    why = skip_reasons(skipped_b)
    out["removed"] = [{"entity": e, "key": k, "why": why.get((s_, e, k), "nicht mehr geliefert")}
                      for s_, e, k in zip(removed["source_system_a"], removed["entity"], removed["legacy_key_a"]) if (e, k) not in quarantined]
    return out


def money_change(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Loaded cents per year and kind of payment where the runs differ (``signoff.money.lines`` of both summaries)."""
    def lines(summary: dict[str, Any]) -> dict[tuple[Any, str], int]:
        money = (summary.get("signoff") or {}).get("money") or {}
        return {(line.get("year"), str(line.get("payment_type"))): int(line.get("loaded") or 0) for line in money.get("lines") or []}

    la, lb = lines(a), lines(b)
    rows = []
    for year, kind in sorted(set(la) | set(lb), key=lambda k: (k[0] is None, k[0] or 0, k[1])):
        then, now = la.get((year, kind), 0), lb.get((year, kind), 0)
        if then != now:
            rows.append({"year": year, "payment_type": kind, "a": then, "b": now, "delta": now - then})
    return rows
