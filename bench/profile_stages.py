"""Time and memory per pipeline step of one `jhmig run`, from the progress callbacks.

    python bench/profile_stages.py EXPORT_DIR DB_URL [--lists DIR]

Prints, when each step starts: seconds since start, current RSS and peak RSS.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from jhmig.config import RunOptions, resolve_list_sources
from jhmig.pipeline import run_pipeline


def main() -> None:
    export, db = Path(sys.argv[1]), sys.argv[2]
    lists = Path(sys.argv[sys.argv.index("--lists") + 1]) if "--lists" in sys.argv else None
    started = time.perf_counter()
    last: list[str] = [""]

    def note(step: str, done: int, total: int) -> None:
        if step != last[0]:
            rss = int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 1e6
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{time.perf_counter() - started:7.1f} s  rss {rss:6.0f} MB  peak {peak:6.0f} MB  {step}", flush=True)
            last[0] = step

    with tempfile.TemporaryDirectory() as out:
        options = RunOptions(export_dir=export, out_dir=Path(out), db_url=db,
                             list_sources=tuple(resolve_list_sources(lists)) if lists else ())
        outcome = run_pipeline(options, progress=note)
        note("end", 0, 0)
        print(f"status {outcome.status}")


if __name__ == "__main__":
    main()
