"""Delta run: `jhmig run --delta-since RUN` names what changed since that run and reconciles it with what was written."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from jhmig.cli import main
from minimal_export import MiniExport


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_delta_since_the_last_run_names_and_reconciles_the_changes(tmp_path: Path) -> None:
    db, out = f"sqlite:///{tmp_path / 't.sqlite'}", tmp_path / "runs"
    code, _ = run_cli("run", "--export", str(MiniExport().write(tmp_path / "a")), "--db", db, "--out", str(out), "--no-progress")
    assert code == 0
    first = sorted(out.glob("*/summary.json"))[-1].parent.name
    export = MiniExport()
    export.rows["LEISTUNGEN.TXT"][0] = export.rows["LEISTUNGEN.TXT"][0].replace("5.120,00", "5.200,00")  # changed
    export.rows["BETEILIGTE.TXT"].pop(2)  # gone
    export.payments.append((5, "51.3-UV-2019/00001", None, "UV", "20190401", "20190401", "20190430", 23000, "DE89370400440532013000", "A"))
    code, output = run_cli("run", "--export", str(export.write(tmp_path / "b")), "--db", db, "--out", str(out), "--no-progress",
                           "--delta-since", first)
    assert code == 0, output
    run_dir = sorted(out.glob("*/summary.json"))[-1].parent
    delta = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["signoff"]["delta"]
    assert delta["since"] == first and delta["consecutive"] and delta["ok"]
    changed = {(e, kind, tuple(v["records"][kind])) for e, v in delta["entities"].items() for kind in ("new", "changed", "gone") if v["records"][kind]}
    assert changed == {("service", "changed", ("100",)), ("participant", "gone", ("51.3-UV-2019/00001|1|U|**.**.2019",)),  # a key's date is masked in reports
                       ("payment", "new", ("5",))}
    assert delta["entities"]["service"]["updated"] == 1 and delta["entities"]["payment"]["inserted"] == 1
    assert delta["money"] == [{"year": 2019, "payment_type": "uvg", "count": 1, "cents": 23000}]
    assert 'data-delta="participant"' in (run_dir / "abgleich.html").read_text(encoding="utf-8")


def _with_twin(changed_on_4: str = "") -> MiniExport:
    """Person 5 is person 4 entered twice (a steward decides 'gleiche Person'); person 5 has a participation of its own."""
    export = MiniExport()
    if changed_on_4:
        export.rows["PERSONEN.TXT"][3] = export.rows["PERSONEN.TXT"][3] + changed_on_4
    export.rows["PERSONEN.TXT"].append("5;Weiß;Paul Otto;;;1;;Bergstraße;1;54290;Trier;;;05.06.2013;01.06.2023")
    export.rows["BETEILIGTE.TXT"].append("51.3-WJH-2020/00002;5;U;01.02.2020;")
    return export


def _decide_same(folder: Path, a: str, b: str) -> Path:
    import openpyxl

    from jhmig.identity import REVIEW_DECISION, REVIEW_HIDDEN, REVIEW_SHEET

    folder.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = REVIEW_SHEET
    sheet.append([REVIEW_DECISION, "Bearbeitet von", "Datum", *(h for h, _ in REVIEW_HIDDEN)])
    sheet.append(["gleiche Person", "K. Kurz", "07.12.2026", "legacy", a, "legacy", b])
    workbook.save(folder / "fehlerliste.xlsx")
    return folder


def _runs(out: Path) -> list[Path]:
    return sorted(p.parent for p in out.glob("*/summary.json"))


def test_after_a_stewards_merge_an_identical_run_changes_nothing_and_its_delta_reconciles(tmp_path: Path) -> None:
    from jhmig.reports.run_diff import diff_runs, run_folders

    db, out = f"sqlite:///{tmp_path / 't.sqlite'}", tmp_path / "runs"
    corrections = _decide_same(tmp_path / "corr", "4", "5")
    export = _with_twin().write(tmp_path / "x")
    base = ["run", "--export", str(export), "--db", db, "--out", str(out), "--no-progress"]
    assert run_cli(*base)[0] == 0  # run 1: two persons
    code, output = run_cli(*base, "--corrections", str(corrections))  # run 2: the steward's merge
    assert code == 0, output
    merged = json.loads((_runs(out)[-1] / "summary.json").read_text(encoding="utf-8"))
    assert merged["entities"]["person"]["deleted"] == 1  # the merged record's row goes, and is counted
    code, output = run_cli(*base, "--corrections", str(corrections), "--dry-run", "--delta-since", _runs(out)[-1].name)
    assert code == 0, output
    again = json.loads((_runs(out)[-1] / "summary.json").read_text(encoding="utf-8"))
    person = again["entities"]["person"]
    assert (person["inserted"], person["updated"], person["deleted"]) == (0, 0, 0), "the survivor must not flip between runs"
    delta = again["signoff"]["delta"]
    assert delta["consecutive"] and delta["ok"], delta
    assert not any(e[k] for e in delta["entities"].values() for k in ("new", "changed", "gone"))
    folders = run_folders(out)
    d = diff_runs(folders[-2], folders[-1])
    assert (d["changed"], d["added"], d["removed"], d["money"]) == ([], [], [], []), d


def test_runs_diff_matches_a_merged_record_on_its_identity_when_its_carrier_changes(tmp_path: Path) -> None:
    """Two dry runs on an empty target (no ids yet): person 4 gets a newer change date, so it carries the
    merged row instead of person 5. One record changed (the person); its participations did not."""
    from jhmig.reports.record_hashes import read_record_hashes
    from jhmig.reports.run_diff import diff_runs, run_folders

    db, out = f"sqlite:///{tmp_path / 't.sqlite'}", tmp_path / "runs"
    corrections = _decide_same(tmp_path / "corr", "4", "5")
    for name, export in (("a", _with_twin()), ("b", _with_twin("01.01.2024"))):
        code, output = run_cli("run", "--export", str(export.write(tmp_path / name)), "--db", db, "--out", str(out), "--no-progress",
                               "--dry-run", "--corrections", str(corrections))
        assert code == 0, output
    a, b = run_folders(out)
    carriers = [set(read_record_hashes(r.path).query("entity == 'person'")["legacy_key"]) & {"4", "5"} for r in (a, b)]
    assert carriers == [{"5"}, {"4"}], "the scenario: the carrier of the merged person changes"
    d = diff_runs(a, b)
    assert d["changed"] == [{"entity": "person", "key": "4", "was": "5"}], d["changed"]
    assert d["added"] == [] and d["removed"] == []


def test_a_delta_that_does_not_reconcile_exits_1_and_says_what(tmp_path: Path) -> None:
    import pandas as pd

    from jhmig.reports.record_hashes import FILE

    db, out = f"sqlite:///{tmp_path / 't.sqlite'}", tmp_path / "runs"
    base = ["run", "--export", str(MiniExport().write(tmp_path / "a")), "--db", db, "--out", str(out), "--no-progress"]
    assert run_cli(*base)[0] == 0
    first = _runs(out)[-1]
    hashes = pd.read_parquet(first / FILE)
    hashes[hashes["entity"] != "address"].to_parquet(first / FILE, index=False)  # the base names no addresses: "new", not inserted
    code, output = run_cli(*base, "--delta-since", first.name)
    flat = " ".join(output.split())
    assert code == 1, output
    assert "does NOT reconcile" in flat and "address: new 4 / inserted 0" in flat, output
    summary = json.loads((_runs(out)[-1] / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "incomplete" and summary["signoff"]["delta"]["ok"] is False
    assert any(not c["ok"] and "delta since run" in c["check"] for c in summary["checks"])


def test_delta_names_a_stewards_exclusion_and_caps_long_key_lists(tmp_path: Path) -> None:
    from jhmig.reports.delta import SHOWN, delta_figures, delta_since

    base = pd_frame([("legacy", "payment", str(k)) for k in range(SHOWN + 5)] + [("legacy", "service", "100")])
    now = pd_frame([("legacy", "payment", str(k)) for k in range(SHOWN + 5)], offset=1)
    skipped = __import__("pandas").DataFrame({"source_system": ["legacy"], "entity": ["service"], "legacy_key": ["100"],
                                              "reason": ["vom Steward ausgeschlossen (fehlerliste.xlsx, K. Kurz, 07.12.2026)"]})
    changes = delta_since(base, now, skipped)
    figures = delta_figures(changes, {}, False, "r1", None)
    assert figures["entities"]["service"]["gone_why"] == {"100": "vom Steward ausgeschlossen (fehlerliste.xlsx, K. Kurz, 07.12.2026)"}
    payment = figures["entities"]["payment"]
    assert payment["changed"] == SHOWN + 5 and len(payment["records"]["changed"]) == SHOWN and payment["capped"]["changed"] == 5


def pd_frame(rows: list[tuple[str, str, str]], offset: int = 0):  # type: ignore[no-untyped-def]
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["source_system", "entity", "legacy_key"]).astype("string")
    return frame.assign(identity=frame["source_system"] + "|" + frame["legacy_key"], hash=range(offset, offset + len(frame)))
