"""The review round trip: review pairs become the work list's sheet (masked), the steward decides, the next
run applies the decisions ("gleiche Person" merges, "verschiedene Personen" keeps apart)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from jhmig.extract.review_decisions import read_review_decisions
from jhmig.identity import DIFFERENT, REVIEW_DECISION, REVIEW_SHEET, SAME, MatchSettings, Outcome, RecordRef
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
    ws.cell(2, decide).value = SAME
    if different is not None:
        ws.cell(3, decide).value = DIFFERENT
    corrections = tmp_path / "corrections"
    corrections.mkdir()
    wb.save(corrections / "fehlerliste.xlsx")

    decisions = read_review_decisions(corrections)
    assert {(d.left, d.right, d.same) for d in decisions} >= {(same.left, same.right, True)}

    again = resolve_identities(_batches(), MatchSettings(), decisions)
    merged = [c for c in again.persons if same.left in c.members and same.right in c.members]
    assert merged, "the steward's 'gleiche Person' merges the pair"
    decided = [p for p in again.pairs if (p.left, p.right) == (same.left, same.right)]
    assert decided and decided[0].decided_by == "steward" and decided[0].outcome == Outcome.MATCH
    if different is not None:
        assert not [c for c in again.persons if different.left in c.members and different.right in c.members]
        assert not [p for p in again.review() if (p.left, p.right) == (different.left, different.right)]


def test_a_decision_on_a_pair_the_model_never_proposed_is_applied() -> None:
    from jhmig.identity import ReviewDecision

    a, b = RecordRef("legacy", "person", "97001"), RecordRef("legacy", "person", "97004")
    result = resolve_identities(_batches(), MatchSettings(), [ReviewDecision(a, b, True)])
    assert [c for c in result.persons if a in c.members and b in c.members]
