"""Delta since a given run: which records are new, changed or gone, and did the load write exactly those?

The load writes only what changed (unchanged rows keep their row hash and
are not touched); a delta run (``jhmig run --delta-since RUN``) names that
change record by record against the given run's ``record_hashes.parquet``
and reconciles it: when the given run is the target's state (the last
committed run before this one), per entity inserted = new, updated = changed
and deleted = gone. The money of new and changed payments is summed per year
and kind, and the loaded money per year and kind set against the given run's.

Records are matched on their stable identity (:mod:`jhmig.reports.record_hashes`),
not on the key that carries their row: a merged person whose carrier changed
has not changed. A record gone says why: a steward's exclusion (who, when),
another skip, or no longer delivered. Key lists are capped (``SHOWN`` per
kind in ``summary.json``), with the count; the full list is the sheet
*Delta* of ``abgleich.xlsx``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from jhmig.masking import mask_key

SHOWN = 200


IDENTITY = ["entity", "identity"]


def delta_since(base: pd.DataFrame, current: pd.DataFrame, skipped: pd.DataFrame | None = None) -> pd.DataFrame:
    """``source_system, entity, legacy_key, change, why`` (new / changed / gone) between two runs' loaded records.

    ``legacy_key`` is the key the record has now (gone: had); ``why`` says why a gone record is not loaded now.
    """
    from jhmig.reports.record_hashes import comparable

    base, current = comparable(base, current)
    both = base.drop_duplicates(IDENTITY).merge(current.drop_duplicates(IDENTITY), on=IDENTITY, how="outer",
                                               suffixes=("_base", "_now"), indicator=True)
    change = pd.Series("unchanged", index=both.index, dtype="string")
    change[both["_merge"] == "right_only"] = "new"
    change[both["_merge"] == "left_only"] = "gone"
    change[(both["_merge"] == "both") & (both["hash_base"] != both["hash_now"])] = "changed"
    out = pd.DataFrame({"source_system": both["source_system_now"].fillna(both["source_system_base"]), "entity": both["entity"],
                        "legacy_key": both["legacy_key_now"].fillna(both["legacy_key_base"]), "change": change})
    out = out[out["change"] != "unchanged"].reset_index(drop=True)
    why = pd.Series(pd.NA, index=out.index, dtype="string")
    gone = out["change"] == "gone"
    if gone.any():
        reasons = skip_reasons(skipped)
        why[gone] = [reasons.get((s, e, k), "nicht mehr geliefert") for s, e, k in
                     zip(out.loc[gone, "source_system"], out.loc[gone, "entity"], out.loc[gone, "legacy_key"])]
    return out.assign(why=why)


def skip_reasons(skipped: pd.DataFrame | None) -> dict[tuple[str, str, str], str]:
    """(source, entity, key) -> why the run did not load it: a steward's exclusion (who, when) or another skip."""
    from jhmig.reports.run_files import _LIST_KEY

    if skipped is None or not len(skipped):
        return {}
    reasons = skipped["reason"].astype("string").fillna("")
    shown = reasons.where(reasons.str.startswith(STEWARD_EXCLUDED), "übersprungen: " + reasons.str.replace(_LIST_KEY, "…", regex=True))
    return dict(zip(zip(skipped["source_system"], skipped["entity"], skipped["legacy_key"]), shown))


STEWARD_EXCLUDED = "vom Steward ausgeschlossen"


def delta_figures(changes: pd.DataFrame, load_stats: dict[str, dict[str, int]], consecutive: bool, since: str,
                  money: pd.DataFrame | None) -> dict[str, Any]:
    """Per entity new / changed / gone against the load's inserted / updated / deleted; money of the delta."""
    entities: dict[str, dict[str, Any]] = {}
    names = sorted(set(changes["entity"]) | set(load_stats))
    for entity in names:
        part = changes[changes["entity"] == entity]
        counts = {k: int((part["change"] == k).sum()) for k in ("new", "changed", "gone")}
        stats = load_stats.get(entity, {})
        wrote = {k: int(stats.get(k, 0)) for k in ("inserted", "updated", "deleted")}
        ok = (counts["new"], counts["changed"], counts["gone"]) == (wrote["inserted"], wrote["updated"], wrote["deleted"])
        gone = part[part["change"] == "gone"].head(SHOWN)
        entities[entity] = {**counts, **wrote, "ok": ok if consecutive else None,
                            # keys carry dates (a participation's start): masked like every key in a report
                            "records": {k: [mask_key(x) for x in part.loc[part["change"] == k, "legacy_key"].head(SHOWN).tolist()]
                                        for k in ("new", "changed", "gone")},
                            "gone_why": {mask_key(k): w for k, w in zip(gone["legacy_key"], gone["why"])} if "why" in gone else {},
                            "capped": {k: max(0, counts[k] - SHOWN) for k in counts}}
    out: dict[str, Any] = {"since": since, "consecutive": consecutive, "entities": entities,
                           "ok": all(e["ok"] for e in entities.values()) if consecutive else None,
                           "not_reconciled": [not_reconciled(name, e) for name, e in entities.items() if e["ok"] is False]}
    if money is not None and len(money):
        paid = changes[(changes["entity"] == "payment") & changes["change"].isin(["new", "changed"])]
        rows = money[(money["outcome"] == "loaded") & money["legacy_key"].isin(set(paid["legacy_key"]))]
        by = rows.groupby(["year", "payment_type"], dropna=False)["cents"].agg(["count", "sum"]).reset_index()
        out["money"] = [{"year": None if pd.isna(r.year) else int(r.year), "payment_type": r.payment_type, "count": int(r.count),
                         "cents": int(r.sum)} for r in by.itertuples()]
    return out


def not_reconciled(entity: str, e: dict[str, Any]) -> str:
    """One line naming what did not reconcile for an entity, e.g. ``person: new 0 / inserted 1, gone 1 / deleted 0``."""
    parts = [f"{named} {e[named]} / {wrote} {e[wrote]}" for named, wrote in (("new", "inserted"), ("changed", "updated"), ("gone", "deleted"))
             if e[named] != e[wrote]]
    return f"{entity}: " + ", ".join(parts)


DELTA_FILE = "delta.parquet"  # every record of the delta (summary.json keeps the first SHOWN of each kind)


def write_delta_records(run_dir: Path, changes: pd.DataFrame) -> None:
    changes.astype("string").to_parquet(run_dir / DELTA_FILE, index=False)


def read_delta_records(run_dir: Path) -> pd.DataFrame | None:
    path = run_dir / DELTA_FILE
    return pd.read_parquet(path) if path.exists() else None
