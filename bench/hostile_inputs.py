"""Cost of the hardening checks (issue 12): printed, never asserted.

    python bench/hostile_inputs.py [EXPORT_DIR]

- the zip-bomb refusal of an xlsx whose sheet inflates to 1 GB: seconds and
  peak RSS of a fresh process running ``jhmig run`` on it (exit code 2 expected);
- the encoding check of every file of an export (default: a generated small
  export) and its throughput;
- the schema-fit rules (length, control characters) on two million payment-like rows.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def bomb(folder: Path) -> None:
    from minimal_export import MiniExport
    from test_hardening_lists import inflating_workbook

    lists = folder / "listen"
    lists.mkdir(parents=True)
    started = time.perf_counter()
    path = inflating_workbook(lists / "ASD_Bombe.xlsx", 10**9)
    print(f"zip bomb: built {path.stat().st_size / 2**20:.1f} MB -> 1,000 MB sheet in {time.perf_counter() - started:.1f} s")
    export = MiniExport().write(folder / "export")
    command = [sys.executable, "-m", "jhmig.cli", "run", "--export", str(export), "--lists", str(lists), "--list-mapping", "asd",
               "--db", f"sqlite:///{folder / 't.sqlite'}", "--out", str(folder / "runs"), "--no-progress"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    last = (done.stderr.strip().splitlines() or [""])[0]
    print(f"zip bomb: jhmig run exit {done.returncode} after {seconds:.1f} s, peak RSS {peak:.0f} MB: {last[:120]}")


def encodings(export: Path) -> None:
    from jhmig.extract.encoding_check import find_problem

    total, seconds = 0, 0.0
    for path in sorted(p for p in export.iterdir() if p.is_file()):
        data = path.read_bytes()
        started = time.perf_counter()
        problem = find_problem(data, "cp1252")
        seconds += time.perf_counter() - started
        total += len(data)
        print(f"encoding check: {path.name:<16} {len(data) / 2**20:8.1f} MB  {problem or 'ok'}")
    print(f"encoding check: {total / 2**20:.1f} MB in {seconds:.3f} s ({total / 2**20 / max(seconds, 1e-9):,.0f} MB/s)")


def fit_rules() -> None:
    import pandas as pd

    from jhmig.validation.model import RuleContext
    from jhmig.validation.rules import run_rules
    from jhmig.validation.rules_fit import rules

    n = 2_000_000
    frame = pd.DataFrame({
        "legacy_key": pd.Series([str(i) for i in range(n)], dtype="string"),
        "case_file_key": pd.Series([f"51.3-UV-2019/{i % 25000:05d}" for i in range(n)], dtype="string"),
        "service_key": pd.Series([str(i % 40000) for i in range(n)], dtype="string"),
        "payment_type": pd.Series(["UV"] * n, dtype="string"),
        "iban": pd.Series(["DE89370400440532013000"] * n, dtype="string"),
        "payee": pd.Series([f"Empfänger {i % 5000}" for i in range(n)], dtype="string"),
        "amount_cents": pd.Series([i for i in range(n)], dtype="Int64"),
        "src_path": "ZAHLUNGEN.DAT", "src_sheet": "", "src_line": pd.Series(range(1, n + 1), dtype="Int64"),
    })
    chosen = tuple(r for r in rules() if r.entity == "payment")
    started = time.perf_counter()
    found = run_rules(RuleContext({"payment": frame}, pd.DataFrame(), None), "bench", chosen)
    print(f"schema-fit rules: {len(chosen)} checks on {n:,} payments in {time.perf_counter() - started:.2f} s, {len(found)} findings")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bomb(folder / "bomb")
        if len(sys.argv) > 1:
            export = Path(sys.argv[1])
        else:
            from jhmig.synth import generate

            generate(folder / "data", size="small", seed=1)
            export = folder / "data" / "legacy"
        encodings(export)
    fit_rules()


if __name__ == "__main__":
    main()
