"""Files of a run folder: summary.json, findings, quarantine and skipped records as CSV."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from jhmig.run_summary import RunSummary

# where a skipped record was and why: no keys (a list person's key holds name and birth date), no values
SKIPPED_COLUMNS = ("source_system", "entity", "src_path", "src_sheet", "src_line", "reason")
_LIST_KEY = re.compile(r"(?:P:)?L:[^)]*")  # "hängt ab von ... (person L:mueller anna|2009-05-03)"


def write_summary_file(run_dir: Path, summary: RunSummary | dict[str, Any]) -> None:
    """summary.json: the typed summary of a run, or the short record of a refused one."""
    run_dir.mkdir(parents=True, exist_ok=True)
    text = summary.to_json(indent=2) if isinstance(summary, RunSummary) else json.dumps(summary, ensure_ascii=False, indent=2, default=str)
    (run_dir / "summary.json").write_text(text + "\n", encoding="utf-8")


def write_record_files(run_dir: Path, findings: pd.DataFrame, quarantine: pd.DataFrame, skipped: pd.DataFrame | None = None) -> None:
    """findings.csv, quarantine.csv and skipped.csv: what validation decided, known before the load."""
    run_dir.mkdir(parents=True, exist_ok=True)
    # ';' and a BOM: what German Excel opens correctly by double-click.
    findings.to_csv(run_dir / "findings.csv", sep=";", index=False, encoding="utf-8-sig")
    quarantine.to_csv(run_dir / "quarantine.csv", sep=";", index=False, encoding="utf-8-sig")
    if skipped is not None:
        skipped_rows(skipped).to_csv(run_dir / "skipped.csv", sep=";", index=False, encoding="utf-8-sig")


def skipped_rows(skipped: pd.DataFrame) -> pd.DataFrame:
    """One row per skipped record (subtotal, empty, note, legend, not selected, excluded ...), in source order."""
    out = skipped.reindex(columns=list(SKIPPED_COLUMNS)).copy()
    out["src_line"] = pd.to_numeric(out["src_line"], errors="coerce").astype("Int64")
    out["reason"] = out["reason"].astype("string").str.replace(_LIST_KEY, "…", regex=True)
    return out.sort_values(["source_system", "src_path", "src_sheet", "src_line", "entity"], na_position="last",
                           kind="stable").reset_index(drop=True)
