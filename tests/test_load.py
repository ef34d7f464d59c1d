"""Load stage: migrations, one-transaction loads, idempotent re-runs, kill safety.

Every test runs against SQLite and PostgreSQL (the latter skips without
JHMIG_TEST_PG_URL, and fails in CI).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from jhmig.entities import entity_spec
from jhmig.load import (
    FrameContractError,
    LoadRequest,
    LoadResult,
    RunVerdict,
    Target,
    TargetUnreachableError,
    UnresolvedReferenceError,
    open_target,
)
from jhmig.records import FINDING_COLUMNS, QUARANTINE_COLUMNS, Batch
from jhmig.schema import DOMAIN_TABLES, Base

SOURCE = "SYS_A"
STATE_TABLES = (*DOMAIN_TABLES, "mig_key_map", "mig_source_file", "code_list", "mig_run", "mig_quarantine", "mig_finding")


# --------------------------------------------------------------------------
# fixtures and builders
# --------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
def target(url: str) -> Iterator[Target]:
    target = open_target(url)
    target.upgrade()
    yield target
    target.dispose()


def entity_frame(entity: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = list(entity_spec(entity).frame_columns)
    frame = pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)
    frame["src_sheet"] = frame["src_sheet"].fillna("")
    return frame


def sample_frames() -> dict[str, pd.DataFrame]:
    """A small, consistent source: three persons, two case files and what hangs on them."""
    f = "faelle.csv"

    def lin(line: int, path: str = f, sheet: str = "") -> dict[str, Any]:
        return {"src_path": path, "src_sheet": sheet, "src_line": line}

    return {
        "legacy_code": entity_frame(
            "legacy_code",
            [
                {
                    "legacy_key": "HA|27",
                    "source_system": SOURCE,
                    "code_table": "HA",
                    "code": "27",
                    "text": "Hilfe zur Erziehung",
                    **lin(2, "codes.csv"),
                }
            ],
        ),
        "person": entity_frame(
            "person",
            [
                {
                    "legacy_key": "P1",
                    "family_name": "Muster",
                    "given_names": "Max",
                    "birth_date": dt.date(2012, 3, 4),
                    "sex": "m",
                    **lin(2, "personen.xlsx", "Kinder"),
                },
                {
                    "legacy_key": "P2",
                    "family_name": "Muster",
                    "given_names": "Erika",
                    "birth_date": dt.date(1985, 7, 1),
                    "sex": "w",
                    **lin(3, "personen.xlsx", "Kinder"),
                },
                {
                    "legacy_key": "P3",
                    "family_name": "von Beispiel",
                    "given_names": "Ada",
                    "birth_date": None,
                    "sex": "w",
                    **lin(4, "personen.xlsx", "Kinder"),
                },
            ],
        ),
        "address": entity_frame(
            "address",
            [
                {
                    "legacy_key": "A1",
                    "person_key": "P1",
                    "street": "Hauptstr.",
                    "house_number": "12a",
                    "postcode": "01067",
                    "city": "Dresden",
                    **lin(5),
                }
            ],
        ),
        "provider": entity_frame(
            "provider",
            [{"legacy_key": "T1", "name": "Träger e.V.", "provider_type": "FT", "iban": "DE89370400440532013000", **lin(6)}],
        ),
        "case_file": entity_frame(
            "case_file",
            [
                {
                    "legacy_key": "C1",
                    "file_number": "51-2020-001",
                    "department": "ASD",
                    "status": "open",
                    "opened_on": pd.Timestamp("2020-01-15"),
                    **lin(7),
                },
                {
                    "legacy_key": "C2",
                    "file_number": "51-2021-002",
                    "department": "UVG",
                    "status": "closed",
                    "opened_on": pd.Timestamp("2021-02-01"),
                    "closed_on": pd.Timestamp("2022-12-31"),
                    "remark": "",
                    **lin(8),
                },
            ],
        ),
        "participant": entity_frame(
            "participant",
            [
                {"legacy_key": "C1|P1", "case_file_key": "C1", "person_key": "P1", "role": "child", **lin(9)},
                {"legacy_key": "C1|P2", "case_file_key": "C1", "person_key": "P2", "role": "mother", **lin(10)},
                {"legacy_key": "C2|P3", "case_file_key": "C2", "person_key": "P3", "role": "child", **lin(11)},
            ],
        ),
        "service": entity_frame(
            "service",
            [
                {
                    "legacy_key": "S1",
                    "case_file_key": "C1",
                    "person_key": "P1",
                    "provider_key": "T1",
                    "service_type": "HZE34",
                    "start_date": dt.date(2020, 2, 1),
                    "rate_cents": 15000,
                    "rate_unit": "day",
                    **lin(12),
                },
                {
                    "legacy_key": "S2",
                    "case_file_key": "C2",
                    "person_key": "P3",
                    "provider_key": None,
                    "service_type": "BERAT",
                    **lin(13),
                },
            ],
        ),
        "uvg_claim": entity_frame(
            "uvg_claim",
            [
                {
                    "legacy_key": "U1",
                    "case_file_key": "C2",
                    "child_person_key": "P3",
                    "parent_person_key": "P2",
                    "liable_person_key": "",
                    "monthly_amount_cents": 23000,
                    "recovery_pursued": True,
                    "start_date": dt.date(2021, 2, 1),
                    **lin(14),
                }
            ],
        ),
        "payment": entity_frame(
            "payment",
            [
                {
                    "legacy_key": "Z1",
                    "case_file_key": "C1",
                    "service_key": "S1",
                    "payment_type": "AUS",
                    "due_date": dt.date(2020, 3, 1),
                    "period_from": dt.date(2020, 2, 1),
                    "period_to": dt.date(2020, 2, 29),
                    "amount_cents": 450000,
                    "payee": "Träger e.V.",
                    **lin(15),
                },
                {
                    "legacy_key": "Z2",
                    "case_file_key": "C2",
                    "service_key": None,
                    "payment_type": "EIN",
                    "due_date": dt.date(2022, 1, 5),
                    "amount_cents": -2500,
                    **lin(16),
                },
            ],
        ),
    }


def sample_request(run_uid: str, frames: dict[str, pd.DataFrame] | None = None, *, dry_run: bool = False) -> LoadRequest:
    quarantine = pd.DataFrame(
        [
            [
                SOURCE,
                "person",
                "P9",
                "personen.xlsx",
                "Kinder",
                7,
                "PERS-001",
                "Geburtsdatum ungültig",
                json.dumps({"GEBDAT": "31.02.2010"}),
            ]
        ],
        columns=[*QUARANTINE_COLUMNS, "raw"],
    )
    findings = pd.DataFrame(
        [
            [
                "PERS-001",
                "error",
                SOURCE,
                "person",
                "P9",
                "personen.xlsx",
                "Kinder",
                7,
                "birth_date",
                "31.02.2010",
                "Geburtsdatum ungültig",
            ],
            ["CASE-010", "warning", SOURCE, "case_file", "C2", "faelle.csv", "", 8, None, None, "Akte ohne Sachbearbeitung"],
            ["RUN-001", "info", "", "", None, "", "", None, None, None, "Lauf ohne Auswahl"],
        ],
        columns=list(FINDING_COLUMNS),
    )
    code_lists = pd.DataFrame(
        [["sex", "m", "männlich", "male", None, None], ["sex", "w", "weiblich", "female", None, None]],
        columns=["code_list", "code", "label_de", "label_en", "legal_basis", "service_form"],
    )
    return LoadRequest(
        run_uid=run_uid,
        started_at=dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC),
        sources={SOURCE: "/data/a"},
        options={"departments": ["ASD", "UVG"]},
        batches=[Batch(source_system=SOURCE, frames=frames if frames is not None else sample_frames())],
        quarantine=quarantine,
        findings=findings,
        code_lists=code_lists,
        dry_run=dry_run,
    )


def accept(result: LoadResult) -> RunVerdict:
    return RunVerdict(status="ok", summary_json=json.dumps({"run_id": result.run_id}), commit=True)


def reject(result: LoadResult) -> RunVerdict:
    return RunVerdict(status="failed", summary_json="{}", commit=False)


def dump(url: str, tables: tuple[str, ...] = STATE_TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the given tables, ordered by primary key (for before/after comparisons)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            out = {}
            for name in tables:
                table = Base.metadata.tables[name]
                out[name] = [tuple(r) for r in connection.execute(sa.select(table).order_by(*table.primary_key.columns))]
            return out
    finally:
        engine.dispose()


def rows(url: str, table: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            t = Base.metadata.tables[table]
            return [dict(r) for r in connection.execute(sa.select(t).order_by(*t.primary_key.columns)).mappings()]
    finally:
        engine.dispose()


def by_key(url: str, entity: str, source: str = SOURCE) -> dict[str, dict[str, Any]]:
    """Target rows of an entity keyed by legacy key (through the key map)."""
    spec = entity_spec(entity)
    ids = {
        r["new_id"]: r["legacy_key"] for r in rows(url, "mig_key_map") if r["entity"] == entity and r["source_system"] == source
    }
    return {ids[r[spec.id_column]]: r for r in rows(url, entity) if r[spec.id_column] in ids}


# --------------------------------------------------------------------------
# migrations
# --------------------------------------------------------------------------


def test_upgrade_matches_models_and_is_idempotent(url: str) -> None:
    target = open_target(url)
    try:
        target.upgrade()
        target.upgrade()
    finally:
        target.dispose()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
            assert diff == []
            assert set(Base.metadata.tables) <= set(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_revision_files_are_packaged_with_the_load_package() -> None:
    from jhmig.load.migrate import head_revision, migrations_dir

    versions = Path(migrations_dir()) / "versions"
    assert (versions / "__init__.py").exists() and (versions.parent / "__init__.py").exists()
    assert head_revision() == "0004"


def test_unreachable_server_gives_clear_error_without_password() -> None:
    with pytest.raises(TargetUnreachableError) as info:
        open_target("postgresql+psycopg://jhmig:geheim@127.0.0.1:1/nowhere")
    message = str(info.value)
    assert "geheim" not in message and "127.0.0.1:1/nowhere" in message and "check" in message


def test_load_requires_current_schema(url: str) -> None:
    from jhmig.load import SchemaNotCurrentError

    target = open_target(url)
    try:
        with pytest.raises(SchemaNotCurrentError):
            target.load(sample_request("r1"), accept)
    finally:
        target.dispose()


# --------------------------------------------------------------------------
# loads
# --------------------------------------------------------------------------


def test_first_load_writes_rows_ids_refs_lineage(target: Target, url: str) -> None:
    steps: list[tuple[str, int, int]] = []
    result = target.load(sample_request("r1"), accept, lambda s, d, t: steps.append((s, d, t)))

    assert result.committed and result.run_id == 1
    frames = sample_frames()
    for entity, frame in frames.items():
        stats = result.stats[(SOURCE, entity)]
        assert (stats.inserted, stats.updated, stats.unchanged, stats.deleted) == (len(frame), 0, 0, 0), entity
        assert stats.in_target == len(frame)
    assert result.payment_sum_cents == {SOURCE: 450000 - 2500}
    assert (f"{SOURCE}/payment", 2, 2) in steps and ("findings", 3, 3) in steps

    persons = by_key(url, "person")
    cases = by_key(url, "case_file")
    assert sorted(p["person_id"] for p in persons.values()) == [1, 2, 3]
    assert persons["P1"]["birth_date"] == dt.date(2012, 3, 4) and persons["P3"]["birth_date"] is None
    assert persons["P1"]["run_id"] == 1 and len(persons["P1"]["row_hash"]) == 16
    files = {r["source_file_id"]: (r["path"], r["sheet"]) for r in rows(url, "mig_source_file")}
    assert files[persons["P2"]["src_file_id"]] == ("personen.xlsx", "Kinder") and persons["P2"]["src_line"] == 3
    assert cases["C2"]["remark"] == "" and cases["C1"]["remark"] is None  # '' and NULL stay apart
    assert cases["C2"]["closed_on"] == dt.date(2022, 12, 31)

    services = by_key(url, "service")
    providers = by_key(url, "provider")
    assert services["S1"]["provider_id"] == providers["T1"]["provider_id"] and services["S2"]["provider_id"] is None
    assert services["S1"]["person_id"] == persons["P1"]["person_id"] and services["S1"]["rate_cents"] == 15000
    claim = by_key(url, "uvg_claim")["U1"]
    assert claim["parent_person_id"] == persons["P2"]["person_id"] and claim["liable_person_id"] is None
    assert claim["recovery_pursued"] is True
    payments = by_key(url, "payment")
    assert payments["Z1"]["service_id"] == services["S1"]["service_id"] and payments["Z2"]["service_id"] is None
    assert payments["Z1"]["period_to"] == dt.date(2020, 2, 29) and payments["Z2"]["amount_cents"] == -2500
    assert by_key(url, "address")["A1"]["postcode"] == "01067"

    assert {(r["code_list"], r["code"]) for r in rows(url, "code_list")} == {("sex", "m"), ("sex", "w")}
    (run,) = rows(url, "mig_run")
    assert run["status"] == "ok" and run["run_uid"] == "r1" and run["finished_at"] is not None
    assert run["started_at"] == dt.datetime(2026, 11, 23, 12, 0) and json.loads(run["options"])["departments"] == ["ASD", "UVG"]
    (q,) = rows(url, "mig_quarantine")
    assert q["run_id"] == 1 and q["legacy_key"] == "P9" and files[q["src_file_id"]] == ("personen.xlsx", "Kinder")
    assert json.loads(q["raw"]) == {"GEBDAT": "31.02.2010"}
    findings = rows(url, "mig_finding")
    assert [f["rule_id"] for f in findings] == ["PERS-001", "CASE-010", "RUN-001"]
    assert findings[2]["src_file_id"] is None and findings[1]["src_line"] == 8
    assert target.runs()[0]["run_uid"] == "r1"


def test_second_identical_load_changes_nothing(target: Target, url: str) -> None:
    target.load(sample_request("r1"), accept)
    before = dump(url, (*DOMAIN_TABLES, "mig_key_map", "mig_source_file", "code_list"))
    result = target.load(sample_request("r2"), accept)

    assert result.committed and result.run_id == 2
    for entity, frame in sample_frames().items():
        stats = result.stats[(SOURCE, entity)]
        assert (stats.inserted, stats.updated, stats.deleted, stats.unchanged) == (0, 0, 0, len(frame))
        assert stats.in_target == len(frame)
    assert dump(url, (*DOMAIN_TABLES, "mig_key_map", "mig_source_file", "code_list")) == before
    assert [r["run_uid"] for r in rows(url, "mig_run")] == ["r1", "r2"]
    assert [r["run_id"] for r in rows(url, "mig_quarantine")] == [1, 2]
    assert len(rows(url, "mig_finding")) == 6


def test_changed_value_updates_exactly_one_row(target: Target, url: str) -> None:
    target.load(sample_request("r1"), accept)
    frames = sample_frames()
    frames["payment"].loc[frames["payment"]["legacy_key"] == "Z1", "amount_cents"] = 460000
    frames["payment"].loc[frames["payment"]["legacy_key"] == "Z1", "src_line"] = 99
    result = target.load(sample_request("r2", frames), accept)

    stats = result.stats[(SOURCE, "payment")]
    assert (stats.inserted, stats.updated, stats.unchanged, stats.deleted) == (0, 1, 1, 0)
    assert all(s.updated == 0 for (src, entity), s in result.stats.items() if entity != "payment")
    payments = by_key(url, "payment")
    assert payments["Z1"]["amount_cents"] == 460000 and payments["Z1"]["run_id"] == 2 and payments["Z1"]["src_line"] == 99
    assert payments["Z2"]["run_id"] == 1
    assert result.payment_sum_cents[SOURCE] == 460000 - 2500


def test_moved_record_is_unchanged_and_keeps_its_lineage(target: Target, url: str) -> None:
    target.load(sample_request("r1"), accept)
    frames = sample_frames()
    frames["person"]["src_line"] = frames["person"]["src_line"] + 10  # a line inserted above: same content
    result = target.load(sample_request("r2", frames), accept)
    assert result.stats[(SOURCE, "person")].unchanged == 3
    assert by_key(url, "person")["P1"]["src_line"] == 2


def test_removed_record_is_deleted_and_keeps_its_id(target: Target, url: str) -> None:
    target.load(sample_request("r1"), accept)
    old = by_key(url, "service")["S2"]["service_id"]
    keymap_before = rows(url, "mig_key_map")

    frames = sample_frames()
    frames["service"] = frames["service"].loc[frames["service"]["legacy_key"] != "S2"]
    result = target.load(sample_request("r2", frames), accept)
    stats = result.stats[(SOURCE, "service")]
    assert (stats.deleted, stats.in_target, stats.unchanged) == (1, 1, 1)
    assert "S2" not in by_key(url, "service")
    assert rows(url, "mig_key_map") == keymap_before

    result = target.load(sample_request("r3"), accept)
    assert result.stats[(SOURCE, "service")].inserted == 1
    assert by_key(url, "service")["S2"]["service_id"] == old
    assert by_key(url, "service")["S2"]["run_id"] == 3


def test_removed_parent_and_child_are_deleted_children_first(target: Target, url: str) -> None:
    target.load(sample_request("r1"), accept)
    frames = sample_frames()
    frames["case_file"] = frames["case_file"].loc[frames["case_file"]["legacy_key"] != "C2"]
    for entity in ("participant", "service", "uvg_claim", "payment"):
        frames[entity] = frames[entity].loc[frames[entity]["case_file_key"] != "C2"]
    result = target.load(sample_request("r2", frames), accept)
    assert result.stats[(SOURCE, "case_file")].deleted == 1 and result.stats[(SOURCE, "payment")].deleted == 1
    assert set(by_key(url, "case_file")) == {"C1"}


def test_new_keys_get_new_ids_after_existing_ones(target: Target, url: str) -> None:
    target.load(sample_request("r1"), accept)
    frames = sample_frames()
    frames["person"] = pd.concat(
        [
            frames["person"],
            entity_frame(
                "person",
                [{"legacy_key": "P4", "family_name": "Neu", "src_path": "personen.xlsx", "src_sheet": "Kinder", "src_line": 5}],
            ),
        ],
        ignore_index=True,
    )
    target.load(sample_request("r2", frames), accept)
    (entry,) = [r for r in rows(url, "mig_key_map") if r["legacy_key"] == "P4"]
    assert entry["new_id"] == 4 and entry["first_run_id"] == 2


def test_second_source_system_gets_its_own_ids(target: Target, url: str) -> None:
    target.load(sample_request("r1"), accept)
    request = sample_request("r2")
    frames = sample_frames()
    frames["legacy_code"]["source_system"] = "SYS_B"
    request.batches = [Batch(source_system="SYS_B", frames=frames)]
    result = target.load(request, accept)
    assert result.stats[("SYS_B", "person")].inserted == 3
    assert sorted(by_key(url, "person", "SYS_B")[k]["person_id"] for k in ("P1", "P2", "P3")) == [4, 5, 6]
    assert result.payment_sum_cents == {"SYS_B": 447500}
    assert len(by_key(url, "person", SOURCE)) == 3


def test_dry_run_returns_stats_and_leaves_target_unchanged(target: Target, url: str) -> None:
    target.load(sample_request("r1"), accept)
    before = dump(url)
    frames = sample_frames()
    frames["person"].loc[0, "given_names"] = "Moritz"
    result = target.load(sample_request("r2", frames, dry_run=True), accept)
    assert not result.committed and result.run_id == 2
    assert result.stats[(SOURCE, "person")].updated == 1
    assert dump(url) == before


def test_verdict_without_commit_rolls_back(target: Target, url: str) -> None:
    before = dump(url)
    seen: list[LoadResult] = []

    def verdict(result: LoadResult) -> RunVerdict:
        seen.append(result)
        return reject(result)

    result = target.load(sample_request("r1"), verdict)
    assert not result.committed and seen[0].stats[(SOURCE, "person")].in_target == 3
    assert dump(url) == before


def test_unresolved_reference_raises_and_leaves_target_unchanged(target: Target, url: str) -> None:
    target.load(sample_request("r1"), accept)
    before = dump(url)
    frames = sample_frames()
    frames["payment"].loc[0, "case_file_key"] = "C404"
    frames["person"].loc[0, "given_names"] = "Moritz"  # would be an update, written before payments fail
    with pytest.raises(UnresolvedReferenceError) as info:
        target.load(sample_request("r2", frames), accept)
    assert info.value.entity == "payment" and info.value.column == "case_file_key" and info.value.keys == ["C404"]
    assert dump(url) == before


def test_reference_to_a_removed_parent_is_unresolved(target: Target) -> None:
    target.load(sample_request("r1"), accept)
    frames = sample_frames()
    frames["provider"] = frames["provider"].iloc[0:0]  # delivered empty: all providers go ...
    with pytest.raises(UnresolvedReferenceError, match="provider_key"):  # ... but S1 still points at T1
        target.load(sample_request("r2", frames), accept)


def test_absent_frame_leaves_entity_alone(target: Target, url: str) -> None:
    target.load(sample_request("r1"), accept)
    frames = sample_frames()
    del frames["provider"]
    result = target.load(sample_request("r2", frames), accept)
    stats = result.stats[(SOURCE, "provider")]
    assert (stats.deleted, stats.unchanged, stats.in_target) == (0, 1, 1)
    assert result.stats[(SOURCE, "service")].unchanged == 2


def test_contract_violations_are_clear_errors(target: Target, url: str) -> None:
    frames = sample_frames()
    frames["person"].loc[1, "legacy_key"] = "P1"
    with pytest.raises(FrameContractError, match="share a legacy_key") as info:
        target.load(sample_request("r1", frames), accept)
    assert info.value.keys == ["P1"]
    frames = sample_frames()
    frames["service"] = frames["service"].drop(columns=["rate_cents"])
    with pytest.raises(FrameContractError, match="rate_cents"):
        target.load(sample_request("r1", frames), accept)
    frames = sample_frames()
    frames["person"].loc[0, "sex"] = "mx"
    with pytest.raises(FrameContractError, match="longer than 1"):
        target.load(sample_request("r1", frames), accept)
    assert dump(url)["mig_run"] == []


def test_dtypes_are_normalised_for_hash_and_storage(target: Target, url: str) -> None:
    target.load(sample_request("r1"), accept)
    frames = sample_frames()
    payment = frames["payment"]
    payment["amount_cents"] = payment["amount_cents"].astype("float64")  # 450000.0, -2500.0
    payment["due_date"] = pd.to_datetime(payment["due_date"])
    payment["period_to"] = pd.to_datetime(payment["period_to"]).astype("datetime64[ns]")
    payment["legacy_key"] = payment["legacy_key"].astype("string")
    frames["service"]["rate_cents"] = frames["service"]["rate_cents"].astype("Int64")
    result = target.load(sample_request("r2", frames), accept)
    assert result.stats[(SOURCE, "payment")].unchanged == 2 and result.stats[(SOURCE, "service")].unchanged == 2


def test_postgres_foreign_key_rebuild_path_keeps_constraints(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large inserts drop and re-add foreign keys; forced here for tiny frames."""
    import jhmig.load.bulk_pg as bulk_pg

    monkeypatch.setattr(bulk_pg, "FK_REBUILD_MIN_ROWS", 1)
    monkeypatch.setattr(bulk_pg, "ANALYZE_MIN_ROWS", 1)
    target = open_target(pg_url)
    try:
        target.upgrade()
        assert not target.load(sample_request("r0"), reject).committed  # rolled back: constraints restored too
        assert target.load(sample_request("r1"), accept).committed
    finally:
        target.dispose()
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            fks = connection.execute(
                sa.text("SELECT count(*) FROM pg_constraint WHERE conrelid = 'payment'::regclass AND contype = 'f'")
            )
            assert fks.scalar_one() == 4
            for table in ("payment", "mig_key_map"):  # primary keys and indexes are back too
                primary = connection.execute(
                    sa.text(f"SELECT count(*) FROM pg_constraint WHERE conrelid = '{table}'::regclass AND contype = 'p'"))
                assert primary.scalar_one() == 1
                names = set(connection.execute(sa.text(f"SELECT indexname FROM pg_indexes WHERE tablename = '{table}'")).scalars())
                expected = {i.name for i in Base.metadata.tables[table].indexes}
                assert expected and expected <= names
    finally:
        engine.dispose()
    assert len(rows(pg_url, "payment")) == 2


def test_sqlite_readers_do_not_wait_for_a_running_load(sqlite_url: str) -> None:
    import sqlite3

    target = open_target(sqlite_url)
    try:
        target.upgrade()
        target.load(sample_request("r1"), accept)
        writer = sqlite3.connect(str(sa.make_url(sqlite_url).database), isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # what a load holds
        try:
            started = time.monotonic()
            assert target.runs()[0]["run_uid"] == "r1"
            assert time.monotonic() - started < 2
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    finally:
        target.dispose()


# --------------------------------------------------------------------------
# kill safety
# --------------------------------------------------------------------------

KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from test_load import accept, sample_request
    from jhmig.load import open_target

    marker = Path({marker!r})
    def progress(step, done, total):
        if step.endswith("/{entity}") and done == total:
            marker.write_text("{entity} written")
    target = open_target({url!r})
    target.load(sample_request("killed"), accept, progress)
    """
)


# Three points of the load: after the first entity (code table), in the middle (persons, with
# addresses still to come) and after the last entity, just before the reconciliation and the commit.
KILL_POINTS = ("legacy_code", "person", "payment")


@pytest.mark.parametrize("entity", KILL_POINTS)
def test_killed_load_leaves_no_trace(target: Target, url: str, tmp_path: Path, entity: str) -> None:
    assert entity in sample_frames() and list(sample_frames())[-1] == KILL_POINTS[-1]
    marker = tmp_path / "reached-pause"
    script = KILL_SCRIPT.format(tests=str(Path(__file__).parent), marker=str(marker), url=url, entity=entity)
    env = {**os.environ, "JHMIG_TEST_PAUSE_AFTER_ENTITY": f"{entity}:30"}
    process = subprocess.Popen([sys.executable, "-c", script], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not marker.exists():
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "the load never reached the pause"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL

    # PostgreSQL ends the orphaned backend (and its transaction) when it notices the closed socket.
    deadline = time.monotonic() + 10
    while True:
        try:
            state = dump(url)
            break
        except sa.exc.OperationalError:  # SQLite: the dead writer's lock is released with its process
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert all(state[t] == [] for t in STATE_TABLES), {t: len(v) for t, v in state.items() if v}
    # and the target still works
    assert target.load(sample_request("after"), accept).committed
    assert len(rows(url, "person")) == 3


def test_row_hash_text_is_the_hex_of_each_uint64() -> None:
    """Row hashes are stored as text; re-runs compare them with what earlier runs stored."""
    import numpy as np

    from jhmig.load.rowhash import hex16

    values = np.array([0, 1, 255, 2**63, 2**64 - 1, 0x0123456789ABCDEF], dtype=np.uint64)
    assert list(hex16(values)) == [f"{int(v):016x}" for v in values]


def test_arrow_and_object_keys_give_the_same_plan(target: Target, url: str) -> None:
    """Keys may arrive as Arrow strings (extract) or as objects (lists, tests): a re-run with the other form changes nothing."""
    target.load(sample_request("r1"), accept)
    frames = sample_frames()
    for frame in frames.values():
        for column in [c for c in frame.columns if c == "legacy_key" or c.endswith("_key")]:
            frame[column] = frame[column].astype("string[pyarrow]")
    result = target.load(sample_request("r2", frames), accept)
    stats = result.stats
    assert all(s.inserted == 0 and s.updated == 0 and s.deleted == 0 for s in stats.values())
    assert stats[(SOURCE, "payment")].unchanged == 2
