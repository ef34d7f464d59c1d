"""Files of a run folder: summary.json, findings and quarantine as CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd


def write_run_files(run_dir: Path, summary: dict[str, Any], findings: pd.DataFrame, quarantine: pd.DataFrame) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    # ';' and a BOM: what German Excel opens correctly by double-click.
    findings.to_csv(run_dir / "findings.csv", sep=";", index=False, encoding="utf-8-sig")
    quarantine.to_csv(run_dir / "quarantine.csv", sep=";", index=False, encoding="utf-8-sig")


def write_refusal(run_dir: Path, summary: dict[str, Any]) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
