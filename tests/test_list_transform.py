"""List rows -> unified entities: names, dates, amounts, synonyms, merging, row accounting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import PatternFill

from jhmig.extract.excel_lists import extract_lists
from jhmig.layout import MAPPINGS_DIR
from jhmig.list_mapping import load_list_mapping
from jhmig.match import resolve_identities
from jhmig.records import ExtractResult
from jhmig.transform import read_unified_code_lists
from jhmig.transform.list_rows import build_list_context, transform_lists
from jhmig.transform.list_values import parse_list_amounts, parse_list_dates, split_full_name
from jhmig.transform.synonyms import normalize_free_text


def test_list_dates_in_all_their_spellings() -> None:
    s = pd.Series(["2009-05-03", "3.5.09", "03.05.2009", "39936", "Mai 2009", "05/2009", "31.02.2009", "bald", None])
    d = parse_list_dates(s, ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"))
    assert d.value.iloc[:4].tolist() == [pd.Timestamp(2009, 5, 3)] * 4
    assert d.value.iloc[4] == d.value.iloc[5] == pd.Timestamp(2009, 5, 1)
    assert d.month_only.tolist() == [False, False, False, False, True, True, False, False, False]
    assert d.serial.tolist()[3] is True
    assert d.bad.tolist() == [False] * 6 + [True, True, False]


def test_list_amounts() -> None:
    cents, bad, approx = parse_list_amounts(pd.Series(["1.250,00 €", "4800", "4800.5", "ca. 3000", "Ca.300,50", "viel", None]))
    assert cents.iloc[:5].tolist() == [125000, 480000, 480050, 300000, 30050]
    assert bad.tolist() == [False] * 5 + [True, False]
    assert approx.tolist() == [False, False, False, True, True, False, False]


def test_full_names_split() -> None:
    family, given = split_full_name(pd.Series(["Müller, Lena", "von Berg,Anna Sophie", "Tim Weber", None]))
    assert family.tolist()[:3] == ["Müller", "von Berg", "Weber"] and given.tolist()[:3] == ["Lena", "Anna Sophie", "Tim"]


def test_free_text_normalisation() -> None:
    assert normalize_free_text("§ 31 SGB VIII") == normalize_free_text("§31") == "§31"
    assert normalize_free_text(" Heim-\u00a0erziehung ") == "heim- erziehung"


def _workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "laufend"
    ws["A1"] = "Fallliste ASD Team Nord - Stand 03/2024"
    ws.merge_cells("A1:G1")
    ws.append([])
    ws.append([])
    ws.append(["Az.", "Name, Vorname", "geb.", "Hilfeart", "Träger", "Beginn", "Kosten"])
    ws.append(["ASD-2023/001", "Müller, Lena", dt.datetime(2012, 5, 3), "SPFH", "AWO Kreisverband", "3.5.23", "1.250,00 €"])
    ws.append(["ASD-2023/001", "Müller, Lena", dt.datetime(2012, 5, 3), "Heimerziehnug", "Kinderheim St. Josef", "01.09.2023", 4800])
    ws.append(["ASD-2023/002", "Schmidt, Paul", "14.07.2010", "Zauberschule", None, "Mai 2022", "ca. 300"])
    ws.append(["Summe", None, None, None, None, None, "=SUM(G5:G7)"])
    ws.append(["ASD-2021/009", "Weber, Tim", "03.02.2008", "§ 31 SGB VIII", None, "2021-02-01", None])
    for cell in ws[9]:
        cell.fill = PatternFill("solid", fgColor="FFD9D9D9")
    ws2 = wb.create_sheet("2023")
    ws2.append(["Aktenzeichen", "Name", "Vorname", "Geburtsdatum", "Hilfe", "seit"])
    ws2.append(["ASD-2023/001", "Müller", "Lena", "03.05.2012", "SPFH", "03.05.2023"])
    wb.create_sheet("Hilfe").append(["Legende: grau = abgeschlossen"])
    wb.save(path)


@pytest.fixture(scope="module")
def asd(tmp_path_factory: pytest.TempPathFactory) -> ExtractResult:
    folder = tmp_path_factory.mktemp("lists")
    _workbook(folder / "ASD_Nord.xlsx")
    mapping = load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml")
    result = extract_lists(folder, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    resolve_identities([result.batch])  # the orchestrator's next step: one child, one person
    return result


def test_the_same_child_in_two_rows_and_sheets_is_one_person(asd: ExtractResult) -> None:
    persons = asd.batch.frames["person"]
    assert sorted(persons["family_name"]) == ["Müller", "Schmidt", "Weber"]
    merged = asd.batch.outcome_frame("merged")
    assert sorted(merged.loc[merged["entity"] == "person", "src_line"]) == [2, 6]
    services = asd.batch.frames["service"].set_index("src_line")
    assert services.loc[5, "service_type"] == "31" and services.loc[5, "rate_cents"] == 125000
    assert services.loc[6, "service_type"] == "34" and services.loc[6, "provider_key"] == "T:kinderheim st josef"
    cases = asd.batch.frames["case_file"].set_index("legacy_key")
    assert cases.loc["ASD-2021/009", "status"] == "closed" and cases.loc["ASD-2023/001", "status"] == "active"


def test_unmapped_and_fuzzy_free_text_are_reported_with_location(asd: ExtractResult) -> None:
    f = asd.batch.findings.frame()
    unmapped = f[f["rule_id"] == "synonym.unmapped"]
    assert unmapped[["src_sheet", "src_line", "value", "severity"]].values.tolist() == [["laufend", 7, "Zauberschule", "error"]]
    assert "Blatt laufend, Zeile 7, Spalte D „Hilfeart“" in unmapped["message"].iloc[0]
    fuzzy = f[f["rule_id"] == "synonym.fuzzy"]
    assert fuzzy["value"].tolist() == ["Heimerziehnug"]


def test_every_row_is_accounted_for(asd: ExtractResult) -> None:
    reads = pd.DataFrame([(r.src_sheet, r.entity, r.read) for r in asd.batch.reads], columns=["sheet", "entity", "read"])
    per_sheet = reads[reads["entity"].isin(["list_row", "person"])].groupby("sheet")["read"].sum().to_dict()
    # laufend: 4 data rows + 1 subtotal; 2023: 1 row; Hilfe: the legend sheet's row
    assert per_sheet == {"laufend": 5, "2023": 1, "Hilfe": 1}
    skipped = asd.batch.outcome_frame("skipped")
    assert sorted(skipped["reason"]) == ["Legendenblatt", "Summenzeile"]


def test_cells_merged_down_belong_to_every_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "laufend"
    ws.append(["Az.", "Name, Vorname", "geb.", "Hilfeart", "Beginn"])
    ws.append(["ASD-1", "Kambs, Marie", "14.05.2016", "SPFH", "01.02.2020"])
    ws.append([None, None, None, "Tagesgruppe", "01.03.2021"])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:C3")
    wb.save(tmp_path / "ASD_merged.xlsx")
    mapping = load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml")
    result = extract_lists(tmp_path, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    resolve_identities([result.batch])
    services = result.batch.frames["service"]
    # the merged name cell names the child of both rows: one person, keyed by its first row
    first_row = result.tables[0].frame.loc[2, "_row_key"]
    assert services["person_key"].tolist() == [first_row] * 2
    assert result.batch.frames["person"]["legacy_key"].tolist() == [first_row]
    assert sorted(services["service_type"]) == ["31", "32"]
    assert "list.no_name" not in set(result.batch.findings.frame()["rule_id"])


def test_rows_without_a_name_are_never_merged(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Az.", "Name, Vorname", "geb.", "Hilfeart", "Beginn"])
    ws.append(["ASD-1", None, None, "SPFH", "01.02.2020"])
    ws.append(["ASD-2", None, None, "Tagesgruppe", "01.03.2021"])
    wb.save(tmp_path / "ASD_nameless.xlsx")
    mapping = load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml")
    result = extract_lists(tmp_path, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    assert result.batch.outcome_frame("merged").empty
    assert result.batch.frames["person"]["legacy_key"].nunique() == 2
    no_name = result.batch.findings.frame().query("rule_id == 'list.no_name'")
    assert sorted(no_name["src_line"]) == [2, 3]


def _read(folder: Path, mapping_name: str) -> ExtractResult:
    mapping = load_list_mapping(MAPPINGS_DIR / "lists" / mapping_name)
    result = extract_lists(folder, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    return result


def test_month_only_dates_are_reported_in_every_date_field_and_common_names_are_mapped(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Az.", "Name, Vorname", "Geburtsdatum Kind", "Hilfeart", "Beginn der Hilfe", "Ende der Hilfe", "Kosten je Monat"])
    ws.append(["ASD-1", "Schmidt, Hannah", "Juni 2013", "Inobhut", "12.06.2023", "Mai 2024", "1.250,00 €"])
    wb.save(tmp_path / "ASD_Nord.xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Az.", "Name", "Vorname", "Geb.", "Delikt", "Tatzeit", "Termin", "Ausgang"])
    ws.append(["JGH 23/002", "Mueller", "Jana", "01.02.2008", "Sachbeschädigung", "Mai 2023", "09/2023", "Weisung"])
    wb.save(tmp_path / "JGH_2023.xlsx")

    asd = _read(tmp_path, "asd.yaml")
    # the names caseworkers write are in mappings/lists/asd.yaml: exact matches, nothing guessed
    assert asd.tables[0].column_letters == {"file_number": "A", "name_full": "B", "birth_date": "C", "service_type": "D",
                                            "start_date": "E", "end_date": "F", "rate": "G"}
    findings = asd.batch.findings.frame()
    assert "extract.column_guessed" not in set(findings["rule_id"])
    month = findings[findings["rule_id"] == "value.date_month_only"]
    assert sorted(zip(month["entity"], month["field"], month["value"], strict=True)) == [
        ("person", "birth_date", "Juni 2013"), ("service", "end_date", "Mai 2024")]
    assert asd.batch.frames["person"]["birth_date"].iloc[0] == pd.Timestamp(2013, 6, 1)

    jgh = _read(tmp_path, "jgh.yaml")
    findings = jgh.batch.findings.frame()
    month = findings[findings["rule_id"] == "value.date_month_only"]
    assert sorted(zip(month["entity"], month["field"], month["severity"], strict=True)) == [
        ("jgh_proceeding", "hearing_date", "info"), ("jgh_proceeding", "offence_date", "info")]
    assert "Blatt Sheet, Zeile 2, Spalte F „Tatzeit“" in month.set_index("field").loc["offence_date", "message"]


def test_service_type_synonyms_cover_the_usual_spellings() -> None:
    mapping = load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml")
    table = build_list_context(mapping, read_unified_code_lists()).synonyms["service_type"]
    spellings = {
        "41": ("Hilfe f. junge Volljährige", "Hilfe für junge Volljährige", "§ 41", "41", "jVH", "junge Volljährige"),
        "27_2": ("flex. Hilfe", "§ 27.2", "27,2", "§27 Abs. 2", "27 Abs. 2"),
        "42a": ("vorl. Inobhutnahme", "42a", "UMA"),
        "42": ("Inobhutnahme", "ION", "Inobhut"),
        "35a": ("Eingliederungshilfe", "EGH", "§ 35 a"),
    }
    looked = {text: table.lookup(text) for texts in spellings.values() for text in texts}
    assert looked == {text: (code, "exact") for code, texts in spellings.items() for text in texts}
