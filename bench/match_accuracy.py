"""How well does the matching stage find one person, case file and provider across export and lists?

    python bench/match_accuracy.py                          # small set, seed 1
    python bench/match_accuracy.py --size large --seed 3 --work /tmp/jhmig-match-large

Generates the data (``jhmig.synth.generate``, reused when ``<work>/truth.json``
has the same size and seed), runs extract and transform of the export and
every list family in-process, then ``jhmig.match.resolve_identities`` and
compares with the truth (docs/truth.md):

* person pairs (two source records of one identity): precision, recall, F1,
  overall and per kind of pair (within the export, export-list, list-list),
  without review (review pairs count as not merged) and with the review band
  decided by the truth (a steward who is always right);
* review share: review pairs per person record;
* provider links: list rows whose Träger exists in the export, resolved to
  that Träger (or one of its spelling variants);
* case-file links: list rows carrying the export's Aktenzeichen, attached to
  that case file;
* seconds of the matching stage and peak RSS of the process.

Console output: counts and rates only (Sozialdaten).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # noqa: E402 - the shared helper below

from match_truth import evaluate, prepare_batches, truth_of  # noqa: E402


def _generate(work: Path, size: str, seed: int) -> dict[str, Any]:
    truth_path = work / "truth.json"
    if truth_path.is_file():
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if truth.get("size") == size and truth.get("seed") == seed:
            return truth
    from jhmig.synth import generate

    return generate(work, size, seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args(argv)
    work = args.work or Path(f"/tmp/jhmig-match-{args.size}-{args.seed}")
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    truth = _generate(work, args.size, args.seed)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    batches, before = prepare_batches(work)
    prepared = time.perf_counter() - started

    from jhmig.match import resolve_identities

    started = time.perf_counter()
    result = resolve_identities(batches)
    seconds = time.perf_counter() - started
    report = evaluate(result, truth_of(truth), before)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"data set {args.size}, seed {args.seed}: {report['records']} person records ({report['export_records']} export, "
          f"{report['list_records']} list rows); model {result.model}")
    print(f"{'person pairs':<34}{'true':>7}{'found':>7}{'P':>8}{'R':>8}{'F1':>8}")
    for label, m in report["persons"].items():
        print(f"  {label:<32}{m['true']:>7}{m['found']:>7}{m['precision']:>8.4f}{m['recall']:>8.4f}{m['f1']:>8.4f}")
    print(f"review pairs {report['review']} = {report['review_share']:.2%} of person records ({report['review_true']} truly the same)")
    print(f"provider links {report['providers_linked']}/{report['providers_expected']} = {report['provider_rate']:.4f}"
          f"  (wrong Träger {report['providers_wrong']})")
    print(f"case-file links {report['cases_linked']}/{report['cases_expected']} = {report['case_rate']:.4f}"
          f"  (wrong case {report['cases_wrong']})")
    print(f"seconds: generate {generated:.1f}, extract+transform {prepared:.1f}, match {seconds:.1f}; peak RSS {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
