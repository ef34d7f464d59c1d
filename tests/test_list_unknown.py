"""Unknown list values as one steward decision each (issue 23): the sheet, the decision, the project's synonym table."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from jhmig.cli import main
from jhmig.extract.excel_lists import extract_lists
from jhmig.extract.unknown_decisions import read_value_decisions
from jhmig.layout import MAPPINGS_DIR
from jhmig.list_mapping import load_list_mapping
from jhmig.transform import read_unified_code_lists
from jhmig.transform.list_rows import build_list_context, transform_lists
from jhmig.unknown_values import UNKNOWN_SHEET, decided_code
from minimal_export import MiniExport

HEADER = ["Az.", "Name, Vorname", "geb.", "Hilfeart", "Träger", "Beginn", "Geschlecht", "Straße", "PLZ", "Ort"]
PROJECT = """\
name: Unbekannte Werte
sources:
  legacy:
    export: ./export
  lists:
    - folder: ./listen
      mapping: {mapping}
target:
  default: sqlite:///jhmig.sqlite
output: ./runs
corrections: ./korrekturen
"""


def _book(path: Path, rows: list[list[object]], legend: list[list[object]] | None = None) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2025"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    if legend is not None:
        other = wb.create_sheet("Legende")
        for line in legend:
            other.append(line)
    wb.save(path)


ROWS = [
    ["ASD-25/001", "Zander, Mia", dt.datetime(2012, 5, 3), "Zauberschule", "Jugendwohnen Elbtal gGmbH", dt.datetime(2025, 1, 2),
     "w", "Hauptstr. 5a", "01662", "Meißen"],
    ["ASD-25/002", "Yilmaz, Ben", dt.datetime(2011, 4, 4), "Zauberschule", None, dt.datetime(2025, 1, 3), "m"],
    ["ASD-25/003", "Xaver, Lea", dt.datetime(2010, 3, 5), "Familienhilfe (§ 31)", None, dt.datetime(2025, 1, 4)],
]


def _run(project: Path) -> Path:
    result = CliRunner().invoke(main, ["run", "-p", str(project / "jhmig.yaml"), "--no-progress"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return max(p for p in (project / "runs").iterdir() if p.is_dir())


def _db(project: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(project / "jhmig.sqlite") as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("unknown")
    (base / "jhmig.yaml").write_text(PROJECT.format(mapping=base / "asd-eigen.yaml"), encoding="utf-8")
    own = yaml.safe_load((MAPPINGS_DIR / "lists" / "asd.yaml").read_text(encoding="utf-8"))  # the shipped one, with the address
    own["fields"].update({"sex": {"names": ["Geschlecht"]}, "street": {"names": ["Straße"]},
                          "postcode": {"names": ["PLZ"], "type": "postcode"}, "city": {"names": ["Ort"]}})
    (base / "asd-eigen.yaml").write_text(yaml.safe_dump(own, allow_unicode=True), encoding="utf-8")
    MiniExport().write(base / "export")
    (base / "listen").mkdir()
    _book(base / "listen" / "ASD_Nord.xlsx", ROWS)
    first = _run(base)
    services_first = _db(base, "SELECT c.file_number, s.service_type FROM service s JOIN case_file c ON c.case_file_id = s.case_file_id "
                               "WHERE c.file_number LIKE 'ASD-25/%'")
    cases_first = _db(base, "SELECT file_number FROM case_file WHERE file_number LIKE 'ASD-25/%'")
    people = _db(base, "SELECT p.family_name, p.sex, a.street, a.house_number, a.postcode, a.city FROM person p "
                       "LEFT JOIN address a ON a.person_id = p.person_id WHERE p.family_name IN ('Zander', 'Yilmaz', 'Xaver') ORDER BY 1")
    wb = openpyxl.load_workbook(first / "fehlerliste.xlsx")
    sheet = wb[UNKNOWN_SHEET]
    rows = [dict(zip([c.value for c in sheet[1]], [c.value for c in r], strict=False)) for r in sheet.iter_rows(min_row=2)]
    checks = {str(c.sqref): c.formula1 for c in sheet.data_validations.dataValidation}
    # the steward picks "31" for "Zauberschule" in the drop-down and drops the work list into the corrections folder
    line = next(n for n, r in enumerate(rows, start=2) if r["Wert"] == "Zauberschule")
    header = [c.value for c in sheet[1]]
    sheet.cell(line, header.index("Entscheidung") + 1, "31 sozialpädagogische Familienhilfe (SPFH)")  # typed: none was offered
    sheet.cell(line, header.index("Bearbeitet von") + 1, "M. Muster")
    (base / "korrekturen").mkdir()
    wb.save(base / "korrekturen" / "fehlerliste.xlsx")
    second = _run(base)
    services_second = _db(base, "SELECT c.file_number, s.service_type FROM service s JOIN case_file c ON c.case_file_id = s.case_file_id "
                                "WHERE c.file_number LIKE 'ASD-25/%' ORDER BY 1")
    (base / "korrekturen" / "fehlerliste.xlsx").unlink()  # the decision lives on in the project's own synonym table
    third = _run(base)
    services_third = _db(base, "SELECT c.file_number, s.service_type FROM service s JOIN case_file c ON c.case_file_id = s.case_file_id "
                               "WHERE c.file_number LIKE 'ASD-25/%' ORDER BY 1")
    return {"base": base, "rows": rows, "people": people, "checks": checks, "cases_first": cases_first, "services_first": services_first,
            "services_second": services_second, "services_third": services_third, "second": second, "third": third}


def test_unknown_values_are_one_row_each_with_count_places_and_three_scored_candidates(project: dict) -> None:
    rows = {r["Wert"]: r for r in project["rows"]}
    assert set(rows) == {"Zauberschule"}  # "Familienhilfe (§ 31)" was coded by its paragraph
    row = rows["Zauberschule"]
    assert row["Anzahl"] == 2 and row["Fundstellen"] == "ASD_Nord.xlsx / 2025 (2)" and row["Feld"] == "Hilfeart"
    candidates = [row[f"Vorschlag {n}"] for n in (1, 2, 3)]
    assert all(c and c.rstrip(")").split("(")[-1].isdigit() for c in candidates)
    (offered,) = project["checks"].values()
    assert all(c in offered for c in candidates) and "kein Wert der Codeliste" in offered


def test_a_row_whose_service_type_is_unknown_still_migrates_its_child_and_case_file(project: dict) -> None:
    assert sorted(n for (n,) in project["cases_first"]) == ["ASD-25/001", "ASD-25/002", "ASD-25/003"]
    assert project["services_first"] == [("ASD-25/003", "31")]  # only the services wait for the decision
    base = project["base"]
    assert _db(base, "SELECT count(*) FROM provider WHERE name = 'Jugendwohnen Elbtal gGmbH'")[0][0] == 1


def test_a_decision_applies_to_every_row_with_the_value_and_is_kept_in_the_projects_synonym_table(project: dict) -> None:
    assert project["services_second"] == [("ASD-25/001", "31"), ("ASD-25/002", "31"), ("ASD-25/003", "31")]
    stored = project["base"] / "synonyme" / "service_type.csv"
    with open(stored, encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [(r["text"], r["code"]) for r in table] == [("Zauberschule", "31")] and "M. Muster" in table[0]["note"]
    assert project["services_third"] == project["services_second"]
    findings = pd.read_csv(project["third"] / "findings.csv", sep=";", dtype=str)
    assert not ((findings["rule_id"] == "synonym.unmapped") & (findings["value"] == "Zauberschule")).any()


def test_a_decision_naming_no_code_is_refused_with_a_finding(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = UNKNOWN_SHEET
    ws.append(["Feld", "Wert", "Entscheidung", "Bearbeitet von", "Datum", "_field", "_value"])
    ws.append(["Hilfeart", "Zauberschule", "99 gibt es nicht", "K. Test", None, "service_type", "Zauberschule"])
    ws.append(["Hilfeart", "Heimchen", "34 Heimerziehung (88)", "K. Test", None, "service_type", "Heimchen"])
    ws.append(["Hilfeart", "Offen", None, None, None, "service_type", "Offen"])
    wb.save(tmp_path / "f.xlsx")
    decisions = read_value_decisions(tmp_path, isolate=False)
    assert [(d.value, d.code) for d in decisions] == [("Heimchen", "34"), ("Zauberschule", "99")]
    assert decided_code("- kein Wert der Codeliste") == "-" and decided_code("? Verweis (Wert steht anderswo)") == "?"
    assert decided_code("35a Eingliederungshilfe (80)") == "35a"


def test_an_ambiguous_value_is_decided_by_the_workbooks_legend_sheet(tmp_path: Path) -> None:
    rows = [["ASD-25/010", "Wolf, Tim", dt.datetime(2012, 1, 1), "EB", None, dt.datetime(2025, 2, 1)],
            ["ASD-25/011", "Weber, Ina", dt.datetime(2013, 1, 1), "FBL", None, dt.datetime(2025, 2, 2)]]
    _book(tmp_path / "ASD_Legende.xlsx", rows, legend=[["Legende"], ["EB = Erziehungsbeistand"], ["FBL", "Familienhilfe"]])
    _book(tmp_path / "ASD_ohne.xlsx", [["ASD-25/012", "Berg, Ole", dt.datetime(2012, 1, 1), "EB", None, dt.datetime(2025, 2, 1)]])
    mapping = load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml")
    result = extract_lists(tmp_path, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    services = result.batch.frames["service"].set_index("src_path")
    with_legend = services.loc["ASD_Legende.xlsx"].set_index("src_line")["service_type"]
    assert with_legend.to_dict() == {2: "30", 3: "31"}
    assert pd.isna(services.loc["ASD_ohne.xlsx", "service_type"])  # the legend belongs to its own workbook
    rules = result.batch.findings.frame().groupby("src_path")["rule_id"].apply(set)
    assert "synonym.legend" in rules["ASD_Legende.xlsx"] and "synonym.ambiguous" in rules["ASD_ohne.xlsx"]


def test_sex_and_address_of_a_list_row_reach_the_target(project: dict) -> None:
    assert project["people"] == [("Xaver", "u", None, None, None, None), ("Yilmaz", "m", None, None, None, None),
                                 ("Zander", "w", "Hauptstr.", "5a", "01662", "Meißen")]
