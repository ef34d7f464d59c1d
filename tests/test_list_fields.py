"""Every list field reaches the target or is refused; no list value is cut in silence (issue 23)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from jhmig.extract.excel_lists import extract_lists
from jhmig.layout import MAPPINGS_DIR
from jhmig.list_mapping import load_list_mapping
from jhmig.records import ExtractResult
from jhmig.transform import read_unified_code_lists
from jhmig.transform.list_rows import build_list_context, transform_lists
from jhmig.validation.api import validate_batch


def _read(folder: Path, mapping_path: Path) -> ExtractResult:
    mapping = load_list_mapping(mapping_path)
    result = extract_lists(folder, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    return result


def test_a_value_longer_than_its_column_is_value_too_long_not_cut(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Az.", "Name", "Vorname", "Geb.", "Delikt", "Tatzeit", "Gericht", "SB"])
    court = "Amtsgericht " + "Meißen-Riesa-Großenhain " * 12  # 300 characters: the column holds 200
    ws.append(["JGH-25/001", "Wolf", "Tim", dt.datetime(2008, 1, 1), "Ladendiebstahl", dt.datetime(2025, 1, 5), court,
               "Frau Dr. Hannelore Müller-Lüdenscheidt"])
    wb.save(tmp_path / "JGH_Verfahren.xlsx")
    result = _read(tmp_path, MAPPINGS_DIR / "lists" / "jgh.yaml")
    frames = result.batch.frames
    assert frames["jgh_proceeding"]["court"].iloc[0] == court.strip()  # as written, nothing cut
    assert frames["case_file"]["caseworker"].iloc[0] == "Frau Dr. Hannelore Müller-Lüdenscheidt"
    findings = validate_batch(result.batch, read_unified_code_lists(), expectations=False)
    long = findings[findings["rule_id"] == "value.too_long"]
    assert set(zip(long["entity"], long["field"], strict=True)) == {("jgh_proceeding", "court"), ("case_file", "caseworker")}


MAPPING = {
    "name": "asd-anschrift", "source_system": "excel-asd-anschrift", "department": "ASD", "files": ["*.xlsx"],
    "fields": {
        "file_number": {"names": ["Az."]}, "name_full": {"names": ["Name, Vorname"], "type": "name"},
        "birth_date": {"names": ["geb."], "type": "date"}, "sex": {"names": ["Geschlecht"]},
        "street": {"names": ["Straße"]}, "postcode": {"names": ["PLZ"], "type": "postcode"}, "city": {"names": ["Ort"]},
        "address_full": {"names": ["Anschrift"]},
        "service_type": {"names": ["Hilfeart"], "type": "code", "synonyms": "lists/synonyms/hilfeart.csv"},
        "start_date": {"names": ["Beginn"], "type": "date"}, "end_date": {"names": ["Ende"], "type": "date"},
        "termination_reason": {"names": ["Beendigungsgrund"]},
    },
}


def test_every_field_a_mapping_names_reaches_the_target(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Az.", "Name, Vorname", "geb.", "Geschlecht", "Straße", "PLZ", "Ort", "Anschrift", "Hilfeart", "Beginn", "Ende",
               "Beendigungsgrund"])
    ws.append(["A-1", "Wolf, Tim", dt.datetime(2010, 1, 1), "männlich", "Hauptstr. 5a", "01662", "Meißen", None, "SPFH",
               dt.datetime(2024, 1, 1), dt.datetime(2024, 12, 31), "Volljährigkeit"])
    ws.append(["A-2", "Berg, Ina", dt.datetime(2011, 1, 1), "w", None, None, None, "Am Markt 12-14, 01587 Riesa", "SPFH",
               dt.datetime(2024, 2, 1), dt.datetime(2024, 11, 30), "Abbruch durch Einrichtung"])
    ws.append(["A-3", "Kern, Lu", dt.datetime(2012, 1, 1), "Kater", None, None, None, "irgendwo am Wald", "SPFH",
               dt.datetime(2024, 3, 1), None, "weil halt"])
    wb.save(tmp_path / "ASD.xlsx")
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(MAPPING, allow_unicode=True), encoding="utf-8")
    result = _read(tmp_path, tmp_path / "m.yaml")
    frames = result.batch.frames
    person = frames["person"].set_index("src_line")
    assert person["sex"].to_dict() == {2: "m", 3: "w", 4: "u"}
    address = frames["address"].set_index("src_line")
    assert address.loc[2, ["street", "house_number", "postcode", "city"]].tolist() == ["Hauptstr.", "5a", "01662", "Meißen"]
    assert address.loc[3, ["street", "house_number", "postcode", "city"]].tolist() == ["Am Markt", "12-14", "01587", "Riesa"]
    assert address.loc[4, "street"] == "irgendwo am Wald"
    assert (address["person_key"] == person.loc[address.index, "legacy_key"]).all()
    service = frames["service"].set_index("src_line")
    assert service.loc[[2, 3], "termination_reason"].tolist() == ["coming_of_age", "ended_by_provider"]
    assert pd.isna(service.loc[4, "termination_reason"])
    rules = result.batch.findings.frame().groupby("src_line")["rule_id"].apply(set)
    assert {"list.sex_unreadable", "list.address_unparsed", "list.termination_reason_unknown"} <= rules[4]
    assert not {"list.sex_unreadable", "list.address_unparsed", "list.termination_reason_unknown"} & rules.get(2, set())


def test_a_field_with_no_place_in_the_target_is_refused(tmp_path: Path) -> None:
    from jhmig.errors import ConfigError

    mapping = {**MAPPING, "fields": {**MAPPING["fields"], "team": {"names": ["Team"]}}}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="field team has no place in the target"):
        load_list_mapping(tmp_path / "m.yaml")


def test_one_table_of_list_fields_drives_model_guesser_suggester_and_docs() -> None:
    from typing import get_args

    from jhmig.extract.column_guess import FIELD_GUESSES
    from jhmig.extract.profile_suggest import FIELD_TYPES
    from jhmig.list_fields import FIELD_NAMES, LIST_FIELDS, WITHOUT_TARGET, target_text
    from jhmig.list_mapping import ListField

    assert get_args(ListField) == FIELD_NAMES
    assert set(FIELD_GUESSES) == {f.name for f in LIST_FIELDS if f.target} and not set(WITHOUT_TARGET) & set(FIELD_GUESSES)
    assert FIELD_TYPES["postcode"] == "postcode" and FIELD_TYPES["birth_date"] == "date"
    doc = (Path(__file__).resolve().parents[1] / "docs" / "lists.md").read_text(encoding="utf-8")
    for spec in LIST_FIELDS:
        assert f"| `{spec.name}` | {spec.group} | {target_text(spec)} |" in doc, spec.name


def test_the_suggested_mapping_names_sex_and_address_and_they_are_read(tmp_path: Path) -> None:
    from jhmig.extract.profile import profile_workbook, suggest_mapping
    from jhmig.list_mapping import ListMapping

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Az.", "Name", "Vorname", "Geschlecht", "Straße", "PLZ", "Ort", "Hilfeart", "Beginn"])
    ws.append(["A-1", "Wolf", "Tim", "m", "Hauptstr. 5", "01662", "Meißen", "SPFH", dt.datetime(2024, 1, 1)])
    ws.append(["A-2", "Berg", "Ina", "w", "Am Markt 1", "01587", "Riesa", "Heim", dt.datetime(2024, 1, 2)])
    wb.save(tmp_path / "Liste.xlsx")
    text = suggest_mapping([profile_workbook(tmp_path / "Liste.xlsx")])
    mapping = ListMapping.model_validate(yaml.safe_load(text))
    assert {"sex", "street", "postcode", "city"} <= set(mapping.fields)
    result = extract_lists(tmp_path, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    assert result.batch.frames["person"]["sex"].tolist() == ["m", "w"]
    assert result.batch.frames["address"]["city"].tolist() == ["Meißen", "Riesa"]
