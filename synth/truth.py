"""truth.json: what the generator planted, for scoring the toolkit.

Its shape is a contract with the other stages' tests; docs/truth.md
describes every key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TRUTH_VERSION = 1


def payments_by_year_type(by_year_type: dict[tuple[int, str], list[int]]) -> dict[str, dict[str, dict[str, int]]]:
    out: dict[str, dict[str, dict[str, int]]] = {}
    for (year, kind), (count, cents) in sorted(by_year_type.items()):
        out.setdefault(str(year), {})[kind] = {"count": count, "sum_cent": cents}
    return out


def build_truth(*, seed: int, size: str, legacy_dir: str, files: dict[str, dict[str, int]], manifest: dict[str, dict[str, int]],
                truncated: dict[str, Any] | None, identities: dict[str, str], features: dict[str, Any],
                defects: list[dict[str, Any]], by_year_type: dict[tuple[int, str], list[int]],
                statistics: dict[str, Any] | None = None, options: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "generator": "jhmig.synth",
        "version": TRUTH_VERSION,
        "seed": seed,
        "size": size,
        "legacy": {"dir": legacy_dir, "files": files, "manifest": manifest, "truncated": truncated,
                   "options": options or {"empty_files": [], "shuffled_files": []}},
        "identities": identities,
        "features": features,
        "defects": defects,
        "payments_by_year_type": payments_by_year_type(by_year_type),
        "statistics": statistics,
    }


def write_truth(path: Path, truth: dict[str, Any]) -> None:
    # Insertion order is deterministic, so the same seed gives the same bytes.
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=False), encoding="utf-8")
