"""The independent mutation tool (``../shared/tools/mutate_export.py``, written apart from jhmig's generator) on a
shrunk generated export: every mutated copy must hold the tool's invariants (exit 0/1/2, 2 only for a broken
manifest; no traceback; summary.json with every check ok; every file's records read and accounted).

CI runs ``JHMIG_MUTATION_CASES`` cases (default 4) with a fixed seed; ``bench/mutation_bench.py`` runs hundreds.
A case the tool breaks becomes a test of its own (tests/test_never_lost.py, tests/test_properties.py).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from jhmig.synth import generate

TOOL = Path(__file__).resolve().parents[2] / "shared" / "tools" / "mutate_export.py"
CASES = int(os.environ.get("JHMIG_MUTATION_CASES", "4"))

pytestmark = pytest.mark.slow


def run_tool(export: Path, out: Path, *, cases: int, seed: int, shrink: int) -> tuple[int, list[dict], str]:
    command = (f"{shlex.quote(sys.executable)} -m jhmig run --export {{export}} --db sqlite:///{{db}} --out {{out}} --no-progress")
    done = subprocess.run([sys.executable, str(TOOL), "--export", str(export), "--out", str(out), "--cases", str(cases),
                           "--seed", str(seed), "--shrink", str(shrink), "--run", command],
                          capture_output=True, text=True, timeout=1800, check=False)
    report = json.loads((out / "report.json").read_text(encoding="utf-8")) if (out / "report.json").exists() else []
    return done.returncode, report, done.stdout + done.stderr


def test_every_mutated_export_holds_the_invariants(tmp_path: Path) -> None:
    if not TOOL.is_file():
        pytest.fail(f"{TOOL} is missing: the mutation tool ships in shared/tools")
    generate(tmp_path / "gen", size="small", seed=5)
    code, report, output = run_tool(tmp_path / "gen" / "legacy", tmp_path / "mut", cases=CASES, seed=11, shrink=40)
    broken = [(r["case"], r["mutations"], r["broken"]) for r in report if r.get("broken")]
    assert len(report) == CASES, output[-2000:]
    assert not broken, broken
    assert code == 0, output[-2000:]
