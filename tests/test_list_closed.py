"""Closed cases of lists (issue 23): a case on several year sheets, a closing note row, the case file a row attaches to."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import yaml

from jhmig.extract.excel_lists import extract_lists
from jhmig.identity import Cluster, RecordRef
from jhmig.layout import MAPPINGS_DIR
from jhmig.list_mapping import load_list_mapping
from jhmig.match.apply import close_from_members
from jhmig.records import Batch
from jhmig.transform import read_unified_code_lists
from jhmig.transform.list_rows import build_list_context, transform_lists

HEADER = ["Az.", "Name, Vorname", "geb.", "Hilfeart", "Beginn", "Ende"]


def _read(folder: Path, mapping_path: Path = MAPPINGS_DIR / "lists" / "asd.yaml") -> pd.DataFrame:
    mapping = load_list_mapping(mapping_path)
    result = extract_lists(folder, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    return result.batch.frames["case_file"].set_index("file_number")


def _book(path: Path, sheets: dict[str, list[list[object]]], hidden: tuple[str, ...] = ()) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        ws.append([f"Fallliste Stand 31.12.{name[-4:]}"])
        ws.append(HEADER)
        for row in rows:
            ws.append(row)
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)


def test_a_case_on_several_year_sheets_takes_the_later_state(tmp_path: Path) -> None:
    lena = ["A-1", "Müller, Lena", dt.datetime(2012, 5, 3), "SPFH", dt.datetime(2023, 2, 1)]
    paul = ["A-2", "Weber, Paul", dt.datetime(2011, 1, 1), "Heim", dt.datetime(2020, 3, 1)]
    _book(tmp_path / "ASD_Jahre.xlsx", {
        "bis 2021": [[*paul, dt.datetime(2021, 6, 30)]],  # closed in the old years' sheet ...
        "2023": [[*lena, None]],
        "2024": [[*lena, dt.datetime(2024, 6, 30)], [*paul, None]],  # ... and running again in 2024 (reopened)
    }, hidden=("bis 2021",))
    cases = _read(tmp_path)
    assert len(cases) == 2
    assert cases.loc["A-1", "status"] == "closed" and cases.loc["A-1", "closed_on"] == pd.Timestamp(2024, 6, 30)
    assert cases.loc["A-2", "status"] == "active" and pd.isna(cases.loc["A-2", "closed_on"])


def test_a_note_row_the_mapping_names_closes_the_rows_below_it(tmp_path: Path) -> None:
    rows = [["A-1", "Müller, Lena", dt.datetime(2012, 5, 3), "SPFH", dt.datetime(2024, 2, 1), None],
            ["ab hier abgeschlossen"],
            ["A-2", "Weber, Paul", dt.datetime(2011, 1, 1), "Heim", dt.datetime(2020, 3, 1), None]]
    _book(tmp_path / "ASD_Notiz.xlsx", {"2025": rows})
    assert _read(tmp_path)["status"].to_dict() == {"A-1": "active", "A-2": "active"}  # the shipped mapping: only a note
    mapping = yaml.safe_load((MAPPINGS_DIR / "lists" / "asd.yaml").read_text(encoding="utf-8"))
    mapping.setdefault("closed", {})["note_rows"] = ["^ab hier abgeschlossen"]
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    cases = _read(tmp_path, tmp_path / "m.yaml")
    assert cases["status"].to_dict() == {"A-1": "active", "A-2": "closed"}
    assert "Hinweiszeile 4" in cases.loc["A-2", "closed_by"]


def test_the_closed_state_of_a_list_row_reaches_the_case_file_it_attaches_to() -> None:
    def batch(source: str, key: str, status: str, closed_on: object, closed_by: object) -> Batch:
        frame = pd.DataFrame({"legacy_key": [key], "status": [status], "closed_on": [closed_on], "closed_by": [closed_by],
                              "src_path": ["Liste.xlsx" if source == "excel-asd" else "AKTEN.TXT"], "src_line": [7]})
        return Batch(source, frames={"case_file": frame})

    export = batch("legacy", "2", "active", pd.NaT, pd.NA)
    lists = batch("excel-asd", "A-2", "closed", pd.Timestamp(2024, 6, 30), "Status 'beendet'")
    survivor, member = RecordRef("legacy", "case_file", "2"), RecordRef("excel-asd", "case_file", "A-2")
    close_from_members({"legacy": export, "excel-asd": lists}, [Cluster(survivor, (survivor, member))])
    row = export.frames["case_file"].iloc[0]
    assert row["status"] == "closed" and row["closed_on"] == pd.Timestamp(2024, 6, 30)
    assert row["closed_by"] == "laut Liste (Liste.xlsx, Zeile 7): Status 'beendet'"
    open_again = batch("legacy", "3", "closed", pd.Timestamp(2020, 1, 1), "Altsystem")
    close_from_members({"legacy": open_again, "excel-asd": lists},
                       [Cluster(RecordRef("legacy", "case_file", "3"), (RecordRef("legacy", "case_file", "3"), member))])
    assert open_again.frames["case_file"].iloc[0]["closed_by"] == "Altsystem"  # its own closed state is kept
