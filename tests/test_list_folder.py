"""A lists folder as a whole: every file accounted for, closed signals, mappings checked on load, suggested mappings that run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from openpyxl.styles import PatternFill

from jhmig.cli import main
from jhmig.decisions import ACCEPT, CORRECT, EXCLUDE, CorrectionsRead, Origin, StewardDecision, Target
from jhmig.errors import ConfigError
from jhmig.extract.excel_lists import extract_lists
from jhmig.extract.list_as_of import as_of_date
from jhmig.extract.list_files import account_list_folder
from jhmig.extract.profile import profile_workbook, suggest_mapping
from jhmig.layout import MAPPINGS_DIR
from jhmig.list_mapping import ListMapping, load_list_mapping
from jhmig.list_records import FileVerdict
from jhmig.records import Batch, ExtractResult, Manifest
from jhmig.transform import read_unified_code_lists
from jhmig.transform.corrections import adopt_source, plan_corrections
from jhmig.transform.list_rows import build_list_context, transform_lists
from jhmig.transform.source_index import SourceIndex
from minimal_export import MiniExport

ASD = MAPPINGS_DIR / "lists" / "asd.yaml"
JGH = MAPPINGS_DIR / "lists" / "jgh.yaml"


def _book(path: Path, sheets: dict[str, list[list[object]]], hidden: tuple[str, ...] = (), grey: dict[str, int] | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for values in rows:
            ws.append(values)
        if name in hidden:
            ws.sheet_state = "hidden"
        if grey and name in grey:
            for cell in ws[grey[name]]:
                cell.fill = PatternFill("solid", fgColor="FFD9D9D9")
    wb.active = next(i for i, n in enumerate(sheets) if n not in hidden)
    wb.save(path)
    return path


HEADER = ["Az.", "Name, Vorname", "geb.", "Hilfeart", "Beginn", "Ende", "erl."]


def _read(folder: Path, mapping: ListMapping) -> pd.DataFrame:
    result = extract_lists(folder, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    return result.batch.frames["case_file"].set_index("file_number")


def test_every_closed_signal_closes_the_case_and_says_which(tmp_path: Path) -> None:
    _book(tmp_path / "ASD_Stand_2025-03.xlsx", {
        "2025": [HEADER,
                 ["A-1", "Müller, Lena", "03.05.2012", "SPFH", "01.01.2024", None, "x"],  # closed-mark column
                 ["A-2", "Weber, Paul", "02.01.2011", "SPFH", "01.01.2024", "31.01.2025", None],  # end before the as-of
                 ["A-3", "Koch, Mia", "03.02.2013", "SPFH", "01.01.2024", "30.06.2025", None],  # planned end: running
                 ["A-4", "Braun, Ben", "04.03.2014", "SPFH", "01.01.2024", None, "nein"],  # "nein" is no mark
                 ["A-5", "Wolf, Tim", "05.03.2014", "SPFH", "01.01.2024", None, None]],  # grey
        "bis 2022": [HEADER, ["A-6", "Lange, Eva", "01.01.2010", "Heim", "01.01.2019", None, None]],
        "abgeschlossen": [HEADER, ["A-7", "Jäger, Ole", "01.01.2010", "Heim", "01.01.2019", None, None]],
    }, hidden=("bis 2022",), grey={"2025": 6})
    cases = _read(tmp_path, load_list_mapping(ASD))
    closed_by = cases["closed_by"].fillna("").to_dict()
    assert cases["status"].to_dict() == {"A-1": "closed", "A-2": "closed", "A-3": "active", "A-4": "active", "A-5": "closed",
                                         "A-6": "closed", "A-7": "closed"}
    assert closed_by["A-1"] == "Spalte 'erl.': 'x'"
    assert closed_by["A-2"] == "Ende 31.01.2025 nicht nach Stand 31.03.2025 (Dateiname)"
    assert closed_by["A-5"] == "grau hinterlegt"
    assert closed_by["A-6"] == "ausgeblendetes Blatt 'bis 2022' (Vorjahre)"
    assert closed_by["A-7"] == "Blatt 'abgeschlossen'"


def test_the_as_of_date_comes_from_the_mapping_a_title_cell_or_the_file_name() -> None:
    assert as_of_date(dt.date(2025, 1, 15), [(1, "Stand 03/2025")], "ASD_2024-12.xlsx").date == dt.date(2025, 1, 15)
    title = as_of_date(None, [(1, "Fallliste Nord"), (2, "Stand: 14.03.2025")], "ASD_2024-12.xlsx")
    assert title is not None and (title.date, title.source) == (dt.date(2025, 3, 14), "Titelzeile 2")
    month = as_of_date(None, [(1, "Fallliste Nord - Stand März 2025")], "x.xlsx")
    assert month is not None and month.date == dt.date(2025, 3, 31)
    named = as_of_date(None, [], "ASD_Stand_20241231.xlsx")
    assert named is not None and (named.date, named.source) == (dt.date(2024, 12, 31), "Dateiname")
    assert as_of_date(None, [(1, "Fallliste Team Ost")], "ASD_Team_Ost.xlsx") is None


def test_every_file_in_a_folder_is_accounted_for(tmp_path: Path) -> None:
    row = ["A-1", "Müller, Lena", "03.05.2012", "SPFH", "01.01.2024", None, None]
    _book(tmp_path / "ASD_Nord.xlsx", {"2025": [HEADER, row]})
    _book(tmp_path / "Fallliste_Sued.xlsx", {"2025": [HEADER, row]})
    _book(tmp_path / "Notizen_Team.xlsx", {"x": [["Notiz"]]})
    (tmp_path / "Protokoll.pdf").write_bytes(b"%PDF")
    (tmp_path / "~$ASD_Nord.xlsx").write_bytes(b"lock")
    account = account_list_folder(tmp_path, [load_list_mapping(ASD), load_list_mapping(JGH)], exclude=["Notizen*"])
    verdicts = {f.path: f.verdict for f in account.files}
    assert verdicts == {"ASD_Nord.xlsx": FileVerdict.READ, "Fallliste_Sued.xlsx": FileVerdict.NO_MAPPING,
                        "Notizen_Team.xlsx": FileVerdict.EXCLUDED, "Protokoll.pdf": FileVerdict.NOT_A_LIST,
                        "~$ASD_Nord.xlsx": FileVerdict.LOCK_FILE}
    message = account.failure()
    assert message is not None and "\n" not in message
    assert "Fallliste_Sued.xlsx" in message and f"jhmig profile {tmp_path / 'Fallliste_Sued.xlsx'} --suggest" in message


def test_a_run_with_a_file_no_mapping_reads_fails_naming_it(tmp_path: Path) -> None:
    export = MiniExport().write(tmp_path / "x")
    lists = tmp_path / "listen"
    lists.mkdir()
    row = ["A-1", "Müller, Lena", "03.05.2012", "SPFH", "01.01.2024", None, None]
    _book(lists / "ASD_Nord.xlsx", {"2025": [HEADER, row]})
    _book(lists / "Inobhutnahmen_2025.xlsx", {"2025": [HEADER, row]})
    result = CliRunner().invoke(main, ["run", "--export", str(export), "--db", f"sqlite:///{tmp_path / 't.sqlite'}", "--out",
                                       str(tmp_path / "runs"), "--lists", str(lists), "--list-mapping", "asd", "--no-progress"],
                                catch_exceptions=False)
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if "FAILED" in line]
    assert failed and "Inobhutnahmen_2025.xlsx" in failed[0] and "jhmig profile" in result.output
    summary = json.loads(next((tmp_path / "runs").glob("*/summary.json")).read_text(encoding="utf-8"))
    assert summary["status"] == "failed"
    not_read = summary["sources"]["excel-asd"]["not_read"]
    assert not_read == [{"file": "Inobhutnahmen_2025.xlsx", "status": "no_mapping", "reason": "keine Zuordnung liest die Datei",
                         "mappings": []}]
    skipped = next((tmp_path / "runs").glob("*/skipped.csv")).read_text(encoding="utf-8")
    assert "Inobhutnahmen_2025.xlsx" in skipped and "Datei nicht gelesen" in skipped


def test_a_mapping_is_checked_when_it_is_loaded(tmp_path: Path) -> None:
    no_case = {"name": "x", "source_system": "excel-x", "department": "ASD", "files": ["*.xlsx"],
               "fields": {"service_type": {"names": ["Hilfeart"], "type": "code", "synonyms": "lists/synonyms/hilfeart.csv"}}}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(no_case), encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot produce a case row"):
        load_list_mapping(tmp_path / "a.yaml")
    too_long = {**no_case, "source_system": "excel-" + "x" * 40, "fields": {"file_number": {"names": ["Az."]}}}
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(too_long), encoding="utf-8")
    with pytest.raises(ConfigError, match="b.yaml.*source_system"):
        load_list_mapping(tmp_path / "b.yaml")
    missing_table = {**no_case, "fields": {"file_number": {"names": ["Az."]},
                                           "service_type": {"names": ["Hilfeart"], "type": "code", "synonyms": "nope.csv"}}}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(missing_table), encoding="utf-8")
    with pytest.raises(ConfigError, match="nope.csv"):
        load_list_mapping(tmp_path / "c.yaml")


def _two_row_header_list(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2025"
    ws["A1"] = "Inobhutnahmen - Stand 31.03.2025"
    ws.merge_cells("A1:H1")
    ws.append([])
    ws.append(["Az.", "Name", "Vorname", "Inobhutnahme", None, None, "Kosten", None])
    ws.append([None, None, None, "Datum", "Unterbringung", "Ende", "Tagessatz", "erledigt"])
    for col in "ABC":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("D3:F3")
    ws.merge_cells("G3:H3")
    for i in range(6):
        ended = i % 2 == 0
        ws.append([f"ION-{i}", "Müller", f"Kind{i}", dt.datetime(2025, 1, 1 + i), "Bereitschaftspflege",
                   dt.datetime(2025, 2, 1 + i) if ended else "offen", "85,00 €", "x" if i == 0 else None])
    wb.save(path)
    return path


def test_a_two_row_header_is_profiled_from_both_rows_and_the_suggested_mapping_runs(tmp_path: Path) -> None:
    name = "Inobhutnahmen_des_Jugendamts_Landkreis_Meissen_Stand_2025.xlsx"  # a long name: the source stays within 40 characters
    path = _two_row_header_list(tmp_path / name)
    profile = profile_workbook(path)
    sheet = profile.sheets[0]
    assert (sheet.header_first, sheet.header_last) == (3, 4)
    guessed = {c.name: c.guessed_field for c in sheet.columns}
    assert guessed == {"Az.": "file_number", "Name": "family_name", "Vorname": "given_names", "Inobhutnahme Datum": "start_date",
                       "Inobhutnahme Unterbringung": "provider", "Inobhutnahme Ende": "end_date", "Kosten Tagessatz": "rate",
                       "Kosten erledigt": "closed_mark"}
    text = suggest_mapping([profile])
    (tmp_path / "suggested.yaml").write_text(text, encoding="utf-8")
    mapping = load_list_mapping(tmp_path / "suggested.yaml")  # as it is: no TODO needs to be done first
    assert len(mapping.source_system) <= 40
    result = extract_lists(tmp_path, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    services = result.batch.frames["service"]
    assert len(services) == 6 and set(services["service_type"]) == {"42"} and set(services["rate_unit"]) == {"day"}
    cases = result.batch.frames["case_file"].set_index("file_number")
    assert cases["status"].to_dict() == {f"ION-{i}": ("closed" if i % 2 == 0 else "active") for i in range(6)}


# -- stewards' decisions on list rows ---------------------------------------------------------


def _decision(kind: str, line: int, field: str, rule_id: str = "", corrected: object = None, entity: str = "service") -> StewardDecision:
    target = Target(source_system="excel-asd", entity=entity, src_path="ASD_Nord.xlsx", src_sheet="2025", src_line=line,
                    field=field, rule_id=rule_id)
    return StewardDecision(kind, corrected, "Fr. Test", dt.date(2025, 4, 1), Origin("fehlerliste.xlsx", "Befunde", line, 0.0), target)


def test_corrections_acceptances_and_exclusions_apply_to_list_rows(tmp_path: Path) -> None:
    _book(tmp_path / "ASD_Nord.xlsx", {"2025": [
        HEADER,
        ["A-1", "Müller, Lena", "03.05.2012", "SPFH", "31.02.2024", None, None],  # corrected to another impossible date
        ["A-2", "Weber, Paul", "02.01.2011", "SPFH", "bald", None, None],  # corrected to a real date
        ["A-3", "Koch, Mia", None, "SPFH", "01.01.2024", None, None],  # no birth date (a warning): accepted
        ["A-4", "Braun, Ben", "04.03.2014", "SPFH", "01.01.2024", None, None],  # not to be migrated
    ]})
    export = ExtractResult(batch=Batch(source_system="okjug"), tables=[], manifest=Manifest(present=False), checks=[])
    decisions = [_decision(CORRECT, 2, "start_date", "value.invalid_date", "30.02.2024"),
                 _decision(CORRECT, 3, "start_date", "value.invalid_date", dt.date(2024, 2, 1)),
                 _decision(ACCEPT, 4, "birth_date", "person.no_birth_date", entity="person"),
                 _decision(EXCLUDE, 5, "", entity="service")]
    plan = plan_corrections(CorrectionsRead("k", decisions), export, SourceIndex(export, None))
    assert {r.status for r in plan.records} == {"andere Quelle"}  # not the export's: judged when the lists are read
    mapping = load_list_mapping(ASD)
    lists = extract_lists(tmp_path, mapping)
    adopt_source(plan, lists, SourceIndex(lists, None))
    transform_lists(lists, build_list_context(mapping, read_unified_code_lists()))
    plan.recheck(lists)
    plan.review(lists)
    plan.exclude(lists)
    status = {r.decision.target.src_line: (r.status, r.reason) for r in plan.records}
    assert status[2][0] == "abgelehnt" and "Beginn nicht lesbar" in status[2][1]
    assert status[3][0] == "angewendet" and status[4][0] == "akzeptiert" and status[5][0] == "ausgeschlossen"
    services = lists.batch.frames["service"].set_index("src_line")
    assert services.loc[3, "start_date"] == pd.Timestamp(2024, 2, 1)
    findings = lists.batch.findings.frame()
    assert not ((findings["src_line"] == 3) & (findings["rule_id"] == "value.invalid_date")).any()
    assert ((findings["src_line"] == 2) & (findings["rule_id"] == "correction.rejected")).any()
    marks = plan.finding_status(findings)
    accepted = findings[marks["status"] == "akzeptiert"]
    assert accepted[["rule_id", "src_line"]].values.tolist() == [["person.no_birth_date", 4]]
    skipped = lists.batch.outcome_frame("skipped")
    assert set(skipped.loc[skipped["src_line"] == 5, "entity"]) >= {"service"}
    assert plan.summary(lambda value, field: value)["other_source"] == 0


def test_every_example_in_docs_lists_md_is_a_mapping_that_loads(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "lists.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    examples = [b for b in blocks if b.startswith("name:")]
    assert len(examples) == 6
    for number, block in enumerate(examples):
        path = tmp_path / f"m{number}.yaml"
        path.write_text(block, encoding="utf-8")
        mapping = load_list_mapping(path)
        assert mapping.files and len(mapping.source_system) <= 40


def test_a_header_the_mapping_names_no_field_of_is_reported_as_such(tmp_path: Path) -> None:
    _book(tmp_path / "ASD_x.xlsx", {"2025": [["Kennung", "Kind", "Maßnahmeart", "Startdatum"], ["K1", "Lena", "SPFH", "01.01.2024"],
                                             ["K2", "Paul", "Heim", "01.02.2024"]]})
    result = extract_lists(tmp_path, load_list_mapping(ASD))
    skipped = result.batch.outcome_frame("skipped")
    assert set(skipped["reason"]) == {"Kopfzeile (Zeile 1) ohne Spaltennamen der Zuordnung"}
    f = result.batch.findings.frame()
    message = f.loc[f["rule_id"] == "extract.no_header", "message"].iloc[0]
    assert "Zeile 1 erkannt (4 Spalten)" in message and "Lena" not in message


def test_the_project_files_as_of_closes_cases_that_ended_before_it(tmp_path: Path) -> None:
    from jhmig.config import load_project

    MiniExport().write(tmp_path / "export")
    lists = tmp_path / "listen"
    lists.mkdir()
    _book(lists / "ASD_Nord.xlsx", {"laufend": [HEADER,  # no title, no date in the file name: only the project names the Stand
                                                ["A-1", "Müller, Lena", "03.05.2012", "SPFH", "01.01.2024", "31.01.2025", None],
                                                ["A-2", "Weber, Paul", "02.01.2011", "SPFH", "01.01.2024", "30.06.2025", None]]})
    project = tmp_path / "jhmig.yaml"
    project.write_text(yaml.safe_dump({"sources": {"legacy": {"export": "export"},
                                                   "lists": [{"folder": "listen", "mapping": "asd", "as_of": "2025-03-14"}]},
                                       "target": {"default": "sqlite:///t.sqlite"}}), encoding="utf-8")
    proj, _ = load_project(project)
    assert proj.sources.lists[0].as_of == dt.date(2025, 3, 14)
    result = CliRunner().invoke(main, ["run", "-p", str(project), "--no-progress"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    import sqlalchemy as sa
    with sa.create_engine(f"sqlite:///{tmp_path / 't.sqlite'}").connect() as conn:
        status = dict(conn.execute(sa.text("select file_number, status from case_file where file_number like 'A-%'")).all())
    assert status == {"A-1": "closed", "A-2": "active"}
