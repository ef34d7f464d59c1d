"""Hand-built person pairs: every variation the matcher must merge, and the pairs it must never merge."""

from __future__ import annotations

import pytest

from jhmig.identity import IdentityResult, Outcome, RecordRef
from jhmig.match import resolve_identities
from match_population import export_batch, list_batch, person

# (case, export record, list record or second export record, must be one person)
PAIRS = [
    ("umlaut ae", person("90001", "Müßig", "Annegret", "2008-03-14"), person("90002", "Muessig", "Annegret", "2008-03-14"), True),
    ("given names swapped in order", person("90011", "Quandt", "Lotta Marie", "2011-06-02"),
     person("90012", "Quandt", "Marie Lotta", "2011-06-02"), True),
    ("partial given names", person("90021", "Rademacher", "Sophie Charlotte", "2012-09-21"),
     person("90022", "Rademacher", "Sophie", "2012-09-21"), True),
    ("family and given name swapped", person("90031", "Uhlig", "Torben", "2007-01-30"), person("90032", "Torben", "Uhlig", "2007-01-30"), True),
    ("married name change", person("90041", "Yilmaz", "Dörte", "1984-11-05", birth_name="Vogelsang", sex="w"),
     person("90042", "Vogelsang", "Dörte", "1984-11-05", sex="w"), True),
    ("day and month swapped", person("90051", "Xylander", "Matteo", "2010-04-07"), person("90052", "Xylander", "Matteo", "2010-07-04"), True),
    ("one-digit typo in the birth date", person("90061", "Zierold", "Frederike", "2009-08-17"),
     person("90062", "Zierold", "Frederike", "2009-08-18"), True),
    ("typo in the family name", person("90071", "Oberländer", "Kilian", "2013-02-11"), person("90072", "Oberlädner", "Kilian", "2013-02-11"), True),
    ("particle", person("90081", "von Wedel", "Henrike", "2006-05-25"), person("90082", "Wedel", "Henrike", "2006-05-25"), True),
    ("twins", person("90091", "Pfeilschifter", "Lukas", "2014-10-10", sex="m"), person("90092", "Pfeilschifter", "Felix", "2014-10-10", sex="m"), False),
    ("father and son of the same name", person("90101", "Brandtner", "Peter", "1972-03-03", sex="m"),
     person("90102", "Brandtner", "Peter", "2004-08-19", sex="m"), False),
    ("mother and daughter of the same name", person("90121", "Wendeborn", "Maria Luise", "1979-02-12", sex="w"),
     person("90122", "Wendeborn", "Maria Luise", "2003-06-30", sex="w"), False),
    ("siblings sharing an Aktenzeichen", person("90111", "Ellerbrock", "Jana", "2009-12-01"),
     person("90112", "Ellerbrock", "Tom", "2012-04-15"), False),
    # a list that swaps the columns puts all given names, in any order, into the family name
    ("family and given names swapped, two given names reordered", person("90131", "Quellmalz", "Leonie Mareile", "2017-01-03"),
     person("90132", "Mareile Leonie", "Quellmalz", "2017-01-03"), True),
    ("family and given name swapped and a typo", person("90141", "Tietbohl", "Kasimir", "2015-11-26"),
     person("90142", "Kasimir", "Tiebtohl", "2015-11-26"), True),
    ("typos in family and given name, same birth date", person("90151", "Rautenstrauch", "Franziska", "2018-04-20"),
     person("90152", "Rautenstruach", "Franzsika", "2018-04-20"), True),
    ("day and month swapped and a typo in the family name", person("90161", "Hövelmann", "Annedore Milka", "1983-11-03"),
     person("90162", "Hövelmnan", "Annedore Milka", "1983-03-11"), True),
    ("twins, the second record with swapped columns", person("90171", "Gottschling", "Paula", "2016-02-29", sex="w"),
     person("90172", "Ida", "Gottschling", "2016-02-29"), False),
]
# father and son of one name at one address, and a third record of that name without a birth date
FATHER_SON_UNDATED = [person("90181", "Wachsmuth", "Gernot", "1979-05-14", sex="m"), person("90182", "Wachsmuth", "Gernot", "2008-10-02", sex="m"),
                      person("90183", "Wachsmuth", "Gernot", None, sex="m")]
# one record without a birth date and with a typo in the given name: too little to merge, found for the steward
UNDATED_TYPO = [person("90191", "Trautwetter", "Annabell", "2012-07-19"), person("90192", "Trautwetter", "Annabekl", None)]
# one child in the export; two caseworkers' lists each misspell the given name in another way (two edits apart)
TWO_TYPOS = [person("90201", "Wolkenhauer", "Maximilian", "2013-09-09"),
             {**person("90202", "Wolkenhauer", "Maximillian", "2013-09-09"), "legacy_key": "L:ASD.xlsx|laufend|90", "src_line": 90},
             {**person("90203", "Wolkenhauer", "Maximlian", "2013-09-09"), "legacy_key": "L:ASD.xlsx|laufend|91", "src_line": 91}]
# family and given name swapped in a list that has no birth date, and a slip in one of the two names
SWAPPED_UNDATED = [(person("90211", "Lindenstruth", "Korbinian", "2011-05-05"), person("90212", "Korbinian", "Lindenstrtuh", None)),
                   (person("90221", "Hagedorn", "Wiebke", "2010-01-17"), person("90222", "Wiekbe", "Hagedorn", None))]
SAME_ADDRESS = {"90041", "90091", "90092", "90101", "90102", "90111", "90112", "90121", "90122", "90171", "90172", "90181", "90182", "90183"}


@pytest.fixture(scope="module")
def result() -> IdentityResult:
    firsts = [p for _, p, _, _ in PAIRS]
    seconds = [q for _, _, q, _ in PAIRS]
    # half of the second records stand in the export under a second PERS_NR, half in a caseworker's list
    in_export = [q for i, q in enumerate(seconds) if i % 2 == 0] + FATHER_SON_UNDATED + UNDATED_TYPO + TWO_TYPOS[:1] + [a for a, _ in SWAPPED_UNDATED]
    in_list = [{**q, "legacy_key": f"L:ASD.xlsx|laufend|{10 + i}", "src_line": 10 + i} for i, q in enumerate(seconds) if i % 2 == 1]
    in_list += TWO_TYPOS[1:]
    in_list += [{**b, "legacy_key": f"L:ASD.xlsx|laufend|{100 + i}", "src_line": 100 + i} for i, (_, b) in enumerate(SWAPPED_UNDATED)]
    addresses = [{"legacy_key": p["legacy_key"], "person_key": p["legacy_key"], "street": "Am Anger", "house_number": "3",
                  "postcode": "01445", "city": "Radebeul"} for p in firsts + in_export if p["legacy_key"] in SAME_ADDRESS]
    cases = [{"legacy_key": "51.2-WJH-2020/00007", "file_number": "51.2-WJH-2020/00007", "department": "WJH", "caseworker": "AB"}]
    participants = [{"legacy_key": f"p{k}", "case_file_key": "51.2-WJH-2020/00007", "person_key": k, "role": "child"} for k in ("90111", "90112")]
    export = export_batch(firsts + in_export, addresses, cases=cases, participants=participants)
    lists = list_batch("excel-asd", "ASD.xlsx", in_list)
    return resolve_identities([export, lists])


def _same(result: IdentityResult, a: RecordRef, b: RecordRef) -> bool:
    return any(a in c.members and b in c.members for c in result.persons)


@pytest.mark.parametrize("case", [c for c, *_ in PAIRS])
def test_hand_built_pair(result: IdentityResult, case: str) -> None:
    index = [c for c, *_ in PAIRS].index(case)
    _, first, second, same = PAIRS[index]
    a = RecordRef("legacy", "person", first["legacy_key"])
    b = (RecordRef("legacy", "person", second["legacy_key"]) if index % 2 == 0
         else RecordRef("excel-asd", "person", f"L:ASD.xlsx|laufend|{10 + index}"))
    assert _same(result, a, b) is same, case


def test_vetoed_pairs_are_reported_with_their_reason(result: IdentityResult) -> None:
    # twins: same family, birth date and address score into the review band; the veto makes them two, and says why
    twin_b = f"L:ASD.xlsx|laufend|{10 + [c for c, *_ in PAIRS].index('twins')}"
    pair = [p for p in result.pairs if {p.left.legacy_key, p.right.legacy_key} == {"90091", twin_b}]
    assert pair and pair[0].outcome == Outcome.NON_MATCH and pair[0].decided_by == "veto"
    assert any("Zwillinge" in r for r in pair[0].reasons)


def test_background_duplicates_are_merged_and_counted_per_source_pair(result: IdentityResult) -> None:
    # the background holds one duplicate per eight persons (as entered, umlaut, typo, transposed letters, day/month)
    merged_background = [c for c in result.persons if any(m.legacy_key.startswith("6") for m in c.members)]
    assert len(merged_background) >= 60
    assert result.counts["person: legacy / legacy"]["match"] >= 60
    assert "person: excel-asd / legacy" in result.counts


def test_merged_members_left_their_frames_with_the_survivor_named_by_key(result: IdentityResult) -> None:
    cluster = next(c for c in result.persons if RecordRef("legacy", "person", "90001") in c.members)
    assert cluster.survivor == RecordRef("legacy", "person", "90001")  # the earlier PERS_NR of the export carries the row
    assert cluster.merged == (RecordRef("legacy", "person", "90002"),)


def test_a_record_without_birth_date_that_fits_father_and_son_goes_to_the_steward(result: IdentityResult) -> None:
    # it could be either of them; a model tie must not pick one: both pairs are review cases, none is merged
    undated = RecordRef("legacy", "person", "90183")
    assert not any(undated in c.members for c in result.persons)
    pairs = [p for p in result.pairs if undated in (p.left, p.right) and {p.left.legacy_key, p.right.legacy_key} & {"90181", "90182"}]
    assert len(pairs) == 2 and all(p.outcome == Outcome.REVIEW for p in pairs)
    assert all(any("zwei Personen" in r for r in p.reasons) for p in pairs)


def test_two_typos_of_one_given_name_bridged_by_a_third_record_go_to_the_steward(result: IdentityResult) -> None:
    # the two list rows look like twins (same birth date, given names two edits apart), but both match the
    # export's child: the pair is a review case with both reasons, and the veto keeps them apart until decided
    a, b = (RecordRef("excel-asd", "person", p["legacy_key"]) for p in TWO_TYPOS[1:])
    pair = [p for p in result.pairs if {p.left, p.right} == {a, b}]
    assert pair and pair[0].outcome == Outcome.REVIEW and pair[0].decided_by == "veto"
    assert any("Zwillinge" in r for r in pair[0].reasons) and any("dritten Datensatz" in r for r in pair[0].reasons)
    assert not _same(result, a, b)
    # the real twins stay a plain non-match: no third record fits both
    twins = [p for p in result.pairs if "90091" in {p.left.legacy_key, p.right.legacy_key} and p.decided_by == "veto"]
    assert twins and all(p.outcome == Outcome.NON_MATCH for p in twins)


def test_gleiche_person_on_a_bridged_twin_pair_merges_all_three() -> None:
    from jhmig.identity import MatchSettings, ReviewDecision

    export = export_batch([PAIRS[0][1], TWO_TYPOS[0]], [])
    lists = list_batch("excel-asd", "ASD.xlsx", TWO_TYPOS[1:])
    a, b = (RecordRef("excel-asd", "person", p["legacy_key"]) for p in TWO_TYPOS[1:])
    decided = resolve_identities([export, lists], MatchSettings(), [ReviewDecision(a, b, True)])
    child = RecordRef("legacy", "person", "90201")
    assert any({a, b, child} <= set(c.members) for c in decided.persons)


def test_a_fixed_m_is_kept_out_of_training_and_needs_its_value(tmp_path) -> None:
    from jhmig.match.config import MatchConfigError, load_match_config
    from jhmig.match.splink_model import comparison_dict

    config = load_match_config("persons")
    levels = [lv for c in config.comparisons for lv in c.levels if lv.fix_m]
    assert levels, "persons.yaml fixes the m of the changed family name"
    family = next(c for c in config.comparisons if any(lv.fix_m for lv in c.levels))
    entries = [e for e in comparison_dict(family)["comparison_levels"] if e.get("fix_m_probability")]
    assert [e["m_probability"] for e in entries] == [lv.m for lv in levels if lv in family.levels]
    broken = tmp_path / "broken.yaml"
    broken.write_text("comparisons:\n  - name: family\n    levels:\n      - {exact: family, fix_m: true}\n", encoding="utf-8")
    with pytest.raises(MatchConfigError, match="fix_m"):
        load_match_config(broken)


def test_no_birth_date_and_a_typo_in_the_given_name_is_found(result: IdentityResult) -> None:
    # no birth date to block on and the given name one slip off: still a candidate pair, at least for review
    pair = [p for p in result.pairs if {p.left.legacy_key, p.right.legacy_key} == {"90191", "90192"}]
    assert pair and pair[0].outcome in (Outcome.MATCH, Outcome.REVIEW)


@pytest.mark.parametrize("index", range(len(SWAPPED_UNDATED)))
def test_swapped_names_with_a_slip_and_no_birth_date_are_found(result: IdentityResult, index: int) -> None:
    # no birth date to block on, and the swapped names are not equal word for word: blocked on one crossed name
    # and the first three letters of the other
    key = f"L:ASD.xlsx|laufend|{100 + index}"
    pair = [p for p in result.pairs if {p.left.legacy_key, p.right.legacy_key} == {SWAPPED_UNDATED[index][0]["legacy_key"], key}]
    assert pair and pair[0].outcome in (Outcome.MATCH, Outcome.REVIEW)


def test_a_level_no_training_pair_reached_is_not_observed_instead_of_nan() -> None:
    """EM's 0/0 for a rare level (mutation tool, seed 3, case 17: 'sex known on both sides' among few pairs) must not
    become 'cast(nan as float8)' in the prediction's SQL (exit 3): the level counts as not observed."""
    from types import SimpleNamespace

    from splink.internals import expectation_maximisation as em
    from splink.internals.constants import LEVEL_NOT_OBSERVED_TEXT

    from jhmig.match.splink_model import ZERO_FLOOR, _tolerate_zero_probabilities

    _tolerate_zero_probabilities()
    level = SimpleNamespace(_fix_m_probability=False, _fix_u_probability=False, comparison_vector_value=1, label_for_charts="sex",
                            _m_warning_sent=True, _u_warning_sent=True, m_probability=0.5, u_probability=0.5)
    em.populate_m_u_from_lookup(set(), level, "gamma_sex", {"gamma_sex": {1: {"m_probability": float("nan"), "u_probability": 0.0}}})
    assert level.m_probability == LEVEL_NOT_OBSERVED_TEXT  # not NaN
    assert level.u_probability == ZERO_FLOOR
