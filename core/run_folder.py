"""What a run that did not finish leaves in its folder: a mark, a reason and no personal data.

A run that is refused or fails after its folder was made may already have
written report files (GX results, ``findings.csv``, ``quarantine.csv``,
``fehlerliste.xlsx``) that hold raw values - names, birth dates - of a run
whose data never reached the target. They are removed; ``summary.json``
(status ``refused`` or ``failed`` and the reason) and a ``FAILED`` note say
what happened, so nobody takes the folder for a finished run.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from jhmig.errors import JhmigError, printable

FAILED_NOTE = "FAILED"
ERROR_LOG = "error.log"  # the traceback of an internal error (jhmig.pipeline.write_error_log)


def reason_of(exc: BaseException) -> tuple[str, str, int]:
    """(status, reason, exit code) of an exception; only jhmig's own messages are quoted (they never hold values)."""
    if isinstance(exc, JhmigError):
        status = "refused" if exc.exit_code == 2 else "failed"
        return status, printable(exc.message, 2000) + (f" -> {printable(exc.hint, 500)}" if exc.hint else ""), exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return "failed", "interrupted (Ctrl-C); the target is unchanged", 130
    # A foreign exception's text may quote input values: only its type is kept here.
    return "failed", f"internal error ({type(exc).__name__}); the target is unchanged, the traceback is in {ERROR_LOG}", 3


def mark_unfinished(run_dir: Path, run_uid: str, started: dt.datetime, exc: BaseException, *, committed: bool = False,
                    step: str | None = None) -> None:
    """Empty the run folder of report files and leave summary.json and the FAILED note with the reason.

    ``committed``: the load was committed before the error (a report failed
    afterwards): the reports describe data in the target and stay; only the
    note is added.
    """
    status, reason, exit_code = reason_of(exc)
    if committed and exit_code == 3:
        reason = reason.replace("the target is unchanged", "the load was committed before it")
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / FAILED_NOTE).write_text(
            f"Run {run_uid}: the load was committed, but writing the reports failed; they may be incomplete.\n\n{reason}\n",
            encoding="utf-8")
        return
    if run_dir.is_dir():
        for path in run_dir.iterdir():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    record = {
        "run_uid": run_uid,
        "status": status,
        "reason": reason,
        "exit_code": exit_code,
        **({"step": step} if step else {}),
        **({"error_log": ERROR_LOG} if exit_code == 3 else {}),
        "started_at": started.isoformat(),
        "finished_at": dt.datetime.now().replace(microsecond=0).isoformat(),
        "committed": False,
    }
    (run_dir / "summary.json").write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (run_dir / FAILED_NOTE).write_text(
        f"Run {run_uid} {status} - nothing was loaded, the target is unchanged.\n"
        f"Lauf {run_uid} nicht abgeschlossen ({status}) - nichts wurde geladen.\n\n{reason}\n", encoding="utf-8")


def mark_failed_reconciliation(run_dir: Path, run_uid: str, failed_checks: list[str]) -> None:
    """A run whose reconciliation failed was rolled back: its reports stay (the stewards need them), the note says so."""
    (run_dir / FAILED_NOTE).write_text(
        f"Run {run_uid} failed its reconciliation and was rolled back: the target is unchanged.\n"
        f"Lauf {run_uid}: Abgleich fehlgeschlagen, zurückgerollt - die Zieldatenbank ist unverändert.\n\n"
        + "".join(f"- {c}\n" for c in failed_checks), encoding="utf-8")
