"""Writes the reference legacy export (shared/spec/legacy-export.md) of a
scenario, with its defects, and returns the truth about it.

Order of work: defects in the case history -> legacy records -> defects in
records -> text files (lines become known) -> payments streamed to disk ->
manifest -> optional truncation -> truth.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jhmig.synth.corrections import add_corrections
from jhmig.synth.defects import DefectLog, _row_of
from jhmig.synth.defects_matrix import DELETED, MatrixDefects
from jhmig.synth.defects_model import ModelDefects
from jhmig.synth.defects_records import RecordDefects
from jhmig.synth.features import collect_features
from jhmig.synth.layout import BETEILIGTE, COLUMNS, DATA_FILES, LEISTUNGEN, MANIFEST, PERSONEN, UVG, ZAHLUNGEN
from jhmig.synth.legacy_records import LegacyBuilder
from jhmig.synth.manifest import truncate_payments, write_manifest
from jhmig.synth.payment_streams import build_streams
from jhmig.synth.payments import PaymentWriter
from jhmig.synth.scenario import Scenario
from jhmig.synth.office import EXPORT_DATE
from jhmig.synth.truth import build_truth
from jhmig.synth.truth_statistics import statistics_truth
from jhmig.synth.writers import Row, write_delimited

Progress = Callable[[str, int, int], None]
LEGACY_DIR = "legacy"


#: Files an option may leave without records: no other file's keys point into them.
EMPTY_ALLOWED = (UVG, BETEILIGTE, ZAHLUNGEN)


def write_legacy_export(scenario: Scenario, out_dir: Path, *, truncate: bool = False,
                        progress: Progress | None = None, empty_files: Sequence[str] = (),
                        shuffle_files: Sequence[str] = ()) -> dict[str, Any]:
    """Writes ``out_dir/legacy/`` and returns the truth dict (not yet saved).

    ``empty_files``: files written with their header only (ZAHLUNGEN.DAT: the
    trailer only); ``shuffle_files``: text files whose records are written in
    random order (a real export need not be sorted).
    """
    unknown = [f for f in empty_files if f not in EMPTY_ALLOWED] + [f for f in shuffle_files if f not in COLUMNS]
    if unknown:
        raise ValueError(f"not allowed here: {unknown} (empty: {EMPTY_ALLOWED}; shuffle: {tuple(COLUMNS)})")
    legacy_dir = out_dir / LEGACY_DIR
    legacy_dir.mkdir(parents=True, exist_ok=True)
    world = scenario.world

    def report(stage: str) -> None:
        if progress is not None:
            progress(stage, 1, 1)

    log = DefectLog()
    pinned: set[str] = set()  # children whose records must not be split across duplicate persons
    add_corrections(world, scenario.rng("corrections"), pinned)
    ModelDefects(world, scenario.rng("model-defects"), log, pinned).plant()
    records = LegacyBuilder(world, scenario.population, scenario.builder, scenario.rng("records"), log, pinned).build()
    record_defects = RecordDefects(records, scenario.rng("record-defects"), log, scenario.builder, scenario.caseworkers)
    record_defects.plant()
    MatrixDefects(records, scenario.rng("matrix-defects"), log, lambda: record_defects.missing_number(PERSONEN),
                  record_defects.by_key).plant()
    _whole_file_options(records.rows, log, empty_files, shuffle_files, scenario.rng("file-options"))
    counts = {name: write_delimited(legacy_dir / name, columns, records.rows[name]) for name, columns in COLUMNS.items()}
    report("text files")

    writer = PaymentWriter(scenario.rng("payments"), log, record_defects.missing_case_number,
                           lambda: record_defects.missing_number(LEISTUNGEN), record_defects.by_key,
                           matrix_rng=scenario.rng("matrix-payments"))
    streams = build_streams(world, scenario.rng("payment-streams"))
    payments = writer.write(legacy_dir / ZAHLUNGEN, [] if ZAHLUNGEN in empty_files else streams, progress)
    counts[ZAHLUNGEN] = payments.records
    manifest = write_manifest(legacy_dir / MANIFEST, counts, payments.sum_cents)
    truncated = truncate_payments(legacy_dir / ZAHLUNGEN, payments, log) if truncate else None

    for defect in log.items:
        if defect.kind == "uvg_overlaps_placement":
            paid = payments.overlap_payments.get(id(defect.target), [])
            defect.detail["overpaid_cents"] = sum(cents for _, cents in paid)
            defect.detail["overpaid_payments"] = len(paid)
    files: dict[str, dict[str, int]] = {name: {"records": counts[name]} for name in manifest}
    files[ZAHLUNGEN] = {"records": payments.records, "sum_cent": payments.sum_cents}
    return build_truth(
        seed=scenario.seed, size=scenario.profile.name, legacy_dir=LEGACY_DIR, files=files, manifest=manifest,
        truncated=truncated,
        identities={f"{PERSONEN}:{r.pers_nr}": r.identity.id for r in records.person_records
                    if r.row is None or r.row.taint != DELETED},
        features=collect_features(records.rows), defects=log.resolve(), by_year_type=payments.by_year_type,
        statistics=statistics_truth(records.rows, EXPORT_DATE.year),
        options={"empty_files": [f for f in DATA_FILES if f in empty_files],
                 "shuffled_files": [f for f in DATA_FILES if f in shuffle_files]},
    )


def _whole_file_options(rows: dict[str, list[Row]], log: DefectLog, empty_files: Sequence[str],
                        shuffle_files: Sequence[str], rng: random.Random) -> None:
    """Empties and shuffles files; defects planted in an emptied file, and those whose
    record they relate to was in it (a payment outside its claim), leave the truth."""
    for name in empty_files:
        if name in rows:
            gone = {id(r) for r in rows[name]}
            rows[name] = []
            log.items = [d for d in log.items if d.file != name and not any(
                r.file == name for r in d.related if id(_row_of(r.target)) in gone or r.target is None)]
    for name in shuffle_files:
        rng.shuffle(rows[name])
        # The first occurrence of a key is the record; a later one with the same key is the
        # defect, wherever the shuffle put the two.
        at = {id(r): i for i, r in enumerate(rows[name])}
        for d in log.items:
            if d.file == name and d.kind in ("conflicting_key", "duplicate_record") and d.related:
                first = d.related[0]
                if at[id(_row_of(first.target))] > at[id(_row_of(d.target))]:
                    d.target, first.target = first.target, d.target
