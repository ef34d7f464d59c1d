"""Detached records made visible: a merge of an earlier run that a later run undoes (a steward's
*verschiedene Personen* in the review sheet, a changed list row) is counted in summary.json, listed in
validierung.html (no names, no birth dates) and in the work list (names masked), and the new ids stay."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner
from openpyxl import Workbook

from jhmig.cli import main
from jhmig.identity import DIFFERENT, REVIEW_DECISION, REVIEW_SHEET, SAME
from jhmig.masking import mask
from jhmig.reports.detached_sheet import DETACHED_HEADERS, DETACHED_SHEET
from jhmig.reports.review_sheet import write_review_sheet
from minimal_export import MiniExport

HEADER = ["Az.", "Name, Vorname", "geb.", "Hilfeart", "Beginn", "Ende", "erl."]
LIST = "ASD_Nord.xlsx"
ELIF = ["A-1", "Özdemir, Elif", "14.07.2012", "SPFH", "01.01.2024", None, None]  # the export's PERS_NR 3, birth date and all
JUERGEN = ["A-2", "Müller, Jürgen", None, "SPFH", "01.01.2024", None, None]  # the export's PERS_NR 1 by name only: the steward decides
ELA = ["A-1", "Özdemir, Ela", "21.09.2013", "SPFH", "01.01.2024", None, None]  # row 2 rewritten: another child now
ENTITIES = ("person", "case_file", "provider", "participant", "service")


def _list(folder: Path, *rows: list[object]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "laufend"
    for values in (HEADER, *rows):
        ws.append(values)
    wb.save(folder / LIST)


def _row_keys(folder: Path) -> dict[int, str]:
    """row -> the list row's person key, as a run computes it (a keyed hash of the row's content)."""
    from jhmig.extract.excel_lists import extract_lists
    from jhmig.keyring import load_key
    from jhmig.layout import MAPPINGS_DIR
    from jhmig.list_mapping import load_list_mapping
    from jhmig.transform.list_identity import ROW_KEY, stamp_row_keys

    mapping = load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml")
    extract = extract_lists(folder, mapping)
    stamp_row_keys(extract.tables, mapping, load_key())
    return {int(line): str(key) for table in extract.tables for line, key in table.frame[ROW_KEY].items()}


class _Runs:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.export = tmp, MiniExport().write(tmp / "export")
        self.lists, self.corrections, self.runs = tmp / "listen", tmp / "korrekturen", tmp / "runs"
        self.lists.mkdir()
        self.corrections.mkdir()

    def run(self, *extra: str) -> tuple[Path, str]:
        before = set(self.runs.glob("*")) if self.runs.exists() else set()
        result = CliRunner().invoke(main, ["run", "--export", str(self.export), "--db", f"sqlite:///{self.tmp / 't.sqlite'}",
                                           "--out", str(self.runs), "--lists", str(self.lists), "--list-mapping", "asd",
                                           "--corrections", str(self.corrections), "--no-progress", *extra],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        (folder,) = set(self.runs.glob("*")) - before
        return folder, result.output

    def key_map(self) -> dict[tuple[str, str, str], int]:
        con = sqlite3.connect(self.tmp / "t.sqlite")
        try:
            return {(s, e, k): i for s, e, k, i in con.execute("select source_system, entity, legacy_key, new_id from mig_key_map")}
        finally:
            con.close()


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def _decide(target: Path, decision: str, juergen: str) -> None:
    """The steward's answer on the pair (export PERS_NR 1, list row 3) on the review sheet, filed in the corrections folder.

    The export is too small for the model (deterministic matching): the name-only row is no review case of its own,
    so the sheet is written the way a run writes it, with that one pair."""
    side = {"a": ("legacy", "1", "PERSONEN.TXT", None, 2), "b": ("excel-asd", juergen, LIST, "laufend", 3)}
    row: dict[str, object] = {"pair": 1, "score": 0.0, "reasons": ""}
    for s, (source, key, path, sheet, line) in side.items():
        row.update({f"{s}_source_system": source, f"{s}_legacy_key": key, f"{s}_src_path": path, f"{s}_src_sheet": sheet,
                    f"{s}_src_line": line, f"{s}_family_name": "Müller", f"{s}_given_names": "Jürgen", f"{s}_birth_name": None,
                    f"{s}_birth_date": None})
    wb = Workbook(write_only=True)
    write_review_sheet(wb, pd.DataFrame([row]), mask)
    work = target / "abgleich.xlsx"
    wb.save(work)
    wb = openpyxl.load_workbook(work)
    ws = wb[REVIEW_SHEET]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index(REVIEW_DECISION) + 1).value = decision
    ws.cell(2, header.index("Bearbeitet von") + 1).value = "M. Muster"  # unsigned decisions are refused
    ws.cell(2, header.index("Datum") + 1).value = "01.12.2026"
    wb.save(work)


def _review_rows(folder: Path) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(folder / "fehlerliste.xlsx")
    rows = list(wb[REVIEW_SHEET].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def _detached_sheet(folder: Path) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(folder / "fehlerliste.xlsx")
    if DETACHED_SHEET not in wb.sheetnames:
        return []
    rows = list(wb[DETACHED_SHEET].iter_rows(values_only=True))
    assert list(rows[0]) == [h for h, _ in DETACHED_HEADERS]
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_an_undone_merge_is_reported_and_the_new_ids_stay(tmp_path: Path) -> None:
    runs = _Runs(tmp_path)
    _list(runs.lists, ELIF, JUERGEN)
    keys = _row_keys(runs.lists)
    # row 2 is rewritten for another child in run 2: same case and help, so it keeps the row's key (re-identified)
    juergen, ela = ("excel-asd", "person", keys[3]), ("excel-asd", "person", keys[2])
    lines = {juergen: 3, ela: 2}

    # run 1: both list rows merged into the export's persons, under their ids (row 3 by the steward's "gleiche Person")
    _decide(runs.corrections, SAME, keys[3])
    run1, _ = runs.run()
    assert _summary(run1)["matching"]["detached"] == dict.fromkeys(ENTITIES, 0)
    # the decision is reported with its effect, and stays on the newest review sheet with both records in full
    (reported,) = _summary(run1)["corrections"]["review"]
    assert (reported["decision"], reported["effect"], reported["by"], reported["file"]) == (SAME, "zusammengeführt", "M. Muster", "abgleich.xlsx")
    assert {reported["a"], reported["b"]} == {"legacy:1", f"excel-asd:{keys[3]}"}
    assert next(f for f in _summary(run1)["corrections"]["files"] if f["file"] == "abgleich.xlsx")["review_decisions"] == 1
    html1 = (run1 / "validierung.html").read_text(encoding="utf-8")
    assert 'id="abgleich-entscheidungen"' in html1 and "zusammengeführt" in html1 and "Jürgen" not in html1
    carried = _review_rows(run1)
    (row,) = [r for r in carried if r["Entscheidung Abgleich"]]
    assert (row["Entscheidung Abgleich"], row["Bearbeitet von"], row["Datum"], row["Wirkung"]) == (SAME, "M. Muster", "01.12.2026", "zusammengeführt")
    assert (row["Familienname A"], row["Vornamen A"], row["Familienname B"], row["Vornamen B"]) == ("Müller", "Jürgen", "Müller", "Jürgen")
    assert row["Datei A"] == "PERSONEN.TXT" and row["Datei B"] == LIST and row["Zeile B"] == 3
    assert "03.05.1980" in row["Alle Datensätze A"] and "ohne Geburtsdatum" in row["Alle Datensätze B"]
    ids1 = runs.key_map()
    assert ids1[juergen] == ids1[("legacy", "person", "1")] and ids1[ela] == ids1[("legacy", "person", "3")]

    # run 2: the steward changes her mind ("verschiedene Personen"), and row 2 of the list now is another child
    _decide(runs.corrections, DIFFERENT, keys[3])
    _list(runs.lists, ELA, JUERGEN)
    run2, output2 = runs.run()
    summary2 = _summary(run2)
    (reported,) = summary2["corrections"]["review"]
    assert (reported["decision"], reported["effect"]) == (DIFFERENT, "getrennt gehalten; Zusammenführung eines früheren Laufs aufgehoben")
    assert summary2["matching"]["detached"] == {**dict.fromkeys(ENTITIES, 0), "person": 2}
    assert all(c["ok"] for c in summary2["checks"]), summary2["checks"]  # read = loaded + merged + quarantined + skipped
    ids2 = runs.key_map()
    assert ids2[("legacy", "person", "1")] == ids1[("legacy", "person", "1")]  # the export's records keep their ids
    assert ids2[("legacy", "person", "3")] == ids1[("legacy", "person", "3")]
    persons1 = {i for (_, e, _), i in ids1.items() if e == "person"}
    assert ids2[juergen] not in persons1 and ids2[ela] not in persons1 and ids2[juergen] != ids2[ela]  # ids of their own
    line = next(x for x in output2.splitlines() if "detached" in x)
    assert "2 records" in line and "person 2" in line

    sheet = {(r["Quelle"], r["Schlüssel"]): r for r in _detached_sheet(run2)}
    assert set(sheet) == {juergen[::2], ela[::2]}
    for key, row in ((juergen, sheet[juergen[::2]]), (ela, sheet[ela[::2]])):
        assert row["Objekt"] == "Person" and row["Datei"] == LIST and row["Blatt"] == "laufend"
        assert row["Zeile"] == lines[key]
        assert (row["Bisherige ID"], row["Neue ID"]) == (ids1[key], ids2[key])
        assert str(row["Grund"]).startswith("Zusammenführung eines früheren Laufs aufgehoben")
    assert "verschiedene Personen" in str(sheet[juergen[::2]]["Grund"]) and "legacy:1" in str(sheet[juergen[::2]]["Grund"])
    assert "nicht mehr für dieselbe Person" in str(sheet[ela[::2]]["Grund"]) and "legacy:3" in str(sheet[ela[::2]]["Grund"])
    # names and birth dates in clear, as on the review sheet: the work list is where they belong
    assert (sheet[ela[::2]]["Familienname"], sheet[ela[::2]]["Vornamen"], sheet[ela[::2]]["Geburtsdatum"]) == ("Özdemir", "Ela", "21.09.2013")

    html = (run2 / "validierung.html").read_text(encoding="utf-8")
    section = html.split('id="aufgehoben"', 1)[1].split("</details>", 1)[0]
    assert section.count("<tr><td>Person</td>") == 2 and "Zusammenführung eines früheren Laufs aufgehoben" in section
    for key in (juergen, ela):
        assert f"{key[2]}</td><td class=\"n\">{ids1[key]}</td><td class=\"n\">{ids2[key]}</td>" in section
        assert f"Zeile {lines[key]}" in section
    for personal in ("Özdemir", "Ela", "Müller", "Jürgen", "21.09.2013", "14.07.2012", "03.05.1980", "Ö*****r"):
        assert personal not in section

    # run 3, nothing changed: nothing detached, every id as in run 2
    run3, output3 = runs.run()
    assert _summary(run3)["matching"]["detached"] == dict.fromkeys(ENTITIES, 0)
    assert not [x for x in output3.splitlines() if "detached" in x]
    assert _detached_sheet(run3) == []
    assert runs.key_map() == ids2
    assert "Keine: jede Zusammenführung früherer Läufe gilt weiter." in (run3 / "validierung.html").read_text(encoding="utf-8")


def _review_row() -> dict[str, object]:
    row: dict[str, object] = {"pair": 1, "score": 0.9, "reasons": "Familienname gleich"}
    for s, key in (("a", "1"), ("b", "L:ASD_Nord.xlsx|laufend|3")):
        row.update({f"{s}_source_system": "legacy" if s == "a" else "excel-asd", f"{s}_legacy_key": key, f"{s}_src_path": "x",
                    f"{s}_src_sheet": None, f"{s}_src_line": 2, f"{s}_family_name": "Müller", f"{s}_given_names": "Jürgen",
                    f"{s}_birth_name": None, f"{s}_birth_date": None})
    return row


def test_the_work_list_sheet_pseudonymises_and_gets_the_new_ids_after_the_load(tmp_path: Path) -> None:
    import datetime as dt

    from jhmig.extract.corrections import read_corrections
    from jhmig.extract.review_decisions import read_review_decisions
    from jhmig.records import findings_frame
    from jhmig.reports.detached_sheet import fill_new_ids
    from jhmig.reports.excel_report import write_fehlerliste
    from jhmig.reports.pseudonyms import Pseudonymizer
    from jhmig.steps_match import DETACHED_COLUMNS, with_new_ids
    from jhmig.validation import rule_catalog

    table = pd.DataFrame([
        {"entity": "person", "entity_de": "Person", "source_system": "excel-asd", "legacy_key": "L:ASD_Nord.xlsx|laufend|3",
         "src_path": LIST, "src_sheet": "laufend", "src_line": 3, "old_id": 1, "new_id": None, "keeper": "legacy:1",
         "reason": "Zusammenführung eines früheren Laufs aufgehoben: ...", "family_name": "Müller", "given_names": "Jürgen",
         "birth_date": dt.date(1980, 5, 3)},
        {"entity": "case_file", "entity_de": "Akte", "source_system": "excel-asd", "legacy_key": "A-1", "src_path": LIST,
         "src_sheet": "laufend", "src_line": 2, "old_id": 7, "new_id": None, "keeper": "legacy:51.3-UV-2019/00001",
         "reason": "Zusammenführung eines früheren Laufs aufgehoben: ...", "family_name": None, "given_names": None, "birth_date": None},
    ], columns=DETACHED_COLUMNS).astype({"old_id": "Int64", "new_id": "Int64", "src_line": "Int64"})
    pseudonyms = Pseudonymizer(b"k" * 32)
    folder = tmp_path / "run"
    path = folder / "fehlerliste.xlsx"
    write_fehlerliste(path, findings_frame(), catalog=rule_catalog(), run_uid="r2", review=pd.DataFrame([_review_row()]),
                      review_redact=pseudonyms, detached=table)
    before = _detached_sheet(folder)
    assert [r["Neue ID"] for r in before] == [None, None] and [r["Bisherige ID"] for r in before] == [1, 7]

    loaded = pd.DataFrame({"source_system": ["excel-asd", "excel-asd"], "entity": ["person", "case_file"],
                           "legacy_key": ["L:ASD_Nord.xlsx|laufend|3", "A-1"], "old_id": [1, 7], "new_id": [6, None]})
    assert fill_new_ids(path, with_new_ids(table, loaded.astype({"old_id": "Int64", "new_id": "Int64"})), pseudonyms)
    after = _detached_sheet(folder)
    assert [(r["Objekt"], r["Zeile"], r["Bisherige ID"], r["Neue ID"]) for r in after] == [("Person", 3, 1, 6), ("Akte", 2, 7, None)]
    person, case = after
    assert (person["Familienname"], person["Vornamen"], person["Geburtsdatum"]) == (
        pseudonyms("Müller", "name"), pseudonyms("Jürgen", "name"), pseudonyms("03.05.1980", "date"))
    assert (case["Familienname"], case["Vornamen"], case["Geburtsdatum"]) == (None, None, None)
    shown = " ".join(str(v) for r in after for v in r.values())
    assert "Müller" not in shown and "Jürgen" not in shown and "1980" not in shown

    # the review sheet beside it is untouched, and neither reader of the corrections folder takes the sheet for decisions
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-2:] == [REVIEW_SHEET, DETACHED_SHEET] and wb[REVIEW_SHEET].max_row == 2
    read = read_corrections(folder)
    assert read.decisions == [] and [f.rows for f in read.files] == [0]
    assert read_review_decisions(folder) == []
