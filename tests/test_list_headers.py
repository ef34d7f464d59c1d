"""Headers of lists as people write them (issue 23): a merged title above, a merged header cell, line breaks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import yaml

from jhmig.errors import ConfigError
from jhmig.extract.excel_lists import extract_lists
from jhmig.extract.profile import profile_workbook, suggest_mapping
from jhmig.layout import MAPPINGS_DIR
from jhmig.list_mapping import load_list_mapping


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2025"
    ws["A1"] = "Fallliste ASD Nord"
    ws.merge_cells("A1:G1")  # a title merged over the table, directly above the header
    ws.append(["Az.", "Name, Vorname", "geb.", "Hilfe-\nart", "Kosten", None, "Beginn\nder Hilfe"])
    ws.merge_cells("E2:F2")  # one header cell over the amount and its unit
    ws.append(["A-1", "Müller, Lena", dt.datetime(2012, 5, 3), "SPFH", 100, "mtl.", dt.datetime(2024, 1, 1)])
    ws.append(["A-2", "Weber, Paul", dt.datetime(2011, 5, 3), "Heim\nstationär", 200, "mtl.", dt.datetime(2024, 1, 2)])
    wb.save(path / "ASD_Nord.xlsx")
    return path / "ASD_Nord.xlsx"


def test_profile_and_run_agree_on_the_header_below_a_merged_title(tmp_path: Path) -> None:
    book = _book(tmp_path)
    sheet = profile_workbook(book).sheets[0]
    assert (sheet.header_first, sheet.header_last) == (2, 2)
    result = extract_lists(tmp_path, load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml"))
    (table,) = result.tables
    raw = result.batch.raw[(table.src_path, table.src_sheet)]
    assert raw.columns[0] == "Az." and not any("Fallliste" in str(c) for c in raw.columns)
    assert table.frame.index.tolist() == [3, 4]


def test_a_header_cell_merged_across_two_columns_is_one_column(tmp_path: Path) -> None:
    book = _book(tmp_path)
    sheet = profile_workbook(book).sheets[0]
    assert not sheet.duplicate_columns
    names = [c.name for c in sheet.columns]
    assert names.count("Kosten") == 1 and names[5] == ""
    result = extract_lists(tmp_path, load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml"))  # no "appears twice"
    assert result.tables[0].column_letters["rate"] == "E"


def test_line_breaks_in_cells_are_normalised_in_keys_and_shown_as_return_signs(tmp_path: Path) -> None:
    book = _book(tmp_path)
    sheet = profile_workbook(book).sheets[0]
    service = next(c for c in sheet.columns if c.guessed_field == "service_type")
    assert service.name == "Hilfe-⏎art" and any("⏎" in s for s in service.samples)
    result = extract_lists(tmp_path, load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml"))
    assert {"service_type", "start_date"} <= set(result.tables[0].column_letters)  # "Hilfeart", "Beginn" match loosely
    mapping = yaml.safe_load(suggest_mapping([profile_workbook(book)]))
    assert "Beginn der Hilfe" in mapping["fields"]["start_date"]["names"]


def test_two_fields_naming_one_column_are_refused(tmp_path: Path) -> None:
    mapping = yaml.safe_load((MAPPINGS_DIR / "lists" / "asd.yaml").read_text(encoding="utf-8"))
    mapping["fields"]["remark"]["names"] = [*mapping["fields"]["remark"]["names"], "SB"]
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="caseworker and remark both name the column"):
        load_list_mapping(tmp_path / "m.yaml")
