"""A list row keeps its id across dry runs while the caseworkers keep editing their lists: rows inserted,
deleted and re-sorted above it, a sheet renamed for the new year, a column added, a typo fixed. Its key is a
keyed hash of what the row says, never its position; a row gone from the list never breaks a foreign key."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from jhmig.cli import main
from minimal_export import MiniExport

HEADER = ["Az.", "Name, Vorname", "geb.", "Hilfeart", "Beginn", "Ende"]
LIST = "ASD_Sued.xlsx"
ENTITIES = ("person", "case_file", "provider", "participant", "service")
ROWS = [  # list-only children (none in the export) and the export's Elif (PERS_NR 3)
    ["S-1", "Kästner, Mila", "03.04.2012", "SPFH", "01.02.2020", None],
    ["S-2", "Brandt, Jonas", "11.11.2011", "Tagesgruppe", "01.03.2021", None],
    ["S-3", "Özdemir, Elif", "14.07.2012", "SPFH", "01.01.2024", None],
    ["S-4", "Lindqvist, Saga", "09.09.2015", "Erziehungsbeistand", "15.05.2022", None],
    ["S-5", "Hoffmann, Ben", "02.02.2010", "SPFH", "01.06.2023", None],
    ["S-6", "Petrović, Luka", "12.12.2013", "Vollzeitpflege", "01.01.2019", None],
    ["S-7", "Nowak, Zofia", "30.04.2014", "SPFH", "01.09.2022", None],
]


def _write(folder: Path, sheets: dict[str, list[list[object]]], header: list[str] = HEADER) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for values in (header, *rows):
            ws.append(values)
    wb.save(folder / LIST)


class _Runs:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.export = tmp, MiniExport().write(tmp / "export")
        self.lists, self.runs = tmp / "listen", tmp / "runs"
        self.lists.mkdir()

    def run(self, *extra: str) -> dict:
        before = set(self.runs.glob("*")) if self.runs.exists() else set()
        result = CliRunner().invoke(main, ["run", "--export", str(self.export), "--db", f"sqlite:///{self.tmp / 't.sqlite'}",
                                           "--out", str(self.runs), "--lists", str(self.lists), "--list-mapping", "asd",
                                           "--no-progress", *extra], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        (folder,) = set(self.runs.glob("*")) - before
        return json.loads((folder / "summary.json").read_text(encoding="utf-8"))

    def run_with(self, corrections: Path) -> dict:
        return self.run("--corrections", str(corrections))

    def birth_date(self, name: str) -> str | None:
        con = sqlite3.connect(self.tmp / "t.sqlite")
        try:
            family, given = name.split(", ")
            found = con.execute("select birth_date from person where family_name = ? and given_names = ?", (family, given)).fetchone()
            return None if found is None or found[0] is None else str(found[0])
        finally:
            con.close()

    def ids_by_row(self) -> dict[str, dict[str, int]]:
        """Per entity: the child's name (a test value, looked up via the target's rows) -> id of its record."""
        con = sqlite3.connect(self.tmp / "t.sqlite")
        try:
            persons = {i: f"{f}, {g}" for i, f, g in con.execute("select person_id, family_name, given_names from person")}
            out: dict[str, dict[str, int]] = {"person": {}, "service": {}, "participant": {}}
            for entity, sql in (("service", "select person_id, service_id from service"),
                                ("participant", "select person_id, participant_id from participant")):
                for person_id, own in con.execute(sql):
                    out[entity][persons[person_id]] = own
            out["person"] = {name: i for i, name in persons.items()}
            return out
        finally:
            con.close()


def test_ids_of_unchanged_rows_stay_when_rows_are_deleted_inserted_resorted_and_the_sheet_renamed(tmp_path: Path) -> None:
    runs = _Runs(tmp_path)
    _write(runs.lists, {"2024": ROWS})
    first = runs.run()
    assert first["matching"]["detached"] == dict.fromkeys(ENTITIES, 0)
    ids1 = runs.ids_by_row()

    # the next delivery: two rows in the middle deleted, two inserted at the top, the rest re-sorted,
    # the sheet renamed for the new year and a column added in front
    kept = [ROWS[6], ROWS[0], ROWS[5], ROWS[2], ROWS[3]]
    new = [["S-8", "Schmitt, Lea", "05.05.2016", "SPFH", "01.01.2025", None],
           ["S-9", "Yilmaz, Emre", "07.07.2017", "Tagesgruppe", "01.02.2025", None]]
    _write(runs.lists, {"2025": [["x", *r] for r in new + kept]}, ["Nr.", *HEADER])
    second = runs.run()
    assert second["matching"]["detached"] == dict.fromkeys(ENTITIES, 0)
    assert all(c["ok"] for c in second["checks"]), second["checks"]
    ids2 = runs.ids_by_row()
    for entity in ("person", "service", "participant"):
        unchanged = {str(r[1]) for r in kept}
        assert {n: ids2[entity][n] for n in unchanged} == {n: ids1[entity][n] for n in unchanged}, entity
    assert "Brandt, Jonas" not in ids2["person"] and "Hoffmann, Ben" not in ids2["person"]  # the deleted rows are gone
    assert {"Schmitt, Lea", "Yilmaz, Emre"} <= set(ids2["person"])

    # a typo fixed in a name, the same case and help: the row is re-identified and keeps its ids
    fixed = [r if r is not ROWS[3] else ["S-4", "Lindqvist, Sága", *ROWS[3][2:]] for r in kept]
    _write(runs.lists, {"2025": [["x", *r] for r in new + fixed]}, ["Nr.", *HEADER])
    third = runs.run()
    assert third["matching"]["detached"] == dict.fromkeys(ENTITIES, 0)
    assert third["sources"]["excel-asd"]["rows_reidentified"] == {"same_person": 0, "same_case": 1}
    ids3 = runs.ids_by_row()
    assert ids3["person"]["Lindqvist, Sága"] == ids1["person"]["Lindqvist, Saga"]
    assert ids3["service"]["Lindqvist, Sága"] == ids1["service"]["Lindqvist, Saga"]


def test_a_row_gone_from_the_list_whose_service_another_row_still_carries_breaks_no_foreign_key(tmp_path: Path) -> None:
    """Two siblings in one case with one help: one service, named by the first row's child. The first row goes:
    the service now names the second child, and the first child's row goes only once nothing refers to it."""
    runs = _Runs(tmp_path)
    siblings = [["S-1", "Kästner, Mila", "03.04.2012", "SPFH", "01.02.2020", None],
                ["S-1", "Kästner, Max", "08.08.2014", "SPFH", "01.02.2020", None],
                ["S-2", "Brandt, Jonas", "11.11.2011", "Tagesgruppe", "01.03.2021", None]]
    _write(runs.lists, {"laufend": siblings})
    runs.run()
    ids1 = runs.ids_by_row()
    assert ids1["service"]["Kästner, Mila"]

    _write(runs.lists, {"laufend": siblings[1:]})
    second = runs.run()
    assert all(c["ok"] for c in second["checks"]), second["checks"]
    ids2 = runs.ids_by_row()
    assert "Kästner, Mila" not in ids2["person"]
    assert ids2["service"]["Kästner, Max"] == ids1["service"]["Kästner, Mila"]  # the one service, now named by Max
    assert ids2["person"]["Brandt, Jonas"] == ids1["person"]["Brandt, Jonas"]


def _decide_in(worklist: Path, target: Path, line: int, decision: str, value: str | None) -> None:
    """The steward's decision on the list finding of ``line`` (sheet value.invalid_date), signed and dated."""
    import datetime as dt

    wb = openpyxl.load_workbook(worklist)
    ws = next(w for w in wb.worksheets[1:] if w.cell(2, 1).value == "value.invalid_date")  # sheets are named by German titles
    col = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col["Datei"]).value == LIST and ws.cell(r, col["Zeile"]).value == line)
    ws.cell(row, col["Entscheidung"], decision)
    if value is not None:
        ws.cell(row, col["Korrigierter Wert"], value)
    ws.cell(row, col["Bearbeitet von"], "M. Muster")
    ws.cell(row, col["Datum"], dt.datetime(2026, 12, 1))
    target.mkdir(parents=True, exist_ok=True)
    wb.save(target / "fehlerliste.xlsx")


def test_a_decision_on_a_list_row_follows_the_row_when_rows_move_and_stays_in_the_newest_work_list(tmp_path: Path) -> None:
    runs = _Runs(tmp_path)
    wrong = ["S-4", "Lindqvist, Saga", "31.02.2015", "Erziehungsbeistand", "15.05.2022", None]  # row 5: no such date
    rows = [*ROWS[:3], wrong, *ROWS[4:]]
    _write(runs.lists, {"2024": rows})
    runs.run()
    first = max(p for p in runs.runs.iterdir() if p.is_dir())
    corrections = tmp_path / "korrekturen"
    _decide_in(first / "fehlerliste.xlsx", corrections, 5, "korrigieren", "28.02.2015")

    # rows inserted above and the sheet renamed: the decision follows its row to line 7 of sheet 2025
    new = [["S-8", "Schmitt, Lea", "05.05.2016", "SPFH", "01.01.2025", None],
           ["S-9", "Yilmaz, Emre", "07.07.2017", "Tagesgruppe", "01.02.2025", None]]
    _write(runs.lists, {"2025": new + rows})
    second = runs.run_with(corrections)
    assert second["corrections"]["corrected"] == 1, second["corrections"]
    born = runs.birth_date("Lindqvist, Saga")
    assert born is not None and born.startswith("2015-02-28")

    # the steward keeps only the newest list; two rows above are deleted meanwhile
    newest = tmp_path / "nur-neueste"
    newest.mkdir()
    latest = max(p for p in runs.runs.iterdir() if p.is_dir())
    (newest / "fehlerliste.xlsx").write_bytes((latest / "fehlerliste.xlsx").read_bytes())
    _write(runs.lists, {"2025": new + [rows[0], rows[2], *rows[3:]]})
    third = runs.run_with(newest)
    assert third["corrections"]["corrected"] == 1, third["corrections"]
    assert third["corrections"]["stale"] == []
    assert runs.birth_date("Lindqvist, Saga") == born
