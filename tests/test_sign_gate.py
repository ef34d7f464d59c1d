"""Quality gate: thresholds in the project file, exit 1 on a miss, `--cutover` commits only what passes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from jhmig.cli import main
from minimal_export import MiniExport


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def project(tmp_path: Path, export: MiniExport, gate: str) -> Path:
    export.write(tmp_path / "export")
    path = tmp_path / "jhmig.yaml"
    path.write_text(f"name: t\nsources:\n  legacy:\n    export: ./export\ntarget:\n  url_env: JHMIG_TEST_UNSET_URL\n"
                    f"  default: sqlite:///{tmp_path / 't.sqlite'}\noutput: ./runs\n{gate}", encoding="utf-8")
    return path


def runs_in_target(tmp_path: Path) -> list[tuple]:
    con = sqlite3.connect(tmp_path / "t.sqlite")
    try:
        return con.execute("select run_id, status from mig_run").fetchall()
    finally:
        con.close()


def last_summary(tmp_path: Path) -> dict:
    return json.loads(sorted((tmp_path / "runs").glob("*/summary.json"))[-1].read_text(encoding="utf-8"))


def broken_export() -> MiniExport:
    export = MiniExport()
    export.rows["UVG.TXT"][0] = "51.3-UV-2019/00001;3;2;1;01.03.2019;31.12.9999;ca. 230;J"  # quarantined claim
    return export


GATE = "gate:\n  no_errors_of: [code.unknown]\n  max_quarantine_percent: {'*': 0}\n  statistics: explained\n"


def test_a_run_missing_the_gate_exits_1_and_names_it(tmp_path: Path) -> None:
    code, output = run_cli("run", "-p", str(project(tmp_path, broken_export(), GATE)), "--no-progress")
    assert code == 1
    assert "gate missed  quarantine:uvg_claim" in output and "quality gate: missed" in output
    summary = last_summary(tmp_path)
    assert summary["status"] == "gate_missed" and summary["gate"]["missed"] == ["quarantine:uvg_claim"]
    assert runs_in_target(tmp_path) == [(1, "gate_missed")]  # not a cut-over: committed, but not "ok"


def test_cutover_refuses_to_commit_unless_the_gate_passes(tmp_path: Path) -> None:
    path = project(tmp_path, broken_export(), GATE)
    code, output = run_cli("run", "-p", str(path), "--no-progress", "--cutover")
    assert code == 1 and "cut-over not committed" in output
    assert runs_in_target(tmp_path) == []
    assert len(list((tmp_path / "runs").glob("*/abgleich.html"))) == 1  # the refused cut-over still reports

    code, output = run_cli("run", "-p", str(path), "--no-progress", "--cutover", "--override-by", "K. Kurz",
                           "--override-reason", "Anspruch wird von Hand nacherfasst")
    assert code == 0, output
    summary = last_summary(tmp_path)
    assert summary["gate"]["override"]["by"] == "K. Kurz" and summary["options"]["mode"] == "cutover"
    assert summary["options"]["gate_override"]["reason"] == "Anspruch wird von Hand nacherfasst"
    assert runs_in_target(tmp_path) == [(2, "ok")]  # run id 1 was the refused cut-over's (its folder keeps it): never reused


def test_cutover_of_a_clean_export_commits(tmp_path: Path) -> None:
    code, output = run_cli("run", "-p", str(project(tmp_path, MiniExport(), GATE)), "--no-progress", "--cutover")
    assert code == 0, output
    assert last_summary(tmp_path)["gate"]["passed"] is True and runs_in_target(tmp_path) == [(1, "ok")]
