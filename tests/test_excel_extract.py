"""Caseworkers' lists by a mapping: header detection, row classes, closed marks, lineage, accounting, profile.

The workbooks are built here with openpyxl, one quirk each where possible.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.colors import Color
from rich.console import Console

from jhmig.errors import SourceReadError
from jhmig.extract.excel_lists import extract_lists
from jhmig.extract.header_detect import detect_header, loose_key
from jhmig.extract.profile import mask_value, profile_command, profile_workbook, suggest_mapping
from jhmig.extract.row_classify import RowClassifier, RowKind, is_grey
from jhmig.list_mapping import FieldRule, HeaderRule, ListMapping, SheetSelection
from jhmig.records import OUTCOME_COLUMNS, ExtractResult

HEADER = ["Az.", "Name, Vorname", "Geb.-Dat.", "PLZ", "Hilfeart", "Träger", "Beginn", "Kosten mtl.", "Status"]


def asd_mapping(**changes: object) -> ListMapping:
    base = ListMapping(
        name="asd-nord", source_system="excel-asd-nord", department="ASD", files=("*.xlsx", "*.csv"),
        sheets=SheetSelection(exclude=("Hilfe",), hidden="skip"),
        fields={
            "file_number": FieldRule(names=("Az.", "Aktenzeichen"), required=True),
            "name_full": FieldRule(names=("Name, Vorname",), type="name"),
            "family_name": FieldRule(names=("Name",), type="name"),
            "given_names": FieldRule(names=("Vorname",), type="name"),
            "birth_date": FieldRule(names=("Geb.-Dat.", "Geb. Datum", "Geburtsdatum"), type="date"),
            "postcode": FieldRule(names=("PLZ",), type="postcode"),
            "service_type": FieldRule(names=("Hilfeart", "Hilfe Art")),
            "provider": FieldRule(names=("Traeger",)),  # the list writes "Träger": umlaut spellings match
            "start_date": FieldRule(names=("Beginn", "Hilfe Beginn"), type="date"),
            "rate": FieldRule(names=("Kosten mtl.",), type="amount"),
            "status": FieldRule(names=("Status",)),
        },
    )
    return base.model_copy(update=changes)


def build_asd_list(path: Path) -> Path:
    """Title block (merged) above a header in row 7; dates, amounts and names written every way; odd rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "laufend"
    ws["A1"] = "Fallliste ASD Team Nord - Stand 03/2024"
    ws.merge_cells("A1:I1")
    ws["A3"] = "Bearbeitung: Team Nord"
    for col, name in enumerate(HEADER, 1):
        ws.cell(7, col, name)
    rows = {
        8: ["ASD-001", "Müller, Max ", dt.date(2009, 5, 3), "01067", "SPFH", "Kinderheim St. Josef", dt.date(2020, 1, 1), 1250.5, "laufend"],
        9: ["ASD-002", "Schmidt,\u00a0Anna\u00a0", "03.05.2009", "01069", "§ 31 SGB VIII", "St.Josef Kinderheim e.V.", "3.5.09",
            "1.250,00 €", "abgeschlossen"],
        10: ["ASD-003", "Yılmaz, Ayşe", "39936", "01099", "Heim", None, "Mai 2009", "ca. 3000", None],
        12: ["ab hier 2023"],
        13: ["ASD-004", "Grau, Gerd", dt.date(2010, 1, 2), "01067", "EB", "Verein X", dt.date(2021, 2, 1), 800, None],
        14: ["ASD-005", "Strich, Stefan", dt.date(2011, 1, 2), "01067", "ISE", "Verein Y", dt.date(2021, 3, 1), 900, None],
        15: ["ASD-006", "Thema, Theo", dt.date(2012, 1, 2), "01067", "PF", "Verein Z", dt.date(2021, 4, 1), 1000.0, None],
        16: ["Summe", None, None, None, None, None, None, 3950.5, None],
        17: ["x = abgeschlossen"],
    }
    for number, values in rows.items():
        for col, value in enumerate(values, 1):
            ws.cell(number, col, value)
    for col in range(1, 10):
        ws.cell(13, col).fill = PatternFill("solid", fgColor="D9D9D9")
        ws.cell(14, col).font = Font(strike=True)
        ws.cell(15, col).fill = PatternFill("solid", fgColor=Color(theme=0, tint=-0.1499984740745262))  # "Weiß, dunkler 15 %"
    two = wb.create_sheet("2022")  # header over two rows, "Hilfe" merged over Art and Beginn
    two["A1"] = "Fälle 2022"
    for col, name in enumerate(["Az.", "Name", "Vorname", "Geb.", "Hilfe", None], 1):
        two.cell(3, col, name)
    two.merge_cells("E3:F3")
    for col, name in enumerate([None, None, None, "Datum", "Art", "Beginn"], 1):
        two.cell(4, col, name)
    two.append(["ASD-100", "Klein", "Karl", dt.date(2008, 2, 2), "Tagesgruppe", dt.date(2022, 5, 1)])
    two.append(["ASD-101", "Groß", "Grete", "2008-02-03", "Vollzeitpflege", dt.date(2022, 6, 1)])
    hidden = wb.create_sheet("alt")
    hidden.sheet_state = "hidden"
    hidden.append(["Az.", "Name, Vorname"])
    hidden.append(["ASD-900", "Alt, Anton"])
    legend = wb.create_sheet("Hilfe")
    for line in (["Legende"], ["x = abgeschlossen"], ["grau = beendet"]):
        legend.append(line)
    closed = wb.create_sheet("Abgeschlossen")
    closed.append(["Az.", "Name, Vorname", "Status"])
    closed.append(["ASD-500", "Ende, Emil", "in Bearbeitung"])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def asd(tmp_path_factory: pytest.TempPathFactory) -> ExtractResult:
    folder = tmp_path_factory.mktemp("lists")
    build_asd_list(folder / "fallliste.xlsx")
    return extract_lists(folder, asd_mapping())


def _table(result: ExtractResult, sheet: str) -> pd.DataFrame:
    return next(t for t in result.tables if t.src_sheet == sheet).frame


def _skipped(result: ExtractResult, sheet: str) -> dict[int, str]:
    frame = result.batch.outcome_frame("skipped")
    rows = frame[frame["src_sheet"] == sheet]
    return dict(zip(rows["src_line"].astype(int), rows["reason"], strict=True))


# -- header detection -----------------------------------------------------------------


def test_header_found_in_row_7_below_a_merged_title_block(asd: ExtractResult) -> None:
    table = next(t for t in asd.tables if t.src_sheet == "laufend")
    assert table.src_path == "fallliste.xlsx" and table.entity == "list_row" and table.file == "fallliste.xlsx"
    assert table.column_letters == {"file_number": "A", "name_full": "B", "birth_date": "C", "postcode": "D",
                                    "service_type": "E", "provider": "F", "start_date": "G", "rate": "H", "status": "I"}
    assert list(table.frame.columns) == [*table.column_letters, "src_line", "_closed", "_closed_reason", "_as_of", "_as_of_source"]
    assert table.frame.index.tolist() == table.frame["src_line"].tolist() == [8, 9, 10, 13, 14, 15]


def test_header_over_two_rows_is_joined(asd: ExtractResult) -> None:
    table = next(t for t in asd.tables if t.src_sheet == "2022")
    assert table.column_letters == {"file_number": "A", "family_name": "B", "given_names": "C", "birth_date": "D",
                                    "service_type": "E", "start_date": "F"}
    frame = table.frame
    assert frame.loc[5, "service_type"] == "Tagesgruppe" and frame.loc[6, "birth_date"] == "2008-02-03"


def test_loose_column_names() -> None:
    assert loose_key("Geb.-Dat.") == loose_key("geb dat") == loose_key("GEB\u00a0DAT")
    assert loose_key("Träger") == loose_key("Traeger") == loose_key("TRÄGER ")
    assert loose_key("Name, Vorname") == loose_key("Name Vorname")


def test_explicit_header_row_and_no_header() -> None:
    rows = {1: ("Titel",), 4: ("Az.", "Name"), 5: ("ASD-1", "A")}
    mapping = asd_mapping(header=HeaderRule(row=4))
    header = detect_header(rows, 2, mapping=mapping)
    assert header is not None and header.method == "explicit" and header.fields == {"file_number": 0, "family_name": 1}
    assert detect_header({1: ("Foo", "Bar"), 2: ("1", "2")}, 2, mapping=asd_mapping()) is None


def test_generic_header_heuristic_skips_title_rows() -> None:
    rows = {1: ("Fallliste ASD",), 2: ("Stand:", "03/2024"), 4: ("Az.", "Name", "Geb.", "PLZ"),
            5: ("ASD-1", "Müller", dt.date(2009, 5, 3), "01067"), 6: ("ASD-2", "Weiß", dt.date(2010, 1, 1), "01069")}
    header = detect_header(rows, 4)
    assert header is not None and (header.first_row, header.last_row, header.method) == (4, 4, "heuristic")
    assert [c.name for c in header.columns] == ["Az.", "Name", "Geb.", "PLZ"]


# -- values and lineage ------------------------------------------------------------------


def test_values_are_strings_with_iso_dates_and_no_spurious_decimals(asd: ExtractResult) -> None:
    frame = _table(asd, "laufend")
    assert all(str(frame[c].dtype) == "string" for c in ("file_number", "birth_date", "rate"))
    # real dates as ISO, text dates and serials-as-text as written (the transform parses them by the mapping)
    assert frame["birth_date"].tolist() == ["2009-05-03", "03.05.2009", "39936", "2010-01-02", "2011-01-02", "2012-01-02"]
    assert frame["start_date"].tolist()[:3] == ["2020-01-01", "3.5.09", "Mai 2009"]
    assert frame["rate"].tolist() == ["1250.5", "1.250,00 €", "ca. 3000", "800", "900", "1000"]
    assert frame["postcode"].tolist()[:3] == ["01067", "01069", "01099"]  # PLZ stays text
    # "Name, Vorname" in one column; trailing and non-breaking spaces stripped
    assert frame["name_full"].tolist()[:3] == ["Müller, Max", "Schmidt, Anna", "Yılmaz, Ayşe"]
    assert pd.isna(frame.loc[10, "provider"])


def test_raw_rows_are_kept_for_the_quarantine(asd: ExtractResult) -> None:
    raw = asd.batch.raw[("fallliste.xlsx", "laufend")]
    assert raw.loc[9, "Geb.-Dat."] == "03.05.2009" and raw.loc[9, "Träger"] == "St.Josef Kinderheim e.V."
    assert 16 in raw.index  # skipped rows too
    assert asd.batch.raw[("fallliste.xlsx", "laufend")].attrs["fields"]["Name, Vorname"] == "name_full"


# -- row classes and accounting -------------------------------------------------------------


def test_odd_rows_are_skipped_with_a_reason(asd: ExtractResult) -> None:
    skipped = _skipped(asd, "laufend")
    assert skipped == {11: "leere Zeile", 12: "Hinweiszeile", 16: "Summenzeile", 17: "Legendenzeile"}


def test_hidden_and_legend_sheets_are_skipped_whole(asd: ExtractResult) -> None:
    assert set(_skipped(asd, "alt").values()) == {"ausgeblendetes Blatt"}
    assert _skipped(asd, "Hilfe") == {1: "Legendenblatt", 2: "Legendenblatt", 3: "Legendenblatt"}
    assert {t.src_sheet for t in asd.tables} == {"laufend", "2022", "Abgeschlossen"}


def test_every_row_is_mapped_or_skipped(asd: ExtractResult) -> None:
    frame = asd.batch.outcome_frame("skipped")
    assert list(frame.columns) == list(OUTCOME_COLUMNS) and set(frame["entity"]) == {"list_row"}
    for read in asd.batch.reads:
        mapped = sum(len(t.frame) for t in asd.tables if (t.src_path, t.src_sheet) == (read.src_path, read.src_sheet))
        skipped = int(((frame["src_path"] == read.src_path) & (frame["src_sheet"] == read.src_sheet)).sum())
        assert read.read == mapped + skipped, read
    assert {(r.src_sheet, r.read) for r in asd.batch.reads} == {("laufend", 10), ("2022", 2), ("alt", 2), ("Hilfe", 3),
                                                                ("Abgeschlossen", 1)}


def test_closed_by_status_grey_fill_strikethrough_and_sheet_name(asd: ExtractResult) -> None:
    frame = _table(asd, "laufend")
    closed = dict(zip(frame.index, frame["_closed_reason"].fillna(""), strict=True))
    assert closed == {8: "", 9: "Status 'abgeschlossen'", 10: "", 13: "grau hinterlegt", 14: "durchgestrichen",
                      15: "grau hinterlegt"}
    assert frame["_closed"].tolist() == [False, True, False, True, True, True]
    other = _table(asd, "Abgeschlossen")
    assert other["_closed"].tolist() == [True] and other["_closed_reason"].tolist() == ["Blatt 'Abgeschlossen'"]


def test_row_classifier_rules() -> None:
    classify = RowClassifier(None, 5).classify
    assert classify(()).kind is RowKind.EMPTY
    assert classify((None, "  ", "\u00a0")).kind is RowKind.EMPTY
    assert classify(("Gesamtsumme", None, 12)).kind is RowKind.SUBTOTAL
    assert classify(("Anzahl: 34",)).kind is RowKind.SUBTOTAL
    assert classify((None, None, None, 3950.5)).kind is RowKind.SUBTOTAL
    assert classify(("Stand 03/2024",)).kind is RowKind.NOTE
    assert classify(("grau", "= beendet")).kind is RowKind.LEGEND
    assert classify(("ASD-1", "Gesamtschule Nord", "Müller")).kind is RowKind.DATA
    assert is_grey("D9D9D9") and is_grey("808080") and not is_grey("FFFFFF") and not is_grey("FFFF00")


def test_closed_marks_follow_the_mapping(tmp_path: Path) -> None:
    build_asd_list(tmp_path / "fallliste.xlsx")
    rule = asd_mapping().closed.model_copy(update={"grey_fill": False, "strikethrough": False, "sheet_names": ()})
    result = extract_lists(tmp_path, asd_mapping(closed=rule, sheets=SheetSelection(exclude=("Hilfe",))))
    assert _table(result, "laufend")["_closed"].tolist() == [False, True, False, False, False, False]
    assert _table(result, "Abgeschlossen")["_closed"].tolist() == [False]
    assert _table(result, "alt")["file_number"].tolist() == ["ASD-900"]  # hidden: "read"


def test_cp1252_csv_list_with_quoted_newline(tmp_path: Path) -> None:
    text = ("Fallliste JGH\r\n\r\nAz.;Name;Vorname;PLZ;Status\r\n"
            'JGH-1;Müller;"Hans\r\nPeter";01067;\r\n'
            "JGH-2;Weiß\xa0;Anna ;01069;erledigt\r\n"
            "Summe;;;;\r\n")
    (tmp_path / "jgh.csv").write_bytes(text.encode("cp1252"))
    result = extract_lists(tmp_path, asd_mapping(files=("*.csv",)))
    table = result.tables[0]
    assert table.src_sheet == "" and table.column_letters["postcode"] == "D"
    frame = table.frame
    assert frame.index.tolist() == [4, 5]  # records, as Excel numbers them
    assert frame["given_names"].tolist() == ["Hans\r\nPeter", "Anna"]
    assert frame["family_name"].tolist() == ["Müller", "Weiß"]
    assert frame["postcode"].tolist() == ["01067", "01069"]
    assert frame["_closed"].tolist() == [False, True]
    assert _skipped(result, "") == {6: "Summenzeile"}


def test_missing_files_and_lock_files(tmp_path: Path) -> None:
    with pytest.raises(SourceReadError, match="no file matches"):
        extract_lists(tmp_path, asd_mapping())
    build_asd_list(tmp_path / "Liste.XLSX")
    (tmp_path / "~$Liste.xlsx").write_bytes(b"\0lock")
    result = extract_lists(tmp_path, asd_mapping())
    assert {t.src_path for t in result.tables} == {"Liste.XLSX"}
    assert "extract.lock_file" in set(result.batch.findings.frame()["rule_id"])


def test_unreadable_list_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "kaputt.xlsx").write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(SourceReadError) as caught:
        extract_lists(tmp_path, asd_mapping())
    assert caught.value.message.startswith("kaputt.xlsx: corrupt") and "\n" not in caught.value.message


# -- profile -------------------------------------------------------------------------------


def test_profile_masks_values_and_finds_the_quirks(tmp_path: Path) -> None:
    path = build_asd_list(tmp_path / "fallliste.xlsx")
    profile = profile_workbook(path)
    sheets = {s.name: s for s in profile.sheets}
    main = sheets["laufend"]
    assert (main.header_first, main.header_last, main.data_rows, main.empty_rows) == (7, 7, 6, 1)
    assert [(n, kind) for n, kind, _ in main.odd_rows] == [(12, "note"), (16, "subtotal"), (17, "legend")]
    columns = {c.name: c for c in main.columns}
    assert columns["Geb.-Dat."].inferred == "date + date-as-text" and columns["Geb.-Dat."].guessed_field == "birth_date"
    assert columns["PLZ"].inferred == "code-like" and columns["PLZ"].guessed_field == "postcode"
    assert columns["Kosten mtl."].inferred == "number + amount-as-text"
    assert columns["Status"].fill_rate == pytest.approx(2 / 6)
    assert columns["Name, Vorname"].samples[0] == "M****r, M*x"
    assert columns["Geb.-Dat."].samples[0] == "**.**.2009"
    assert (sheets["2022"].header_first, sheets["2022"].header_last) == (3, 4)
    assert sheets["alt"].hidden and sheets["Hilfe"].legend
    assert "A1:I1" not in main.merged_in_table and main.merged_total == 1

    out = io.StringIO()
    suggest = tmp_path / "vorschlag.yaml"
    assert profile_command(path, False, suggest, Console(file=out, width=80)) == 0
    text = out.getvalue()
    for secret in ("Müller", "Schmidt", "03.05.2009", "2009-05-03", "Ayşe"):
        assert secret not in text
    assert "Müller" in _profile_text(path, show_values=True)

    mapping = ListMapping.model_validate(yaml.safe_load(suggest.read_text(encoding="utf-8")))
    assert mapping.fields["file_number"].names == ("Az.",) and mapping.fields["file_number"].required
    assert mapping.fields["birth_date"].names == ("Geb.-Dat.", "Geb. Datum") and mapping.fields["birth_date"].type == "date"
    assert mapping.sheets.exclude == ("Hilfe",) and mapping.department == "ASD"
    assert "TODO" in suggest.read_text(encoding="utf-8")
    # the suggestion reads the list it was made from
    result = extract_lists(tmp_path, mapping)
    assert len(_table(result, "laufend")) == 6 and len(_table(result, "2022")) == 2


def _profile_text(path: Path, show_values: bool) -> str:
    out = io.StringIO()
    profile_command(path, show_values, None, Console(file=out, width=80))
    return out.getvalue()


def test_profile_refusal_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "geheim.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"))
    out = io.StringIO()
    assert profile_command(tmp_path / "geheim.xlsx", False, None, Console(file=out, width=40)) == 2
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: geheim.xlsx: the workbook is password-protected")


def test_masking() -> None:
    assert mask_value("Müller") == "M****r"
    assert mask_value(dt.date(2009, 5, 3)) == "**.**.2009"
    assert mask_value("03.05.2009") == "**.**.2009"
    assert mask_value("1.250,00 €") == "9.999,99 €"
    assert mask_value("#N/A") == "#N/A"
    assert suggest_mapping([]).startswith("# List mapping suggested")


# -- names no mapping covers exactly; headers continued on a second row -----------------------


def _sheet(path: Path, rows: list[list[object]], title: str = "laufend") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for values in rows:
        ws.append(values)
    wb.save(path)
    return path


def _findings(result: ExtractResult, rule_id: str) -> pd.DataFrame:
    f = result.batch.findings.frame()
    return f[f["rule_id"] == rule_id]


def test_column_named_like_a_mapping_name_is_guessed_and_reported(tmp_path: Path) -> None:
    _sheet(tmp_path / "liste.xlsx", [
        ["Az.", "Name, Vorname", "Geburtsdatum Kind", "Geburtsdatum Mutter", "Hilfeart", "Beginn der Hilfe", "Kosten je Monat"],
        ["ASD-1", "Müller, Max", "03.05.2009", "01.01.1980", "SPFH", "01.02.2020", "1.250,00 €"],
    ])
    result = extract_lists(tmp_path, asd_mapping())
    table = result.tables[0]
    # the mapping knows "Geburtsdatum", "Beginn", "Kosten mtl.": the columns are the same kind of guess the profiler makes
    assert table.column_letters["birth_date"] == "C" and table.column_letters["start_date"] == "F"
    assert table.column_letters["rate"] == "G"
    assert table.frame.loc[2, "start_date"] == "01.02.2020" and table.frame.loc[2, "birth_date"] == "03.05.2009"
    guessed = _findings(result, "extract.column_guessed")
    assert sorted(guessed["field"]) == ["birth_date", "rate", "start_date"]
    assert set(guessed["severity"]) == {"warning"} and guessed["src_line"].tolist() == [1, 1, 1]
    assert "Spalte F 'Beginn der Hilfe'" in guessed.set_index("field").loc["start_date", "message"]
    # the mother's birth date is somebody else's: never guessed, left as an unmapped column
    assert "D 'Geburtsdatum Mutter'" in _findings(result, "extract.unmapped_columns")["message"].iloc[0]
    # profile and run read the header alike
    profile = profile_workbook(tmp_path / "liste.xlsx")
    assert {c.name: c.guessed_field for c in profile.sheets[0].columns}["Beginn der Hilfe"] == "start_date"


def test_a_guess_never_beats_an_exact_name_nor_picks_between_two_columns(tmp_path: Path) -> None:
    _sheet(tmp_path / "liste.xlsx", [
        ["Az.", "Name, Vorname", "Beginn der Hilfe", "Beginn", "Kosten je Monat", "Kosten der Hilfe"],
        ["ASD-1", "Müller, Max", "01.01.2019", "01.02.2020", "100", "200"],
    ])
    result = extract_lists(tmp_path, asd_mapping())
    letters = result.tables[0].column_letters
    assert letters["start_date"] == "D"  # the exact name, not the earlier guess
    assert "rate" not in letters  # two columns could be the costs: neither is taken, and the steward is told
    assert _findings(result, "extract.column_guessed").empty
    ambiguous = _findings(result, "extract.column_ambiguous")
    assert ambiguous["field"].tolist() == ["rate"] and "E, F" in ambiguous["message"].iloc[0]


TWO_ROW_HEADER = [
    ["ASD Team Nord"], ["abgeschlossene Hilfen"], [], [],
    ["Az.", "Name", "Vorname", "Geb.", "Hilfe-", "Beginn", "Ende", "Träger", "Kosten"],  # row 5
    [None, None, None, None, "art", "der Hilfe", "der Hilfe", None, "je Monat"],  # row 6
    ["ASD-N 2019/044", "Hartmann", "Sophia", "04.07.2011", "SPFH", "01.02.2019", "31.07.2020", "Familienzentrum", "980,00"],
    ["ASD-N 2018/003", "Weissenborn", "Kevin", "03.05.2009", "Vollzeitpflege", "01.01.2018", "31.12.2020", None, "850"],
]


def _two_row_mapping() -> ListMapping:
    fields = dict(asd_mapping().fields)
    # "Hilfe" alone is a name too (as in mappings/lists/asd.yaml): row 5 by itself matches as many fields as rows 5-6
    fields["service_type"] = FieldRule(names=("Hilfeart", "Hilfe"))
    fields["birth_date"] = FieldRule(names=("Geb.",), type="date")
    fields["end_date"] = FieldRule(names=("Ende",), type="date")
    fields["rate"] = FieldRule(names=("Kosten",), type="amount")
    return asd_mapping(fields=fields)


def test_header_continued_by_fragments_on_a_second_row_is_joined(tmp_path: Path) -> None:
    _sheet(tmp_path / "liste.xlsx", TWO_ROW_HEADER, title="abgeschlossen")
    result = extract_lists(tmp_path, _two_row_mapping())
    table = result.tables[0]
    assert table.frame.index.tolist() == [7, 8]  # row 6 is header, not a data row
    assert table.frame.loc[7, "service_type"] == "SPFH" and table.frame.loc[7, "start_date"] == "01.02.2019"
    assert result.batch.outcome_frame("skipped").empty
    raw = result.batch.raw[("liste.xlsx", "abgeschlossen")]
    assert list(raw.columns[4:7]) == ["Hilfe-art", "Beginn der Hilfe", "Ende der Hilfe"]  # "Hilfe-" + "art" is one word
    assert loose_key("Hilfe-art") == loose_key("Hilfeart")


def test_header_continued_without_hyphen_when_data_follows(tmp_path: Path) -> None:
    rows = [list(r) for r in TWO_ROW_HEADER]
    rows[4][4], rows[5][4] = "Hilfeart", None
    _sheet(tmp_path / "liste.xlsx", rows)
    result = extract_lists(tmp_path, _two_row_mapping())
    assert result.tables[0].frame.index.tolist() == [7, 8]
    header = detect_header({n + 1: tuple(r) for n, r in enumerate(rows) if r}, 9)  # the profiler's heuristic alike
    assert header is not None and (header.first_row, header.last_row) == (5, 6)
    # but a first data row of text only is data: "Vorname Lena" reads as no column name
    rows = [["Name", "Vorname", "Hilfeart", "Beginn"], ["Müller", "Lena", "SPFH", None], ["Schmidt", "Paul", "EB", "01.02.2020"]]
    _sheet(tmp_path / "liste.xlsx", rows)
    assert extract_lists(tmp_path, _two_row_mapping()).tables[0].frame.index.tolist() == [2, 3]
    header = detect_header({n + 1: tuple(r) for n, r in enumerate(rows)}, 4)
    assert header is not None and (header.first_row, header.last_row) == (1, 1)


def test_profile_suggests_two_header_rows_with_joined_names(tmp_path: Path) -> None:
    path = _sheet(tmp_path / "liste.xlsx", TWO_ROW_HEADER, title="abgeschlossen")
    sheet = profile_workbook(path).sheets[0]
    assert (sheet.header_first, sheet.header_last, sheet.data_rows) == (5, 6, 2)
    assert {c.name: c.guessed_field for c in sheet.columns}["Kosten je Monat"] == "rate"
    suggest = tmp_path / "vorschlag.yaml"
    assert profile_command(path, False, suggest, Console(file=io.StringIO(), width=80)) == 0
    text = suggest.read_text(encoding="utf-8")
    assert "  rows: 2" in text
    mapping = ListMapping.model_validate(yaml.safe_load(text))
    assert mapping.header.rows == 2
    assert mapping.fields["service_type"].names == ("Hilfe-art",) and mapping.fields["start_date"].names == ("Beginn der Hilfe",)
    # the suggestion reads the list it was made from, without a bogus data row
    assert _table(extract_lists(tmp_path, mapping), "abgeschlossen").index.tolist() == [7, 8]
