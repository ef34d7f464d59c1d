"""The pipeline through the CLI on the hand-written export: gate, quarantine, dry run, exit codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from jhmig.cli import main
from minimal_export import MiniExport


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def last_summary(out: Path) -> dict:
    return json.loads(sorted(out.glob("*/summary.json"))[-1].read_text(encoding="utf-8"))


def migrate(export: MiniExport, tmp_path: Path) -> tuple[int, dict, Path]:
    """Write ``export``, run it into a fresh SQLite file; exit code, summary and the database."""
    folder = export.write(tmp_path / "x")
    db = tmp_path / "t.sqlite"
    code, _ = run_cli("run", "--export", str(folder), "--db", f"sqlite:///{db}", "--out", str(tmp_path / "runs"), "--no-progress")
    return code, last_summary(tmp_path / "runs"), db


def table_dump(db: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("select name from sqlite_master where type='table' and name not like 'alembic%'")]
        return {n: sorted(con.execute(f'select * from "{n}"').fetchall(), key=repr) for n in names}
    finally:
        con.close()


def test_truncated_export_is_refused_with_file_and_numbers(tmp_path: Path) -> None:
    export = MiniExport(manifest_overrides={"BETEILIGTE.TXT": 7})
    folder = export.write(tmp_path / "x")
    db = tmp_path / "t.sqlite"
    code, output = run_cli("run", "--export", str(folder), "--db", f"sqlite:///{db}", "--out", str(tmp_path / "runs"), "--no-progress")
    assert code == 2
    assert "BETEILIGTE.TXT" in output and "7" in output and "4" in output and "--accept-manifest-mismatch" in output
    assert not db.exists() or not table_dump(db).get("person")


def test_override_is_recorded_in_the_run(tmp_path: Path) -> None:
    folder = MiniExport(sum_override=1).write(tmp_path / "x")
    db = tmp_path / "t.sqlite"
    code, _ = run_cli("run", "--export", str(folder), "--db", f"sqlite:///{db}", "--out", str(tmp_path / "runs"),
                      "--accept-manifest-mismatch", "--no-progress")
    assert code == 0
    summary = last_summary(tmp_path / "runs")
    assert summary["options"]["manifest_overridden"] is True
    assert summary["money"]["manifest_cents"] == 1
    stored = sqlite3.connect(db).execute("select options from mig_run").fetchone()[0]
    assert json.loads(stored)["accept_manifest_mismatch"] is True
    rules = {r["rule_id"] for r in summary["findings"]["by_rule"]}
    assert "manifest.mismatch" in rules


def test_dangling_and_dependent_records_are_quarantined_with_reason(tmp_path: Path) -> None:
    export = MiniExport()
    # a service for a case file that does not exist, and a payment bound to it
    export.rows["LEISTUNGEN.TXT"].append("102;51.3-WJH-2020/09999;4;070;01.01.2021;31.12.9999;;;100,00;T")
    export.payments.append((5, "51.3-WJH-2020/00002", 102, "HE", "20210201", "20210101", "20210131", 310000, "", "Heim"))
    code, summary, db = migrate(export, tmp_path)
    assert code == 0
    by_file = {(f["file"], f["entity"]): f for f in summary["files"]}
    assert by_file[("LEISTUNGEN.TXT", "service")]["quarantined"] == 1
    assert by_file[("ZAHLUNGEN.DAT", "payment")]["quarantined"] == 1
    assert summary["money"]["quarantined_cents"] == 310000
    assert summary["money"]["target_cents"] == export.payment_sum - 310000
    rows = sqlite3.connect(db).execute("select entity, legacy_key, src_line, rule_ids, raw from mig_quarantine order by entity").fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("payment", "5", 5, "ref.depends_on_quarantined"),
        ("service", "102", 4, "ref.missing"),
    ]
    assert json.loads(rows[1][4])["AKTEN_NR"] == "51.3-WJH-2020/09999"


def test_dry_run_leaves_the_target_unchanged(tmp_path: Path) -> None:
    folder = MiniExport().write(tmp_path / "x")
    db = tmp_path / "t.sqlite"
    args = ["--export", str(folder), "--db", f"sqlite:///{db}", "--out", str(tmp_path / "runs"), "--no-progress"]
    assert run_cli("run", *args)[0] == 0
    before = table_dump(db)
    export = MiniExport()
    export.rows["PERSONEN.TXT"][3] = export.rows["PERSONEN.TXT"][3].replace("Gartenstraße", "Neue Straße")
    export.write(folder)
    code, _ = run_cli("run", *args, "--dry-run")
    assert code == 0
    summary = last_summary(tmp_path / "runs")
    assert summary["status"] == "dry_run" and summary["entities"]["address"]["updated"] == 1
    assert table_dump(db) == before


def test_departments_selection_skips_with_reason(tmp_path: Path) -> None:
    folder = MiniExport().write(tmp_path / "x")
    code, _ = run_cli("run", "--export", str(folder), "--db", f"sqlite:///{tmp_path / 't.sqlite'}", "--out", str(tmp_path / "runs"),
                      "--departments", "UV", "--no-progress")
    assert code == 0
    summary = last_summary(tmp_path / "runs")
    by_file = {(f["file"], f["entity"]): f for f in summary["files"]}
    assert by_file[("AKTEN.TXT", "case_file")]["skipped"] == 1
    assert by_file[("LEISTUNGEN.TXT", "service")]["skipped"] == 2
    assert by_file[("ZAHLUNGEN.DAT", "payment")]["skipped"] == 2
    assert summary["money"]["skipped_cents"] == 512000 + 63700


def test_a_deselected_record_with_an_error_counts_as_skipped_not_quarantined(tmp_path: Path) -> None:
    export = MiniExport()
    rows = export.rows["LEISTUNGEN.TXT"]
    rows[1] = rows[1].replace("01.01.2020", "31.02.2020")  # WJH service 101: an impossible start date
    folder = export.write(tmp_path / "x")
    code, _ = run_cli("run", "--export", str(folder), "--db", f"sqlite:///{tmp_path / 't.sqlite'}", "--out", str(tmp_path / "runs"),
                      "--departments", "UV", "--no-progress")
    assert code == 0
    summary = last_summary(tmp_path / "runs")
    service = next(f for f in summary["files"] if f["file"] == "LEISTUNGEN.TXT")
    assert (service["skipped"], service["quarantined"]) == (2, 0)
    quarantine = (max((tmp_path / "runs").iterdir()) / "quarantine.csv").read_text(encoding="utf-8-sig")
    assert "LEISTUNGEN.TXT" not in quarantine


def test_init_writes_a_project_that_runs(tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert run_cli("init", str(project))[0] == 0
    text = (project / "jhmig.yaml").read_text(encoding="utf-8")
    assert "JHMIG_DB_URL" in text and "password" not in text.lower().replace("may hold a password", "")
    MiniExport().write(project / "export")
    code, _ = run_cli("run", "-p", str(project / "jhmig.yaml"), "--db", f"sqlite:///{tmp_path / 't.sqlite'}", "--no-progress")
    assert code == 0
    assert last_summary(project / "runs")["status"] == "ok"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli("run")[0] == 2
    code, output = run_cli("run", "--export", str(tmp_path / "missing"), "--db", f"sqlite:///{tmp_path / 't.sqlite'}")
    assert code == 2 and "does not exist" in output


def test_person_key_twice_with_other_content_quarantines_the_second_line_and_its_address(tmp_path: Path) -> None:
    export = MiniExport()
    # PERS_NR 4 again, moved to another street: a conflict, not a repeat
    export.rows["PERSONEN.TXT"].append(export.rows["PERSONEN.TXT"][3].replace("Gartenstraße;7", "Neue Straße;9"))
    code, summary, db = migrate(export, tmp_path)
    assert code == 0
    by_file = {(f["file"], f["entity"]): f for f in summary["files"]}
    assert by_file[("PERSONEN.TXT", "person")]["quarantined"] == 1
    assert by_file[("PERSONEN.TXT", "address")]["quarantined"] == 1
    rows = sqlite3.connect(db).execute("select entity, legacy_key, src_line, rule_ids from mig_quarantine order by entity").fetchall()
    assert rows == [("address", "4", 6, "key.duplicate"), ("person", "4", 6, "key.duplicate")]
    streets = sqlite3.connect(db).execute("select street from address a join person p using (person_id)").fetchall()
    assert ("Neue Straße",) not in streets and ("Gartenstraße",) in streets


def test_exact_duplicate_payment_line_is_merged_with_its_money(tmp_path: Path) -> None:
    export = MiniExport()
    export.payments += [export.payments[2], export.payments[0]]  # the same records twice, counted by manifest and trailer
    code, summary, db = migrate(export, tmp_path)
    assert code == 0
    money = summary["money"]
    repeated = export.payments[2][7] + export.payments[0][7]
    assert money["merged_cents"] == repeated
    assert money["balanced"] and money["target_cents"] == export.payment_sum - repeated
    by_file = {(f["file"], f["entity"]): f for f in summary["files"]}
    assert by_file[("ZAHLUNGEN.DAT", "payment")]["merged"] == 2
    findings = pd.read_csv(sorted((tmp_path / "runs").glob("*/findings.csv"))[-1], sep=";", dtype=str, encoding="utf-8-sig")
    merged = findings[findings["rule_id"] == "key.exact_duplicate"]
    assert sorted(merged["src_line"].astype(int)) == [5, 6]
    assert merged["message"].str.startswith("exakte Doppelzeile von Zeile ").all()
    assert (sorted((tmp_path / "runs").glob("*/validierung.html"))[-1]).stat().st_size > 0


def test_unexpected_error_is_one_line_with_exit_3(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import jhmig.pipeline

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom [x]")

    monkeypatch.setattr(jhmig.pipeline, "run_pipeline", broken)
    folder = MiniExport().write(tmp_path / "x")
    result = CliRunner().invoke(main, ["run", "--export", str(folder), "--db", f"sqlite:///{tmp_path / 't.sqlite'}", "--no-progress"])
    assert result.exit_code == 3
    assert "internal error: RuntimeError: boom [x]" in result.output and "Traceback" not in result.output


def test_a_work_list_that_cannot_be_written_stops_the_run_before_the_load(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The work list is written before the load; if it cannot be written, nothing reaches the target."""
    import jhmig.reports.steward

    def full_disk(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jhmig.reports.steward, "write_fehlerliste", full_disk)
    folder = MiniExport().write(tmp_path / "x")
    db = tmp_path / "t.sqlite"
    result = CliRunner().invoke(main, ["run", "--export", str(folder), "--db", f"sqlite:///{db}", "--out", str(tmp_path / "runs"),
                                       "--no-progress"])
    assert result.exit_code == 3
    assert "No space left on device" in result.output
    dump = table_dump(db) if db.exists() else {}
    assert not dump.get("mig_run") and not dump.get("person") and not dump.get("payment")
