"""Benchmark of the sign-off figures on generated data against its truth.

    python bench/signoff_bench.py                          # small seeds 1 and 2
    python bench/signoff_bench.py --size large --seeds 1   # with the time of the reports vs the run

For each generated export (cached under bench/.data/, as bench/run_bench.py
does) runs `jhmig run` into a fresh SQLite file (a subprocess, timed), then
prints:

* statistics cells equal source vs target (%), and equal or explained
  record by record (%); source cells equal to truth.json's statistics (%);
* money per year and kind exact (read per year and kind = truth, and no red
  line): yes/no;
* retired-code and unknown-code recall and precision against truth.json
  (findings code.retired / code.retired_kept, code.used_after_retirement,
  code.unknown on the planted file and line);
* time of the sign-off work (figures in the summary, SQL in the load, writing
  abgleich.html/xlsx) against the run's wall time.

Console output carries counts and shares only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
KIND = {"UV": "uvg", "HE": "hze", "KB": "kita_fee", "RG": "recovery", "ST": "reversal"}
RULES = {
    "retired code": (("retired_code", lambda d: True), ("code.retired", "code.retired_kept")),
    "retired, no successor": (("retired_code", lambda d: d["detail"].get("successor") is None), ("code.retired_kept",)),
    "used after retirement": (("retired_code", lambda d: d["detail"].get("used_after_retirement")), ("code.used_after_retirement",)),
    "unknown code": (("unknown_code", lambda d: True), ("code.unknown",)),
}


def dataset(size: str, seed: int) -> Path:
    from jhmig.synth import generate

    folder = DATA / f"{size}-{seed}"
    if not (folder / "truth.json").exists():
        generate(folder, size=size, seed=seed, lists=False)
    return folder


def run(folder: Path, work: Path) -> tuple[float, Path]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "jhmig.cli", "run", "--export", str(folder / "legacy"), "--db",
                           f"sqlite:///{work / 't.sqlite'}", "--out", str(work / "runs"), "--no-progress"],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr[-2000:])
    return seconds, sorted((work / "runs").glob("*/summary.json"))[-1].parent


def recall_precision(truth: dict, findings: pd.DataFrame) -> dict[str, tuple[float, float, int]]:
    out = {}
    for name, ((kind, keep), rules) in RULES.items():
        planted = {(d["file"], d["line"]) for d in truth["defects"] if d["kind"] == kind and keep(d)}
        found = findings[findings["rule_id"].isin(rules)]
        hits = {(f, int(line)) for f, line in zip(found["src_path"], found["src_line"]) if str(line).isdigit()}
        tp = len(planted & hits)
        out[name] = (tp / len(planted) if planted else 1.0, tp / len(hits) if hits else 1.0, len(planted))
    return out


def report(size: str, seed: int) -> None:
    from jhmig.reports.reconciliation_report import run_history, write_reconciliation

    folder = dataset(size, seed)
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="jhmig-signoff-") as tmp:
        wall, run_dir = run(folder, Path(tmp))
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        started = time.perf_counter()
        write_reconciliation(run_dir, summary, run_history(run_dir.parent, run_dir.name))
        writing = time.perf_counter() - started
        findings = pd.read_csv(run_dir / "findings.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    so = summary["signoff"]
    stats = so["statistics"]
    expected = {(c["measure"], c["service_type"], c["year"]): c["count"] for c in truth["statistics"]["cells"]}
    source = {(c["measure"], c["service_type"], c["year"]): c["source"] for c in stats["cells"]}
    cells = set(expected) | {k for k, v in source.items() if v}
    truth_equal = sum(1 for k in cells if expected.get(k, 0) == source.get(k, 0)) / len(cells) if cells else 1.0
    read = {(line["year"], line["payment_type"]): line["read"] for line in so["money"]["lines"]}
    by_truth = {(int(y), KIND[k]): v["sum_cent"] for y, kinds in truth["payments_by_year_type"].items() for k, v in kinds.items()}
    exact = so["money"]["exact"] and read == by_truth
    print(f"\n{size} seed {seed}: run {wall:.1f} s, status {summary['status']}")
    print(f"  statistics cells: {len(stats['cells'])}; source = target {stats['equal_share']:.1%}; "
          f"equal or explained record by record {stats['explained_share']:.1%}; source = truth {truth_equal:.1%}")
    print(f"  money per year and kind exact: {'yes' if exact else 'no'} ({len(read)} lines, {so['money']['red_lines']} red)")
    for name, (recall, precision, n) in recall_precision(truth, findings).items():
        print(f"  {name:<24} recall {recall:.3f}  precision {precision:.3f}  (planted {n})")
    signoff = so["seconds"] + (so.get("sql_seconds") or 0) + writing
    print(f"  reports: figures {so['seconds']:.2f} s + SQL {so.get('sql_seconds') or 0:.2f} s + abgleich.html/xlsx {writing:.2f} s"
          f" = {signoff:.2f} s = {signoff / wall:.1%} of the run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=["small", "medium", "large"])
    parser.add_argument("--seeds", default="1,2")
    args = parser.parse_args()
    for seed in (int(s) for s in args.seeds.split(",")):
        report(args.size, seed)


if __name__ == "__main__":
    main()
