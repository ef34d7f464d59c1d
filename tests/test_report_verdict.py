"""abgleich.html opens with a verdict whose every figure is summary.json's, then a printable sign-off block (issue 26)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from jhmig.cli import main
from minimal_export import MiniExport


def export_with_quarantine() -> MiniExport:
    export = MiniExport()
    export.rows["UVG.TXT"][0] = "51.3-UV-2019/00001;3;2;1;01.03.2019;31.12.9999;ca. 230;J"  # quarantined claim
    payments = list(export.payments)
    payments[1] = (2, "51.3-UV-2099/00099", None, "RG", "20190415", "20190301", "20190331", -4600, "", "Jürgen Müller")  # no such case
    export.payments = payments
    return export


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("verdict")
    folder = export_with_quarantine().write(base / "export")
    for _ in range(2):
        result = CliRunner().invoke(main, ["run", "--export", str(folder), "--db", f"sqlite:///{base / 't.sqlite'}", "--out",
                                           str(base / "runs"), "--no-progress"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    first, second = sorted(p for p in (base / "runs").iterdir() if p.is_dir())
    return first, second


def german_int(text: str) -> int:
    sign = -1 if text.strip().startswith("-") else 1
    return sign * int(re.sub(r"[^\d]", "", text))


def german_cents(text: str) -> int:
    sign = -1 if text.strip().startswith("-") else 1
    return sign * int(re.sub(r"[^\d]", "", text))  # "1.234,56 €" -> 123456


def verdict_html(run_dir: Path) -> str:
    html = (run_dir / "abgleich.html").read_text(encoding="utf-8")
    block = re.search(r'<section class="verdict[^"]*" id="ergebnis">(.*?)</section>', html, re.DOTALL)
    assert block, "the verdict block is missing"
    # the verdict comes first: before the sign-off block and every detail section
    assert html.index('id="ergebnis"') < html.index('id="freigabevermerk"') < html.index('<details class="section"')
    return block.group(1)


def figure(block: str, attribute: str, name: str) -> str:
    found = re.search(rf'{attribute}="{name}">([^<]*)<', block)
    assert found, (attribute, name)
    return found.group(1)


def test_the_verdict_figures_are_those_of_summary_json(two_runs: tuple[Path, Path]) -> None:
    _, run_dir = two_runs
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    block = verdict_html(run_dir)
    for outcome in ("read", "loaded", "merged", "quarantined", "skipped"):
        assert german_int(figure(block, "data-n", outcome)) == sum(f[outcome] for f in summary["files"]), outcome
    money = summary["money"]
    for name, key in (("read", "read_cents"), ("loaded", "loaded_cents"), ("target", "target_cents"), ("quarantined", "quarantined_cents"),
                      ("manifest", "manifest_cents")):
        assert german_cents(figure(block, "data-cents", name)) == money[key], name
    assert money["quarantined_cents"] == -4600  # the payment of a case file that does not exist
    reasons = re.findall(r'<tr data-reason="([^"]+)">.*?data-n="records">([^<]*)<.*?data-cents="cents">([^<]*)<', block, re.DOTALL)
    quarantine = summary["quarantine"]
    assert [(r, german_int(n), german_cents(c)) for r, n, c in reasons] == \
        [(q["reason"], q["records"], q["cents"]) for q in quarantine["by_reason"]]
    assert sum(german_int(n) for _, n, _ in reasons) == sum(e["quarantined"] for e in summary["entities"].values())
    assert sum(german_cents(c) for _, _, c in reasons) == money["quarantined_cents"]
    assert german_int(figure(block, "data-n", "errors")) == summary["findings"]["by_severity"]["error"]
    assert "Ergebnis: <span class=\"ok\">vollständig abgestimmt</span>" in block
    assert "nicht migriert" in block  # records in the quarantine: said in the headline, not "erfolgreich"


def test_the_verdict_shows_the_delta_against_the_previous_run(two_runs: tuple[Path, Path]) -> None:
    first, second = two_runs
    before = json.loads((first / "summary.json").read_text(encoding="utf-8"))
    now = json.loads((second / "summary.json").read_text(encoding="utf-8"))
    assert "erster Lauf in diesem Ausgabeordner" in verdict_html(first)
    block = verdict_html(second)
    assert f"Lauf {first.name}" in block
    assert figure(block, "data-delta", "errors") == "±0"
    loaded = sum(f["loaded"] for f in now["files"]) - sum(f["loaded"] for f in before["files"])
    assert german_int(figure(block, "data-delta", "loaded")) == loaded


def test_a_printable_sign_off_block_follows_with_decision_name_and_date(two_runs: tuple[Path, Path]) -> None:
    html = (two_runs[1] / "abgleich.html").read_text(encoding="utf-8")
    block = re.search(r'<section class="signoff" id="freigabevermerk">(.*?)</section>', html, re.DOTALL)
    assert block
    for text in ("freigegeben", "nicht freigegeben", "Name:", "Datum:", "Unterschrift:"):
        assert text in block.group(1)
    assert "@media print" in html
    assert not re.search(r'<details class="section"[^>]* open', html)  # details collapsed below the verdict
