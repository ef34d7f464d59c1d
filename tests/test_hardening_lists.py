"""Hostile caseworkers' lists (issue 12): a zip bomb, a header naming a column twice, formulas without
a stored value, and two rows of one case merged. Every workbook is built here."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from jhmig.errors import SourceReadError
from jhmig.extract.excel_lists import extract_lists
from jhmig.extract.profile import profile_workbook, render_profile
from jhmig.layout import MAPPINGS_DIR
from jhmig.list_mapping import load_list_mapping
from jhmig.transform import read_unified_code_lists
from jhmig.transform.list_rows import build_list_context, transform_lists
from minimal_export import MiniExport
from test_pipeline_cli import run_cli

HEADER = ["Az.", "Name, Vorname", "geb.", "Hilfeart", "Träger", "Beginn", "Kosten", "Bemerkung"]


def asd_mapping():  # type: ignore[no-untyped-def]
    return load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml")


def workbook(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "laufend"
    for values in rows:
        ws.append(values)
    wb.save(path)
    return path


class Lines:
    """Captures what the profile prints."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def print(self, text: str, **_: object) -> None:
        self.lines.append(text)


# --------------------------------------------------------------------------
# a sheet that inflates from a few MB to 1 GB
# --------------------------------------------------------------------------

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
       '<sheet name="Liste" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>')


def inflating_workbook(path: Path, unpacked: int) -> Path:
    """A valid xlsx whose one sheet is ``unpacked`` bytes of (empty-looking) rows, compressed a few hundred-fold."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                     b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            row = b'<row r="1"><c r="A1" t="inlineStr"><is><t> </t></is></c></row>'
            block = row * (2**20 // len(row))
            written = 0
            while written < unpacked:
                fh.write(block)
                written += len(block)
            fh.write(b"</sheetData></worksheet>")
    return path


@pytest.mark.slow
def test_a_sheet_inflating_to_1_gb_is_refused_naming_file_and_part(tmp_path: Path) -> None:
    lists = tmp_path / "listen"
    lists.mkdir()
    bomb = inflating_workbook(lists / "ASD_Team.xlsx", 10**9)
    assert bomb.stat().st_size < 5 * 2**20
    export = MiniExport().write(tmp_path / "x")
    code, output = run_cli("run", "--export", str(export), "--lists", str(lists), "--list-mapping", "asd",
                           "--db", f"sqlite:///{tmp_path / 't.sqlite'}", "--out", str(tmp_path / "runs"), "--no-progress")
    output = output.replace("\n", "")  # the console wraps long lines
    assert code == 2, output
    assert "ASD_Team.xlsx" in output and "xl/worksheets/sheet1.xml" in output


# --------------------------------------------------------------------------
# a header naming a column twice
# --------------------------------------------------------------------------


def twice_hilfeart(folder: Path) -> Path:
    header = HEADER[:4] + ["Träger", "Beginn", "Hilfeart", "Kosten"]
    return workbook(folder / "ASD_Nord.xlsx", [header, ["ASD-1", "Müller, Lena", "03.05.2012", "SPFH", "AWO", "01.02.2023", "Heim", "100"]])


def test_profile_reports_a_column_name_written_twice(tmp_path: Path) -> None:
    profile = profile_workbook(twice_hilfeart(tmp_path))
    assert profile.sheets[0].duplicate_columns == [("Hilfeart", ["D", "G"])]
    shown = Lines()
    render_profile(profile, shown)
    assert any("'Hilfeart'" in line and "D and G" in line for line in shown.lines)


def test_a_mapping_naming_a_duplicate_column_is_refused_naming_both(tmp_path: Path) -> None:
    twice_hilfeart(tmp_path)
    with pytest.raises(SourceReadError) as info:
        extract_lists(tmp_path, asd_mapping())
    message = str(info.value)
    assert info.value.exit_code == 2
    assert "D 'Hilfeart'" in message and "G 'Hilfeart'" in message and "service_type" in message


def test_the_cli_ends_with_exit_2_on_a_duplicate_column(tmp_path: Path) -> None:
    lists = tmp_path / "listen"
    lists.mkdir()
    twice_hilfeart(lists)
    export = MiniExport().write(tmp_path / "x")
    code, output = run_cli("run", "--export", str(export), "--lists", str(lists), "--list-mapping", "asd",
                           "--db", f"sqlite:///{tmp_path / 't.sqlite'}", "--out", str(tmp_path / "runs"), "--no-progress")
    output = output.replace("\n", "")
    assert code == 2 and "Hilfeart" in output and "Müller" not in output


# --------------------------------------------------------------------------
# a formula without a stored value
# --------------------------------------------------------------------------


def test_a_formula_without_a_cached_value_is_named_by_its_cell(tmp_path: Path) -> None:
    # openpyxl writes formulas without computing them: exactly such a cell
    workbook(tmp_path / "ASD_Nord.xlsx", [HEADER, ["ASD-1", "Müller, Lena", "03.05.2012", "SPFH", "AWO", "01.02.2023", "=2*600", "x"],
                                          ["ASD-2", "Weber, Tim", "03.02.2008", "SPFH", "AWO", "01.02.2021", "300", "y"]])
    result = extract_lists(tmp_path, asd_mapping())
    transform_lists(result, build_list_context(asd_mapping(), read_unified_code_lists()))
    findings = result.batch.findings.frame()
    hit = findings[findings["rule_id"] == "extract.formula_without_value"]
    assert hit[["src_sheet", "src_line", "field"]].values.tolist() == [["laufend", 2, "rate"]]
    assert "G2" in hit["message"].iloc[0] and "=2*600" in hit["message"].iloc[0]
    services = result.batch.frames["service"].set_index("src_line")
    assert pd.isna(services.loc[2, "rate_cents"])  # never 0: unknown, with the finding
    assert services.loc[3, "rate_cents"] == 30000


# --------------------------------------------------------------------------
# two rows of one case merged
# --------------------------------------------------------------------------


def test_merging_two_rows_of_one_case_keeps_both_remarks_and_names_what_differs(tmp_path: Path) -> None:
    workbook(tmp_path / "ASD_Nord.xlsx", [
        HEADER + ["SB"],
        ["ASD-7", "Müller, Lena", dt.datetime(2012, 5, 3), "SPFH", "AWO", "01.02.2023", "100", "Mutter krank", "AB"],
        ["ASD-7", "Müller, Lena", dt.datetime(2012, 5, 3), "SPFH", "AWO", "01.03.2023", "100", "Schule informiert", "CD"],
    ])
    result = extract_lists(tmp_path, asd_mapping())
    transform_lists(result, build_list_context(asd_mapping(), read_unified_code_lists()))
    cases = result.batch.frames["case_file"]
    assert len(cases) == 1
    assert cases["remark"].iloc[0] == "Mutter krank | Schule informiert"
    merged = result.batch.outcome_frame("merged")
    case_merge = merged[merged["entity"] == "case_file"]
    assert case_merge["src_line"].tolist() == [3]
    assert "caseworker" in case_merge["reason"].iloc[0] and "Zeile 2" in case_merge["reason"].iloc[0]
