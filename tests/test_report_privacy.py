"""Personal data in reports (issue 26): no date of a key in clear, masking by field and not by value."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from jhmig.cli import main
from jhmig.masking import mask_key, mask_keys_in
from jhmig.reports.masking import Hider, PersonalData, mask
from minimal_export import MiniExport

NEWBORN_BIRTH = "21.01.2024"  # the newborn's participation starts on the day of birth: its key ends in it


def newborn_export() -> MiniExport:
    """The MiniExport plus a newborn whose participation (ending before it starts) is quarantined with its key."""
    export = MiniExport()
    export.rows["PERSONEN.TXT"].append(f"5;Neumann;Lina;;{NEWBORN_BIRTH};2;000;Birkenweg;2;54290;Trier;03;;22.01.2024;")
    export.rows["BETEILIGTE.TXT"].append(f"51.3-UV-2019/00001;5;K;{NEWBORN_BIRTH};20.01.2024")
    return export


def birth_dates(export: MiniExport) -> set[str]:
    """Every birth date of the export, in each form a report could write it (dd.mm.yyyy, yyyy-mm-dd, yyyymmdd)."""
    out = set()
    for row in export.rows["PERSONEN.TXT"]:
        value = row.split(";")[4]
        if re.fullmatch(r"\d\d\.\d\d\.\d{4}", value) and value != "00.00.0000":
            d, m, y = value.split(".")
            out |= {value, f"{y}-{m}-{d}", f"{y}{m}{d}"}
    return out


def report_texts(run_dir: Path, with_xlsx: bool = True) -> dict[str, str]:
    texts = {}
    for path in sorted(run_dir.rglob("*")):
        if path.is_dir() or path.suffix not in (".xlsx", ".html", ".json", ".csv"):
            continue
        if path.suffix == ".xlsx":
            if not with_xlsx:
                continue
            wb = load_workbook(path, read_only=True)
            texts[path.name] = "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None)
            wb.close()
        else:
            texts[str(path.relative_to(run_dir))] = path.read_text(encoding="utf-8-sig")
    return texts


@pytest.fixture(scope="module")
def pseudonymised_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MiniExport, str]:
    base = tmp_path_factory.mktemp("privacy")
    export = newborn_export()
    folder = export.write(base / "export")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("JHMIG_PSEUDONYM_KEY", raising=False)
        mp.setenv("JHMIG_KEY_DIR", str(base / "keys"))
        result = CliRunner().invoke(main, ["run", "--export", str(folder), "--db", f"sqlite:///{base / 't.sqlite'}", "--out",
                                           str(base / "runs"), "--no-progress", "--pseudonymize"], catch_exceptions=False)
    return max(p for p in (base / "runs").iterdir() if p.is_dir()), export, result.output


def test_no_report_of_a_pseudonymised_run_holds_a_birth_date(pseudonymised_run: tuple[Path, MiniExport, str]) -> None:
    run_dir, export, _ = pseudonymised_run
    texts = report_texts(run_dir)
    assert {"summary.json", "abgleich.html", "validierung.html", "quarantine.csv", "findings.csv"} <= set(texts)
    # the newborn's participation is in the reports, by its key with the date masked
    assert "51.3-UV-2019/00001|5|K|**.**.2024" in texts["summary.json"]
    assert "51.3-UV-2019/00001|5|K|**.**.2024" in texts["validierung.html"]
    for name, text in texts.items():
        for day in birth_dates(export):
            assert day not in text, (name, day)


def test_the_first_pseudonymised_run_says_where_it_created_the_key(pseudonymised_run: tuple[Path, MiniExport, str],
                                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir, _, output = pseudonymised_run
    key = run_dir.parent.parent / "keys" / "pseudonym-key"
    assert key.is_file() and f"pseudonym key created: {key}" in output
    # a second run uses the key and says nothing about it
    folder = newborn_export().write(tmp_path / "export")
    monkeypatch.delenv("JHMIG_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("JHMIG_KEY_DIR", str(key.parent))
    again = CliRunner().invoke(main, ["run", "--export", str(folder), "--db", f"sqlite:///{tmp_path / 't.sqlite'}", "--out",
                                      str(tmp_path / "runs"), "--no-progress", "--pseudonymize"], catch_exceptions=False)
    assert "pseudonym key" not in again.output


def test_key_dates_are_masked_year_kept() -> None:
    assert mask_key("51.2-WJH-2021/00031|13123|K|21.01.2025") == "51.2-WJH-2021/00031|13123|K|**.**.2025"
    assert mask_key("ASD-M 1/25|Gefährdungseinschätzung|2025-02-14") == "ASD-M 1/25|Gefährdungseinschätzung|2025-**-**"
    assert mask_key("51.3-UV-2019/00001") == "51.3-UV-2019/00001" and mask_key("201688") == "201688"
    tree = {"records": [{"key": "A|1|K|01.02.2003", "reason": "01.02.2003"}], "delta": {"records": {"new": ["B|2003-02-01"]}}}
    assert mask_keys_in(tree) == {"records": [{"key": "A|1|K|**.**.2003", "reason": "01.02.2003"}],
                                  "delta": {"records": {"new": ["B|2003-**-**"]}}}


def test_masking_is_by_field_not_by_value() -> None:
    """A steward's corrected Anlagedatum and an ANGELEGT that happen to equal someone's birth date stay readable."""
    personal = PersonalData(columns={("PERSONEN.TXT", ""): {"GEB_DAT": "date", "NAME": "name"}},
                            dates=frozenset({"2021-04-30", "2013-06-05"}), words=frozenset({"Özdemir"}))
    hider = Hider(personal, mask)
    assert hider.value("30.04.2021", "created_at") == "30.04.2021"
    assert hider.value("30.04.2021", "birth_date") == "**.**.2021"
    record = hider.record({"NAME": "Özdemir", "GEB_DAT": "30.04.2021", "ANGELEGT": "05.06.2013"}, "PERSONEN.TXT", "")
    assert record == {"NAME": "Ö*****r", "GEB_DAT": "**.**.2021", "ANGELEGT": "05.06.2013"}
    # a date of the record's own key is masked as the key is (a newborn's start is the birth date)
    participation = hider.record({"PERS_NR": "5", "VON": "30.04.2021", "BIS": "01.05.2021"}, "BETEILIGTE.TXT", "",
                                 key="A|5|K|30.04.2021")
    assert participation == {"PERS_NR": "5", "VON": "**.**.2021", "BIS": "01.05.2021"}
    # free text still loses every personal value of the source: a message may quote another record
    assert hider.text("hängt ab von Özdemir, geboren 30.04.2021") == "hängt ab von Ö*****r, geboren **.**.2021"
    findings = pd.DataFrame({"value": ["x"], "field": ["role"], "message": ["m"], "legacy_key": ["A|5|K|30.04.2021"]})
    assert hider.findings(findings)["legacy_key"].tolist() == ["A|5|K|**.**.2021"]
