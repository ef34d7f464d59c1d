"""The spreadsheet reader: typed values, bounds, hostile files refused in one line, child-process isolation.

Every workbook is built here with openpyxl or by hand; no binary fixtures.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill

from jhmig.errors import SourceReadError
from jhmig.extract.cells import cell_text, column_index, column_letter
from jhmig.extract.csv_sheet import CsvOptions
from jhmig.extract.workbook import Limits, open_workbook
from jhmig.extract.workbook_guard import CFB_MAGIC, GuardRefusal
from jhmig.extract.workbook_isolation import call_engine, refusal_from


def _save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def _refusal(path: Path, **kwargs: object) -> str:
    with pytest.raises(SourceReadError) as caught:
        open_workbook(path, display=path.name, **kwargs)  # type: ignore[arg-type]
    message = caught.value.message
    assert "\n" not in message and message.startswith(path.name + ": ")
    return message


# -- values -------------------------------------------------------------------------


def test_xlsx_values_are_typed_and_text_stays_text(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Liste"
    ws.append(["PLZ", "Zahl", "Betrag", "Datum", "Zeit", "Flag", "Fehler"])
    ws.append(["01067", 1067, 1250.5, dt.date(2009, 5, 3), dt.datetime(2020, 1, 2, 13, 30), True, "#N/A"])
    ws["A4"] = "  Müller\u00a0 "
    path = _save(wb, tmp_path / "werte.xlsx")

    book = open_workbook(path)
    assert book.engine == "calamine" and book.format == "xlsx"
    rows = book.sheet("Liste").row_map()
    plz, number, amount, day, moment, flag, error = rows[2]
    assert plz == "01067"  # never 1067
    assert number == 1067 and isinstance(number, int)
    assert amount == 1250.5
    assert day in (dt.date(2009, 5, 3), dt.datetime(2009, 5, 3))
    assert moment == dt.datetime(2020, 1, 2, 13, 30)
    assert flag is True
    assert error == "#N/A"  # calamine reads error cells as empty; the pre-scan restores them
    assert 3 not in rows  # empty rows are not listed ...
    assert book.sheet("Liste").last_row == 4  # ... but numbering is Excel's
    assert [cell_text(v) for v in rows[2]] == ["01067", "1067", "1250.5", "2009-05-03", "2020-01-02T13:30:00", "WAHR", "#N/A"]
    assert cell_text(rows[4][0]) == "Müller"


def test_cell_text_has_no_spurious_decimals() -> None:
    assert cell_text(3000.0) == "3000"
    assert cell_text(0.1 + 0.2) == "0.3"
    assert cell_text(dt.datetime(2009, 5, 3)) == "2009-05-03"
    assert cell_text("\u00a0\u00a0") is None
    assert column_letter(0) == "A" and column_letter(16383) == "XFD" and column_index("XFD") == 16383


def test_sheets_hidden_state_and_offset_table(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "laufend"
    ws["C5"] = "Az."
    ws["D7"] = 1
    old = wb.create_sheet("alt")
    old.sheet_state = "hidden"
    old["A1"] = "x"
    path = _save(wb, tmp_path / "blaetter.xlsx")

    book = open_workbook(path)
    assert [(s.name, s.info.hidden, s.info.index) for s in book.sheets] == [("laufend", False, 0), ("alt", True, 1)]
    sheet = book.sheet("laufend")
    assert sheet.rows == [(5, (None, None, "Az.")), (7, (None, None, None, 1))]
    assert sheet.width == 4


def test_sheet_of_16384_columns_is_bounded_by_values(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Az."
    ws["B1"] = "Name"
    ws.cell(1, 16384).value = "x"  # one stray value in column XFD
    ws["A2"] = "ASD-1"
    path = _save(wb, tmp_path / "breit.xlsx")

    sheet = open_workbook(path).sheets[0]
    assert sheet.width == 16384
    assert sheet.rows[1] == (2, ("ASD-1",))


def test_stray_far_cell_on_a_long_sheet_is_refused_before_parsing(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in range(1, 51):
        ws.cell(row, 1, f"ASD-{row}")
    ws.cell(50, 16384, "x")
    path = _save(wb, tmp_path / "streu.xlsx")

    message = _refusal(path, limits=Limits(max_sheet_cells=100_000))
    assert "XFD50" in message and "16,384 columns" in message


def test_styles_fill_and_strike_via_openpyxl(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Az.", "Name"])
    ws.append(["ASD-1", "A"])
    ws.append(["ASD-2", "B"])
    for col in (1, 2):
        ws.cell(2, col).fill = PatternFill("solid", fgColor="D9D9D9")
        ws.cell(3, col).font = Font(strike=True)
    path = _save(wb, tmp_path / "format.xlsx")

    book = open_workbook(path)
    styles = book.styles(book.sheets[0].name, 2, 3, 1, 2)
    assert styles.available
    assert styles.cells[(2, 1)].fill == "D9D9D9" and not styles.cells[(2, 1)].strike
    assert styles.cells[(3, 2)].strike


# -- CSV ------------------------------------------------------------------------------


def test_csv_cp1252_semicolon_quoted_newline_and_leading_zeros(tmp_path: Path) -> None:
    text = 'Az.;Name;PLZ;Bemerkung\r\nASD-1;Müller;01067;"Zeile eins\r\nZeile zwei"\r\n\r\nASD-2;Weiß;01069;€ 1.250,00\r\n'
    path = tmp_path / "liste.csv"
    path.write_bytes(text.encode("cp1252"))

    book = open_workbook(path)
    assert book.engine == "csv" and book.sheets[0].name == ""
    assert any("cp1252" in n and "';'" in n for n in book.notes)
    rows = book.sheets[0].row_map()
    assert rows[2] == ("ASD-1", "Müller", "01067", "Zeile eins\r\nZeile zwei")
    assert 3 not in rows  # a blank line is an (empty) row, as Excel shows it
    assert rows[4] == ("ASD-2", "Weiß", "01069", "€ 1.250,00")


def test_csv_utf8_bom_nul_bytes_ragged_rows_and_sep_line(tmp_path: Path) -> None:
    path = tmp_path / "utf8.csv"
    path.write_bytes("\ufeffsep=,\nAz.,Name\nASD-1,Ay\u015fe,zu viel\nASD-\x002\n".encode())

    book = open_workbook(path)
    sheet = book.sheets[0]
    assert sheet.rows == [(1, ("Az.", "Name")), (2, ("ASD-1", "Ayşe", "zu viel")), (3, ("ASD-2",))]
    assert any("NUL" in n for n in book.notes)


def test_csv_forced_delimiter_and_fallback_encoding(tmp_path: Path) -> None:
    path = tmp_path / "tab.txt"
    path.write_bytes("Az.\tOrt\nASD-1\tK\xf6ln\n".encode("latin-1"))
    book = open_workbook(path, csv_options=CsvOptions(fallback_encoding="latin-1"))
    assert book.sheets[0].rows[1] == (2, ("ASD-1", "Köln"))


# -- refusals ---------------------------------------------------------------------------


def test_xml_bomb_is_refused(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    path = _save(wb, tmp_path / "bombe.xlsx")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>' + data
            dst.writestr(item, data)
    assert "XML bomb" in _refusal(bomb)


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    path = _save(wb, tmp_path / "zip.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/image1.bin", b"\0" * (12 * 2**20))
    message = _refusal(path, limits=Limits(max_member_ratio=500))
    assert "zip bomb" in message
    assert "too large" in _refusal(path, limits=Limits(max_unpacked_bytes=2**20))


def test_encrypted_workbook_is_refused_as_password_protected(tmp_path: Path) -> None:
    path = tmp_path / "geheim.xlsx"
    path.write_bytes(CFB_MAGIC + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1000)
    message = _refusal(path)
    assert "password-protected" in message


def test_corrupt_truncated_garbage_html_and_empty_files_are_refused(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    good = _save(wb, tmp_path / "gut.xlsx")
    truncated = tmp_path / "kaputt.xlsx"
    truncated.write_bytes(good.read_bytes()[:1500])
    assert "corrupt" in _refusal(truncated)

    garbage = tmp_path / "muell.xlsx"
    garbage.write_bytes(bytes(range(256)) * 20)
    assert "unsupported format" in _refusal(garbage)

    html = tmp_path / "export.xls"
    html.write_bytes(b"<html><body><table><tr><td>Az.</td></tr></table></body></html>")
    assert "web page" in _refusal(html)

    empty = tmp_path / "leer.xlsx"
    empty.write_bytes(b"")
    assert "empty" in _refusal(empty)

    assert "not found" in _refusal(tmp_path / "fehlt.xlsx")


def test_file_size_guard(tmp_path: Path) -> None:
    path = tmp_path / "gross.csv"
    path.write_text("Az.;Name\n" + "ASD-1;A\n" * 1000, encoding="utf-8")
    assert "too large" in _refusal(path, limits=Limits(max_file_bytes=1000))


def test_panic_exception_is_a_base_exception_and_becomes_one_line() -> None:
    class PanicException(BaseException):  # what pyo3 raises: not an Exception
        pass

    refusal = refusal_from(PanicException("no entry found for key\nnote: run with RUST_BACKTRACE=1"))
    assert refusal.cause == "corrupt: the reader failed on this file (calamine: no entry found for key note: run with RUST_BACKTRACE=1)"

    def panics() -> None:
        raise PanicException("boom")

    for isolate in (False, True):
        with pytest.raises(GuardRefusal, match="calamine: boom"):
            call_engine(panics, (), Limits(), isolate)


def _allocate_too_much() -> bytes:
    return b"x" * (8 * 2**30)


def _sleep_long() -> None:
    time.sleep(30)


def test_isolated_reader_is_bounded_in_memory_and_time() -> None:
    with pytest.raises(GuardRefusal, match="out of memory"):
        call_engine(_allocate_too_much, (), Limits(memory_bytes=256 * 2**20), True)
    started = time.monotonic()
    with pytest.raises(GuardRefusal, match="gave up after"):
        call_engine(_sleep_long, (), Limits(timeout_s=0.5), True)
    assert time.monotonic() - started < 10


def test_isolated_reader_does_not_repeat_buffered_output(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    path = _save(wb, tmp_path / "a.xlsx")
    buffer = io.StringIO()
    print("vorher", file=buffer)
    print("einmal", end="")
    open_workbook(path)
    print()
    assert capfd.readouterr().out.count("einmal") == 1
