"""Tests of the synthetic caseworkers' lists (jhmig.synth, out/lists/ and truth["lists"]).

The files are read with openpyxl and the csv module, independently of
jhmig's own list reader, to check that every quirk of
shared/spec/excel-lists.md is really in the files and that truth.json
accounts for exactly the rows of every table. The last tests run jhmig's
reader and list transform on the generated lists and score them against
the truth.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import hashlib
import io
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from jhmig.extract.excel_lists import extract_lists
from jhmig.layout import MAPPINGS_DIR
from jhmig.list_mapping import ListMapping, load_list_mapping
from jhmig.records import ExtractResult, RawTable
from jhmig.synth import generate
from jhmig.transform import read_unified_code_lists
from jhmig.transform.list_rows import build_list_context, transform_lists
from jhmig.transform.list_values import parse_list_dates
from jhmig.transform.synonyms import read_synonyms
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

# One worker runs the whole module, so the module fixture generates only once.
pytestmark = pytest.mark.xdist_group("synth_lists")

SPEC_SERVICE_TEXTS = {"SPFH", "§31", "§ 31 SGB VIII", "Heim", "Heimerziehung", "stat.", "Erziehungsbeistand", "EB", "ISE",
                      "Tagesgruppe", "Vollzeitpflege", "PF", "35a", "Inobhut"}
SPEC_OUTCOMES = {"Einstellung", "Weisung", "Auflage", "Jugendarrest", "Jugendstrafe", "Freispruch"}
MONTH_TEXT = re.compile(r"^(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4}$")
SHORT_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{2}$")
LONG_DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EURO_TEXT = re.compile(r"^\d{1,3}(\.\d{3})*,\d{2} €$")
APPROX = re.compile(r"^ca\.\s*\d+$", re.IGNORECASE)
DATE_HEADERS = {"geb.", "Geb.", "Geb.-Dat.", "Geburtsdatum", "Beginn", "Ende", "ab", "bis", "von", "Tatzeit", "Tatdatum",
                "Termin", "HV"}
GREY = "FFD9D9D9"


@dataclass
class Generated:
    root: Path
    truth: dict[str, Any]

    @property
    def lists(self) -> dict[str, Any]:
        return self.truth["lists"]

    @property
    def folder(self) -> Path:
        return self.root / self.lists["dir"]

    def rows(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.lists["rows"] if kind is None or r["kind"] == kind]


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("synth_lists")
    return Generated(root, generate(root, "small", 1))


@pytest.fixture(scope="module")
def books(gen: Generated) -> dict[str, Workbook]:
    return {p.name: openpyxl.load_workbook(p) for p in sorted(gen.folder.glob("*.xlsx"))}


@pytest.fixture(scope="module")
def csv_files(gen: Generated) -> dict[str, list[list[str]]]:
    out = {}
    for path in sorted(gen.folder.glob("*.csv")):
        text = path.read_bytes().decode("cp1252")
        out[path.name] = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return out


def mappings() -> dict[str, ListMapping]:
    return {name: load_list_mapping(MAPPINGS_DIR / "lists" / f"{name}.yaml") for name in ("asd", "jgh")}


def loose(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        folded = folded.replace(umlaut, plain)
    return re.sub(r"[\W_]+", "", folded)


def header_names(ws: Worksheet, header_rows: list[int]) -> dict[int, str]:
    """Column (1-based) -> header text, two header rows joined, merged group labels repeated."""
    names: dict[int, list[str]] = defaultdict(list)
    for number in header_rows:
        for cell in ws[number]:
            if isinstance(cell.value, str) and cell.value.strip():
                names[cell.column].append(cell.value.strip())
    for area in ws.merged_cells.ranges:
        if area.min_row in header_rows and area.max_col > area.min_col:
            label = ws.cell(area.min_row, area.min_col).value
            for col in range(area.min_col + 1, area.max_col + 1):
                names[col].insert(0, label)
    return {col: " ".join(parts) for col, parts in names.items()}


def all_table_values(gen: Generated, books: dict[str, Workbook], csv_files: dict[str, list[list[str]]]) -> list[tuple[str, Any]]:
    """(header name, value) of every non-empty cell in the data rows of every list."""
    data = {(r["file"], r["sheet"], r["row"]) for r in gen.rows("data")}
    out: list[tuple[str, Any]] = []
    for name, book in books.items():
        for ws in book.worksheets:
            info = gen.lists["files"][name]["sheets"][ws.title]
            if not info["header_rows"]:
                continue
            names = header_names(ws, info["header_rows"])
            for row in ws.iter_rows(min_row=info["header_rows"][-1] + 1):
                for cell in row:
                    if (name, ws.title, cell.row) in data and cell.value is not None:
                        out.append((names.get(cell.column, ""), cell.value))
    for name, lines in csv_files.items():
        info = gen.lists["files"][name]["sheets"][""]
        header = lines[info["header_rows"][0] - 1]
        for number, line in enumerate(lines, start=1):
            if (name, "", number) in data:
                out += [(header[i], v) for i, v in enumerate(line) if v]
    return out


# -- files ------------------------------------------------------------------------------------------


def test_the_files_open_and_match_the_shipped_mappings(gen: Generated, books: dict[str, Workbook],
                                                        csv_files: dict[str, list[list[str]]]) -> None:
    names = sorted(p.name for p in gen.folder.iterdir())
    assert names == sorted(gen.lists["files"])
    asd_xlsx = [n for n in names if n.startswith("ASD") and n.endswith(".xlsx")]
    assert len(asd_xlsx) >= 3 and any(n.startswith("ASD") and n.endswith(".csv") for n in names)
    assert any(n.startswith("JGH") and n.endswith(".xlsx") for n in names)
    globs = {dept: [g.casefold() for g in m.files] for dept, m in mappings().items()}
    for name in names:
        dept = "asd" if name.startswith("ASD") else "jgh"
        assert any(fnmatch.fnmatchcase(name.casefold(), g) for g in globs[dept]), name
        assert gen.lists["files"][name]["department"] == dept.upper()
    for name, book in books.items():
        assert [ws.title for ws in book.worksheets] == list(gen.lists["files"][name]["sheets"])
        assert book.properties.created == book.properties.modified == dt.datetime(2025, 3, 14, 15, 42)


def test_the_csv_is_saved_from_german_excel(gen: Generated, csv_files: dict[str, list[list[str]]]) -> None:
    for name, lines in csv_files.items():
        raw = (gen.folder / name).read_bytes()
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
        assert "€".encode("cp1252") in raw and not raw.startswith(b"\xef\xbb\xbf")
        assert len({len(line) for line in lines}) == 1, "Excel writes every line as wide as the table"
        assert any(";" in value for line in lines for value in line), "a quoted field with ';'"
        assert b'""' in raw, "a quote inside a quoted field, doubled"
        info = gen.lists["files"][name]
        assert (info["encoding"], info["delimiter"], info["line_ending"]) == ("cp1252", ";", "CRLF")
        assert len(lines) == info["sheets"][""]["header_rows"][0] + info["sheets"][""]["rows"]


def test_same_seed_same_bytes_other_seed_other_bytes(gen: Generated, tmp_path: Path) -> None:
    def digest(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}

    again = generate(tmp_path / "again", "small", 1)
    assert digest(tmp_path / "again" / "lists") == digest(gen.folder)
    assert (tmp_path / "again" / "truth.json").read_bytes() == (gen.root / "truth.json").read_bytes()
    assert again["lists"] == gen.lists
    generate(tmp_path / "other", "small", 2)
    other = digest(tmp_path / "other" / "lists")
    assert all(other[name] != value for name, value in digest(gen.folder).items())


def test_the_lists_leave_the_legacy_export_alone(gen: Generated, tmp_path: Path) -> None:
    truth = generate(tmp_path / "bare", "small", 1, lists=False)
    assert "lists" not in truth and not (tmp_path / "bare" / "lists").exists()
    for path in sorted((gen.root / "legacy").iterdir()):
        assert (tmp_path / "bare" / "legacy" / path.name).read_bytes() == path.read_bytes(), path.name


def test_sizes(gen: Generated) -> None:
    assert 200 <= len(gen.rows("data")) <= 600  # small: a few hundred rows in all


# -- quirks in the workbooks ---------------------------------------------------------------------------


def test_layout_quirks(gen: Generated, books: dict[str, Workbook]) -> None:
    sheets = [(name, ws, gen.lists["files"][name]["sheets"][ws.title]) for name, book in books.items() for ws in book.worksheets]
    tables = [(name, ws, info) for name, ws, info in sheets if info["header_rows"]]
    # a title block merged across columns above the header
    assert any(area.max_row < info["header_rows"][0] and area.max_col > area.min_col
               for _, ws, info in tables for area in ws.merged_cells.ranges)
    # header rows at different positions within the first 15 rows; one header over two rows
    firsts = {info["header_rows"][0] for _, _, info in tables}
    assert len(firsts) >= 3 and max(firsts) >= 8 and all(f <= 15 for f in firsts)
    assert any(len(info["header_rows"]) == 2 for _, _, info in tables)
    # several sheets per file: per year, per caseworker, "laufend"/"abgeschlossen"
    titles = {name: [ws.title for ws in book.worksheets] for name, book in books.items()}
    assert any({"2023", "2024"} <= set(t) for t in titles.values())
    assert any({"laufend", "abgeschlossen"} <= set(t) for t in titles.values())
    assert any(sum(1 for s in t if s.startswith(("Fr. ", "Hr. "))) >= 2 for t in titles.values())
    # a hidden sheet with old data, a legend sheet "Hilfe"
    hidden = [(n, ws) for n, ws, info in sheets if ws.sheet_state == "hidden"]
    assert hidden and all(gen.lists["files"][n]["sheets"][ws.title]["hidden"] for n, ws in hidden)
    assert any(r["kind"] == "data" and (r["file"], r["sheet"]) in {(n, ws.title) for n, ws in hidden} for r in gen.rows())
    assert any(ws.title == "Hilfe" and not info["header_rows"] for _, ws, info in sheets)
    # merged cells inside a table (below its header)
    assert any(area.min_row > info["header_rows"][-1] for _, ws, info in tables for area in ws.merged_cells.ranges)


def test_formatting_comments_and_formulas(gen: Generated, books: dict[str, Workbook]) -> None:
    data = {(r["file"], r["sheet"], r["row"]): r for r in gen.rows("data")}
    grey = strike = comments = 0
    formulas: list[str] = []
    for name, book in books.items():
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    truth = data.get((name, ws.title, cell.row))
                    if truth is not None and cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == GREY:
                        grey += 1
                        assert truth["closed"]
                    if truth is not None and cell.font.strike:
                        strike += 1
                        assert truth["closed"]
                    comments += cell.comment is not None
                    if cell.data_type == "f":
                        formulas.append(str(cell.value))
    assert grey and strike and comments
    assert any(f.startswith("=SUM(") for f in formulas) and any(f.startswith("=COUNTA(") for f in formulas)


def test_value_quirks(gen: Generated, books: dict[str, Workbook], csv_files: dict[str, list[list[str]]]) -> None:
    values = all_table_values(gen, books, csv_files)
    texts = [v for _, v in values if isinstance(v, str)]
    dates = [(h, v) for h, v in values if h.split(" ")[-1] in DATE_HEADERS or h in DATE_HEADERS]
    assert any(isinstance(v, dt.datetime) for _, v in dates), "real Excel dates"
    for pattern in (SHORT_DATE, LONG_DATE, ISO_DATE, MONTH_TEXT):
        assert any(isinstance(v, str) and pattern.match(v) for _, v in dates), pattern.pattern
    serials = [v for _, v in dates if isinstance(v, str) and re.fullmatch(r"\d{5}", v)]
    assert serials and all(25_000 <= int(v) <= 46_000 for v in serials), "Excel serials stored as text"
    rates = [v for h, v in values if h in ("Kosten mtl.", "Kosten", "Entgelt")]
    assert any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rates)
    assert any(isinstance(v, str) and EURO_TEXT.match(v) for v in rates)
    assert any(isinstance(v, str) and APPROX.match(v) for v in rates)
    assert any("\u00a0" in t for t in texts) and any(t.endswith(" ") and t.strip() for t in texts)
    assert any("\n" in t for t in texts), "a line break inside a remark cell"


def test_column_names_vary_but_the_mappings_know_them(gen: Generated, books: dict[str, Workbook],
                                                       csv_files: dict[str, list[list[str]]]) -> None:
    known = {dept: {loose(n) for rule in m.fields.values() for n in rule.names} for dept, m in mappings().items()}
    seen: set[str] = set()
    unknown: list[dict[str, str]] = []
    headers: list[tuple[str, str, str]] = []
    for name, book in books.items():
        for ws in book.worksheets:
            info = gen.lists["files"][name]["sheets"][ws.title]
            if info["header_rows"]:
                headers += [(name, ws.title, h) for h in header_names(ws, info["header_rows"]).values()]
    for name, lines in csv_files.items():
        headers += [(name, "", h) for h in lines[gen.lists["files"][name]["sheets"][""]["header_rows"][0] - 1]]
    for name, sheet, header in headers:
        seen.add(header)
        dept = "asd" if name.startswith("ASD") else "jgh"
        parts = {loose(p) for p in header.split(" ")} | {loose(header)}
        if not parts & known[dept]:
            unknown.append({"file": name, "sheet": sheet, "column": header})
    assert unknown == gen.lists["unknown_columns"] and len({u["column"] for u in unknown}) == 1
    assert {"Az.", "Aktenzeichen", "AZ"} <= seen
    assert "Name, Vorname" in seen and {"Name", "Vorname"} <= seen
    assert {"geb.", "Geb.-Dat.", "Geburtsdatum"} <= seen


def test_free_text_service_types_typos_and_unmapped_values(gen: Generated) -> None:
    asd = [r for r in gen.rows("data") if r["department"] == "ASD"]
    written = {r["free_text"].strip(" \u00a0") for r in asd if r["free_text"]}
    assert SPEC_SERVICE_TEXTS <= written
    code_lists = read_unified_code_lists()
    table = read_synonyms(MAPPINGS_DIR / "lists" / "synonyms" / "hilfeart.csv",
                          set(code_lists.loc[code_lists["code_list"] == "service_type", "code"]))
    outcomes = read_synonyms(MAPPINGS_DIR / "lists" / "synonyms" / "ausgang.csv",
                             set(code_lists.loc[code_lists["code_list"] == "jgh_outcome", "code"]))
    for row in gen.rows("data"):
        if not row["free_text"]:
            continue
        code, how = (table if row["department"] == "ASD" else outcomes).lookup(row["free_text"])
        truth_code = row["service_type"] if row["department"] == "ASD" else row["outcome"]
        kind = row["free_text_kind"]
        if kind == "exact":
            assert code == truth_code and how in ("exact", "combined", "pattern"), row
        elif kind == "typo":
            assert code == truth_code and how.startswith("fuzzy:"), row
        elif kind == "ambiguous":  # "EB": both readings go to the steward
            assert code is None and truth_code in how.removeprefix("ambiguous:").split("|"), row
        elif kind == "not_a_service":  # "§ 8a" is a check, not a help
            assert code is None and how == "none", row
        else:
            assert code is None and how == "unmapped", row
    kinds = Counter((r["department"], r["free_text_kind"]) for r in gen.rows("data"))
    assert kinds[("ASD", "typo")] >= 2 and kinds[("JGH", "typo")] >= 1
    assert kinds[("ASD", "ambiguous")] >= 1 and kinds[("ASD", "not_a_service")] >= 1
    counted = Counter((("service_type" if r["department"] == "ASD" else "outcome"), r["free_text"].strip(" \u00a0"))
                      for r in gen.rows("data") if r["free_text_kind"] == "unmapped")
    assert {(u["field"], u["value"]): u["count"] for u in gen.lists["unmapped_values"]} == dict(counted)
    assert any(u["value"] == "Sonderhilfe Jugendwerkstatt" for u in gen.lists["unmapped_values"])


def test_providers_are_spelled_unlike_traeger_txt(gen: Generated, books: dict[str, Workbook],
                                                   csv_files: dict[str, list[list[str]]]) -> None:
    text = (gen.root / "legacy" / "TRAEGER.TXT").read_bytes().decode("cp1252")
    official = {r["NAME"] for r in csv.DictReader(io.StringIO(text, newline=""), delimiter=";")}
    written = {v for h, v in all_table_values(gen, books, csv_files) if h in ("Träger", "Einrichtung")}
    assert len(written) >= 10 and not written & official
    assert any(r["legacy_provider"] for r in gen.rows("data"))


def test_jgh_rows(gen: Generated) -> None:
    jgh = [r for r in gen.rows("data") if r["department"] == "JGH"]
    assert jgh
    for row in jgh:
        birth, offence = dt.date.fromisoformat(row["birth_date"]), dt.date.fromisoformat(row["offence_date"])
        age = offence.year - birth.year - ((offence.month, offence.day) < (birth.month, birth.day))
        assert 14 <= age <= 20, row
    assert SPEC_OUTCOMES <= {r["free_text"] for r in jgh}


def test_jgh_asd_known_flags(gen: Generated, books: dict[str, Workbook]) -> None:
    flags: set[Any] = set()
    for ws in books["JGH_Faelle.xlsx"].worksheets:
        info = gen.lists["files"]["JGH_Faelle.xlsx"]["sheets"][ws.title]
        if not info["header_rows"]:
            continue
        col = next(c for c, h in header_names(ws, info["header_rows"]).items() if "ASD" in h)
        rows = {r["row"] for r in gen.rows("data") if r["file"] == "JGH_Faelle.xlsx" and r["sheet"] == ws.title}
        flags |= {ws.cell(r, col).value for r in rows}
    assert {"ja", "nein", "x", None} <= flags


# -- truth accounts for the tables ------------------------------------------------------------------------


def test_truth_rows_cover_exactly_the_table_rows(gen: Generated, books: dict[str, Workbook],
                                                 csv_files: dict[str, list[list[str]]]) -> None:
    listed: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in gen.rows():
        listed[(row["file"], row["sheet"])].append(row)
    for name, book in books.items():
        for ws in book.worksheets:
            info = gen.lists["files"][name]["sheets"][ws.title]
            rows = listed[(name, ws.title)]
            filled = sorted({c.row for r in ws.iter_rows() for c in r if c.value is not None})
            assert info["rows"] == len(rows) == len({r["row"] for r in rows})
            if not info["header_rows"]:  # a legend sheet: every row with text
                assert [r["row"] for r in rows] == filled and {r["reason"] for r in rows} == {"legend_sheet"}
                continue
            first = info["header_rows"][-1] + 1
            assert [r["row"] for r in rows] == list(range(first, filled[-1] + 1)), (name, ws.title)
            for row in rows:
                values = [c.value for c in ws[row["row"]] if c.value is not None]
                _check_row_kind(row, values)
    for name, lines in csv_files.items():
        info = gen.lists["files"][name]["sheets"][""]
        rows = listed[(name, "")]
        assert [r["row"] for r in rows] == list(range(info["header_rows"][0] + 1, len(lines) + 1))
        for row in rows:
            _check_row_kind(row, [v for v in lines[row["row"] - 1] if v])


def _check_row_kind(row: dict[str, Any], values: list[Any]) -> None:
    texts = [v.strip(" \u00a0") for v in values if isinstance(v, str)]
    if row["kind"] == "data":
        assert len(values) >= 3, row
        return
    reason = row["reason"]
    if reason == "empty":
        assert not [t for t in texts if t] and not [v for v in values if not isinstance(v, str)], row
    elif reason == "subtotal":
        assert re.match(r"^(Summe|Gesamt|Anzahl)", texts[0]), row
    elif reason == "note":
        assert len(values) == 1 and texts, row
    else:
        raise AssertionError(row)


def test_same_person_groups_point_at_one_identity(gen: Generated) -> None:
    identity_at = {f'{r["file"]}:{r["sheet"]}:{r["row"]}': r["identity"] for r in gen.rows("data")}
    legacy = gen.truth["identities"]
    groups = gen.lists["same_person"]
    assert groups
    for group in groups:
        people = {identity_at[ref] for ref in group if not ref.startswith("PERSONEN.TXT:")}
        assert len(people) == 1, group
        for ref in group:
            if ref.startswith("PERSONEN.TXT:"):
                assert legacy[ref] == next(iter(people)), group
    for row in gen.rows("data"):
        if row["legacy_person"] is not None:
            assert legacy[row["legacy_person"]] == row["identity"]
    files_of = [{ref.split(":")[0] for ref in g} for g in groups]
    asd_files = {n for n in gen.lists["files"] if n.startswith("ASD")}
    assert any(len(f & asd_files) >= 2 for f in files_of), "a child in two ASD teams' lists after a move"
    assert any(f & asd_files and "JGH_Faelle.xlsx" in f for f in files_of), "a child in ASD and JGH lists"
    assert any("PERSONEN.TXT" in f and "JGH_Faelle.xlsx" in f for f in files_of)


def test_a_jgh_youth_has_an_uvg_claim_in_the_legacy_export(gen: Generated) -> None:
    text = (gen.root / "legacy" / "UVG.TXT").read_bytes().decode("cp1252")
    children = {gen.truth["identities"].get(f'PERSONEN.TXT:{r["KIND_PERS_NR"]}')
                for r in csv.DictReader(io.StringIO(text, newline=""), delimiter=";")}
    assert any(r["identity"] in children for r in gen.rows("data") if r["department"] == "JGH")


def test_spellings_differ_between_appearances(gen: Generated) -> None:
    variants = Counter(v for r in gen.rows("data") for v in r["variants"])
    assert {"umlaut", "typo", "swapped", "given_first", "missing_birth_date", "merged_above"} <= set(variants)
    by_identity: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in gen.rows("data"):
        by_identity[row["identity"]].append(row)
    assert any(len({tuple(r["variants"]) for r in rows}) > 1 for rows in by_identity.values())


# -- jhmig's own reader on the generated lists ---------------------------------------------------------


@dataclass
class Read:
    results: dict[str, ExtractResult]  # "asd" / "jgh" after the list transform
    tables: list[RawTable]  # the extract's raw tables (with the closed flags), before the transform

    def findings(self) -> pd.DataFrame:
        return pd.concat([r.batch.findings.frame() for r in self.results.values()])


@pytest.fixture(scope="module")
def read(gen: Generated) -> Read:
    code_lists = read_unified_code_lists()
    results: dict[str, ExtractResult] = {}
    tables: list[RawTable] = []
    for name, mapping in mappings().items():
        result = extract_lists(gen.folder, mapping)
        tables += result.tables
        transform_lists(result, build_list_context(mapping, code_lists))
        results[name] = result
    return Read(results, tables)


def _keys(frame: pd.DataFrame) -> list[tuple[str, str, int]]:
    return list(zip(frame["src_path"], frame["src_sheet"], frame["src_line"].astype(int), strict=True))


def _where(frame: pd.DataFrame) -> set[tuple[str, str, int]]:
    return set(_keys(frame))


def test_reader_skips_exactly_the_truths_skip_rows(gen: Generated, read: Read) -> None:
    skipped: set[tuple[str, str, int]] = set()
    for result in read.results.values():
        frame = result.batch.outcome_frame("skipped")
        skipped |= _where(frame[frame["entity"] == "list_row"])
    assert skipped == {(r["file"], r["sheet"], r["row"]) for r in gen.rows("skip")}


def test_reader_reads_a_person_from_every_data_row(gen: Generated, read: Read) -> None:
    persons: set[tuple[str, str, int]] = set()
    counts: Counter[tuple[str, str]] = Counter()
    for result in read.results.values():
        batch = result.batch
        merged = batch.outcome_frame("merged")
        persons |= _where(batch.frames["person"]) | _where(merged[merged["entity"] == "person"])
        for r in batch.reads:
            if r.entity == "person":
                counts[(r.src_path, r.src_sheet)] += r.read
    data = [(r["file"], r["sheet"], r["row"]) for r in gen.rows("data")]
    assert persons == set(data)
    assert counts == Counter((f, s) for f, s, _ in data)


def test_reader_reports_every_unmapped_value_with_its_count(gen: Generated, read: Read) -> None:
    findings = read.findings()
    unmapped = findings[findings["rule_id"] == "synonym.unmapped"]
    reported = Counter(zip(unmapped["field"], unmapped["value"], strict=True))
    assert reported == {(u["field"], u["value"]): u["count"] for u in gen.lists["unmapped_values"]}
    columns = findings[findings["rule_id"] == "extract.unmapped_columns"]
    for unknown in gen.lists["unknown_columns"]:
        hits = columns[(columns["src_path"] == unknown["file"]) & (columns["src_sheet"] == unknown["sheet"])]
        assert hits["message"].str.contains(unknown["column"], regex=False).any()


def test_reader_closed_flags_and_codes_match_the_truth(gen: Generated, read: Read) -> None:
    truth = {(r["file"], r["sheet"], r["row"]): r for r in gen.rows("data")}
    closed = {(t.src_path, t.src_sheet, int(line)): bool(flag) for t in read.tables for line, flag in t.frame["_closed"].items()}
    assert closed == {k: r["closed"] for k, r in truth.items()}
    services = read.results["asd"].batch.frames["service"]
    proceedings = read.results["jgh"].batch.frames["jgh_proceeding"]
    codes = dict(zip(_keys(services), services["service_type"], strict=True))
    codes |= dict(zip(_keys(proceedings), proceedings["outcome"], strict=True))
    for key, row in truth.items():
        if row["free_text_kind"] in ("exact", "typo"):
            expected = row["service_type"] if row["department"] == "ASD" else row["outcome"]
            assert codes.get(key) == expected, (key, row["free_text"])


def test_reader_parses_every_written_birth_and_offence_date(gen: Generated, read: Read) -> None:
    truth = {(r["file"], r["sheet"], r["row"]): r for r in gen.rows("data")}
    formats = mappings()["asd"].formats.date_formats
    checked = 0
    for table in read.tables:
        for field, key in (("birth_date", "birth_date"), ("offence_date", "offence_date")):
            if field not in table.frame:
                continue
            dates = parse_list_dates(table.frame[field], formats)
            for line, value, month_only in zip(table.frame["src_line"], dates.value, dates.month_only, strict=True):
                expected = truth[(table.src_path, table.src_sheet, int(line))][key]
                if pd.isna(value):
                    continue
                checked += 1
                got = value.date().isoformat()
                assert got == expected or (month_only and got[:7] == expected[:7]), (table.src_path, table.src_sheet, line)
    assert checked > 200


def test_reader_gives_rows_under_a_merged_name_cell_that_name(gen: Generated, read: Read) -> None:
    """A name/Az. cell merged down over a child's rows names every row of the range (spec: merged cells inside the table)."""
    merged_rows = {(r["file"], r["sheet"], r["row"]) for r in gen.rows("data") if "merged_above" in r["variants"]}
    assert merged_rows
    persons = read.results["asd"].batch.frames["person"]
    merged = read.results["asd"].batch.outcome_frame("merged")
    named = _where(persons[persons["family_name"].notna()]) | _where(merged[merged["entity"] == "person"])
    assert merged_rows <= named


def test_a_merged_aktenzeichen_cell_covers_rows_of_one_case_file(gen: Generated, books: dict[str, Workbook]) -> None:
    """A child with two case files keeps two Az. cells; only the rows of one case file share a merged one."""
    case = {(r["file"], r["sheet"], r["row"]): r.get("legacy_case") for r in gen.rows("data")}
    checked = 0
    for name, book in books.items():
        for ws in book.worksheets:
            for rng in ws.merged_cells.ranges:
                if rng.min_col != rng.max_col or rng.min_row == rng.max_row:
                    continue
                above = [ws.cell(row, rng.min_col).value for row in range(1, rng.min_row)]
                if not any(isinstance(v, str) and v.strip().lower().startswith(("az", "aktenz")) for v in above):
                    continue
                cases = {case.get((name, ws.title, row)) for row in range(rng.min_row, rng.max_row + 1)}
                assert len(cases) == 1, (name, ws.title, str(rng))
                checked += 1
    assert checked


_SAME_AS = re.compile(r"^gleicher Datensatz wie (?P<file>.+?), Blatt (?P<sheet>.*?), Zeile (?P<row>\d+)(?:; abweichend .*)?$")


def test_reader_never_merges_two_children_into_one_person(gen: Generated, read: Read) -> None:
    """Rows the transform merges as "gleicher Datensatz" are rows of one true person."""
    identity = {(r["file"], r["sheet"], r["row"]): r["identity"] for r in gen.rows("data")}
    wrong = []
    for result in read.results.values():
        merged = result.batch.outcome_frame("merged")
        merged = merged[merged["entity"] == "person"]
        for key, reason in zip(_keys(merged), merged["reason"], strict=True):
            first = _SAME_AS.match(reason)
            assert first is not None, reason
            target = (first["file"], first["sheet"], int(first["row"]))
            if identity[key] != identity[target]:
                wrong.append((key, target))
    assert not wrong


def test_reader_closes_cases_by_mark_sheet_and_end_date_as_the_truth_says(gen: Generated, read: Read) -> None:
    truth = {(r["file"], r["sheet"], r["row"]): r for r in gen.rows("data")}
    cases = pd.concat([r.batch.frames["case_file"] for r in read.results.values()])
    status = dict(zip(_keys(cases), cases["status"], strict=True))
    # a case on several rows (several helps) is closed when every one of its rows is (issue 23: not the first row's state)
    rows_of: dict[tuple, list[tuple]] = {k: [k] for k in status}
    for result in read.results.values():
        merged = result.batch.outcome_frame("merged")
        merged = merged[merged["entity"] == "case_file"]
        for key, reason in zip(_keys(merged), merged["reason"], strict=True):
            first = _SAME_AS.match(reason)
            assert first is not None, reason
            rows_of[(first["file"], first["sheet"], int(first["row"]))].append(key)
    expected = {k: all(truth[r]["case_closed"] for r in rows) for k, rows in rows_of.items()}
    assert status and {k: s == "closed" for k, s in status.items()} == expected
    by_end = cases[cases["closed_by"].fillna("").str.startswith("Ende ")]
    # only cases a row of which no mark closed
    assert len(by_end) and not any(all(truth[r]["closed"] for r in rows_of[k]) for k in _keys(by_end))
    hidden = cases[cases["src_sheet"] == "bis 2021"]
    assert len(hidden) and hidden["closed_by"].str.contains("ausgeblendetes Blatt").all()


def test_reader_sends_ambiguous_text_to_review_and_codes_no_assessment_as_a_service(gen: Generated, read: Read) -> None:
    rows = {(r["file"], r["sheet"], r["row"]): r for r in gen.rows("data")}
    findings = read.findings()
    services = read.results["asd"].batch.frames["service"]
    with_service = _where(services)
    for key, row in rows.items():
        if row["free_text_kind"] == "not_a_service":
            assert key not in with_service, row
    ambiguous = findings[findings["rule_id"] == "synonym.ambiguous"]
    expected = {k for k, r in rows.items() if r["free_text_kind"] == "ambiguous"}
    decided = findings[findings["rule_id"] == "synonym.ambiguous_decided"]  # the provider's name says which
    assert expected and _where(ambiguous) | _where(decided) == expected and not _where(ambiguous) & _where(decided)
    codes = dict(zip(_keys(services), services["service_type"], strict=True))
    assert all(codes[k] == rows[k]["service_type"] for k in _where(decided))
    assert (ambiguous["severity"] == "error").all() and ambiguous["message"].str.contains("oder").all()
    not_services = findings[findings["rule_id"] == "synonym.not_a_value"]
    assert _where(not_services) == {k for k, r in rows.items() if r["free_text_kind"] == "not_a_service"}
