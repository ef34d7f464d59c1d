"""One run at a time per target: a second run (dry run too) is refused up front naming the running one; a killed run's lock is gone."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from jhmig.cli import main
from jhmig.load.run_lock import LockHolder, RunLockedError, lock_path, run_lock
from jhmig.load.engine import parse_url
from minimal_export import MiniExport


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _wait_for_holder(lock: Path, process: subprocess.Popen[bytes]) -> dict:
    """The holder recorded in the lock file, once the first run has taken it (it pauses in the load)."""
    for _ in range(1200):
        if process.poll() is not None:
            raise AssertionError(f"the first run ended early: {process.stderr.read().decode() if process.stderr else ''}")
        text = lock.read_text(encoding="utf-8") if lock.exists() else ""
        if text:
            return json.loads(text)
        time.sleep(0.2)
    raise AssertionError("the first run never took the lock")


def test_second_run_on_one_sqlite_file_is_refused_and_a_killed_runs_lock_is_gone(tmp_path: Path) -> None:
    folder = MiniExport().write(tmp_path / "x")
    db = tmp_path / "t.sqlite"
    args = ["run", "--export", str(folder), "--db", f"sqlite:///{db}", "--out", str(tmp_path / "runs"), "--no-progress"]
    env = {**os.environ, "JHMIG_TEST_PAUSE_AFTER_ENTITY": "person:120"}
    first = subprocess.Popen([sys.executable, "-m", "jhmig.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        holder = _wait_for_holder(lock_path(parse_url(f"sqlite:///{db}")), first)
        code, output = run_cli(*args, "--dry-run")
        flat = " ".join(output.split())
        assert code == 2, output
        assert f"PID {first.pid}" in flat and socket.gethostname() in flat and holder["started"] in flat and holder["run_uid"] in flat
        runs = tmp_path / "runs"
        folders = {p.name for p in runs.iterdir()} if runs.exists() else set()
        assert folders <= {holder["run_uid"]}, "a refused run leaves no run folder (only the running one's may be there)"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # the killed run's lock is released by the operating system: the next run is not blocked
    code, output = run_cli(*args, "--dry-run")
    assert code == 0, output


def _hold_in_child(lock_url: str) -> subprocess.Popen[bytes]:
    script = ("import sys, time\nfrom jhmig.load.run_lock import LockHolder, run_lock\n"
              f"with run_lock({lock_url!r}, LockHolder.me('child-run', 'run')):\n    print('held', flush=True)\n    time.sleep(120)\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline().strip() == b"held"
    return child


def test_run_lock_is_exclusive_across_processes_and_in_one_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.sqlite'}"
    child = _hold_in_child(url)
    try:
        with pytest.raises(RunLockedError) as refused:
            with run_lock(url, LockHolder.me("second", "dry run")):
                pass
        assert refused.value.exit_code == 2 and refused.value.holder is not None and refused.value.holder.pid == child.pid
    finally:
        child.kill()
        child.wait()
    with run_lock(url, LockHolder.me("third", "run")):
        with pytest.raises(RunLockedError):  # a second run in the same process is refused too
            with run_lock(url, LockHolder.me("fourth", "run")):
                pass
    assert not (tmp_path / "t.sqlite").exists(), "the lock never creates the database file"


def test_without_record_locks_a_dead_pid_is_a_stale_lock_and_a_live_one_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl

    def no_locks(fd: int, how: int) -> None:
        raise OSError(errno.ENOLCK, "no locks available")

    monkeypatch.setattr(fcntl, "lockf", no_locks)
    url = f"sqlite:///{tmp_path / 't.sqlite'}"
    lock = lock_path(parse_url(url))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = LockHolder("old-run", dead.pid, socket.gethostname(), "2026-01-01 00:00:00", "run")
    lock.write_text(json.dumps(stale.__dict__), encoding="utf-8")
    with run_lock(url, LockHolder.me("new-run", "run")):
        assert json.loads(lock.read_text(encoding="utf-8"))["run_uid"] == "new-run"
    alive = LockHolder("busy-run", os.getppid(), socket.gethostname(), "2026-01-01 00:00:00", "run")
    lock.write_text(json.dumps(alive.__dict__), encoding="utf-8")
    with pytest.raises(RunLockedError, match="busy-run"):
        with run_lock(url, LockHolder.me("new-run", "run")):
            pass


def test_postgres_second_run_is_refused_naming_the_holder(pg_url: str) -> None:
    child = _hold_in_child(pg_url)
    try:
        with pytest.raises(RunLockedError) as refused:
            with run_lock(pg_url, LockHolder.me("second", "dry run")):
                pass
        holder = refused.value.holder
        assert holder is not None and holder.run_uid == "child-run" and holder.pid == child.pid and holder.host == socket.gethostname()[:40]
    finally:
        child.kill()
        child.wait()
    with run_lock(pg_url, LockHolder.me("third", "run")):  # the server released the killed session's lock
        pass
