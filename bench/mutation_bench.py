"""The independent mutation tool over the demo export, several seeds: cases broken and the slowest case (issue 21).

    python bench/mutation_bench.py [--export DIR] [--seeds 1-5] [--cases 200] [--shrink 150] [--jobs 2] [--work DIR]

Runs ``../shared/tools/mutate_export.py --run 'python -m jhmig run ...'`` once per seed (``--jobs`` seeds at a
time) and prints, per seed and in total, the cases run, the cases that broke an invariant (with their mutations)
and the slowest case. Without ``--export`` it generates the demo's data set (small, seed 1). Printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO.parent / "shared" / "tools" / "mutate_export.py"


def seeds(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-", 1)
        return list(range(int(low), int(high) + 1))
    return [int(s) for s in text.split(",")]


def one_seed(export: Path, work: Path, seed: int, cases: int, shrink: int) -> dict:
    out = work / f"seed-{seed}"
    command = f"{shlex.quote(sys.executable)} -m jhmig run --export {{export}} --db sqlite:///{{db}} --out {{out}} --no-progress"
    started = time.perf_counter()
    subprocess.run([sys.executable, str(TOOL), "--export", str(export), "--out", str(out), "--cases", str(cases), "--seed", str(seed),
                    "--shrink", str(shrink), "--run", command], capture_output=True, text=True, check=False)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"seed": seed, "cases": len(report), "broken": [r for r in report if r.get("broken")],
            "slowest": max((r.get("seconds", 0.0) for r in report), default=0.0),
            "exit_codes": sorted({r.get("rc") for r in report}), "seconds": round(time.perf_counter() - started, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--export", type=Path)
    ap.add_argument("--seeds", default="1-5")
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--shrink", type=int, default=150)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", type=Path, default=REPO / "bench" / ".data" / "mutations")
    args = ap.parse_args()
    export = args.export
    if export is None:
        from jhmig.synth import generate

        base = args.work / "demo-data"
        if not (base / "legacy" / "EXPORT.INF").exists():
            generate(base, size="small", seed=1)
        export = base / "legacy"
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda s: one_seed(export, args.work, s, args.cases, args.shrink), seeds(args.seeds)))
    for r in results:
        print(f"seed {r['seed']}: {r['cases']} cases, {len(r['broken'])} broken, slowest case {r['slowest']:.1f} s, "
              f"exit codes {r['exit_codes']}, {r['seconds']:.0f} s in all")
        for case in r["broken"]:
            print(f"   case {case['case']}: {'; '.join(case['broken'])} <- {' | '.join(case['mutations'])}")
    total = sum(r["cases"] for r in results)
    broken = sum(len(r["broken"]) for r in results)
    print(f"all seeds: {total} cases, {broken} broken, slowest case {max(r['slowest'] for r in results):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
