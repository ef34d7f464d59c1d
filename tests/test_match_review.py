"""The review round trip: review pairs become the work list's sheet (masked), the steward decides, the next
run applies the decisions ("gleiche Person" merges, "verschiedene Personen" keeps apart)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from jhmig.extract.review_decisions import read_review_decisions
from jhmig.identity import DIFFERENT, REVIEW_DECISION, REVIEW_SHEET, SAME, MatchSettings, Outcome, RecordRef, pair_key
from jhmig.match import resolve_identities
from jhmig.masking import mask
from jhmig.reports.excel_report import write_fehlerliste
from jhmig.records import findings_frame
from jhmig.steps_match import review_table
from match_population import export_batch, list_batch, person

# persons a caseworker's list names without a birth date: same names as an export record, nothing else
EXPORTED = [person("97001", "Tessendorf", "Quirin", "2011-02-17"), person("97002", "Wolkenhauer", "Ilse", "2009-10-30"),
            person("97003", "Brackmann", "Jorinde", "2010-05-05"), person("97004", "Hülsewede", "Till", "2013-07-12")]
LISTED = [("Tessendorf", "Quirin"), ("Wolkenhauer", "Ilse"), ("Brackmann", "Jorinde"), ("Huelsewede", "Till")]


def _batches():  # type: ignore[no-untyped-def]
    rows = [{**person(f"L:ASD.xlsx|laufend|{5 + i}", f, g, None), "src_line": 5 + i} for i, (f, g) in enumerate(LISTED)]
    return [export_batch(list(EXPORTED)), list_batch("excel-asd", "ASD.xlsx", rows)]


def test_review_pairs_go_to_the_work_list_and_decisions_come_back(tmp_path: Path) -> None:
    batches = _batches()
    result = resolve_identities(batches)
    review = result.review()
    assert review, "a list row without birth date that only shares the names is for the steward"
    assert len(review) < 0.05 * 504  # ... but the review band stays small

    table = review_table(result, batches)
    path = tmp_path / "run" / "fehlerliste.xlsx"
    catalog = __import__("jhmig.validation", fromlist=["rule_catalog"]).rule_catalog()
    write_fehlerliste(path, findings_frame(), catalog=catalog, run_uid="r1", review=table, review_redact=mask)
    wb = openpyxl.load_workbook(path)
    ws = wb[REVIEW_SHEET]
    header = [c.value for c in ws[1]]
    cells = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    shown = " ".join(str(v) for row in cells for v in row if v is not None)
    assert "Tessendorf" not in shown and "Quirin" not in shown and "T********f" in shown or "Q****n" in shown
    decide = header.index(REVIEW_DECISION) + 1
    same, different = review[0], review[1] if len(review) > 1 else None
    hidden = [header.index(h) for h in ("_a_source", "_a_key", "_b_source", "_b_key")]
    row_of = {}
    for number, row in enumerate(cells, start=2):  # the sheet names each case by its records (source, key)
        a, b = RecordRef(row[hidden[0]], "person", row[hidden[1]]), RecordRef(row[hidden[2]], "person", row[hidden[3]])
        row_of[frozenset((a, b))] = number
    for pair, decision in ((same, SAME), (different, DIFFERENT)):
        if pair is not None:
            number = row_of[frozenset((pair.left, pair.right))]
            ws.cell(number, decide).value = decision
            ws.cell(number, header.index("Bearbeitet von") + 1).value = "M. Muster"
            ws.cell(number, header.index("Datum") + 1).value = "01.12.2026"
    corrections = tmp_path / "corrections"
    corrections.mkdir()
    wb.save(corrections / "fehlerliste.xlsx")

    decisions = read_review_decisions(corrections)
    assert {(d.key(), d.same) for d in decisions} >= {(pair_key(same.left, same.right), True)}
    assert all((d.by, d.on) == ("M. Muster", dt.date(2026, 12, 1)) for d in decisions)  # who and when, for the report

    again = resolve_identities(_batches(), MatchSettings(), decisions)
    merged = [c for c in again.persons if same.left in c.members and same.right in c.members]
    assert merged, "the steward's 'gleiche Person' merges the pair"
    decided = [p for p in again.pairs if pair_key(p.left, p.right) == pair_key(same.left, same.right)]
    assert decided and decided[0].decided_by == "steward" and decided[0].outcome == Outcome.MATCH
    if different is not None:
        assert not [c for c in again.persons if different.left in c.members and different.right in c.members]
        assert not [p for p in again.review() if pair_key(p.left, p.right) == pair_key(different.left, different.right)]


def test_a_decision_on_a_pair_the_model_never_proposed_is_applied() -> None:
    from jhmig.identity import ReviewDecision

    a, b = RecordRef("legacy", "person", "97001"), RecordRef("legacy", "person", "97004")
    result = resolve_identities(_batches(), MatchSettings(), [ReviewDecision(a, b, True)])
    assert [c for c in result.persons if a in c.members and b in c.members]


def test_a_review_case_is_two_persons_in_full_never_an_empty_side_and_the_same_on_every_run(tmp_path: Path) -> None:
    """Record B2 was merged into B1 (it left its frame): the case still shows it, with every record of that person;
    a pair whose records ended in one person is no case; a sure pair the clustering kept apart is one."""
    import pandas as pd

    from jhmig.identity import Cluster, IdentityResult, PairDecision
    from jhmig.review_cases import review_cases
    from jhmig.reports.review_sheet import write_review_sheet
    from openpyxl import Workbook

    ref = lambda s, k: RecordRef(s, "person", k)  # noqa: E731
    a1, b1, b2, c1, d1, e1 = ref("legacy", "1"), ref("legacy", "2"), ref("excel-asd", "L:B2"), ref("legacy", "3"), ref("legacy", "4"), ref("legacy", "5")
    records = {
        "legacy": pd.DataFrame({"src_path": "PERSONEN.TXT", "src_sheet": None, "src_line": [2, 3, 4, 5, 6],
                                "family_name": ["Krause", "Krause", "Lenz", "Lenz", "Ott"], "given_names": ["Ida", "Ida", "Mo", "Mo", "Ute"],
                                "birth_name": None, "birth_date": pd.to_datetime(["2012-01-02", "2012-02-01", None, None, "2001-01-01"])},
                               index=pd.Index(["1", "2", "3", "4", "5"], name="legacy_key")),
        "excel-asd": pd.DataFrame({"src_path": "ASD.xlsx", "src_sheet": "laufend", "src_line": [7], "family_name": ["Krause"],
                                   "given_names": ["Ida"], "birth_name": None, "birth_date": pd.to_datetime(["2012-02-01"])},
                                  index=pd.Index(["L:B2"], name="legacy_key")),
    }
    result = IdentityResult(
        persons=[Cluster(b1, (b1, b2)), Cluster(c1, (c1, d1))],
        pairs=[PairDecision(a1, b2, 0.71, Outcome.REVIEW, ("Familienname gleich",)),
               PairDecision(a1, b1, 0.66, Outcome.REVIEW, ("Familienname gleich",)),  # the same two persons: one case
               PairDecision(c1, d1, 0.7, Outcome.REVIEW),  # ended in one person: nothing to decide
               PairDecision(d1, e1, 0.97, Outcome.MATCH, ("Familienname gleich",))])  # sure, but kept apart
    table = review_cases(result, records, (), ["legacy", "excel-asd"])
    assert len(table) == 2
    krause = table[table["a_legacy_key"] == "1"].iloc[0]
    assert (krause["b_source_system"], krause["b_legacy_key"], krause["b_family_name"]) == ("legacy", "2", "Krause")  # never empty
    assert [m["legacy_key"] for m in krause["b_members"]] == ["2", "L:B2"]  # every record of that person
    assert krause["score"] == 0.71 and krause["differs"] == ["birth_date"]
    again = review_cases(result, records, (), ["legacy", "excel-asd"])
    assert again[["a_legacy_key", "b_legacy_key", "pair"]].equals(table[["a_legacy_key", "b_legacy_key", "pair"]])

    wb = Workbook(write_only=True)
    write_review_sheet(wb, table, None)  # in clear: the work list is where names belong
    wb.save(tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")[REVIEW_SHEET]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("Schlüssel A")].value == "1")
    assert "excel-asd ASD.xlsx laufend Zeile 7: Krause, Ida, 01.02.2012" in row[header.index("Alle Datensätze B")].value
    assert row[header.index("Abweichende Felder")].value == "Geburtsdatum"
    assert row[header.index("Geburtsdatum B")].fill.fgColor.rgb.endswith("FFE699")  # marked
    assert row[header.index("Familienname B")].fill.fgColor.rgb in (None, "00000000")
