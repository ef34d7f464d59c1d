"""Sign-off figures on generated data: KJH statistics from source and target against the truth, money per
year and kind, a planted payment mismatch as a red line naming its record, abgleich.html in Chromium."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from jhmig.cli import main
from jhmig.load import open_target
from jhmig.synth import generate
from minimal_export import MiniExport
from test_steward_reports import dump_dom

KIND = {"UV": "uvg", "HE": "hze", "KB": "kita_fee", "RG": "recovery", "ST": "reversal"}


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, Path]:
    base = tmp_path_factory.mktemp("signoff")
    truth = generate(base / "data", size="small", seed=3, lists=False)
    code, output = run_cli("run", "--export", str(base / "data" / "legacy"), "--db", f"sqlite:///{base / 't.sqlite'}",
                           "--out", str(base / "runs"), "--no-progress")
    assert code == 0, output
    run_dir = sorted((base / "runs").glob("*/summary.json"))[-1].parent
    return truth, json.loads((run_dir / "summary.json").read_text(encoding="utf-8")), run_dir


def test_source_and_target_statistics_agree_with_the_truth(generated: tuple[dict, dict, Path]) -> None:
    truth, summary, _ = generated
    expected = {(c["measure"], c["service_type"], c["year"]): c["count"] for c in truth["statistics"]["cells"]}
    cells = summary["signoff"]["statistics"]["cells"]
    assert summary["signoff"]["years"] == truth["statistics"]["years"]
    assert {(c["measure"], c["service_type"], c["year"]): c["source"] for c in cells if c["source"]} == expected
    for c in cells:  # the target lacks exactly the records that were not loaded, each named
        assert c["target"] + len(c["records"]) == expected.get((c["measure"], c["service_type"], c["year"]), 0), c
        assert all(r["outcome"] in ("quarantined", "skipped", "merged") and r["key"] for r in c["records"])
    assert summary["signoff"]["statistics"]["explained_share"] == 1.0
    assert any(c["service_type"] == "HA:097" for c in cells)  # a retired code without successor has its own line
    assert 0 < summary["signoff"]["statistics"]["equal_share"] < 1  # quarantined services make real differences


def test_money_per_year_and_kind_is_exact(generated: tuple[dict, dict, Path]) -> None:
    truth, summary, _ = generated
    money = summary["signoff"]["money"]
    assert money["exact"] and money["red_lines"] == 0
    read = {(line["year"], line["payment_type"]): line["read"] for line in money["lines"]}
    expected = {(int(y), KIND[k]): v["sum_cent"] for y, kinds in truth["payments_by_year_type"].items() for k, v in kinds.items()}
    assert read == expected
    for line in money["lines"]:
        assert line["read"] == line["loaded"] + line["quarantined"] + line["merged"] + line["skipped"] and line["target"] == line["loaded"]


def test_reconciliation_report_opens_in_chromium_with_charts_offline(generated: tuple[dict, dict, Path]) -> None:
    _, summary, run_dir = generated
    html = run_dir / "abgleich.html"
    text = html.read_text(encoding="utf-8")
    assert not re.search(r"https?:", text) and not re.search(r"<(link|iframe|object|embed)\b|<script[^>]+src=", text)
    dom = dump_dom(html)
    assert f"<title>Abgleich – Lauf {summary['run_uid']}</title>" in dom
    charts = re.findall(r'<img class="chart" alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]{200,})"', dom)
    assert {alt for alt, _ in charts} >= {"Zahlungen je Jahr und Zahlart", "begonnene Hilfen je § und Jahr"}
    assert "Befunde über die Läufe" not in dom  # one run: nothing to compare over the runs
    assert 'data-measure="running"' in dom and "auf den Cent genau" in dom
    assert (run_dir / "abgleich.xlsx").stat().st_size > 5000


def test_planted_payment_mismatch_is_a_red_line_naming_its_record(tmp_path: Path) -> None:
    db = tmp_path / "t.sqlite"
    target = open_target(f"sqlite:///{db}")
    target.upgrade()
    target.dispose()
    con = sqlite3.connect(db)  # the target changes one amount as it is written: what a faulty interface would do
    con.execute("CREATE TRIGGER shift AFTER INSERT ON payment WHEN NEW.amount_cents = 63700 "
                "BEGIN UPDATE payment SET amount_cents = 63800 WHERE payment_id = NEW.payment_id; END")
    con.commit()
    con.close()
    folder = MiniExport().write(tmp_path / "x")
    code, _ = run_cli("run", "--export", str(folder), "--db", f"sqlite:///{db}", "--out", str(tmp_path / "runs"), "--no-progress")
    assert code == 1
    run_dir = sorted((tmp_path / "runs").glob("*/summary.json"))[-1].parent
    money = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["signoff"]["money"]
    red = [line for line in money["lines"] if line["red"]]
    assert [(line["year"], line["payment_type"]) for line in red] == [(2020, "hze")]
    assert red[0]["records"] == [{"key": "4", "cents_read": 63700, "cents_target": 63800, "why": "Betrag im Ziel weicht ab"}]
    html = (run_dir / "abgleich.html").read_text(encoding="utf-8")
    row = re.search(r'<tr class="money rot" data-year="2020" data-kind="hze">.*?</tr>', html, re.DOTALL)
    assert row and "Betrag im Ziel weicht ab: 4 (637,00 € → 638,00 €)" in row.group(0)
