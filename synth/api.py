"""The generator's entry point."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jhmig.synth.legacy_export import write_legacy_export
from jhmig.synth.lists import write_lists
from jhmig.synth.scenario import build_scenario
from jhmig.synth.truth import write_truth


def generate(out_dir: Path, size: str = "small", seed: int = 1, *, truncate: bool = False, lists: bool = True,
             progress: Callable[[str, int, int], None] | None = None, empty_files: Sequence[str] = (),
             shuffle_files: Sequence[str] = ()) -> dict[str, Any]:
    """Writes out_dir/legacy/<the nine files>, out_dir/lists/<the caseworkers' lists> and
    out_dir/truth.json; returns the truth dict.

    Same ``size`` and ``seed`` give byte-identical files. ``truncate`` cuts the
    last ~1 % of ZAHLUNGEN.DAT and its trailer while EXPORT.INF keeps the full
    totals. ``progress(stage, done, total)`` is called as stages finish and
    once per payment month. ``lists=False`` leaves out the lists (and the
    truth's "lists" section); the legacy files are the same either way.
    ``empty_files`` (any of UVG.TXT, BETEILIGTE.TXT, ZAHLUNGEN.DAT) are written
    without records (header, or the trailer alone); ``shuffle_files`` (text
    files) hold their records in random order.
    """
    out_dir = Path(out_dir)
    scenario = build_scenario(size, seed)
    if progress is not None:
        progress("case history", 1, 1)
    truth = write_legacy_export(scenario, out_dir, truncate=truncate, progress=progress,
                                empty_files=empty_files, shuffle_files=shuffle_files)
    if lists:
        truth["lists"] = write_lists(scenario, out_dir, truth)
        if progress is not None:
            progress("lists", 1, 1)
    write_truth(out_dir / "truth.json", truth)
    if progress is not None:
        progress("truth", 1, 1)
    return truth
