"""Benchmark: are the target's ids stable across re-runs and across a delivery with new records?

    python bench/id_stability.py [--size medium] [--seed 1] [--new-persons 40] [--new-list-rows 20] [--keep]

Generates the data set once (cached under bench/.data/<size>-<seed>, as
bench/run_bench.py does), copies its legacy export and lists to
bench/.data/id-stability-<size>-<seed>/ and runs

    jhmig run --export .../legacy --lists .../lists --db sqlite:///.../target.sqlite --out .../runs --no-progress

three times into the same SQLite target:

1. the data set as generated;
2. the same input again (a re-run must give every source record its id again);
3. after adding records in place (same paths, so the keys of the old records
   stay what they were): ``--new-persons`` rows appended to PERSONEN.TXT
   (copies of existing persons under new PERS_NR, every second one moved to
   another street; EXPORT.INF's record count follows) and ``--new-list-rows``
   rows inserted into the CSV lists before their sum row (an existing row's
   child with a new help and start date). Each such record is the same person
   as one already loaded: it must join that person's id, and no id of a record
   of runs 1/2 may change.

After each run the key map (``mig_key_map``: source_system, entity,
legacy_key -> new_id) is read. Printed per entity: records in run 1, ids
changed run 1 -> 2 (must be 0), records of run 3 present in run 2 and ids
changed among them (should be 0), records new in run 3 and how many of them
joined an id that existed in run 2. Keys (never names) of changed records are
listed. Exit status 1 when any id changed.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
DATE = re.compile(rb"^\d\d\.\d\d\.\d{4}$")

KeyMap = dict[tuple[str, str, str], int]  # (source_system, entity, legacy_key) -> new_id


def dataset(size: str, seed: int) -> Path:
    data = DATA / f"{size}-{seed}"
    if not (data / "truth.json").exists():
        t = time.perf_counter()
        subprocess.run(["jhmig", "generate", "--out", str(data), "--size", size, "--seed", str(seed)], check=True)
        print(f"generated {size} data set in {time.perf_counter() - t:.1f} s")
    return data


def run(work: Path, db: Path) -> float:
    cmd = ["jhmig", "run", "--export", str(work / "legacy"), "--lists", str(work / "lists"), "--db", f"sqlite:///{db}",
           "--out", str(work / "runs"), "--no-progress"]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):  # 1: the run loaded, but with errors found in the data (findings)
        raise SystemExit(f"jhmig run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t


def key_map(db: Path) -> tuple[KeyMap, set[tuple[str, int]]]:
    """The key map, and (entity, id) of every row in the target."""
    from jhmig.entities import entity_specs

    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT source_system, entity, legacy_key, new_id FROM mig_key_map").fetchall()
        present = {(spec.name, int(i)) for spec in entity_specs().values()
                   for (i,) in con.execute(f'SELECT "{spec.id_column}" FROM "{spec.name}"')}
    return {(s, e, k): int(i) for s, e, k, i in rows}, present


def _lines(path: Path) -> tuple[list[bytes], bytes]:
    raw = path.read_bytes()
    eol = b"\r\n" if b"\r\n" in raw else b"\n"
    lines = raw.split(eol)
    if lines and lines[-1] == b"":
        lines.pop()
    return lines, eol


def add_persons(legacy: Path, n: int, rng: random.Random) -> list[str]:
    """n copies of existing persons under new PERS_NR (every second one moved); returns the new keys."""
    path = legacy / "PERSONEN.TXT"
    lines, eol = _lines(path)
    header, rows = lines[0], [line.split(b";") for line in lines[1:]]
    width = len(header.split(b";"))
    candidates = [r for r in rows if len(r) == width and r[0].isdigit() and r[1] and r[2] and DATE.match(r[4])]
    next_key = max(int(r[0]) for r in rows if r[0].isdigit()) + 1
    added, keys = [], []
    for i, row in enumerate(rng.sample(candidates, min(n, len(candidates)))):
        copy = list(row)
        copy[0] = str(next_key + i).encode()
        if i % 2:  # moved: another street and house number, changed today
            copy[7], copy[8], copy[14] = b"Lindenweg", str(1 + i).encode(), b"10.03.2025"
        added.append(b";".join(copy))
        keys.append(copy[0].decode())
    path.write_bytes(eol.join(lines + added) + eol)
    info = legacy / "EXPORT.INF"
    text = info.read_bytes()
    count = re.search(rb"DATEI=PERSONEN\.TXT;SAETZE=(\d+)", text)
    if count:
        text = text.replace(count.group(0), b"DATEI=PERSONEN.TXT;SAETZE=%d" % (int(count.group(1)) + len(added)))
        info.write_bytes(text)
    return keys


def add_list_rows(lists: Path, n: int, rng: random.Random) -> int:
    """n copies of existing CSV list rows (same Az. and child, another help and start), before each file's sum row."""
    files = sorted(lists.glob("*.csv"))
    added = 0
    for number, path in enumerate(files):
        share = n // len(files) + (1 if number < n % len(files) else 0)
        lines, eol = _lines(path)
        rows = [line.split(b";") for line in lines]
        header = next((i for i, r in enumerate(rows) if len(r) > 3 and r[1].strip() and r[0].strip() and b"Name" in line_of(r)), None)
        if header is None or not share:
            continue
        names = [c.strip().decode("cp1252") for c in rows[header]]
        at = {name: names.index(name) for name in ("Beginn", "Hilfeart", "Bemerkung") if name in names}
        data = [i for i in range(header + 1, len(rows)) if len(rows[i]) == len(names) and rows[i][0].strip()
                and rows[i][1].strip() and rows[i][2].strip() and DATE.match(rows[i][3].strip())]
        end = next((i for i in range(len(rows) - 1, header, -1) if rows[i][0].strip().lower().startswith(b"summe")), len(rows))
        new = []
        for j, i in enumerate(rng.sample(data, min(share, len(data)))):
            copy = list(rows[i])
            if "Beginn" in at:
                copy[at["Beginn"]] = b"%02d.02.2025" % (1 + j % 28)
            if "Hilfeart" in at:
                copy[at["Hilfeart"]] = b"Erziehungsbeistand"
            if "Bemerkung" in at:
                copy[at["Bemerkung"]] = b"neu ab 02/2025"
            new.append(b";".join(copy))
        path.write_bytes(eol.join(lines[:end] + new + lines[end:]) + eol)
        added += len(new)
    return added


def line_of(row: list[bytes]) -> bytes:
    return b";".join(row)


def compare(before: KeyMap, after: KeyMap, rows_before: set, rows_after: set) -> tuple[dict[str, list], dict[str, list], dict[str, list]]:
    """Per entity: records present in both, those whose id changed, records new in ``after`` ((key, joined?)).

    An id changed when the key map names another one, or when its row was in the target before and is not
    now (a record merged into another person keeps its key-map entry, its row goes: it is the survivor's id now).
    """
    ids_before: dict[str, set[int]] = defaultdict(set)
    for (_, entity, _), i in before.items():
        ids_before[entity].add(i)
    common, changed, new = defaultdict(list), defaultdict(list), defaultdict(list)
    for key, i in after.items():
        entity = key[1]
        if key in before:
            common[entity].append(key)
            if before[key] != i:
                changed[entity].append((key, before[key], i))
            elif (entity, i) in rows_before and (entity, i) not in rows_after:
                changed[entity].append((key, before[key], "row gone"))
        else:
            new[entity].append((key, i in ids_before[entity]))
    return common, changed, new


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--new-persons", type=int, default=40, help="persons appended to PERSONEN.TXT before run 3")
    parser.add_argument("--new-list-rows", type=int, default=20, help="rows added to the CSV lists before run 3")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (target, run folders)")
    args = parser.parse_args()

    data = dataset(args.size, args.seed)
    work = DATA / f"id-stability-{args.size}-{args.seed}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(data / "legacy", work / "legacy")
    shutil.copytree(data / "lists", work / "lists")
    db = work / "target.sqlite"

    maps: list[KeyMap] = []
    present: list[set[tuple[str, int]]] = []
    for number in (1, 2, 3):
        if number == 3:
            rng = random.Random(args.seed)
            persons = add_persons(work / "legacy", args.new_persons, rng)
            rows = add_list_rows(work / "lists", args.new_list_rows, rng)
            print(f"added {len(persons)} persons to PERSONEN.TXT (copies of existing ones) and {rows} list rows")
        seconds = run(work, db)
        ids, rows_in_target = key_map(db)
        maps.append(ids)
        present.append(rows_in_target)
        print(f"run {number}: {seconds:.1f} s, {len(maps[-1]):,} key map entries")

    _, changed12, new12 = compare(maps[0], maps[1], present[0], present[1])
    common23, changed23, new23 = compare(maps[1], maps[2], present[1], present[2])
    records1: dict[str, int] = defaultdict(int)
    for _, entity, _ in maps[0]:
        records1[entity] += 1
    entities = sorted(set(records1) | set(new23))
    header = f"{'entity':<15} {'records':>9} {'chg 1->2':>9} {'new 2':>6} {'in 2+3':>9} {'chg 2->3':>9} {'new 3':>6} {'joined':>7}"
    print()
    print(header)
    print("-" * len(header))
    total = [0] * 7
    for entity in entities:
        joined = sum(1 for _, j in new23[entity] if j)
        figures = [records1[entity], len(changed12[entity]), len(new12[entity]), len(common23[entity]), len(changed23[entity]),
                   len(new23[entity]), joined]
        total = [a + b for a, b in zip(total, figures)]
        print(f"{entity:<15} {figures[0]:>9,} {figures[1]:>9,} {figures[2]:>6,} {figures[3]:>9,} {figures[4]:>9,} {figures[5]:>6,} {figures[6]:>7,}")
    print("-" * len(header))
    print(f"{'total':<15} {total[0]:>9,} {total[1]:>9,} {total[2]:>6,} {total[3]:>9,} {total[4]:>9,} {total[5]:>6,} {total[6]:>7,}")
    person_new = {k[2]: j for k, j in new23["person"] if k[0] == "legacy"}
    print(f"\nnew export persons (copies of loaded ones) that joined an existing id: "
          f"{sum(person_new.get(k, False) for k in persons)} of {len(persons)}")
    list_new = [j for k, j in new23["person"] if k[0] != "legacy"]
    print(f"new list persons that joined an existing id: {sum(list_new)} of {len(list_new)}")
    for label, changed in (("run 1 -> 2", changed12), ("run 2 -> 3", changed23)):
        for entity in entities:
            for (source, _, key), old, now in changed[entity][:20]:
                print(f"  changed {label}: {source} {entity} {key}: {old} -> {now}")
    if not args.keep:
        shutil.rmtree(work / "runs", ignore_errors=True)
    return 1 if any(changed12.values()) or any(changed23.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
