"""Run a spreadsheet engine in a forked child process, bounded in memory and time.

Why a child process: the engines are native code reading untrusted files.
python-calamine raises ``PanicException`` (a ``BaseException``), Rust aborts
the whole process when an allocation fails, and one stray value in column
XFD makes calamine allocate rows x 16,384 cells (measured: 5,000 rows ->
2.5 GB, 4.5 s). Opening in a forked child with an address-space limit
(RLIMIT_AS) and a wall-clock timeout turns every such case into a one-line
:class:`~jhmig.extract.workbook_guard.GuardRefusal`, and the parent keeps running.
Measured cost: fork + pickling the values back, ~10 ms for a list of a few
thousand rows; for 200,000 rows x 10 columns 2.6 s in-process vs ~5 s isolated.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import resource
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from jhmig.extract.workbook_guard import GuardRefusal, Limits

__all__ = ["call_engine", "one_line", "refusal_from"]

T = TypeVar("T")


def one_line(text: str) -> str:
    """Whitespace collapsed and cut to 240 characters: an engine's message fits one report line."""
    line = " ".join(str(text).split())
    return line if len(line) <= 240 else line[:237] + "..."


def call_engine(func: Callable[..., T], args: tuple[Any, ...], limits: Limits, isolate: bool) -> T:
    """Run an engine call, in a child process when isolated; every failure becomes a GuardRefusal."""
    if not isolate:
        try:
            return func(*args)
        except GuardRefusal:
            raise
        except BaseException as exc:  # noqa: BLE001 - calamine's PanicException derives from BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise refusal_from(exc) from None
    return _run_isolated(func, args, limits)


def _run_isolated(func: Callable[..., T], args: tuple[Any, ...], limits: Limits) -> T:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # Unflushed output would be written twice: once by us, once by the child's copy of the buffer.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    child = context.Process(target=_child_main, args=(sender, func, args, limits.memory_bytes), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout_s):
            raise GuardRefusal(f"gave up after {limits.timeout_s:.0f} s: the reader did not finish (damaged or far too large file)",
                               "open the file in Excel and save it again; split very large lists")
        try:
            status, payload = receiver.recv()
        except (EOFError, OSError):
            child.join(10)
            raise GuardRefusal(_death_cause(child.exitcode, limits),
                               "open the file in Excel, delete stray cells far outside the table, and save it again") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(10)
    if status == "ok":
        return payload  # type: ignore[no-any-return]
    cause, hint = payload
    raise GuardRefusal(cause, hint)


def _child_main(sender: Any, func: Callable[..., Any], args: tuple[Any, ...], memory_bytes: int) -> None:
    with contextlib.suppress(Exception):  # best effort: without /proc or setrlimit the parent's timeout still holds
        _limit_memory(memory_bytes)
        _silence_native_output()
    try:
        result: tuple[str, Any] = ("ok", func(*args))
    except GuardRefusal as exc:
        result = ("refused", (exc.cause, exc.hint))
    except BaseException as exc:  # noqa: BLE001 - PanicException, MemoryError, anything: report, never traceback
        refusal = refusal_from(exc)
        result = ("refused", (refusal.cause, refusal.hint))
    try:
        sender.send(result)
    except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError while pickling a huge result
        with contextlib.suppress(BaseException):  # else the parent sees EOF and reports the exit code
            sender.send(("refused", (f"too large to hand over: {type(exc).__name__}", "split the list")))
    finally:
        sender.close()


def _limit_memory(budget: int) -> None:
    """Allow the child its current address space plus ``budget`` (never more than an inherited hard limit)."""
    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        current = 0
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = current + budget
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or wanted < soft:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an aborted reader must not leave a core file


def _silence_native_output() -> None:
    """Rust prints panic messages straight to file descriptor 2; the parent reports one line instead."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _death_cause(exitcode: int | None, limits: Limits) -> str:
    budget = f"{limits.memory_bytes / 2**30:.1f} GB"
    if exitcode in (-6, -9):
        return (f"the reader ran out of memory (limit {budget}): the sheet is far larger than it looks "
                "(a value far outside the table?) or the file is damaged")
    if exitcode == -11:
        return "the reader crashed on this file (segmentation fault): the file is probably damaged"
    return f"the reader stopped unexpectedly (exit code {exitcode}): the file is probably damaged"


_PASSWORD = re.compile(r"password|encrypt", re.IGNORECASE)


def refusal_from(exc: BaseException) -> GuardRefusal:
    """Turn an engine's exception into one line for the team and a hint."""
    name = type(exc).__name__
    text = one_line(str(exc)) or name
    resave = "open it in Excel and save it again as .xlsx; if that fails, ask for a new copy"
    if isinstance(exc, MemoryError):
        return GuardRefusal("the reader ran out of memory: the file is far larger than it looks or damaged",
                            "delete stray cells far outside the table, or split the list")
    if name == "PasswordError" or _PASSWORD.search(text):
        return GuardRefusal("the workbook is password-protected (encrypted)",
                            "ask the owner to remove the password and send it again")
    if name == "PanicException":
        return GuardRefusal(f"corrupt: the reader failed on this file (calamine: {text})", resave)
    if name in ("XmlError", "ParseError", "XMLSyntaxError"):
        return GuardRefusal(f"corrupt: invalid XML inside the workbook ({text})", resave)
    if name in ("ZipError", "BadZipFile"):
        return GuardRefusal(f"corrupt: damaged ZIP container ({text})", resave)
    if name in ("CompDocError", "XLRDError") or "Cfb" in text or "OLE" in text:
        return GuardRefusal(f"corrupt or not an Excel file ({text})", resave)
    return GuardRefusal(f"cannot be read: {name}: {text}", resave)
