"""Never a crash, nothing lost (issue 21): the combinations of defects that reached no stage before.

Each test names the defect it guards; each failed on the code before the fix.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from rich.console import Console

from jhmig.cli import main
from jhmig.contracts import ContractViolation, check_disjoint, check_frames, check_merged_survivors
from jhmig.quarantine import follow_merged
from jhmig.records import Batch
from minimal_export import MiniExport, extract_and_map, rule_rows


def run(folder: Path, tmp_path: Path, *extra: str) -> tuple[int, str, dict]:
    db = tmp_path / "t.sqlite"
    result = CliRunner().invoke(main, ["run", "--export", str(folder), "--db", f"sqlite:///{db}", "--out", str(tmp_path / "runs"),
                                       "--no-progress", *extra])
    summaries = sorted((tmp_path / "runs").glob("*/summary.json"))
    return result.exit_code, result.output, json.loads(summaries[-1].read_text(encoding="utf-8")) if summaries else {}


def accounted(summary: dict) -> bool:
    return all(f["read"] == f["loaded"] + f["merged"] + f["quarantined"] + f["skipped"] for f in summary["files"])


# -- 1. a key twice with other content, and the same person again under a second key -----------------------------

def conflicting_and_twice() -> MiniExport:
    export = MiniExport()
    paul = export.rows["PERSONEN.TXT"][3]  # 4;Weiß;Paul;...
    export.rows["PERSONEN.TXT"] += [paul.replace(";Trier;", ";Konz;"),  # PERS_NR 4 again, other ORT: a conflict
                                    "5" + paul[1:]]  # and the same child again under PERS_NR 5: the matching merges it
    return export


def test_a_conflicting_key_leaves_the_frames_at_transform(tmp_path: Path) -> None:
    result = extract_and_map(conflicting_and_twice().write(tmp_path / "x"))
    check_frames([result.batch], "transform", full=True)  # one row per key: the matching may index by it
    persons = result.batch.frames["person"]
    assert persons["legacy_key"].tolist().count("4") == 1
    q = result.batch.outcome_frame("quarantined")
    assert set(zip(q["entity"], q["legacy_key"], q["src_line"])) == {("person", "4", 6), ("address", "4", 6)}
    assert len(rule_rows(result, "key.duplicate")) == 2  # reported once per entity, not twice


def test_conflicting_key_plus_second_key_of_the_same_person_runs_through(tmp_path: Path) -> None:
    code, output, summary = run(conflicting_and_twice().write(tmp_path / "x"), tmp_path)
    assert code == 0, output
    assert "internal error" not in output
    assert accounted(summary) and all(c["ok"] for c in summary["checks"])
    person = next(f for f in summary["files"] if f["file"] == "PERSONEN.TXT" and f["entity"] == "person")
    assert (person["read"], person["quarantined"], person["merged"]) == (6, 1, 1)


# -- 2. an export with no payment at all -------------------------------------------------------------------------

def test_an_export_without_payments_is_migrated_and_reported(tmp_path: Path) -> None:
    export = MiniExport()
    export.payments = []
    code, output, summary = run(export.write(tmp_path / "x"), tmp_path)
    assert code == 0, output
    assert summary["money"]["read_cents"] == 0 and summary["money"]["balanced"]
    html = next((tmp_path / "runs").glob("*/abgleich.html")).read_text(encoding="utf-8")
    assert "Gesamt: gelesen 0,00 €" in html


# -- 3. a record merged into a survivor that is quarantined follows it -------------------------------------------

def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for c in ("legacy_key", "src_path", "src_sheet"):
        frame[c] = frame[c].astype("string")
    return frame


def test_a_list_row_merged_into_a_quarantined_export_service_goes_to_the_quarantine() -> None:
    export, lists = Batch("legacy"), Batch("excel-asd")
    export.frames["service"] = _frame([{"legacy_key": "100", "src_path": "LEISTUNGEN.TXT", "src_sheet": "", "src_line": 2}])
    lists.frames["service"] = _frame([{"legacy_key": "L:a.xlsx|x|7", "src_path": "a.xlsx", "src_sheet": "x", "src_line": 7},
                                      {"legacy_key": "L:a.xlsx|x|8", "src_path": "a.xlsx", "src_sheet": "x", "src_line": 8}])
    # both list rows are the export's service 100 (the matching merged them) ...
    lists.merge("service", pd.Series([True, False]), "gleiche Leistung wie legacy:100",
                (pd.Series(["legacy", None]), pd.Series(["100", None])))
    # ... which then fails validation (ref.missing) and is quarantined
    export.quarantine("service", pd.Series([True]), "ref.missing", "verweist auf Akte X")
    with pytest.raises(ContractViolation, match="merged.survivor"):
        check_merged_survivors([export, lists], "quarantine")
    assert follow_merged([export, lists]) == 1
    check_merged_survivors([export, lists], "quarantine")
    q = lists.outcome_frame("quarantined")
    assert q[["legacy_key", "rule_ids"]].values.tolist() == [["L:a.xlsx|x|7", "ref.depends_on_quarantined"]]
    assert "legacy:100" in q["messages"].iloc[0]
    assert not len(lists.outcome_frame("merged"))
    check_disjoint(lists, "quarantine")


def test_a_merged_record_whose_survivor_was_merged_in_turn_stays_merged() -> None:
    """An exact repeat of a list row whose record the matching merged into the export's: the chain ends in a loaded row."""
    export, lists = Batch("legacy"), Batch("excel-asd")
    export.frames["person"] = _frame([{"legacy_key": "4", "src_path": "PERSONEN.TXT", "src_sheet": "", "src_line": 5}])
    lists.frames["person"] = _frame([{"legacy_key": "K", "src_path": "a.csv", "src_sheet": "", "src_line": 3}])
    lists.record(lists.merged, "person", _frame([{"legacy_key": "K", "src_path": "a.csv", "src_sheet": "", "src_line": 9}]),
                 "gleicher Datensatz wie a.csv, Zeile 3")
    lists.merge("person", pd.Series([True]), "gleiche Person wie legacy:4", (pd.Series(["legacy"]), pd.Series(["4"])))
    assert follow_merged([export, lists]) == 0
    check_merged_survivors([export, lists], "quarantine")
    assert len(lists.outcome_frame("merged")) == 2


def test_a_merged_record_whose_survivor_is_skipped_is_skipped_too() -> None:
    export, lists = Batch("legacy"), Batch("excel-asd")
    export.frames["case_file"] = _frame([{"legacy_key": "A1", "src_path": "AKTEN.TXT", "src_sheet": "", "src_line": 2}])
    lists.frames["case_file"] = _frame([{"legacy_key": "L1", "src_path": "a.csv", "src_sheet": "", "src_line": 4}])
    lists.merge("case_file", pd.Series([True]), "gleiche Akte wie legacy:A1", (pd.Series(["legacy"]), pd.Series(["A1"])))
    export.skip("case_file", pd.Series([True]), "Fachbereich nicht ausgewählt")
    assert follow_merged([export, lists]) == 1
    skipped = lists.outcome_frame("skipped")
    assert skipped["legacy_key"].tolist() == ["L1"] and "nicht migriert" in skipped["reason"].iloc[0]


def test_an_exact_repeat_of_a_quarantined_payment_is_quarantined_with_it(tmp_path: Path) -> None:
    export = MiniExport()
    bad = export.payments[3][:4] + ("20201315",) + export.payments[3][5:]  # month 13: quarantined
    export.payments[3] = bad
    export.payments.append(bad)  # the same line twice, byte for byte
    code, output, summary = run(export.write(tmp_path / "x"), tmp_path)
    assert code == 0, output
    con = sqlite3.connect(tmp_path / "t.sqlite")
    lines = sorted(r[0] for r in con.execute("select src_line from mig_quarantine where entity = 'payment'"))
    assert lines == [4, 5]  # both lines are in the quarantine: none merged into a record that is not loaded
    payment = next(f for f in summary["files"] if f["file"] == "ZAHLUNGEN.DAT")
    assert (payment["quarantined"], payment["merged"]) == (2, 0)
    assert summary["money"]["balanced"]


# -- 4. the console tells what was committed -----------------------------------------------------------------------

def _changes(status: str) -> dict:
    return {"status": status, "entities": {"person": {"inserted": 5, "updated": 0, "unchanged": 0, "deleted": 0}}}


@pytest.mark.parametrize(("status", "committed", "said"), [
    ("failed", False, "unchanged (the run was rolled back)"),
    ("dry_run", False, "rolled back (dry run)"),
    ("ok", True, "Target database (changed)"),
])
def test_the_target_table_appears_only_for_a_committed_load(status: str, committed: bool, said: str) -> None:
    from jhmig.reports.console import print_target_changes

    console = Console(record=True, width=120)
    print_target_changes(_changes(status), console, committed)
    text = console.export_text()
    assert said in text
    assert ("5 new" in text) is committed


def test_a_dry_run_says_it_was_rolled_back(tmp_path: Path) -> None:
    code, output, _ = run(MiniExport().write(tmp_path / "x"), tmp_path, "--dry-run")
    assert code == 0
    assert "rolled back (dry run)" in output and "Target database (changed)" not in output


# -- internal errors: the step, the traceback in the run folder ----------------------------------------------------

def test_an_internal_error_names_the_step_and_leaves_its_traceback_in_the_run_folder(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import jhmig.pipeline

    def broken(state, note):  # type: ignore[no-untyped-def]
        raise KeyError("boom")

    monkeypatch.setattr(jhmig.pipeline, "validate_sources", broken)
    code, output, summary = run(MiniExport().write(tmp_path / "x"), tmp_path)
    assert code == 3
    assert "internal error in step 'validate'" in output and "the target database is unchanged" in output
    assert summary["status"] == "failed" and summary["step"] == "validate" and summary["exit_code"] == 3
    log = next((tmp_path / "runs").glob("*/error.log"))
    assert str(log) in output.replace("\n", "")
    text = log.read_text(encoding="utf-8")
    assert "step 'validate'" in text and "Traceback" in text and "KeyError" in text
    assert persons_in(tmp_path / "t.sqlite") == 0  # nothing was loaded


def persons_in(db: Path) -> int:
    """Rows of the target's person table (0 when there is no target or no table yet)."""
    if not db.exists():
        return 0
    with sqlite3.connect(db) as con:
        if not con.execute("select count(*) from sqlite_master where name = 'person'").fetchone()[0]:
            return 0
        return int(con.execute("select count(*) from person").fetchone()[0])


def test_a_broken_contract_fails_with_its_name_not_a_pandas_error() -> None:
    batch = Batch("legacy")
    batch.frames["person"] = _frame([{"legacy_key": "4", "src_path": "P", "src_sheet": "", "src_line": 5, "src_x": 1},
                                     {"legacy_key": "4", "src_path": "P", "src_sheet": "", "src_line": 6, "src_x": 1}])
    with pytest.raises(ContractViolation, match=r"frame\.unique_key.*'match'"):
        check_frames([batch], "match")
    frame = batch.frames["person"]
    batch.frames["person"] = frame.assign(legacy_key=[4, 5])  # keys read as numbers (leading zeros lost)
    with pytest.raises(ContractViolation, match=r"frame\.columns.*wrong type of legacy_key"):
        check_frames([batch], "transform export")
    batch.frames["person"] = frame.drop(columns="src_line")
    with pytest.raises(ContractViolation, match=r"frame\.columns.*src_line"):
        check_frames([batch], "match")


# -- money per year and kind with payments whose due date cannot be read (mutation tool, seed 2, case 26) ----------

def _outcomes(rows: list[tuple]) -> pd.DataFrame:
    year, kind, cents, outcome = zip(*rows)
    return pd.DataFrame({"year": pd.array(year, dtype="Int64"), "payment_type": pd.array(kind, dtype="string"), "cents": list(cents),
                         "outcome": pd.array(outcome, dtype="string"), "legacy_key": pd.array([str(i) for i in range(len(rows))], dtype="string"),
                         "reason": pd.array([""] * len(rows), dtype="string")})


@pytest.mark.parametrize("first_unknown", [True, False])
def test_money_per_year_counts_a_payment_without_a_readable_due_date_once(first_unknown: bool) -> None:
    from jhmig.reports.money_table import money_table

    rows = [(None, "HE", 100, "quarantined"), (2020, "HE", 200, "loaded"), (2021, "UV", 300, "loaded")]
    outcomes = _outcomes(rows if first_unknown else rows[::-1])
    target = pd.DataFrame({"year": pd.array([2020, 2021], dtype="Int64"), "payment_type": ["HE", "UV"], "count": [1, 1], "cents": [200, 300]})
    money = money_table(outcomes, target, 600)
    assert money["totals"]["read"] == 600 and money["exact"]  # the unknown year was counted twice before, or failed in a join
    assert sorted((line["year"] or 0, line["payment_type"], line["read"]) for line in money["lines"]) == \
        [(0, "HE", 100), (2020, "HE", 200), (2021, "UV", 300)]


def test_money_per_year_without_any_payment() -> None:
    from jhmig.reports.money_table import money_table

    money = money_table(_outcomes([(2020, "HE", 0, "loaded")]).iloc[:0], None, 0)
    assert money["lines"] == [] and money["totals"]["read"] == 0 and money["exact"]
