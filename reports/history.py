"""The previous run in the same output folder, for the trend between dry runs.

Run folders are named by their run uid (``YYYYMMDD-HHMMSS-xxxxxx``), so the
previous run is the greatest uid below the current one whose folder holds a
complete summary (a refused run has no findings block and is passed over).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUN_UID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


def previous_summary(out_dir: Path, run_uid: str) -> dict[str, Any] | None:
    if not out_dir.is_dir():
        return None
    earlier = sorted((p for p in out_dir.iterdir() if p.is_dir() and RUN_UID.match(p.name) and p.name < run_uid), reverse=True)
    for folder in earlier:
        try:
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(summary, dict) and isinstance(summary.get("findings"), dict):
            return summary
    return None


def open_by_rule(summary: dict[str, Any]) -> dict[str, dict[str, int]]:
    """rule id -> {count, accepted, open, errors}: findings minus what stewards accepted."""
    accepted = (summary.get("corrections") or {}).get("accepted_by_rule") or {}
    out: dict[str, dict[str, int]] = {}
    for row in summary["findings"].get("by_rule", []):
        entry = out.setdefault(row["rule_id"], {"count": 0, "accepted": 0, "open": 0, "errors": 0})
        entry["count"] += int(row["count"])
        if row.get("severity") == "error":
            entry["errors"] += int(row["count"])
    for rule_id, entry in out.items():
        entry["accepted"] = int(accepted.get(rule_id, 0))
        entry["open"] = entry["count"] - entry["accepted"]
    return out


@dataclass(frozen=True)
class TrendRow:
    rule_id: str
    then: int
    now: int

    @property
    def delta(self) -> int:
        return self.now - self.then


def rule_trend(previous: dict[str, Any], current: dict[str, Any]) -> list[TrendRow]:
    """Open findings per rule, then and now; rules of either run, biggest change first."""
    then, now = open_by_rule(previous), open_by_rule(current)
    rows = [TrendRow(r, then.get(r, {}).get("open", 0), now.get(r, {}).get("open", 0)) for r in sorted(set(then) | set(now))]
    return sorted(rows, key=lambda r: (-abs(r.delta), r.rule_id))


def entity_trend(previous: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    """Per table: read, loaded and quarantined then and now."""
    before, after = previous.get("entities", {}), current.get("entities", {})
    rows = []
    for entity in list(after) + [e for e in before if e not in after]:
        b, a = before.get(entity, {}), after.get(entity, {})
        rows.append({"entity": entity, **{f"{k}_then": int(b.get(k, 0)) for k in ("read", "loaded", "quarantined")},
                     **{f"{k}_now": int(a.get(k, 0)) for k in ("read", "loaded", "quarantined")}})
    return rows
