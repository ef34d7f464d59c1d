"""Delta since a given run: which records are new, changed or gone, and did the load write exactly those?

The load writes only what changed (unchanged rows keep their row hash and
are not touched); a delta run (``jhmig run --delta-since RUN``) names that
change record by record against the given run's ``record_hashes.parquet``
and reconciles it: when the given run is the target's state (the last
committed run before this one), per entity inserted = new, updated = changed
and deleted = gone. The money of new and changed payments is summed per year
and kind.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from jhmig.masking import mask_key

RECORD_ID = ["source_system", "entity", "legacy_key"]
SHOWN = 200


def delta_since(base: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """``source_system, entity, legacy_key, change`` (new / changed / gone) between two runs' loaded records."""
    both = base.astype({"legacy_key": "string"}).merge(current.astype({"legacy_key": "string"}), on=RECORD_ID, how="outer",
                                                       suffixes=("_base", "_now"), indicator=True)
    change = pd.Series("unchanged", index=both.index, dtype="string")
    change[both["_merge"] == "right_only"] = "new"
    change[both["_merge"] == "left_only"] = "gone"
    change[(both["_merge"] == "both") & (both["hash_base"] != both["hash_now"])] = "changed"
    out = both[RECORD_ID].assign(change=change)
    return out[out["change"] != "unchanged"].reset_index(drop=True)


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
        entities[entity] = {**counts, **wrote, "ok": ok if consecutive else None,
                            "records": {k: [mask_key(x) for x in part.loc[part["change"] == k, "legacy_key"].head(SHOWN).tolist()]
                                        for k in ("new", "changed", "gone")}}
    out: dict[str, Any] = {"since": since, "consecutive": consecutive, "entities": entities,
                           "ok": all(e["ok"] for e in entities.values()) if consecutive else None}
    if money is not None and len(money):
        paid = changes[(changes["entity"] == "payment") & changes["change"].isin(["new", "changed"])]
        rows = money[(money["outcome"] == "loaded") & money["legacy_key"].isin(set(paid["legacy_key"]))]
        by = rows.groupby(["year", "payment_type"], dropna=False)["cents"].agg(["count", "sum"]).reset_index()
        out["money"] = [{"year": None if pd.isna(r.year) else int(r.year), "payment_type": r.payment_type, "count": int(r.count),
                         "cents": int(r.sum)} for r in by.itertuples()]
    return out
