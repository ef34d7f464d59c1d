"""German throughout (issue 26): no English word in the German reports, German number forms, singular and plural,
one label per thing; Chromium screenshots of both reports kept as test artefacts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from jhmig.cli import main
from jhmig.decisions import VISIBLE_COLUMNS
from jhmig.labels import counted, euro, number, percent
from jhmig.synth import generate

REPO = Path(__file__).resolve().parent.parent
#: where the screenshots stay after the run (CI keeps the folder as an artefact); JHMIG_TEST_ARTIFACTS overrides it
ARTIFACTS = Path(os.environ.get("JHMIG_TEST_ARTIFACTS", REPO / "test-artifacts"))

# English words (and internal codes) that must not appear as words of a German report's text
ENGLISH = frozenset("""
loaded quarantined skipped merged unaccounted every file files read lists mapping excluded new changed gone updated deleted
unchanged payment payments service services running begun ended true false None nan yes no error errors warning warnings target
source sum cents the of for with not rows entity check passed missed failed records record hze kita_fee recovery reversal uvg
list_row jgh_proceeding case_file uvg_claim participant provider address legacy_code ok dry_run incomplete gate_missed and by or
is are manifest trailer not_loaded
""".split())


class _Text(HTMLParser):
    """The text a reader sees: no tags, attributes, styles, scripts or code spans."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
        if tag in ("style", "script", "code"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def english_words(text: str) -> dict[str, int]:
    """English words of ENGLISH in ``text``; tokens with '.', '/', ':', '|', '@' or digits (rule ids, files, keys) are names, not words."""
    found: dict[str, int] = {}
    for token in re.findall(r"[\w.:/|@-]+", text):
        for word in token.strip(".:-").split("-"):
            if re.search(r"[.:/|@\d]", word):
                continue
            if word in ENGLISH:
                found[word] = found.get(word, 0) + 1
    return found


def workbook_text(path: Path, visible_only: bool = True) -> str:
    """The cells a reader sees: the work list's technical (hidden) columns left out."""
    wb = load_workbook(path, read_only=False)
    shown = {h for h, _ in VISIBLE_COLUMNS} | {"Entscheidung", "Korrigierter Wert", "Bearbeitet von", "Datum"}
    parts = []
    for ws in wb.worksheets:
        hidden = {letter for letter, dim in ws.column_dimensions.items() if dim.hidden} if visible_only else set()
        header = [c.value for c in ws[1]] if ws.max_row else []
        technical = {i for i, h in enumerate(header) if isinstance(h, str) and h.startswith("_") and h not in shown}
        parts.append(ws.title)
        for row in ws.iter_rows():
            for i, cell in enumerate(row):
                if isinstance(cell.value, str) and cell.column_letter not in hidden and i not in technical:
                    parts.append(cell.value)
    wb.close()
    return "\n".join(parts)


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The small demo data (export and lists) migrated twice into one output folder."""
    base = tmp_path_factory.mktemp("language")
    generate(base / "data", size="small", seed=2)
    args = ["run", "--export", str(base / "data" / "legacy"), "--lists", str(base / "data" / "lists"), "--db",
            f"sqlite:///{base / 't.sqlite'}", "--out", str(base / "runs"), "--no-progress"]
    for _ in range(2):
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output
    first, second = sorted(p for p in (base / "runs").iterdir() if p.is_dir())
    return first, second


@pytest.mark.parametrize("name", ["abgleich.html", "validierung.html"])
def test_no_english_word_in_the_german_html_reports(demo_runs: tuple[Path, Path], name: str) -> None:
    for run_dir in demo_runs:
        text = visible_text((run_dir / name).read_text(encoding="utf-8"))
        assert english_words(text) == {}, (run_dir.name, name)


@pytest.mark.parametrize("name", ["abgleich.xlsx", "fehlerliste.xlsx"])
def test_no_english_word_in_the_german_workbooks(demo_runs: tuple[Path, Path], name: str) -> None:
    assert english_words(workbook_text(demo_runs[1] / name)) == {}


def test_the_word_list_catches_english(demo_runs: tuple[Path, Path]) -> None:
    """The check itself: the words the issue found are caught, names and rule ids are not."""
    assert english_words("lists: every file in the lists folders read by a mapping or excluded") == \
        {"lists": 2, "every": 1, "file": 1, "the": 1, "read": 1, "by": 1, "mapping": 1, "or": 1, "excluded": 1}
    assert english_words("Tabelle list_row, Zahlart kita_fee") == {"list_row": 1, "kita_fee": 1}
    assert english_words("Regel ref.missing in PERSONEN.TXT, Schlüssel T:pf müller") == {}


def test_german_number_forms_and_grammar(demo_runs: tuple[Path, Path]) -> None:
    assert (number(97144), euro(4220481206), euro(-4600), percent(0.0026, 2), percent(0.813)) == \
        ("97.144", "42.204.812,06 €", "-46,00 €", "0,26 %", "81,3 %")
    assert counted(1, "Satz", "Sätze") == "1 Satz" and counted(2, "Satz", "Sätze") == "2 Sätze"
    html = (demo_runs[1] / "abgleich.html").read_text(encoding="utf-8")
    text = visible_text(html)
    assert not re.search(r"\d,\d{3}\b", text)  # "97,144" is English; German decimals here have two digits
    assert not re.search(r"\b\d+\.\d %", text)  # "0.26 %" is English
    assert re.search(r"\(\d+,\d %\)", text)  # the statistics' shares, "(81,3 %)"
    assert not re.search(r"\b1 Sätze\b|\b1 akzeptierte Befunde\b|die/der|Abweichung\(en\)", text)
    validierung = visible_text((demo_runs[1] / "validierung.html").read_text(encoding="utf-8"))
    assert re.search(r"Quelle\s+excel-asd\s*:\s*Listenzuordnung asd", validierung)
    assert not re.search(r"Layout\s*(,|$)", " ".join(validierung.split()))  # "Layout" with nothing after it
    assert "die/der" not in validierung and "die/den" not in validierung


def test_trend_titles_fit_every_entity_of_a_rule(demo_runs: tuple[Path, Path]) -> None:
    html = (demo_runs[1] / "validierung.html").read_text(encoding="utf-8")
    row = re.search(r'<tr class="trend" data-rule="date.end_before_start"><td>[^<]*</td><td>([^<]*)</td>', html)
    if row:  # a rule over persons and services is titled for both
        assert "Sterbedatum" not in row.group(1)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(html: Path, png: Path, height: int = 2400) -> None:
    browser = chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed in CI: scripts/test.sh should have installed it")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                        f"--user-data-dir={profile}", f"--window-size=1400,{height}", f"--screenshot={png}", html.resolve().as_uri()],
                       capture_output=True, text=True, timeout=90, check=True)


@pytest.mark.parametrize("name", ["abgleich", "validierung"])
def test_chromium_screenshots_of_both_reports_are_kept(demo_runs: tuple[Path, Path], name: str) -> None:
    png = ARTIFACTS / "screenshots" / f"{name}.png"
    screenshot(demo_runs[1] / f"{name}.html", png)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000  # a page was drawn, not a blank one
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1400, 2400)
    # and with every section opened (a copy of the page, as a reader who clicks everything open sees it)
    opened = ARTIFACTS / "screenshots" / f"{name}-offen.html"
    opened.write_text(re.sub(r"<details(?![^>]*\bopen\b)", "<details open",
                             (demo_runs[1] / f"{name}.html").read_text(encoding="utf-8")), encoding="utf-8")
    screenshot(opened, ARTIFACTS / "screenshots" / f"{name}-offen.png", height=9000)
    opened.unlink()
    assert (ARTIFACTS / "screenshots" / f"{name}-offen.png").stat().st_size > len(data)


def test_kjh_charts_are_small_multiples_of_the_largest_types_plus_the_rest() -> None:
    from jhmig.reports.charts import SHOWN_TYPES, chart_panels, services_chart

    cells = [{"measure": "begun", "service_type": code, "label": f"§ {code} Hilfe", "year": year, "source": n, "target": n - 1}
             for code, n in (("27_2", 9), ("28", 2), ("29", 3), ("30", 4), ("31", 5), ("32", 6), ("33", 7), ("34", 8))
             for year in (2023, 2024)]
    panels = chart_panels(cells)
    assert [title for title, _ in panels[:SHOWN_TYPES]] == ["§ 27_2 Hilfe", "§ 34 Hilfe", "§ 33 Hilfe", "§ 32 Hilfe", "§ 31 Hilfe"]
    assert panels[SHOWN_TYPES] == ("übrige (3 Hilfearten)", {"28", "29", "30"})
    assert services_chart(cells, "begun", partial_year=2024)  # draws with the partial year marked


def test_the_partial_last_year_is_marked_and_findings_over_runs_shown_from_the_second_run(demo_runs: tuple[Path, Path]) -> None:
    from jhmig.reports.reconciliation_report import partial_year

    first, second = demo_runs
    summary = __import__("json").loads((second / "summary.json").read_text(encoding="utf-8"))
    year = partial_year(summary)
    assert year == summary["signoff"]["years"][1]  # the demo export is of 15 March
    html = (second / "abgleich.html").read_text(encoding="utf-8")
    assert f"{year} (Teiljahr)" in html and f"{year} ist ein Teiljahr" in html
    assert "Befunde über die Läufe" not in (first / "abgleich.html").read_text(encoding="utf-8")
    assert 'alt="Befunde über die Läufe"' in html


def test_validierung_says_what_to_do_first_and_how_many_errors_block(demo_runs: tuple[Path, Path]) -> None:
    run_dir = demo_runs[1]
    summary = __import__("json").loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    html = (run_dir / "validierung.html").read_text(encoding="utf-8")
    blocking = re.search(r'data-blocking="(\d+)"', html)
    assert blocking and int(blocking.group(1)) == summary["findings"]["by_severity"]["error"]  # no decision yet: every error is open
    assert html.index('id="zuerst"') < html.index('id="ueberblick"')
    rows = re.findall(r'<tr class="todo" data-rule="([^"]+)">.*?<td class="n">([^<]*)</td><td class="n">([^<]*)</td>', html)
    records = [int(n.replace(".", "")) for _, n, _ in rows]
    assert len(rows) >= 2 and records == sorted(records, reverse=True)  # by records affected, most first


def test_one_number_format_and_no_figure_for_a_missing_sum() -> None:
    import pandas as pd

    from jhmig.reports.html_report import euro as html_euro
    from jhmig.reports.html_report import number as html_number

    assert html_euro is euro and html_number is number  # the reports use the one format of jhmig.labels
    assert [euro(v) for v in (None, float("nan"), pd.NA, 0, -4600)] == ["-", "-", "-", "0,00 €", "-46,00 €"]
    assert number(1234567) == "1.234.567" and number(None) == "-" and percent(None) == "-"


def test_no_english_word_and_no_key_date_in_vergleich(tmp_path: Path) -> None:
    """vergleich.html/.xlsx (``jhmig runs diff``): entity names, counts and payment kinds in German; key dates masked."""
    from jhmig.reports.run_diff_report import write_run_diff

    run = {"run_uid": "20261208-010101-abcdef", "started_at": "2026-12-08T01:01:01", "mode": "Probelauf", "status": "ok",
           "inputs": "-", "layout": "okjug", "mappings": "asd", "loaded": 10, "quarantined": 1, "loaded_cents": 100}
    key = "51.2-WJH-2021/00031|13123|K|21.01.2025"  # a newborn's participation: its start is the birth date
    diff = {"a": run, "b": {**run, "loaded": 9},
            "counts": [{"entity": "participant", "count": "loaded", "a": 10, "b": 9, "delta": -1},
                       {"entity": "payment", "count": "quarantined", "a": 1, "b": 2, "delta": 1}],
            "rules": [{"rule_id": "date.end_before_start", "new": 1, "fixed": 0, "still_open": 0, "new_records": [f"participant:{key}"],
                       "fixed_records": []}],
            "moved": {"to_loaded": [], "to_quarantine": [{"entity": "participant", "key": key, "why": "ref.missing"}]},
            "money": [{"year": 2024, "payment_type": "hze", "a": 100, "b": 90, "delta": -10}],
            "changed": [{"entity": "participant", "key": key, "was": None}], "added": [], "removed": []}
    html, xlsx = write_run_diff(tmp_path, diff)
    texts = {"vergleich.html": visible_text(html.read_text(encoding="utf-8")), "vergleich.xlsx": workbook_text(xlsx)}
    for name, text in texts.items():
        assert not english_words(text), (name, english_words(text))
        assert "21.01.2025" not in text and "**.**.2025" in text, name
