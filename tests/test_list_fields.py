"""Every list field reaches the target or is refused; no list value is cut in silence (issue 23)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
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
