"""The corrections round trip: fehlerliste.xlsx filled in by stewards -> the next run applies it."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from jhmig.extract.corrections import read_corrections
from minimal_export import MiniExport
from test_steward_reports import run

PERSON_LINE, CASE_LINE = 4, 4  # PERSONEN.TXT line of person 3; AKTEN.TXT line of case 2 (after a two-line remark)


def planted(case_opened: str = "32.01.2020") -> MiniExport:
    export = MiniExport()
    rows = export.rows
    rows["PERSONEN.TXT"][2] = rows["PERSONEN.TXT"][2].replace("14.07.2012", "31.02.2012")  # to be corrected
    rows["PERSONEN.TXT"][3] = rows["PERSONEN.TXT"][3].replace(";Weiß;Paul;;28.02.2011;1;", ";Weiß;Paul;;28.02.2011;9;")  # excluded
    rows["AKTEN.TXT"][1] = rows["AKTEN.TXT"][1].replace("10.01.2020", case_opened)  # corrected, then changed in the source
    rows["TRAEGER.TXT"][0] = rows["TRAEGER.TXT"][0].replace("54290", "5429")  # warning, accepted
    rows["UVG.TXT"][0] = rows["UVG.TXT"][0].replace("230,00", "abc")  # error, "accepted" -> refused
    return export


def fill(workbook: Path, target: Path, decisions: list[tuple[str, str, int, str, str | None, str, str]]) -> None:
    """(rule, file, line, decision, corrected value, by, date) -> the row of that finding, filled as a steward would."""
    wb = load_workbook(workbook)
    for rule, file, line, decision, value, by, day in decisions:
        ws = next(w for w in wb.worksheets[1:] if w.cell(2, 1).value == rule)  # the sheet whose column Regel names the rule
        col = {c.value: c.column for c in ws[1]}
        row = next(r for r in range(2, ws.max_row + 1)
                   if ws.cell(r, col["Datei"]).value == file and ws.cell(r, col["Zeile"]).value == line)
        ws.cell(row, col["Entscheidung"], decision)
        if value is not None:
            ws.cell(row, col["Korrigierter Wert"], value)
        ws.cell(row, col["Bearbeitet von"], by)
        ws.cell(row, col["Datum"], dt.datetime.strptime(day, "%d.%m.%Y"))  # Excel stores a typed date as a date
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("corrections")
    export, out, db, folder = base / "export", base / "runs", base / "t.sqlite", base / "korrekturen"
    planted().write(export)
    first = run(export, out, db)
    listing = first / "fehlerliste.xlsx"
    fill(listing, folder / "fehlerliste-1.xlsx", [
        ("value.invalid_date", "PERSONEN.TXT", PERSON_LINE, "korrigieren", "14.07.2012", "M. Muster", "24.11.2026"),
        ("value.invalid_date", "AKTEN.TXT", CASE_LINE, "korrigieren", "10.01.2020", "M. Muster", "24.11.2026"),
        ("address.plz_4_digits", "TRAEGER.TXT", 2, "akzeptieren", None, "K. Test", "24.11.2026"),
        ("value.invalid_amount", "UVG.TXT", 2, "akzeptieren", None, "K. Test", "24.11.2026"),
    ])
    # a colleague corrects the same birth date later: the later date wins
    fill(listing, folder / "fehlerliste-2.xlsx", [
        ("value.invalid_date", "PERSONEN.TXT", PERSON_LINE, "korrigieren", "15.07.2012", "N. Neu", "25.11.2026"),
    ])
    # a hand-written CSV with the visible columns only
    (folder / "ausschluss.csv").write_text(
        "Datei;Zeile;Schlüssel;Regel;Entscheidung;Korrigierter Wert;Bearbeitet von;Datum\n"
        "PERSONEN.TXT;5;4;code.unknown;nicht migrieren;;K. Kurz;24.11.2026\n", encoding="utf-8-sig")
    os.utime(folder / "fehlerliste-1.xlsx", (time.time() - 60, time.time() - 60))
    # meanwhile the legacy system's case file was edited: the correction no longer fits
    planted(case_opened="33.01.2020").write(export)
    second = run(export, out, db, "--corrections", str(folder))
    findings = pd.read_csv(second / "findings.csv", sep=";", encoding="utf-8-sig", dtype=str)
    return {"first": first, "second": second, "db": db, "findings": findings, "folder": folder,
            "summary": json.loads((second / "summary.json").read_text(encoding="utf-8"))}


def at(findings: pd.DataFrame, rule: str, file: str, line: int) -> pd.DataFrame:
    return findings[(findings["rule_id"] == rule) & (findings["src_path"] == file) & (findings["src_line"] == str(line))]


def test_the_list_is_read_back(round_trip: dict) -> None:
    read = read_corrections(round_trip["folder"], isolate=False)
    assert {f.name: f.decisions for f in read.files} == {"ausschluss.csv": 1, "fehlerliste-1.xlsx": 4, "fehlerliste-2.xlsx": 1}
    birth = next(d for d in read.decisions if d.origin.file == "fehlerliste-1.xlsx" and d.target.src_path == "PERSONEN.TXT")
    assert (birth.decision, birth.corrected, birth.by, birth.on) == ("korrigieren", "14.07.2012", "M. Muster", dt.date(2026, 11, 24))
    assert (birth.target.field, birth.target.src_column, birth.target.src_value, birth.target.legacy_key) == \
        ("birth_date", "GEB_DAT", "31.02.2012", "3")


def test_correction_loads_the_record_and_is_recorded_with_who_and_when(round_trip: dict) -> None:
    summary, findings = round_trip["summary"], round_trip["findings"]
    assert at(findings, "value.invalid_date", "PERSONEN.TXT", PERSON_LINE).empty
    persons = next(f for f in summary["files"] if f["file"] == "PERSONEN.TXT" and f["entity"] == "person")
    assert (persons["loaded"], persons["quarantined"], persons["skipped"]) == (3, 0, 1)
    applied = [c for c in summary["corrections"]["applied"] if c["decision"] == "korrigieren"]
    assert len(applied) == 1
    c = applied[0]
    assert (c["src_path"], c["src_line"], c["column"], c["by"], c["on"], c["file"]) == \
        ("PERSONEN.TXT", PERSON_LINE, "GEB_DAT", "N. Neu", "2026-11-25", "fehlerliste-2.xlsx")
    assert c["corrected_value"] == "**.**.2012"  # summary.json (and mig_run) never carry a birth date
    superseded = summary["corrections"]["superseded"]
    assert [(s["file"], s["by"]) for s in superseded] == [("fehlerliste-1.xlsx", "M. Muster")]
    stored = sqlite3.connect(round_trip["db"]).execute("select summary from mig_run order by run_id desc").fetchone()[0]
    assert json.loads(stored)["corrections"]["applied"][0]["by"] in ("N. Neu", "K. Test", "K. Kurz")
    rows = pd.read_csv(round_trip["second"] / "korrekturen.csv", sep=";", encoding="utf-8-sig", dtype=str)
    mine = rows[(rows["src_path"] == "PERSONEN.TXT") & (rows["decision"] == "korrigieren")]
    assert sorted(mine["status"]) == ["angewendet", "ersetzt"]
    assert mine.loc[mine["status"] == "angewendet", "corrected_value"].item() == "15.07.2012"
    db = sqlite3.connect(round_trip["db"])
    born = db.execute("select p.birth_date from person p join mig_key_map k on k.new_id = p.person_id "
                      "where k.entity = 'person' and k.legacy_key = '3'").fetchone()
    assert born is not None and str(born[0]).startswith("2012-07-15")


def test_stale_correction_is_reported_not_dropped(round_trip: dict) -> None:
    summary, findings = round_trip["summary"], round_trip["findings"]
    assert not at(findings, "value.invalid_date", "AKTEN.TXT", CASE_LINE).empty  # still wrong in the source
    stale = at(findings, "correction.stale", "AKTEN.TXT", CASE_LINE)
    assert len(stale) == 1 and stale["severity"].item() == "warning" and "fehlerliste-1.xlsx" in stale["message"].item()
    entry = next(s for s in summary["corrections"]["stale"] if s["src_path"] == "AKTEN.TXT")
    assert "Wert in der Quelle hat sich geändert" in entry["reason"] and entry["by"] == "M. Muster"
    html = (round_trip["second"] / "validierung.html").read_text(encoding="utf-8")
    assert "Veraltete Korrekturen" in html and "Wert in der Quelle hat sich geändert" in html


def test_nicht_migrieren_skips_with_reason(round_trip: dict) -> None:
    summary = round_trip["summary"]
    c = summary["corrections"]
    assert c["excluded"] == 1 and c["excluded_dependents"] >= 3  # participant, two services, their payments
    reason = "vom Steward ausgeschlossen (ausschluss.csv, K. Kurz, 24.11.2026)"
    assert next(a for a in c["applied"] if a["decision"] == "nicht migrieren")["reason"] == reason
    assert reason in (round_trip["second"] / "validierung.html").read_text(encoding="utf-8")
    assert summary["money"]["skipped_cents"] == 512000 + 63700 and summary["money"]["balanced"]
    assert summary["status"] == "ok"


def test_akzeptieren_marks_a_warning_and_refuses_an_error(round_trip: dict) -> None:
    summary, findings = round_trip["summary"], round_trip["findings"]
    c = summary["corrections"]
    assert c["accepted"] == 1 and c["accepted_by_rule"] == {"address.plz_4_digits": 1}
    assert len(at(findings, "address.plz_4_digits", "TRAEGER.TXT", 2)) == 1  # kept, but not open
    refused = next(i for i in c["invalid"] if i["rule_id"] == "value.invalid_amount")
    assert refused["status"] == "abgelehnt"
    assert len(at(findings, "correction.accept_not_allowed", "UVG.TXT", 2)) == 1
    wb = load_workbook(round_trip["second"] / "fehlerliste.xlsx", read_only=True)
    rows = next(list(ws.iter_rows(values_only=True)) for ws in wb.worksheets[1:]
                if [r[0] for r in ws.iter_rows(min_row=2, max_row=2, values_only=True)] == ["address.plz_4_digits"])
    head = rows[0]
    assert rows[1][head.index("Entscheidung")] == "akzeptieren" and rows[1][head.index("Bearbeitet von")] == "K. Test"


def test_the_next_work_list_carries_every_decision_in_force_and_an_unsigned_one_is_refused(round_trip: dict) -> None:
    """A steward keeps only the newest list: run 3 with nothing but run 2's fehlerliste.xlsx applies the same decisions."""
    base = round_trip["folder"].parent
    wb = load_workbook(round_trip["second"] / "fehlerliste.xlsx", read_only=True)
    # the rule's sheet is named by its German title; its column Regel names the rule
    rows = next(list(ws.iter_rows(values_only=True)) for ws in wb.worksheets[1:]
                if [r[0] for r in ws.iter_rows(min_row=2, max_row=2, values_only=True)] == ["value.invalid_date"])
    head = rows[0]
    carried = [r for r in rows[1:] if r[head.index("Datei")] == "PERSONEN.TXT" and r[head.index("Zeile")] == PERSON_LINE]
    assert len(carried) == 1  # the corrected birth date: its finding is gone, the decision is not
    row = dict(zip(head, carried[0]))
    assert (row["Entscheidung"], row["Korrigierter Wert"], row["Bearbeitet von"], row["Datum"]) == \
        ("korrigieren", "15.07.2012", "N. Neu", "25.11.2026")

    newest = base / "nur-neueste"
    newest.mkdir()
    (newest / "fehlerliste.xlsx").write_bytes((round_trip["second"] / "fehlerliste.xlsx").read_bytes())
    (newest / "ohne-namen.csv").write_text(  # a decision nobody signed
        "Datei;Zeile;Schlüssel;Regel;Entscheidung;Korrigierter Wert;Bearbeitet von;Datum\n"
        "AKTEN.TXT;4;51.3-WJH-2020/00002;value.invalid_date;korrigieren;10.01.2020;;\n", encoding="utf-8-sig")
    db = base / "t3.sqlite"
    db.write_bytes(round_trip["db"].read_bytes())
    third = run(base / "export", base / "runs", db, "--corrections", str(newest))
    summary = json.loads((third / "summary.json").read_text(encoding="utf-8"))
    c, second = summary["corrections"], round_trip["summary"]["corrections"]
    assert (c["corrected"], c["accepted"], c["excluded"]) == (second["corrected"], second["accepted"], second["excluded"]) == (1, 1, 1)
    applied = next(a for a in c["applied"] if a["decision"] == "korrigieren")
    assert (applied["src_path"], applied["by"], applied["on"]) == ("PERSONEN.TXT", "N. Neu", "2026-11-25")
    born = sqlite3.connect(db).execute("select p.birth_date from person p join mig_key_map k on k.new_id = p.person_id "
                                       "where k.entity = 'person' and k.legacy_key = '3'").fetchone()
    assert born is not None and str(born[0]).startswith("2012-07-15")
    findings = pd.read_csv(third / "findings.csv", sep=";", encoding="utf-8-sig", dtype=str)
    unsigned = at(findings, "correction.unsigned", "AKTEN.TXT", 4)
    assert len(unsigned) == 1 and "'Bearbeitet von' und 'Datum' fehlt" in unsigned["message"].item()
    assert not at(findings, "value.invalid_date", "AKTEN.TXT", 4).empty  # not applied as by ''
    refused = next(i for i in c["invalid"] if i["src_path"] == "AKTEN.TXT")
    assert refused["status"] == "ungültig" and refused["by"] == ""
