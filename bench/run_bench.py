"""Benchmark: `jhmig run` on the large synthetic export, beside a floor and a naive baseline.

    python bench/run_bench.py [--size large] [--pg-url URL] [--skip-naive]

Generates the data set once (cached under bench/.data/), then measures, for
SQLite and (if a URL is given or JHMIG_TEST_PG_URL is set) PostgreSQL:

* jhmig   - `jhmig run` end to end, in a subprocess (wall time, peak RSS);
* floor   - the same files read and bulk-loaded as raw text, no transforms
            or checks (pandas read_csv / numpy fixed-width slicing, then
            executemany / COPY in one transaction);
* naive   - pandas read + DataFrame.to_sql (the approach jhmig replaces).

Prints one table with seconds, records/s, peak RSS and the ratio to the
floor. Targets for the large set on 2 cores: jhmig <= 120 s and <= 2x floor,
peak RSS <= 2 GB.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"

FLOOR_SCRIPT = r'''
import sys, time, sqlite3, io
from pathlib import Path
import numpy as np, pandas as pd
export, url = Path(sys.argv[1]), sys.argv[2]
tables = {}
for path in sorted(export.glob("*.TXT")):
    tables[path.stem.lower()] = pd.read_csv(path, sep=";", quotechar='"', dtype=str, keep_default_na=False, encoding="cp1252")
raw = np.frombuffer((export / "ZAHLUNGEN.DAT").read_bytes(), dtype=np.uint8)
block = raw.reshape(-1, 144)[:, :142]
block = block[block[:, 0] == ord("1")]
fields = [(0, 2), (2, 12), (12, 32), (32, 42), (42, 44), (44, 52), (52, 60), (60, 68), (68, 81), (81, 115), (115, 142)]
cols = {}
for i, (a, b) in enumerate(fields):
    part = np.ascontiguousarray(block[:, a:b]).view(f"S{b - a}").ravel()
    cols[f"f{i}"] = pd.Series(part).str.decode("cp1252").str.strip()
tables["zahlungen"] = pd.DataFrame(cols)
if url.startswith("sqlite"):
    con = sqlite3.connect(url.split("///", 1)[1])
    con.execute("PRAGMA journal_mode=WAL"); con.execute("PRAGMA synchronous=NORMAL")
    with con:
        for name, frame in tables.items():
            names = [f'"c{i}"' for i in range(frame.shape[1])]
            con.execute(f'CREATE TABLE "{name}" ({", ".join(n + " TEXT" for n in names)})')
            con.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" * frame.shape[1])})', frame.itertuples(index=False, name=None))
else:
    import psycopg
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as con:
        with con.cursor() as cur:
            for name, frame in tables.items():
                names = [f'"c{i}"' for i in range(frame.shape[1])]
                cur.execute(f'CREATE TABLE "{name}" ({", ".join(n + " TEXT" for n in names)})')
                buf = io.StringIO()
                frame.to_csv(buf, index=False, header=False)
                with cur.copy(f'COPY "{name}" FROM STDIN (FORMAT csv)') as copy:
                    copy.write(buf.getvalue())
print(sum(len(f) for f in tables.values()))
'''

NAIVE_SCRIPT = r'''
import sys
from pathlib import Path
import pandas as pd, sqlalchemy as sa
export, url = Path(sys.argv[1]), sys.argv[2]
engine = sa.create_engine(url)
total = 0
for path in sorted(export.glob("*.TXT")):
    frame = pd.read_csv(path, sep=";", quotechar='"', dtype=str, keep_default_na=False, encoding="cp1252")
    frame.to_sql(path.stem.lower(), engine, index=False)
    total += len(frame)
widths = [2, 10, 20, 10, 2, 8, 8, 8, 13, 34, 27]
frame = pd.read_fwf(export / "ZAHLUNGEN.DAT", widths=widths, header=None, dtype=str, encoding="cp1252")
frame = frame[frame[0] == "10"]
frame.columns = [f"f{i}" for i in range(len(widths))]
frame.to_sql("zahlungen", engine, index=False)
print(total + len(frame))
'''


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run cmd in a fresh process; returns (seconds, peak RSS in MB, stdout)."""
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "dt = time.perf_counter() - t; "
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024; "
        "sys.stderr.write(p.stderr[-3000:]); print(f'{dt} {rss} {p.returncode}'); print(p.stdout[-400:])"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, env=env)
    first, _, rest = proc.stdout.partition("\n")
    seconds, rss, code = first.split()
    if code not in ("0", "1"):
        raise SystemExit(f"command failed ({code}): {' '.join(cmd)}\n{proc.stderr}")
    return float(seconds), float(rss), rest


def fresh_pg_db(server_url: str, name: str) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=os.environ.get("JHMIG_TEST_PG_URL"), help="PostgreSQL server URL (a database per measurement is created)")
    parser.add_argument("--skip-naive", action="store_true", help="skip the slow pandas.to_sql baseline")
    args = parser.parse_args()

    data = DATA / f"{args.size}-{args.seed}"
    if not (data / "truth.json").exists():
        t = time.perf_counter()
        subprocess.run(["jhmig", "generate", "--out", str(data), "--size", args.size, "--seed", str(args.seed)], check=True)
        print(f"generated {args.size} data set in {time.perf_counter() - t:.1f} s")
    export = data / "legacy"
    records = sum(1 for p in export.glob("*.TXT") for _ in csv.reader(io.StringIO(p.read_text(encoding="cp1252")), delimiter=";")) - len(list(export.glob("*.TXT")))
    records += (export / "ZAHLUNGEN.DAT").stat().st_size // 144 - 1

    targets = [("sqlite", None)]
    if args.pg_url:
        targets.append(("postgresql", args.pg_url))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for db, server in targets:
            def url_for(tag: str) -> str:
                if db == "sqlite":
                    return f"sqlite:///{tmp}/{tag}.sqlite"
                return fresh_pg_db(server, f"jhmig_bench_{tag}")  # type: ignore[arg-type]

            floor_s, floor_rss, _ = measure([sys.executable, "-c", FLOOR_SCRIPT, str(export), url_for("floor")])
            rows.append((db, "floor", floor_s, floor_rss, floor_s))
            run_s, run_rss, out = measure(["jhmig", "run", "--export", str(export), "--db", url_for("jhmig"), "--out", f"{tmp}/runs", "--no-progress"])
            rows.append((db, "jhmig run", run_s, run_rss, floor_s))
            if not args.skip_naive:
                naive_s, naive_rss, _ = measure([sys.executable, "-c", NAIVE_SCRIPT, str(export), url_for("naive")])
                rows.append((db, "naive to_sql", naive_s, naive_rss, floor_s))
    print(f"\n{args.size} data set: {records:,} source records\n")
    print(f"{'db':<11} {'what':<13} {'seconds':>8} {'records/s':>10} {'peak RSS MB':>12} {'x floor':>8}")
    for db, what, seconds, rss, floor in rows:
        print(f"{db:<11} {what:<13} {seconds:8.1f} {records / seconds:10,.0f} {rss:12,.0f} {seconds / floor:8.2f}")


if __name__ == "__main__":
    main()
