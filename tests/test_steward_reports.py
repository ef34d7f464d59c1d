"""Steward reports: validierung.html in a real browser, fehlerliste.xlsx, --pseudonymize."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from jhmig.cli import main
from jhmig.errors import ConfigError
from jhmig.decisions import HIDDEN_COLUMNS, STEWARD_COLUMNS, VISIBLE_COLUMNS
from jhmig.reports.excel_report import sheet_names, write_fehlerliste
from jhmig.reports.masking import mask
from jhmig.reports.pseudonyms import Pseudonymizer, key_path, pseudonymizer
from jhmig.validation import rule_catalog
from minimal_export import MiniExport

# every personal name and birth date of the hand-written export
REAL_NAMES = ("Müller", "Jürgen", "von Berg", "Anna Sophie", "Schäfer", "Özdemir", "Elif", "Weiß", "Hauptstraße", "Lindenweg")
FORMULA = "=SUM(A1)"


def planted_export() -> MiniExport:
    """The MiniExport with problems a steward must see: a bad birth date, a 4-digit PLZ, formula-like values."""
    export = MiniExport()
    rows = export.rows
    rows["PERSONEN.TXT"][2] = rows["PERSONEN.TXT"][2].replace("14.07.2012", "31.02.2012")  # Özdemir -> quarantine
    rows["TRAEGER.TXT"][0] = rows["TRAEGER.TXT"][0].replace("54290", "5429")  # warning
    rows["LEISTUNGEN.TXT"][1] = rows["LEISTUNGEN.TXT"][1].replace("45,50", FORMULA)  # invalid amount "=SUM(A1)"
    rows["LEISTUNGEN.TXT"][0] = rows["LEISTUNGEN.TXT"][0].replace(";M", ";+T")  # unknown unit "+T"
    return export


def run(export_dir: Path, out: Path, db: Path, *extra: str) -> Path:
    """``jhmig run`` through the CLI; returns the new run folder."""
    result = CliRunner().invoke(main, ["run", "--export", str(export_dir), "--db", f"sqlite:///{db}", "--out", str(out),
                                       "--no-progress", *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return max(p for p in out.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A plain run, then two pseudonymised runs of the same export into the same output folder."""
    base = tmp_path_factory.mktemp("steward")
    export = planted_export().write(base / "export")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("JHMIG_PSEUDONYM_KEY", raising=False)
        plain = run(export, base / "runs", base / "t.sqlite")
        pseudo = run(export, base / "runs", base / "t.sqlite", "--pseudonymize")
        again = run(export, base / "runs", base / "t.sqlite", "--pseudonymize")
    return plain, pseudo, again


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed in CI: scripts/test.sh should have installed it")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return found


def dump_dom(html: Path) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
             "--dump-dom", html.resolve().as_uri()],
            capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


# --------------------------------------------------------------------------
# validierung.html
# --------------------------------------------------------------------------


def test_html_renders_in_chromium_masked_and_self_contained(runs: tuple[Path, Path, Path]) -> None:
    first = runs[0]
    html = first / "validierung.html"
    text = html.read_text(encoding="utf-8")
    assert not re.search(r"https?:", text), "the report must not reference anything on the net"
    assert not re.search(r"<(link|img|iframe|object|embed)\b|<script[^>]+src=", text)
    dom = dump_dom(html)
    assert f"<title>Validierungsbericht – Lauf {first.name}</title>" in dom
    assert 'class="ampel ampel-rot"' in dom and 'class="ampel ampel-gelb"' in dom
    assert re.search(r'<tr class="entity" data-entity="person"><td><span class="ampel ampel-rot">', dom)
    assert re.search(r'<details class="rule" id="regel-value-invalid-date" data-rule="value.invalid_date">', dom)
    assert "PERSONEN.TXT, Zeile 4, Spalte GEB_DAT" in dom
    assert "**.**.2012" in dom  # the invalid birth date, masked
    assert "Ö*****r" in dom and "E**f" in dom  # the quarantined person's raw record, masked
    for name in (*REAL_NAMES, "31.02.2012"):
        assert name not in dom, name
    assert "Erster Lauf in diesem Ausgabeordner" in dom
    assert "5.941,00 €" in dom  # money reconciliation


def test_trend_after_second_run(runs: tuple[Path, Path, Path]) -> None:
    first, second, _ = runs
    dom = dump_dom(second / "validierung.html")
    assert f"Vergleich mit Lauf {first.name}" in dom
    row = re.search(r'<tr class="trend" data-rule="value.invalid_date"><td>.*?</tr>', dom, re.DOTALL)
    assert row and re.findall(r'<td class="n[^"]*">([^<]*)</td>', row.group(0)) == ["1", "1", "0"]


def test_gx_data_docs_are_linked_when_present(tmp_path: Path) -> None:
    from jhmig.reports.html_report import _gx_link

    run_dir = tmp_path / "run"
    (run_dir / "gx" / "docs").mkdir(parents=True)
    assert _gx_link({}, run_dir) is None
    (run_dir / "gx" / "docs" / "index.html").write_text("<html></html>")
    assert _gx_link({"gx_data_docs": "gx/docs/index.html"}, run_dir) == "gx/docs/index.html"


# --------------------------------------------------------------------------
# fehlerliste.xlsx
# --------------------------------------------------------------------------


def test_fehlerliste_columns_filter_panes_and_text(runs: tuple[Path, Path, Path]) -> None:
    first = runs[0]
    summary = json.loads((first / "summary.json").read_text(encoding="utf-8"))
    rules = {r["rule_id"] for r in summary["findings"]["by_rule"]}
    wb = load_workbook(first / "fehlerliste.xlsx")
    assert wb.sheetnames[0] == "Übersicht"
    assert len(wb.sheetnames) == len(rules) + 1
    headers = [h for h, _ in VISIBLE_COLUMNS + STEWARD_COLUMNS + HIDDEN_COLUMNS]
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert [c.value for c in ws[1]] == headers
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert ws.column_dimensions["O"].hidden  # the first technical column
        dv = ws.data_validations.dataValidation
        assert dv and dv[0].formula1 == '"korrigieren,akzeptieren,nicht migrieren"' and str(dv[0].sqref).startswith("K2")
    assert {wb[n].cell(2, 1).value for n in wb.sheetnames[1:]} == rules
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    ws = rule_sheet(wb, "value.invalid_amount")
    assert ws.title == "kein gültiger Betrag"  # a short German title, the rule id in the column Regel
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" for c in cells)
    unknown = [c.value for row in rule_sheet(wb, "code.unknown").iter_rows(min_row=2) for c in row]
    assert "+T" in unknown
    assert rule_sheet(wb, "value.invalid_date")["H2"].value == "31.02.2012"  # the office's own list shows the value to fix


def rule_sheet(wb, rule_id: str):  # type: ignore[no-untyped-def]
    """The work list's sheet of a rule: its column Regel names the rule."""
    return next(wb[n] for n in wb.sheetnames[1:] if wb[n].cell(2, 1).value == rule_id)


def test_sheet_names_are_short_german_titles_with_the_rule_id_in_a_column() -> None:
    catalog = rule_catalog()
    ids = ["value.invalid_date", "gx.participant.valid_from_not_null", "ref.depends_on_quarantined"]
    names = sheet_names(ids, {i: catalog.get(i).title for i in ids})
    assert names["value.invalid_date"] == "kein gültiges Datum"  # the example in parentheses left out
    assert names["gx.participant.valid_from_not_null"] == "Beginn der Beteiligung fehlt"
    assert names["ref.depends_on_quarantined"].endswith("…") and len(names["ref.depends_on_quarantined"]) <= 31
    same = sheet_names(["a.x", "b.y"], {"a.x": "gleicher Titel", "b.y": "gleicher Titel"})
    assert same == {"a.x": "gleicher Titel", "b.y": "gleicher Titel (2)"}


def test_sheet_names_are_excel_safe_and_unique() -> None:
    names = sheet_names(["a" * 40, "a" * 40 + "b", "x[1]:y*z?", "History", "Übersicht", "A" * 31])
    assert all(len(n) <= 31 for n in names.values())
    assert len({n.casefold() for n in names.values()}) == len(names)
    assert names["x[1]:y*z?"] == "x_1__y_z_"
    assert names["History"].casefold() != "history" and names["Übersicht"] != "Übersicht"


def test_fehlerliste_caps_at_the_row_limit_with_a_note(tmp_path: Path) -> None:
    n = 30
    findings = pd.DataFrame({
        "rule_id": "value.invalid_date", "severity": "error", "source_system": "legacy", "entity": "person",
        "legacy_key": [str(i) for i in range(n)], "src_path": "PERSONEN.TXT", "src_sheet": "",
        "src_line": pd.array(range(2, n + 2), dtype="Int64"), "field": "birth_date", "value": "@home", "message": "-x",
    })
    stats = write_fehlerliste(tmp_path / "f.xlsx", findings, catalog=rule_catalog(), run_uid="r", max_rows=12)
    assert stats.rows == 10 and stats.capped == {"kein gültiges Datum": 20}
    ws = load_workbook(tmp_path / "f.xlsx")["kein gültiges Datum"]
    assert ws.max_row == 12 and "findings.csv" in ws.cell(12, 1).value
    assert ws["H2"].value == "@home" and ws["H2"].data_type == "s" and ws["I2"].value == "-x"


# --------------------------------------------------------------------------
# --pseudonymize
# --------------------------------------------------------------------------


def report_texts(run_dir: Path) -> str:
    """Everything a report file of the run folder says (xlsx: every cell, hidden columns included)."""
    parts = []
    for path in sorted(run_dir.rglob("*")):  # GX results and data docs included
        if path.is_dir() or path.suffix not in (".xlsx", ".html", ".json", ".csv"):
            continue
        if path.suffix == ".xlsx":
            wb = load_workbook(path, read_only=True)
            parts += [str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None]
            wb.close()
        else:
            parts.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(parts)


def test_pseudonymize_hides_every_name_stably(runs: tuple[Path, Path, Path]) -> None:
    _, first, second = runs
    key = key_path()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # the key never lies beside the reports it protects
    assert not list(first.parent.rglob("*pseudonym-key*")) and first.parent.resolve() not in key.resolve().parents
    for folder in (first, second):
        assert {p.name for p in folder.iterdir()} >= {"validierung.html", "fehlerliste.xlsx", "findings.csv", "quarantine.csv", "summary.json"}
        text = report_texts(folder)
        for name in (*REAL_NAMES, "31.02.2012", "Pflegefamilie"):
            assert name not in text, (folder.name, name)

    def pseudonym_of_person_3(folder: Path) -> str:
        q = pd.read_csv(folder / "quarantine.csv", sep=";", encoding="utf-8-sig", dtype=str)
        raw = json.loads(q[(q["entity"] == "person") & (q["legacy_key"] == "3")]["raw"].iloc[0])
        return raw["NAME"]

    assert pseudonym_of_person_3(first) == pseudonym_of_person_3(second)
    assert pseudonym_of_person_3(first).startswith("NAME-")
    assert pseudonym_of_person_3(first) in (first / "validierung.html").read_text(encoding="utf-8")


def test_pseudonym_key_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JHMIG_PSEUDONYM_KEY", "k" * 32)
    a = pseudonymizer(tmp_path / "a")("Özdemir", "name")
    assert a == pseudonymizer(tmp_path / "b")("Özdemir", "name") and a.startswith("NAME-")
    assert not (tmp_path / "a" / ".pseudonym-key").exists()
    assert pseudonymizer(tmp_path)("Özdemir", "street") != a  # the kind is part of the input
    monkeypatch.setenv("JHMIG_PSEUDONYM_KEY", "short")
    with pytest.raises(ConfigError):
        pseudonymizer(tmp_path)


def test_key_left_in_the_runs_folder_moves_out_and_keeps_the_pseudonyms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JHMIG_KEY_DIR", str(tmp_path / "keys"))
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / ".pseudonym-key").write_text("a" * 64 + "\n", encoding="ascii")  # where older versions kept it
    expected = Pseudonymizer(b"a" * 64)("Özdemir", "name")
    assert pseudonymizer(runs)("Özdemir", "name") == expected
    assert not (runs / ".pseudonym-key").exists() and key_path() == tmp_path / "keys" / "pseudonym-key"
    assert stat.S_IMODE(key_path().stat().st_mode) == 0o600
    assert pseudonymizer(runs)("Özdemir", "name") == expected


def test_key_folder_inside_the_runs_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JHMIG_KEY_DIR", str(tmp_path / "runs" / "keys"))
    with pytest.raises(ConfigError, match="inside the output folder"):
        pseudonymizer(tmp_path / "runs")


def test_mask_shapes() -> None:
    assert mask("Müller", "name") == "M****r"
    assert mask("Anna Sophie von Berg", "name") == "A**a S****e v*n B**g"
    assert mask("14.07.2012", "date") == "**.**.2012"
    assert mask("2012-07-14", "date") == "2012-**-**"
    assert mask("irgendwas", "line") == "[Satzinhalt ausgeblendet]"


def test_skipped_records_are_listed_one_per_row_without_personal_values(tmp_path: Path) -> None:
    from jhmig.records import OUTCOME_COLUMNS
    from jhmig.reports.run_files import write_record_files

    skipped = pd.DataFrame([
        ("excel-asd", "list_row", None, "ASD_Nord.xlsx", "laufend", 17, "Hinweiszeile"),
        ("excel-asd", "list_row", None, "ASD_Nord.xlsx", "laufend", 15, "Summenzeile"),
        ("excel-asd", "participant", "ASD-1|L:mueller|anna|2009-05-03|child", "ASD_Nord.xlsx", "laufend", 8,
         "hängt ab von einem vom Steward ausgeschlossenen Satz (person L:mueller|anna|2009-05-03)"),
        ("legacy", "service", "4711", "LEISTUNGEN.TXT", "", 12, "Fachdienst nicht ausgewählt (--departments ASD)"),
    ], columns=list(OUTCOME_COLUMNS))
    write_record_files(tmp_path, pd.DataFrame(), pd.DataFrame(), skipped)
    text = (tmp_path / "skipped.csv").read_text(encoding="utf-8-sig")
    assert "mueller" not in text and "2009-05-03" not in text  # a list person's key is its name and birth date
    rows = pd.read_csv(tmp_path / "skipped.csv", sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(rows.columns) == ["source_system", "entity", "src_path", "src_sheet", "src_line", "reason"]
    assert rows[["src_sheet", "src_line", "reason"]].values.tolist()[:3] == [
        ["laufend", "8", "hängt ab von einem vom Steward ausgeschlossenen Satz (person …)"],
        ["laufend", "15", "Summenzeile"], ["laufend", "17", "Hinweiszeile"]]
    assert rows.iloc[3].tolist() == ["legacy", "service", "LEISTUNGEN.TXT", "", "12", "Fachdienst nicht ausgewählt (--departments ASD)"]


def test_html_work_list_and_rules_doc_show_the_one_catalog(runs: tuple[Path, Path, Path]) -> None:
    """validierung.html, fehlerliste.xlsx and docs/rules.md give every rule of the run the same title and fix."""
    import html as html_lib

    first = runs[0]
    catalog = rule_catalog()
    findings = pd.read_csv(first / "findings.csv", sep=";", encoding="utf-8-sig", dtype=str)
    page = html_lib.unescape((first / "validierung.html").read_text(encoding="utf-8"))
    doc = (Path(__file__).resolve().parents[1] / "docs" / "rules.md").read_text(encoding="utf-8")
    wb = load_workbook(first / "fehlerliste.xlsx")
    overview = {row[0]: row[1] for row in wb["Übersicht"].iter_rows(values_only=True) if row and row[0] in set(findings["rule_id"])}
    fix_column = [h for h, _ in VISIBLE_COLUMNS].index("Behebung")
    checked = 0
    for (rule_id, entity), _ in findings.groupby(["rule_id", "entity"]):
        entry = catalog.get(rule_id, entity)
        assert entry.title and entry.fix, rule_id
        assert entry.title in page, f"{rule_id}: HTML lacks the catalog title"
        assert f"`{rule_id}`" in doc and entry.title in doc and entry.fix in doc, f"{rule_id}: docs/rules.md differs"
        sheet = next(ws for ws in wb.worksheets[1:] if ws.cell(2, 1).value == rule_id)
        fixes = {row[fix_column] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == rule_id}
        assert entry.fix in fixes, f"{rule_id}: work list shows another fix"
        checked += 1
    assert overview and all(catalog.get(r).title == t or any(e.title == t for e in catalog.entries if e.rule_id == r)
                            for r, t in overview.items())
    assert checked >= 4
