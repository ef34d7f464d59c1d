"""Run registry: `jhmig runs list/show/diff` over run folders (dry runs included)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from jhmig.cli import main
from jhmig.reports.run_diff import diff_runs, run_folders
from minimal_export import MiniExport


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def dry_run(export: MiniExport, tmp_path: Path, name: str) -> None:
    folder = export.write(tmp_path / name)
    code, output = run_cli("run", "--export", str(folder), "--db", f"sqlite:///{tmp_path / 't.sqlite'}", "--out", str(tmp_path / "runs"),
                           "--no-progress", "--dry-run")
    assert code in (0, 1), output


def test_runs_diff_lists_exactly_the_known_changes(tmp_path: Path) -> None:
    first = MiniExport()
    first.rows["UVG.TXT"][0] = "51.3-UV-2019/00001;3;2;1;01.03.2019;31.12.9999;ca. 230;J"  # unreadable amount: quarantined
    dry_run(first, tmp_path, "a")
    second = MiniExport()  # the amount is fixed ...
    second.rows["BETEILIGTE.TXT"][3] = "51.3-WJH-2020/00002;4;K;10.01.2020;31.02.2021"  # ... a participant breaks ...
    second.rows["LEISTUNGEN.TXT"][0] = second.rows["LEISTUNGEN.TXT"][0].replace("5.120,00", "5.200,00")  # ... a rate changes
    dry_run(second, tmp_path, "b")

    a, b = run_folders(tmp_path / "runs")
    d = diff_runs(a, b)
    rules = {r["rule_id"]: r for r in d["rules"] if r["new"] or r["fixed"]}
    assert set(rules) == {"value.invalid_amount", "value.invalid_date"}
    assert rules["value.invalid_amount"]["fixed_records"] == ["uvg_claim:51.3-UV-2019/00001|3|01.03.2019 (monthly_amount_cents)"]
    assert rules["value.invalid_amount"]["new"] == 0
    assert rules["value.invalid_date"]["new_records"] == ["participant:51.3-WJH-2020/00002|4|K|10.01.2020 (valid_to)"]
    assert d["moved"]["to_loaded"] == [{"entity": "uvg_claim", "key": "51.3-UV-2019/00001|3|01.03.2019", "was": "value.invalid_amount"}]
    assert [(m["entity"], m["key"]) for m in d["moved"]["to_quarantine"]] == [("participant", "51.3-WJH-2020/00002|4|K|10.01.2020")]
    assert d["changed"] == [{"entity": "service", "key": "100"}]
    assert {(c["entity"], c["count"], c["delta"]) for c in d["counts"]} == {
        ("uvg_claim", "loaded", 1), ("uvg_claim", "quarantined", -1), ("participant", "loaded", -1), ("participant", "quarantined", 1)}

    code, output = run_cli("runs", "diff", a.uid, b.uid, "--out", str(tmp_path / "runs"), "--report", str(tmp_path / "cmp"))
    assert code == 0 and "value.invalid_amount" in output and "service:100" in output
    assert (tmp_path / "cmp" / "vergleich.html").exists() and (tmp_path / "cmp" / "vergleich.xlsx").exists()
    code, output = run_cli("runs", "list", "--out", str(tmp_path / "runs"))
    assert code == 0 and a.uid[:10] in output and "dry_run" in output
    code, output = run_cli("runs", "show", b.uid[:18], "--out", str(tmp_path / "runs"))
    assert code == 0 and f"Run {b.uid}" in output


def test_a_key_loaded_and_quarantined_in_both_runs_has_not_moved(tmp_path: Path) -> None:
    import pandas as pd

    from jhmig.reports.record_hashes import FILE
    from jhmig.reports.run_diff import _moved

    def folder(name: str, quarantined: list[str], loaded: list[str]) -> Path:
        run = tmp_path / name
        run.mkdir()
        pd.DataFrame({"source_system": "legacy", "entity": "case_file", "legacy_key": quarantined,
                      "rule_ids": "key.duplicate"}).to_csv(run / "quarantine.csv", sep=";", index=False, encoding="utf-8-sig")
        pd.DataFrame({"source_system": "legacy", "entity": "case_file", "legacy_key": loaded,
                      "hash": range(len(loaded))}).to_parquet(run / FILE, index=False)
        return run

    # K1: one copy loaded, one quarantined in both runs; K2: quarantined, then loaded; K3: loaded, then quarantined
    a = folder("a", ["K1", "K2"], ["K1", "K3"])
    b = folder("b", ["K1", "K3"], ["K1", "K2"])
    moved = _moved(a, b)
    assert [m["key"] for m in moved["to_loaded"]] == ["K2"]
    assert [m["key"] for m in moved["to_quarantine"]] == ["K3"]


def test_record_hashes_are_the_hashes_of_the_values_as_text() -> None:
    """Hashed column by column (for memory), a record's hash must stay what earlier runs wrote: ``runs diff``
    compares across runs, and a changed hash function would report every record as changed."""
    import numpy as np
    import pandas as pd

    from jhmig.records import Batch
    from jhmig.reports.record_hashes import record_hashes

    frame = pd.DataFrame({"legacy_key": ["P1", "P2", "P3"], "family_name": pd.array(["Öz", None, "Berg"], dtype="string"),
                          "amount_cents": pd.array([100, None, 250], dtype="Int64"),
                          "due_date": pd.to_datetime(["2024-01-31", None, "2023-12-01"]),
                          "src_path": "PERSONEN.TXT", "src_sheet": "", "src_line": [2, 3, 4]})
    hashes = record_hashes([Batch("legacy", frames={"person": frame})])
    values = frame[["family_name", "amount_cents", "due_date"]].astype("string")
    expected = pd.util.hash_pandas_object(values, index=False).to_numpy(np.uint64).view(np.int64)
    assert hashes["hash"].tolist() == expected.tolist()
    moved = frame.assign(src_line=[7, 8, 9], src_path="OTHER.TXT")  # lineage is not part of the hash
    assert record_hashes([Batch("legacy", frames={"person": moved})])["hash"].tolist() == expected.tolist()
    changed = frame.assign(amount_cents=pd.array([101, None, 250], dtype="Int64"))
    assert record_hashes([Batch("legacy", frames={"person": changed})])["hash"].tolist()[1:] == expected.tolist()[1:]
    assert record_hashes([Batch("legacy", frames={"person": changed})])["hash"].iat[0] != expected[0]


def test_run_ids_are_never_reused_and_runs_show_takes_a_prefix_or_suffix_or_says_ambiguous(tmp_path: Path) -> None:
    db, out = f"sqlite:///{tmp_path / 't.sqlite'}", tmp_path / "runs"
    dry_run(MiniExport(), tmp_path, "a")  # a dry run: its mig_run row is rolled back with it
    code, output = run_cli("run", "--export", str(MiniExport().write(tmp_path / "b")), "--db", db, "--out", str(out), "--no-progress")
    assert code == 0, output
    dry_run(MiniExport(), tmp_path, "c")
    runs = run_folders(out)
    ids = [r.summary["run_id"] for r in runs]
    assert len(set(ids)) == 3, f"a dry run and the next committed run must not share an id: {ids}"
    committed = runs[1]
    code, output = run_cli("runs", "show", committed.uid[-6:], "--out", str(out))  # the six letters at its end
    assert code == 0 and committed.uid in output and runs[0].uid not in output, output
    code, output = run_cli("runs", "show", str(committed.summary["run_id"]), "--out", str(out))
    assert code == 0 and committed.uid in output
    common = runs[0].uid[:9]  # the day: every run matches
    code, output = run_cli("runs", "show", common, "--out", str(out))
    flat = "".join(output.split())
    assert code == 2 and "ambiguous" in output and all(r.uid in flat for r in runs), output


def test_runs_list_and_show_are_readable_and_list_the_targets_runs_without_folders(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jhmig.reports.html_report import euro

    monkeypatch.delenv("JHMIG_DB_URL", raising=False)
    db, out = f"sqlite:///{tmp_path / 't.sqlite'}", tmp_path / "runs"
    code, output = run_cli("run", "--export", str(MiniExport().write(tmp_path / "a")), "--db", db, "--out", str(out), "--no-progress")
    assert code == 0, output
    dry_run(MiniExport(), tmp_path, "b")
    code, _ = run_cli("run", "--export", str(tmp_path / "missing"), "--db", db, "--out", str(out), "--no-progress")
    assert code == 2  # a refused run: its folder holds only summary.json with the reason
    runs = run_folders(out)
    assert [r.summary["status"] for r in runs] == ["ok", "dry_run", "refused"]

    code, output = run_cli("runs", "list", "--out", str(out), "--db", db)
    assert code == 0 and "None" not in output, output
    for run in runs:
        line = next(x for x in output.splitlines() if run.uid in x)  # one line per run: nothing wrapped or cut
        assert run.summary["started_at"].replace("T", " ") in line
    loaded = runs[0].summary["money"]["loaded_cents"]
    assert euro(loaded) in next(x for x in output.splitlines() if runs[0].uid in x)
    assert "refused" in output and "export directory does not exist" in output
    assert f"run folders: {out} (3 found)" in output and "(1 run(s) in mig_run)" in output

    code, output = run_cli("runs", "show", runs[0].uid, "--out", str(out))
    assert code == 0 and "{" not in output and "}" not in output, output  # a table, no raw JSON
    assert "status" in output and "ok" in output and euro(loaded) in output and "rows in the target = rows loaded" in output

    empty = tmp_path / "nothing"
    code, output = run_cli("runs", "list", "--out", str(empty), "--db", db)  # no run folders: the target's mig_run
    assert code == 0 and runs[0].uid in output and runs[1].uid not in output, output
    assert f"run folders: {empty} (0 found)" in output and "(1 run(s) in mig_run)" in output
    code, output = run_cli("runs", "list", "--out", str(empty))
    assert code == 0 and "(0 found)" in output and "target: none named" in output
    code, output = run_cli("runs", "show", runs[0].uid[-6:], "--out", str(empty), "--db", db)
    assert code == 0 and f"Run {runs[0].uid}" in output and "only in the target" in output


def test_runs_diff_names_removed_records_with_the_stewards_exclusion_and_the_money_per_year_and_kind(tmp_path: Path) -> None:
    import json as json_

    import pandas as pd

    from jhmig.reports.record_hashes import FILE, SKIPPED_FILE
    from jhmig.reports.run_diff import RunFolder

    def folder(name: str, keys: list[tuple[str, str]], cents: int, skipped: list[tuple[str, str, str]]) -> RunFolder:
        run = tmp_path / name
        run.mkdir()
        pd.DataFrame({"source_system": "legacy", "entity": [e for e, _ in keys], "legacy_key": [k for _, k in keys],
                      "hash": range(len(keys))}).to_parquet(run / FILE, index=False)
        pd.DataFrame(skipped, columns=["entity", "legacy_key", "reason"]).assign(source_system="legacy").to_parquet(run / SKIPPED_FILE)
        summary = {"run_uid": name, "signoff": {"money": {"lines": [{"year": 2020, "payment_type": "hze", "loaded": cents}]}}}
        (run / "summary.json").write_text(json_.dumps(summary), encoding="utf-8")
        return RunFolder(run, summary)

    a = folder("a", [("service", "100"), ("service", "101"), ("payment", "7")], 500_00, [])
    b = folder("b", [("service", "101")], 380_00,
               [("service", "100", "vom Steward ausgeschlossen (fehlerliste.xlsx, K. Kurz, 07.12.2026)")])
    d = diff_runs(a, b)
    assert d["removed"] == [{"entity": "payment", "key": "7", "why": "nicht mehr geliefert"},
                            {"entity": "service", "key": "100", "why": "vom Steward ausgeschlossen (fehlerliste.xlsx, K. Kurz, 07.12.2026)"}]
    assert d["money"] == [{"year": 2020, "payment_type": "hze", "a": 500_00, "b": 380_00, "delta": -120_00}]
