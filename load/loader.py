"""One load, inside the caller's open transaction: everything up to the commit decision."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

from jhmig.entities import LINEAGE_FRAME_COLUMNS, EntitySpec, entity_specs
from jhmig.load.aliases import RunIds, aliases_of, superseded_ids, survivor_ids, without_aliases
from jhmig.load.api import EntityLoadStats, LoadRequest, LoadResult, Progress
from jhmig.load.bulk import BulkWriter, ChunkProgress, primary_key
from jhmig.load.codelists import upsert_code_lists
from jhmig.load.counts import totals_per_source
from jhmig.load.errors import FrameContractError
from jhmig.load.keymap import KeyState, add_keys, forget_keys, key_ids, next_free_id, read_key_state
from jhmig.load.outcomes import (
    FINDING,
    QUARANTINE,
    finding_rows,
    next_outcome_id,
    outcome_source_files,
    quarantine_rows,
)
from jhmig.load.plan import EntityPlan, check_references, gone_ids, plan_absent, plan_entity
from jhmig.load.runlog import last_run_in_target, start_run
from jhmig.load.sourcefiles import SourceFiles, register_source_files, source_file_triples
from jhmig.load.testhooks import pause_after_entity
from jhmig.records import Batch
from jhmig.load.undo import save_before_images, save_key_map_images
from jhmig.schema import Base

log = logging.getLogger(__name__)

#: (entity, column) whose sum per source is read back for reconciliation.
PAYMENT_SUM = ("payment", "amount_cents")


def write_run(connection: sa.Connection, bulk: BulkWriter, request: LoadRequest, progress: Progress | None) -> LoadResult:
    """Write the whole run into the open transaction and count the target; the verdict is the caller's."""
    _check_batches(request.batches)
    bulk.lock()
    previous = last_run_in_target(connection)
    run_id = start_run(connection, request)
    files = register_source_files(connection, _wanted_source_files(request))
    upsert_code_lists(connection, request.code_lists)

    forgotten = forget_keys(connection, request.detached)  # before any key state is read: they are new keys now
    if not request.dry_run:
        save_key_map_images(connection, forgotten, run_id)
    result = LoadResult(run_id=run_id, previous_run_uid=previous)
    run_ids = RunIds()
    deferred = DeferredDeletes()
    for batch in request.batches:
        result.stats.update(_load_batch(connection, bulk, batch, run_id, files, progress, request.release_frames,
                                        request.aliases, run_ids, keep_undo=not request.dry_run, deferred=deferred))
    # rows gone from a source that another row still named (counted as deleted by their plans): now that every
    # batch has rewritten its references
    deferred.finish(connection, bulk, run_ids, run_id, keep_undo=not request.dry_run)

    _write_outcomes(connection, bulk, request, run_id, files, progress)
    result.detached = _detached_ids(connection, request.detached, forgotten)

    for spec in entity_specs().values():
        totals = totals_per_source(connection, spec, PAYMENT_SUM[1] if spec.name == PAYMENT_SUM[0] else None)
        for batch in request.batches:
            found = totals.get(batch.source_system)
            result.stats[(batch.source_system, spec.name)].in_target = found.rows if found else 0
            if spec.name == PAYMENT_SUM[0]:
                result.payment_sum_cents[batch.source_system] = found.total if found else 0
    for name, query in request.target_queries.items():  # e.g. the KJH statistics by SQL, in the open transaction
        result.queries[name] = query(connection)
    return result


def _detached_ids(connection: sa.Connection, detached: pd.DataFrame | None, forgotten: list[dict[str, object]]) -> pd.DataFrame | None:
    """Per detached record: the id its key-map entry had before this run and the one it has now."""
    if detached is None or not len(detached):
        return None
    old = {(str(e["source_system"]), str(e["entity"]), str(e["legacy_key"])): int(e["new_id"]) for e in forgotten}  # type: ignore[call-overload]
    new = key_ids(connection, detached)
    rows = [(s, e, k, old.get((s, e, k)), new.get((s, e, k)))
            for s, e, k in detached[["source_system", "entity", "legacy_key"]].astype(str).itertuples(index=False)]
    frame = pd.DataFrame(rows, columns=["source_system", "entity", "legacy_key", "old_id", "new_id"])
    return frame.astype({"source_system": "string", "entity": "string", "legacy_key": "string", "old_id": "Int64", "new_id": "Int64"})


def _load_batch(
    connection: sa.Connection,
    bulk: BulkWriter,
    batch: Batch,
    run_id: int,
    files: SourceFiles,
    progress: Progress | None,
    release_frames: bool = False,
    aliases: pd.DataFrame | None = None,
    run_ids: RunIds | None = None,
    keep_undo: bool = False,
    deferred: DeferredDeletes | None = None,
) -> dict[tuple[str, str], EntityLoadStats]:
    load = _BatchLoad.start(connection, bulk, batch, run_id, files, progress, release_frames, aliases,
                            run_ids if run_ids is not None else RunIds(), keep_undo,
                            deferred if deferred is not None else DeferredDeletes())
    load.delete_gone()
    # Then plan and write one entity at a time, parents first, so that only one
    # entity's rows are held as table rows at any moment (payments are millions).
    stats: dict[tuple[str, str], EntityLoadStats] = {}
    for spec in load.specs:
        stats[(load.source, spec.name)] = load.write_entity(spec)
        pause_after_entity(spec.name)
    for entity, count in load.delete_superseded().items():  # a merge deletes rows too: counted as deleted
        stats.setdefault((load.source, entity), EntityLoadStats()).deleted += count
    if deferred is None:  # a batch loaded alone: its own deferred rows go now
        load.deferred.finish(connection, bulk, load.run_ids, run_id, keep_undo)
    return stats


@dataclass
class DeferredDeletes:
    """Rows a batch no longer has (gone, or merged into a survivor) that a row still refers to when the batch
    deletes: they go once every batch of the run has rewritten its references. A foreign key is never violated:
    what still refers to such a row at the end (a row of a source not delivered in this run) goes with it."""

    ids: dict[tuple[str, str], set[int]] = field(default_factory=dict)  # (source, entity) -> ids
    protected: dict[str, set[int]] = field(default_factory=dict)  # entity -> survivor ids of merged records

    def add(self, source: str, entity: str, ids: np.ndarray) -> None:
        if len(ids):
            self.ids.setdefault((source, entity), set()).update(int(i) for i in ids)

    def protect(self, entity: str, ids: np.ndarray) -> None:
        self.protected.setdefault(entity, set()).update(int(i) for i in ids)

    def finish(self, connection: sa.Connection, bulk: BulkWriter, run_ids: RunIds, run_id: int, keep_undo: bool) -> None:
        """Delete the deferred rows (children first), with whatever still refers to them."""
        for spec in reversed(list(entity_specs().values())):
            for (_source, entity), wanted in sorted(self.ids.items()):
                if entity != spec.name:
                    continue
                keep = set(run_ids.ids(entity).tolist()) | self.protected.get(entity, set())  # a row this run loads stays
                ids = np.array(sorted(wanted - keep), dtype=np.int64)
                _delete_with_dependants(connection, bulk, _table(spec), ids, run_id, keep_undo)
        self.ids.clear()


def _referring(connection: sa.Connection, table: sa.Table, ids: np.ndarray) -> list[tuple[sa.Table, np.ndarray]]:
    """The rows of any table whose foreign key names one of ``ids`` (primary keys of ``table``)."""
    out = []
    if not len(ids):
        return out
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table:
                continue
            child_key = child.c[primary_key(child)]
            found: list[int] = []
            for start in range(0, len(ids), 1_000):
                chunk = [int(i) for i in ids[start:start + 1_000]]
                found += connection.execute(sa.select(child_key).where(fk.parent.in_(chunk))).scalars().all()
            if found:
                out.append((child, np.array(sorted(set(found)), dtype=np.int64)))
    return out


def _held(connection: sa.Connection, table: sa.Table, ids: np.ndarray) -> np.ndarray:
    """Of ``ids``, those another row still refers to."""
    held: set[int] = set()
    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table:
                continue
            for start in range(0, len(ids), 1_000):
                chunk = [int(i) for i in ids[start:start + 1_000]]
                held.update(int(v) for v in connection.execute(sa.select(fk.parent).where(fk.parent.in_(chunk)).distinct()).scalars())
    return np.array(sorted(held), dtype=np.int64)


def _delete_with_dependants(connection: sa.Connection, bulk: BulkWriter, table: sa.Table, ids: np.ndarray, run_id: int,
                            keep_undo: bool) -> None:
    """Delete ``ids`` of ``table`` and, first, every row that still refers to them (kept in mig_undo for a rollback)."""
    if not len(ids):
        return
    for child, child_ids in _referring(connection, table, ids):
        log.warning("%s: %d row(s) refer to %d row(s) of %s gone from the source; deleted with them",
                    child.name, len(child_ids), len(ids), table.name)
        _delete_with_dependants(connection, bulk, child, child_ids, run_id, keep_undo)
    if keep_undo:
        save_before_images(connection, table, ids, run_id, "delete")
    bulk.delete(table, ids)


@dataclass
class _BatchLoad:
    """One batch's load: key states, merged records' aliases and the ids planned so far."""

    connection: sa.Connection
    bulk: BulkWriter
    batch: Batch
    run_id: int
    files: SourceFiles
    progress: Progress | None
    release_frames: bool
    run_ids: RunIds
    keep_undo: bool
    deferred: DeferredDeletes
    specs: list[EntitySpec]
    full: dict[str, KeyState]  # the key map of each entity before this batch
    alias_rows: dict[str, pd.DataFrame]
    alias_ids: dict[str, pd.Series]
    states: dict[str, KeyState]  # the key map without the aliases
    keys: dict[str, pd.Series]  # per entity: the keys in the target after the load
    live: dict[str, pd.Series] = field(default_factory=dict)
    referenced: set[str] = field(default_factory=set)

    @property
    def source(self) -> str:
        return self.batch.source_system

    @classmethod
    def start(cls, connection: sa.Connection, bulk: BulkWriter, batch: Batch, run_id: int, files: SourceFiles,
              progress: Progress | None, release_frames: bool, aliases: pd.DataFrame | None, run_ids: RunIds,
              keep_undo: bool, deferred: DeferredDeletes) -> _BatchLoad:
        source = batch.source_system
        specs = list(entity_specs().values())
        full = {spec.name: read_key_state(bulk, spec, source) for spec in specs}
        # Merged records (aliases): their keys resolve to the survivor's id, here or in a source loaded before.
        alias_rows = {spec.name: aliases_of(aliases, source, spec.name) for spec in specs}
        # ids known before this batch is planned (earlier batches, the key map): they protect survivors' rows
        alias_ids = {spec.name: survivor_ids(bulk, spec, alias_rows[spec.name], run_ids)
                     for spec in specs if len(alias_rows[spec.name])}
        states = {spec.name: without_aliases(full[spec.name], pd.Index(alias_rows[spec.name]["legacy_key"])) for spec in specs}
        keys = check_references(source, specs, batch.frames, states,
                                {spec.name: pd.Index(alias_rows[spec.name]["legacy_key"]) for spec in specs
                                 if len(alias_rows[spec.name])})
        return cls(connection, bulk, batch, run_id, files, progress, release_frames, run_ids, keep_undo, deferred, specs, full,
                   alias_rows, alias_ids, states, keys, referenced={ref.target for spec in specs for ref in spec.references})

    def delete_gone(self) -> None:
        """Children before parents, and before any insert: a new row may take over a
        unique value (legacy_code) of a row that is going away. A survivor's row is never
        gone because a record once merged into it is (old alias entries share its id)."""
        for spec in reversed(self.specs):
            if spec.name in self.keys:
                gone = gone_ids(self.states[spec.name], self.keys[spec.name])
                merged = self.alias_ids.get(spec.name)
                protected = np.concatenate([self.run_ids.ids(spec.name),
                                            merged.to_numpy(dtype=np.int64) if merged is not None else []])
                gone = gone[~np.isin(gone, protected)]
                # a row still named by another (a service of this source whose person changed, a row of a source
                # loaded later) goes after every batch has rewritten its references: no foreign key is violated
                held = _held(self.connection, _table(spec), gone)
                self.deferred.add(self.source, spec.name, held)
                gone = gone[~np.isin(gone, held)]
                if self.keep_undo:  # before-images for `jhmig rollback`
                    save_before_images(self.connection, _table(spec), gone, self.run_id, "delete")
                self.bulk.delete(_table(spec), gone)

    def write_entity(self, spec: EntitySpec) -> EntityLoadStats:
        source, bulk = self.source, self.bulk
        plan = _plan(self.connection, bulk, self.batch, spec, self.states.pop(spec.name), self.run_id, self.files, self.live,
                     self.keys.pop(spec.name, None))
        merged_ids = self._remember_live(spec, plan)
        self._release_frame(spec)
        table = _table(plan.spec)
        step = f"{source}/{plan.spec.name}"
        total = len(plan.inserts) + len(plan.updates)
        bulk.insert(table, plan.inserts, _offset(self.progress, step, 0, total))
        if self.keep_undo and len(plan.updates):
            save_before_images(self.connection, table, plan.updates[spec.id_column].to_numpy(dtype="int64"), self.run_id, "update")
        bulk.update(table, plan.updates, _offset(self.progress, step, len(plan.inserts), total))
        # The new keys go into the key map after the rows, once these are released: the two
        # frames of two million payments are never held at the same time.
        inserted, updated = len(plan.inserts), len(plan.updates)
        plan.inserts = plan.updates = plan.inserts.iloc[:0]
        add_keys(bulk, source, spec.name, plan.new_keys, plan.new_key_ids, self.run_id)
        if merged_ids is not None:  # an alias already in the key map keeps its entry while its id holds
            fresh = self._alias_keys_to_write(spec, merged_ids)
            add_keys(bulk, source, spec.name, pd.Series(merged_ids.index[fresh]), merged_ids.to_numpy()[fresh], self.run_id)
        if self.progress is not None:
            self.progress(step, total, total)
        log.info("%s: %d inserted, %d updated, %d unchanged, %d deleted", step, inserted, updated, plan.unchanged,
                 len(plan.delete_ids))
        return EntityLoadStats(inserted=inserted, updated=updated, unchanged=plan.unchanged, deleted=len(plan.delete_ids))

    def _alias_keys_to_write(self, spec: EntitySpec, merged_ids: pd.Series) -> np.ndarray:
        """Mask of the merged records whose key-map entry is (re)written: new keys, and records whose entry
        names another id than their survivor's (a record that stood alone and is merged now, by a steward's
        *gleiche Person* or a changed record). The entries of the latter go first, kept in mig_undo for a
        rollback; otherwise the key map would point at the row delete_superseded removes."""
        state = self.full[spec.name]
        had = pd.Series(np.asarray(state.new_id, dtype=np.int64), index=pd.Index(state.keys.astype(str)))
        before = had.reindex(merged_ids.index).to_numpy(dtype=float)
        new = np.isnan(before)
        moved = ~new & (before != merged_ids.to_numpy(dtype=float))
        if moved.any():
            entries = forget_keys(self.connection, pd.DataFrame({"source_system": self.source, "entity": spec.name,
                                                                 "legacy_key": merged_ids.index[moved]}))
            if self.keep_undo:
                save_key_map_images(self.connection, entries, self.run_id)
        return new | moved

    def _remember_live(self, spec: EntitySpec, plan: EntityPlan) -> pd.Series | None:
        """The ids children will refer to; merged records resolve to their survivors, also those planned just now."""
        source = self.source
        self.run_ids.add(source, spec.name, plan.live)
        merged_ids = None
        if len(self.alias_rows[spec.name]):
            merged_ids = self.alias_ids[spec.name] = survivor_ids(self.bulk, spec, self.alias_rows[spec.name], self.run_ids)
        if spec.name in self.referenced:
            self.live[spec.name] = plan.live if merged_ids is None else pd.concat([plan.live, merged_ids])
        else:
            self.run_ids.planned.pop((source, spec.name), None)  # payments: two million keys nobody refers to
        plan.live = plan.live.iloc[:0]  # not needed while the rows are written (payments: two million keys)
        return merged_ids

    def _release_frame(self, spec: EntitySpec) -> None:
        if self.release_frames and spec.name in self.batch.frames:
            # The plan holds the table rows now; the frame's values would only double the
            # memory while they are written (payments: ~400 MB). Keys and lineage stay for the counts.
            self.batch.frames[spec.name] = self.batch.frames[spec.name][["legacy_key", *LINEAGE_FRAME_COLUMNS]]

    def delete_superseded(self) -> dict[str, int]:
        """Records that had rows of their own and are merged now: their rows go once every
        reference to them has been rewritten to the survivor (children first). Rows deleted per entity."""
        deleted: dict[str, int] = {}
        for spec in reversed(self.specs):
            if spec.name in self.alias_ids:
                gone = superseded_ids(self.full[spec.name], self.alias_ids[spec.name], self.run_ids.ids(spec.name))
                self.deferred.protect(spec.name, self.alias_ids[spec.name].to_numpy(dtype=np.int64))
                held = _held(self.connection, _table(spec), gone)  # named by a row of a source loaded later
                self.deferred.add(self.source, spec.name, held)
                gone = gone[~np.isin(gone, held)]
                if self.keep_undo:  # before-images: a rollback gives the record its own row back
                    save_before_images(self.connection, _table(spec), gone, self.run_id, "delete")
                self.bulk.delete(_table(spec), gone)
                if len(gone):
                    deleted[spec.name] = len(gone)
        return deleted


def _plan(
    connection: sa.Connection,
    bulk: BulkWriter,
    batch: Batch,
    spec: EntitySpec,
    state: KeyState,
    run_id: int,
    files: SourceFiles,
    live: dict[str, pd.Series],
    keys: pd.Series | None,
) -> EntityPlan:
    frame = batch.frames.get(spec.name)
    if frame is None:
        return plan_absent(batch.source_system, spec, state)
    # The key map gets the new ids after the rows (see _load_batch); the next batch allocates after both.
    return plan_entity(batch.source_system, spec, frame, state, next_free_id(connection, spec), run_id, live, files, keys)


def _write_outcomes(
    connection: sa.Connection,
    bulk: BulkWriter,
    request: LoadRequest,
    run_id: int,
    files: SourceFiles,
    progress: Progress | None,
) -> None:
    for step, table, id_column, build, frame in (
        ("quarantine", QUARANTINE, "quarantine_id", quarantine_rows, request.quarantine),
        ("findings", FINDING, "finding_id", finding_rows, request.findings),
    ):
        rows = build(frame, run_id, next_outcome_id(connection, table, id_column), files)
        bulk.insert(table, rows, _offset(progress, step, 0, len(rows)))
        if progress is not None:
            progress(step, len(rows), len(rows))


def _wanted_source_files(request: LoadRequest) -> pd.DataFrame:
    parts = [
        source_file_triples(batch.source_system, frame["src_path"], frame["src_sheet"])
        for batch in request.batches
        for frame in batch.frames.values()
        if "src_path" in frame.columns and "src_sheet" in frame.columns
    ]
    parts += [outcome_source_files(request.quarantine), outcome_source_files(request.findings)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["source_system", "path", "sheet"])
    return pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)


def _check_batches(batches: list[Batch]) -> None:
    seen: set[str] = set()
    known = entity_specs()
    for batch in batches:
        if batch.source_system in seen:
            raise FrameContractError(batch.source_system, "*", "two batches for one source system; concatenate them upstream")
        seen.add(batch.source_system)
        unknown = sorted(set(batch.frames) - set(known))
        if unknown:
            raise FrameContractError(batch.source_system, "*", f"frames for unknown entities {unknown}")


def _offset(progress: Progress | None, step: str, offset: int, total: int) -> ChunkProgress | None:
    """A per-chunk callback of a bulk call that reports into the step's running total."""
    if progress is None:
        return None
    return lambda done: progress(step, offset + done, total)


def _table(spec: EntitySpec) -> sa.Table:
    return Base.metadata.tables[spec.name]
