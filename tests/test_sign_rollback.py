"""`jhmig rollback RUN_ID`: the target is exactly as before the run (table checksums), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from jhmig.cli import main
from jhmig.schema import DOMAIN_TABLES
from minimal_export import MiniExport

CHECKED = (*DOMAIN_TABLES, "mig_key_map", "mig_quarantine", "mig_finding", "code_list")


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def checksums(url: str) -> dict[str, str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            out = {}
            for name in CHECKED:
                rows = sorted(repr(tuple(r)) for r in connection.execute(sa.text(f'select * from "{name}"')))
                out[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            return out
    finally:
        engine.dispose()


def load(export: MiniExport, tmp_path: Path, name: str, url: str) -> None:
    code, output = run_cli("run", "--export", str(export.write(tmp_path / name)), "--db", url, "--out", str(tmp_path / "runs"), "--no-progress")
    assert code == 0, output


def second_delivery() -> MiniExport:
    export = MiniExport()
    export.rows["LEISTUNGEN.TXT"][0] = export.rows["LEISTUNGEN.TXT"][0].replace("5.120,00", "5.200,00")  # an update
    export.rows["BETEILIGTE.TXT"].pop(1)  # a participant gone: deleted
    export.rows["PERSONEN.TXT"].append("5;Neu;Nina;;01.01.2015;2;000;Weg;1;01662;Meißen;01;;01.01.2020;")  # an insert
    export.rows["BETEILIGTE.TXT"].append("51.3-UV-2019/00001;5;K;01.03.2019;")
    export.rows["SCHLUESSEL.TXT"].append("HA;099;Sonderhilfe (neu);")  # a code-table row inserted
    export.payments = [p if p[0] != 2 else (2, p[1], p[2], p[3], p[4], p[5], p[6], -4700, p[8], p[9]) for p in export.payments]
    return export


def rollback_restores_exactly(tmp_path: Path, url: str) -> None:
    load(MiniExport(), tmp_path, "a", url)
    before = checksums(url)
    load(second_delivery(), tmp_path, "b", url)
    changed = checksums(url)
    assert {n for n in CHECKED if before[n] != changed[n]} >= {"service", "participant", "person", "payment", "legacy_code", "mig_key_map"}

    code, output = run_cli("rollback", "2", "--db", url, "--by", "K. Kurz")
    assert code == 0, output
    assert "rolled back run(s) 2" in output and "BAD" not in output
    assert checksums(url) == before
    code, output = run_cli("rollback", "2", "--db", url)
    assert code == 2 and "rolled_back" in output  # not twice


def test_rollback_restores_the_prior_state_sqlite(tmp_path: Path) -> None:
    rollback_restores_exactly(tmp_path, f"sqlite:///{tmp_path / 't.sqlite'}")


def test_rollback_refuses_when_a_later_run_builds_on_it_unless_forced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.sqlite'}"
    load(MiniExport(), tmp_path, "a", url)
    after_first = checksums(url)
    load(second_delivery(), tmp_path, "b", url)
    load(MiniExport(), tmp_path, "c", url)
    code, output = run_cli("rollback", "2", "--db", url)
    assert code == 2 and "later run(s) 3" in output
    code, output = run_cli("rollback", "2", "--db", url, "--force")
    assert code == 0 and "rolled back run(s) 3, 2" in output
    assert checksums(url) == after_first


@pytest.mark.skipif(not os.environ.get("JHMIG_TEST_PG_URL"), reason="no PostgreSQL server (set JHMIG_TEST_PG_URL or run scripts/test.sh)")
def test_rollback_restores_the_prior_state_postgresql(tmp_path: Path) -> None:
    base = os.environ["JHMIG_TEST_PG_URL"]
    name = f"jhmig_rb_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        rollback_restores_exactly(tmp_path, base.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_rollback_with_a_project_uses_the_projects_target_and_never_creates_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JHMIG_DB_URL", raising=False)
    project = tmp_path / "projekt"
    assert run_cli("init", str(project))[0] == 0
    config = project / "jhmig.yaml"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the operator's working directory is not the project's folder
    for name, export in (("export", MiniExport()), ("export2", second_delivery())):
        export.write(project / name)
        code, output = run_cli("run", "-p", str(config), "--export", str(project / name), "--no-progress")
        assert code == 0, output
    database = project / "jhmig.sqlite"  # the project's default target, relative to the project folder
    assert database.exists() and not (elsewhere / "jhmig.sqlite").exists()

    code, output = run_cli("rollback", "2", "-p", str(config))
    assert code == 0, output
    assert "rolled back run(s) 2" in " ".join(output.split()) and str(database) in "".join(output.split())
    assert not (elsewhere / "jhmig.sqlite").exists(), "rollback must not create an empty database in the working directory"

    other = tmp_path / "other"
    assert run_cli("init", str(other))[0] == 0
    code, output = run_cli("rollback", "1", "-p", str(other / "jhmig.yaml"))
    assert code == 2 and "does not exist" in " ".join(output.split()) and "nothing was created" in " ".join(output.split())
    assert not (other / "jhmig.sqlite").exists()


def test_db_status_and_upgrade_exist_as_the_schema_hint_says(tmp_path: Path) -> None:
    from jhmig.load import SchemaNotCurrentError
    from jhmig.load.migrate import head_revision, pending_revisions

    hint = SchemaNotCurrentError(None, head_revision()).hint or ""
    assert "jhmig db upgrade" in hint and "jhmig db status" in hint
    url = f"sqlite:///{tmp_path / 't.sqlite'}"
    code, output = run_cli("db", "status", "--db", url)
    assert code == 2 and "does not exist" in " ".join(output.split()) and not (tmp_path / "t.sqlite").exists()  # never created
    code, output = run_cli("db", "upgrade", "--db", url)
    assert code == 0 and f"-> {head_revision()}" in output, output
    code, output = run_cli("db", "status", "--db", url)
    assert code == 0 and head_revision() in output and "pending migrations: none" in output, output
    behind = pending_revisions(None)[-2][0]
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # one revision behind: status names the pending migration and exits 1
        connection.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": behind})
    engine.dispose()
    code, output = run_cli("db", "status", "--db", url)
    assert code == 1 and "pending migrations (1)" in output and head_revision() in output.split("pending")[1], output
