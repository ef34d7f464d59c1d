"""Domain rules: for each rule a record that breaks it and one that just does not.

Frames are built by hand with :func:`jhmig.validation.frames.entity_frame`
(the transform stage's frame contract); one test runs the whole chain on the
hand-written MiniExport. No great-expectations here (see test_expectations.py).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from jhmig.extract import extract_export
from jhmig.layout import load_layout
from jhmig.quarantine import quarantine_flagged, quarantine_unresolved
from jhmig.records import Batch
from jhmig.transform import build_context, read_unified_code_lists, transform_extract
from jhmig.validation import validate
from jhmig.stage_rules import STAGE_RULES
from jhmig.validation.catalog import rule_catalog
from jhmig.validation.frames import age_on, entity_frame
from jhmig.validation.model import RuleContext
from jhmig.validation.rules import RULES, run_rules
from jhmig.validation.rules_values import MOJIBAKE, iban_checksum_ok
from minimal_export import MiniExport, payment_record

REPO = Path(__file__).resolve().parents[1]
CODE_LISTS = read_unified_code_lists()


def findings(rule_id: str, frames: dict[str, pd.DataFrame], as_of: dt.date | None = None) -> pd.DataFrame:
    rules = tuple(r for r in RULES if r.rule_id == rule_id)
    assert rules, rule_id
    return run_rules(RuleContext(frames, CODE_LISTS, as_of), "test", rules)


def lines(rule_id: str, frames: dict[str, pd.DataFrame], as_of: dt.date | None = None) -> list[int]:
    return sorted(findings(rule_id, frames, as_of)["src_line"].astype(int).tolist())


def persons(*births: tuple[str, str | None]) -> pd.DataFrame:
    return entity_frame("person", [{"legacy_key": k, "birth_date": b} for k, b in births])


def services(*rows: dict) -> pd.DataFrame:
    base = {"case_file_key": "A1", "person_key": "P1", "service_type": "34", "start_date": "2020-01-01", "end_date": None}
    return entity_frame("service", [{**base, "legacy_key": f"S{i}", **row} for i, row in enumerate(rows, start=1)])


# -- helpers ------------------------------------------------------------------------------------


def test_age_follows_bgb_including_29_february() -> None:
    birth = pd.Series(pd.to_datetime(["2000-02-29"] * 3 + ["2005-06-10"] * 2))
    day = pd.Series(pd.to_datetime(["2018-02-28", "2018-03-01", "2017-03-01", "2023-06-09", "2023-06-10"]))
    assert age_on(birth, day).tolist() == [17, 18, 17, 17, 18]


def test_entity_frame_follows_the_contract() -> None:
    frame = services({"rate_cents": 512000})
    assert str(frame["start_date"].dtype).startswith("datetime64") and str(frame["rate_cents"].dtype) == "Int64"
    assert frame["src_line"].tolist() == [2] and frame["src_path"].tolist() == ["SERVICE.TXT"]


# -- dates -----------------------------------------------------------------------------------------

PERIODS = [(r.entity, *r.needs) for r in RULES if r.rule_id == "date.end_before_start"]


@pytest.mark.parametrize(("entity", "start", "end"), PERIODS)
def test_end_before_start_for_every_dated_entity(entity: str, start: str, end: str) -> None:
    frame = entity_frame(entity, [
        {"legacy_key": "bad", start: "2020-05-02", end: "2020-05-01"},  # ends one day before it starts
        {"legacy_key": "ok", start: "2020-05-02", end: "2020-05-02"},  # a one-day period
        {"legacy_key": "open", start: "2020-05-02", end: None},
    ])
    found = findings("date.end_before_start", {entity: frame})
    assert found["src_line"].tolist() == [2] and found["severity"].tolist() == ["error"]
    assert found["field"].tolist() == [end] and "01.05.2020" in found["message"].iloc[0]


def test_service_and_claim_before_birth() -> None:
    frames = {
        "person": persons(("P1", "2010-08-15")),
        "service": services({"start_date": "2010-08-14"}, {"start_date": "2010-08-15"}),
        "uvg_claim": entity_frame("uvg_claim", [
            {"legacy_key": "C1", "child_person_key": "P1", "start_date": "2010-08-14"},
            {"legacy_key": "C2", "child_person_key": "P1", "start_date": "2010-08-15"},
            {"legacy_key": "C3", "child_person_key": "P9", "start_date": "2000-01-01"},  # unknown person: not this rule's job
        ]),
    }
    found = findings("date.before_birth", frames)
    assert found[["entity", "src_line"]].values.tolist() == [["service", 2], ["uvg_claim", 2]]
    assert "15.08.2010" in found["message"].iloc[0]


def test_hearing_not_before_the_offence() -> None:
    frame = entity_frame("jgh_proceeding", [
        {"legacy_key": "J1", "case_file_key": "A", "person_key": "P1", "offence_date": "2020-05-02", "hearing_date": "2020-05-01"},
        {"legacy_key": "J2", "case_file_key": "A", "person_key": "P1", "offence_date": "2020-05-02", "hearing_date": "2020-05-02"},
    ])
    assert lines("date.hearing_before_offence", {"jgh_proceeding": frame}) == [2]


# -- ages ----------------------------------------------------------------------------------------------


def test_hze_needs_a_minor_at_start() -> None:
    frames = {
        "person": persons(("P1", "2002-05-23")),
        "service": services(
            {"service_type": "34", "start_date": "2020-05-23"},  # exactly 18: adult
            {"service_type": "34", "start_date": "2020-05-22"},  # one day short of 18
            {"service_type": "35a", "start_date": "2021-01-01"},
            {"service_type": "41", "start_date": "2021-01-01"},  # § 41 is not HzE for minors
            {"service_type": "42", "start_date": "2021-01-01"},  # Inobhutnahme has no age rule here
        ),
    }
    assert lines("age.hze_adult_at_start", frames) == [2, 4]
    assert "18 Jahre" in findings("age.hze_adult_at_start", frames)["message"].iloc[0]


def test_sec41_starts_at_18() -> None:
    frames = {"person": persons(("P1", "2002-05-23")),
              "service": services({"service_type": "41", "start_date": "2020-05-22"}, {"service_type": "41", "start_date": "2020-05-23"})}
    assert lines("age.sec41_minor_at_start", frames) == [2]


def test_sec41_from_21_only_as_continuation_and_never_from_27() -> None:
    birth = "1999-03-10"
    frames = {"person": persons(*((f"P{n}", birth) for n in range(1, 7))),
              "service": services(
                  {"person_key": "P1", "service_type": "41", "start_date": "2020-03-10"},  # 21st birthday, nothing before
                  {"person_key": "P2", "service_type": "41", "start_date": "2020-03-09"},  # one day short of 21
                  {"person_key": "P3", "service_type": "41", "start_date": "2019-01-01", "end_date": "2020-03-09"},
                  {"person_key": "P3", "service_type": "41", "start_date": "2020-03-10"},  # continues the help before
                  {"person_key": "P4", "service_type": "34", "start_date": "2015-01-01", "end_date": "2020-03-08"},
                  {"person_key": "P4", "service_type": "41", "start_date": "2020-03-10"},  # a day's gap: no continuation
                  {"person_key": "P5", "service_type": "41", "start_date": "2026-03-10"},  # 27th birthday
                  {"person_key": "P6", "service_type": "41", "start_date": "2026-03-09"},  # 26, nothing before: warning only
              )}
    over_20 = findings("age.sec41_over_20_at_start", frames)
    assert over_20["src_line"].tolist() == [2, 7, 9] and set(over_20["severity"]) == {"warning"}
    assert lines("age.sec41_over_26_at_start", frames) == [8]


def test_uvg_child_under_18_at_start_and_claim_ends_before_18th_birthday() -> None:
    frames = {
        "person": persons(("K1", "2006-07-01")),
        "uvg_claim": entity_frame("uvg_claim", [
            {"legacy_key": "C1", "child_person_key": "K1", "start_date": "2024-07-01"},  # starts on the 18th birthday
            {"legacy_key": "C2", "child_person_key": "K1", "start_date": "2024-06-30", "end_date": "2024-06-30"},
            {"legacy_key": "C3", "child_person_key": "K1", "start_date": "2020-01-01", "end_date": "2024-06-30"},  # day before: right
            {"legacy_key": "C4", "child_person_key": "K1", "start_date": "2020-01-01", "end_date": "2024-07-01"},  # runs into the birthday
            {"legacy_key": "C5", "child_person_key": "K1", "start_date": "2020-01-01", "end_date": None},  # open
        ]),
    }
    assert lines("age.uvg_adult_at_start", frames) == [2]
    assert lines("age.uvg_past_18", frames) == [5]  # without an export date an open claim is not judged
    assert lines("age.uvg_past_18", frames, as_of=dt.date(2024, 7, 1)) == [5, 6]
    assert lines("age.uvg_past_18", frames, as_of=dt.date(2024, 6, 30)) == [5]


def test_beistandschaft_ends_at_majority() -> None:
    frames = {
        "person": persons(("K1", "2000-04-15"), ("M1", "1975-01-01")),
        "case_file": entity_frame("case_file", [
            {"legacy_key": "BS-1", "department": "BS", "closed_on": "2018-04-16"},  # a day after the 18th birthday
            {"legacy_key": "BS-2", "department": "BS", "closed_on": "2018-04-15"},  # on the birthday: right
            {"legacy_key": "BS-3", "department": "BS", "closed_on": None},
            {"legacy_key": "UV-1", "department": "UV", "closed_on": "2020-01-01"},  # other departments: no rule
        ]),
        "participant": entity_frame("participant", [
            {"legacy_key": f"p{n}", "case_file_key": case, "person_key": person, "role": role}
            for n, (case, person, role) in enumerate([("BS-1", "K1", "child"), ("BS-2", "K1", "child"), ("BS-3", "K1", "child"),
                                                      ("UV-1", "K1", "child"), ("BS-2", "M1", "mother")])
        ]),
    }
    assert lines("age.beistandschaft_past_18", frames) == [2]
    assert lines("age.beistandschaft_past_18", frames, as_of=dt.date(2018, 4, 15)) == [2]
    assert lines("age.beistandschaft_past_18", frames, as_of=dt.date(2018, 4, 16)) == [2, 4]


def test_jgh_age_at_offence_when_the_lists_are_mapped() -> None:
    proceedings = entity_frame("jgh_proceeding", [
        {"legacy_key": f"J{n}", "person_key": "P1", "offence_date": day}
        for n, day in enumerate(["2014-06-30", "2014-07-01", "2021-06-30", "2021-07-01"])
    ])
    frames = {"person": persons(("P1", "2000-07-01")), "jgh_proceeding": proceedings}
    assert lines("age.jgh_offence", frames) == [2, 5]  # 13 the day before the 14th birthday; 21 on the 21st
    assert findings("age.jgh_offence", {"person": frames["person"]}).empty  # no JGH frame yet: skipped


# -- periods of several records --------------------------------------------------------------------------


def payments(*rows: dict) -> pd.DataFrame:
    base = {"case_file_key": "A1", "payment_type": "hze", "amount_cents": 10000}
    return entity_frame("payment", [{**base, "legacy_key": str(i), **row} for i, row in enumerate(rows, start=1)],
                        src_path="ZAHLUNGEN.DAT")


def test_payment_inside_its_service() -> None:
    frames = {
        "service": services({"start_date": "2020-01-15", "end_date": "2020-03-31"}, {"start_date": "2021-01-01"}),
        "payment": payments(
            {"service_key": "S1", "period_from": "2020-03-01", "period_to": "2020-04-01"},  # one day past the end
            {"service_key": "S1", "period_from": "2020-03-01", "period_to": "2020-03-31"},
            {"service_key": "S1", "period_from": "2020-01-14", "period_to": "2020-01-31"},  # one day before the start
            {"service_key": "S1", "period_from": "2020-01-15", "period_to": "2020-01-31"},
            {"service_key": "S2", "period_from": "2030-01-01", "period_to": "2030-01-31"},  # running service
            {"service_key": "S1", "payment_type": "reversal", "period_from": "2019-01-01", "period_to": "2019-01-31"},
            {"service_key": "S9", "period_from": "2019-01-01", "period_to": "2019-01-31"},  # dangling: ref.missing's job
        ),
    }
    found = findings("payment.outside_service", frames)
    assert found["src_line"].tolist() == [2, 4] and found["value"].tolist() == ["S1", "S1"]


def test_uvg_payment_inside_a_claim_of_its_case() -> None:
    frames = {
        "uvg_claim": entity_frame("uvg_claim", [
            {"legacy_key": "C1", "case_file_key": "UV1", "child_person_key": "K1", "start_date": "2019-01-01", "end_date": "2019-06-30"},
            {"legacy_key": "C2", "case_file_key": "UV1", "child_person_key": "K1", "start_date": "2020-01-01", "end_date": None},
        ]),
        "payment": payments(*({"case_file_key": case, "payment_type": "uvg", "period_from": a, "period_to": b} for case, a, b in [
            ("UV1", "2019-06-01", "2019-06-30"),  # inside the first claim
            ("UV1", "2019-07-01", "2019-07-31"),  # the month after it ended
            ("UV1", "2024-05-01", "2024-05-31"),  # inside the open second claim
            ("UV2", "2019-07-01", "2019-07-31"),  # case without a claim: nothing to compare with
        ])),
    }
    found = findings("payment.outside_claim", frames)
    assert found["src_line"].tolist() == [3] and "01.01.2019 - 30.06.2019, 01.01.2020 - offen" in found["message"].iloc[0]


def test_overlapping_services_of_one_child() -> None:
    frames = {"service": services(
        {"person_key": "P1", "service_type": "31", "start_date": "2020-01-01", "end_date": "2020-06-30"},
        {"person_key": "P1", "service_type": "31", "start_date": "2020-06-30", "end_date": "2020-12-31"},  # starts the day the first ends
        {"person_key": "P1", "service_type": "31", "start_date": "2021-01-01", "end_date": "2021-03-31"},  # starts the day after
        {"person_key": "P1", "service_type": "30", "start_date": "2020-02-01"},  # another service type
        {"person_key": "P2", "service_type": "31", "start_date": "2020-02-01", "end_date": "2020-03-01"},  # another child
        {"person_key": "P3", "service_type": "34", "start_date": "2019-01-01"},  # running ...
        {"person_key": "P3", "service_type": "34", "start_date": "2024-01-01", "end_date": "2024-02-01"},  # ... so this overlaps
    )}
    found = findings("service.overlapping", frames)
    assert found["src_line"].tolist() == [3, 8] and found["value"].tolist() == ["S1", "S6"]


def placement_frames(claim_end: str, *, with_payments: bool = True, service_type: str = "34") -> dict[str, pd.DataFrame]:
    frames = {
        "service": services({"person_key": "K1", "service_type": service_type, "start_date": "2021-03-15", "end_date": "2021-12-31"}),
        "uvg_claim": entity_frame("uvg_claim", [{"legacy_key": "UV1|K1|01.01.2021", "case_file_key": "UV1", "child_person_key": "K1",
                                                 "start_date": "2021-01-01", "end_date": claim_end, "monthly_amount_cents": 23000}]),
    }
    if with_payments:
        months = pd.date_range("2021-01-01", "2021-06-01", freq="MS")
        frames["payment"] = payments(*({"case_file_key": "UV1", "payment_type": "uvg", "amount_cents": 23000,
                                        "period_from": m.date().isoformat(), "period_to": (m + pd.offsets.MonthEnd()).date().isoformat()}
                                       for m in months))
    return frames


def test_uvg_claim_ending_the_day_before_the_placement_is_fine() -> None:
    assert findings("uvg.overlaps_placement", placement_frames("2021-03-14")).empty


def test_uvg_claim_overlapping_a_placement_by_one_day_is_an_overpayment() -> None:
    found = findings("uvg.overlaps_placement", placement_frames("2021-03-15"))
    assert found["src_line"].tolist() == [2] and found["severity"].tolist() == ["warning"]
    message = found["message"].iloc[0]
    assert "UVG-Anspruch UV1|K1|01.01.2021" in message and "Leistung S1" in message
    assert "Monate: 1" in message and "230,00 €" in message  # the March payment touches the placement
    assert found["value"].iloc[0] == "UVG UV1|K1|01.01.2021 / Leistung S1"


def test_uvg_overpayment_sums_the_payments_of_the_overlap_else_estimates() -> None:
    paid = findings("uvg.overlaps_placement", placement_frames("2021-06-30"))["message"].iloc[0]
    assert "Monate: 4" in paid and "920,00 € in 4 UV-Zahlungen" in paid  # March .. June
    estimated = findings("uvg.overlaps_placement", placement_frames("2021-06-30", with_payments=False))["message"].iloc[0]
    assert "920,00 € geschätzt" in estimated
    assert findings("uvg.overlaps_placement", placement_frames("2021-06-30", service_type="31")).empty  # SPFH: child at home


# -- single values -------------------------------------------------------------------------------------


def test_iban_check_digits() -> None:
    assert iban_checksum_ok("DE89370400440532013000") and not iban_checksum_ok("DE89370400440532013001")
    frame = entity_frame("provider", [{"legacy_key": str(n), "iban": iban} for n, iban in
                                      enumerate(["DE89370400440532013000", "DE89370400440532013001", "DE8937", None])])
    assert lines("iban.checksum", {"provider": frame}) == [3]  # a malformed IBAN is gx.*.iban_shape's finding


def test_iban_shape_of_the_rule_and_the_expectation_agree() -> None:
    from jhmig.validation.expectations import load_expectations
    from jhmig.validation.rules_values import IBAN_SHAPE

    declared = {s.kwargs["regex"] for s in load_expectations() if s.rule_id.endswith(".iban_shape")}
    assert declared == {f"^(?:{IBAN_SHAPE.pattern})$"}


def test_plz_with_four_digits() -> None:
    address = entity_frame("address", [{"legacy_key": "1", "person_key": "1", "postcode": p} for p in ["1445", "01445", "544", None]])
    provider = entity_frame("provider", [{"legacy_key": "7", "postcode": "1067"}])
    found = findings("address.plz_4_digits", {"address": address, "provider": provider})
    assert found[["entity", "src_line"]].values.tolist() == [["address", 2], ["provider", 2]]
    assert "01445" in found["message"].iloc[0]


MOJIBAKE_BAD = ["PoststraÃŸe", "MÃ¼ller", "BÃ¤cker", "Ã–zdemir", "Paragraph Â§ 34", "K„sterstr.", "Sch”nberg", "Groáenhainer Straáe",
                "Weiá", "šberlingen", "™lweg", "Ren‚", "Stra\ufffde", "M\x81ller"]
MOJIBAKE_GOOD = ["Müller", "Großenhainer Straße", "Sánchez", "Balázs", "„Zitat“ im Text", "Živković", "Škoda", "Ärztehaus",
                 "Dvořák", "Östertal", "Übelacker", "Brand™ Straße", "Smith”, Jones", "Café", "Ménière"]


@pytest.mark.parametrize("text", MOJIBAKE_BAD)
def test_mojibake_is_found(text: str) -> None:
    assert MOJIBAKE.search(text), text


@pytest.mark.parametrize("text", MOJIBAKE_GOOD)
def test_correct_text_is_no_mojibake(text: str) -> None:
    assert not MOJIBAKE.search(text), text


def test_mojibake_findings_name_the_field_and_are_errors() -> None:
    frames = {"person": entity_frame("person", [{"legacy_key": "1", "family_name": "MÃ¼ller"}, {"legacy_key": "2", "family_name": "Müller"}]),
              "address": entity_frame("address", [{"legacy_key": "1", "person_key": "1", "street": "K„sterstr."}])}
    found = findings("text.mojibake", frames)
    assert found[["entity", "field", "src_line", "severity"]].values.tolist() == [
        ["person", "family_name", 2, "error"], ["address", "street", 2, "error"]]
    assert '"Ã¼"' in found["message"].iloc[0]


# -- probable duplicates -------------------------------------------------------------------------------


def named_persons(*rows: tuple[str, str, str, str | None, str]) -> pd.DataFrame:
    """(key, family, given, birth date, sex) -> a person frame with its name keys, as transform builds it."""
    from jhmig.transform.names import person_keys

    frame = entity_frame("person", [{"legacy_key": k, "family_name": f, "given_names": g, "birth_date": b, "sex": s}
                                    for k, f, g, b, s in rows])
    frame["match_key"], frame["phonetic_key"] = person_keys(frame["family_name"], frame["given_names"])
    return frame


def test_person_entered_twice_is_flagged_on_the_later_record() -> None:
    frame = named_persons(
        ("1", "Müller", "Jana", "2010-03-05", "w"), ("2", "Mueller", "Jana", "2010-03-05", "w"),  # umlaut spelling
        ("3", "Schmidt", "Paul", "2011-04-07", "m"), ("4", "Schmidt", "Paul", "2011-07-04", "m"),  # day and month swapped
        ("5", "Zimmermann", "Lea", "2012-01-01", "w"), ("6", "Zimermann", "Lea", "2012-01-01", "w"),  # typo
        ("7", "Kaya", "Elif", "2013-02-02", "w"), ("8", "Kaya", "Elif", None, "w"),  # birth date missing
        ("9", "Weiß", "Charlotte", "2010-04-28", "w"), ("10", "Weßi", "Charlotte", "2010-04-28", "w"),  # letters transposed
    )
    found = findings("person.possible_duplicate", {"person": frame})
    assert found["legacy_key"].tolist() == ["2", "4", "6", "8", "10"]
    assert found["severity"].unique().tolist() == ["warning"]
    assert "Schlüssel 3 (Zeile 4)" in found["message"].iloc[1] and "vertauscht" in found["message"].iloc[1]


def test_look_alike_persons_that_are_not_one_are_not_flagged() -> None:
    frame = named_persons(
        ("1", "Weber", "Max", "2015-06-01", "m"), ("2", "Weber", "Moritz", "2015-06-01", "m"),  # twins
        ("3", "Meier", "Anna", "2010-01-01", "w"), ("4", "Meier", "Anna", "2011-06-15", "w"),  # same name, other birthday
        ("5", "Schulz", "Kim", "2012-02-02", "m"), ("6", "Schulz", "Kim", "2012-02-02", "w"),  # other sex
        ("7", "Schmidt", "Paul", "2011-05-05", "m"), ("8", "Schmidt", "Paul", "2011-05-05", "m"),  # same key twice: key.duplicate's
    )
    frame.loc[frame["legacy_key"] == "8", "legacy_key"] = "7"
    # a common name without birth date: too many candidates to point at one
    common = named_persons(*[(f"c{i}", "Müller", "Anna", f"200{i}-01-01", "w") for i in range(4)], ("c9", "Müller", "Anna", None, "w"))
    assert lines("person.possible_duplicate", {"person": frame}) == []
    assert lines("person.possible_duplicate", {"person": common}) == []


def test_provider_spelled_twice_in_one_town_is_flagged() -> None:
    from jhmig.validation.rules_duplicates import provider_words

    frame = entity_frame("provider", [
        {"legacy_key": "1", "name": "Kinderheim St. Josef", "postcode": "54290", "city": "Trier"},
        {"legacy_key": "2", "name": "St.Josef Kinderheim e.V.", "postcode": "54290", "city": "Trier"},
        {"legacy_key": "3", "name": "AWO KV Gießen", "postcode": "35390", "city": "Gießen"},
        {"legacy_key": "4", "name": "Arbeiterwohlfahrt Kreisverband Gießen e. V.", "postcode": "35390", "city": "Gießen"},
        {"legacy_key": "5", "name": "Kita Sonnenschein", "postcode": "01445", "city": "Radebeul"},
        {"legacy_key": "6", "name": "KINDERTAGESSTÄTTE SONNENSCHEIN gGmbH", "postcode": "1445", "city": "Radebeul"},  # PLZ lost its 0
        {"legacy_key": "7", "name": "Kita Sonnenschein", "postcode": "54290", "city": "Trier"},  # another town: another Kita
        {"legacy_key": "8", "name": "Stadt Radebeul Kita Elbtal", "postcode": "01445", "city": "Radebeul"},
        {"legacy_key": "9", "name": "Stadt Radebeul Kita Lindenhof", "postcode": "01445", "city": "Radebeul"},
    ])
    assert provider_words("St.Josef Kinderheim e.V.") == "sankt josef kinderheim"
    found = findings("provider.possible_duplicate", {"provider": frame})
    assert found["legacy_key"].tolist() == ["2", "4", "6"]
    assert "Schlüssel 1" in found["message"].iloc[0]


# -- values the target's columns cannot hold (read off the schema) --------------------------------


def test_value_longer_than_its_column_is_found_one_shorter_is_not() -> None:
    from jhmig.schema import Base

    width = Base.metadata.tables["person"].columns["family_name"].type.length
    frame = entity_frame("person", [{"legacy_key": "1", "family_name": "M" * (width + 1)},
                                    {"legacy_key": "2", "family_name": "M" * width}])
    found = findings("value.too_long", {"person": frame})
    assert found[["field", "src_line", "severity"]].values.tolist() == [["family_name", 2, "error"]]
    assert f"{width + 1} Zeichen" in found["message"].iloc[0] and str(width) in found["message"].iloc[0]


def test_legacy_key_longer_than_the_key_map_column_is_found() -> None:
    from jhmig.schema import Base

    width = Base.metadata.tables["mig_key_map"].columns["legacy_key"].type.length
    frame = entity_frame("provider", [{"legacy_key": "9" * (width + 1)}, {"legacy_key": "9" * width}])
    assert findings("value.too_long", {"provider": frame})[["field", "src_line"]].values.tolist() == [["legacy_key", 2]]


@pytest.mark.parametrize("bad", ["We\x00iß", "Mül\x07ler", "A\x1bB"])
def test_control_character_is_found_escaped(bad: str) -> None:
    frame = entity_frame("person", [{"legacy_key": "1", "family_name": bad}, {"legacy_key": "2", "family_name": "Weiß"}])
    found = findings("value.control_character", {"person": frame})
    assert found["src_line"].tolist() == [2]
    assert f"U+{ord(next(c for c in bad if ord(c) < 32)):04X}" in found["message"].iloc[0]
    assert not any(ord(c) < 32 for c in found["value"].iloc[0])  # shown escaped, never the byte itself


def test_line_breaks_and_tabs_in_a_remark_are_no_control_characters() -> None:
    frame = entity_frame("case_file", [{"legacy_key": "A", "remark": "Zeile 1\r\nZeile 2\tEnde"}])
    assert findings("value.control_character", {"case_file": frame}).empty


# -- registry, catalog, docs ---------------------------------------------------------------------------


def test_registry_is_well_formed() -> None:
    from jhmig.entities import entity_specs

    ids = {(r.rule_id, r.entity, r.field) for r in RULES}
    assert len(ids) == len(RULES)
    for rule in RULES:
        assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+", rule.rule_id) and rule.title and rule.fix
        spec = entity_specs().get(rule.entity)
        assert spec is not None and set(rule.needs) | {rule.field} <= set(spec.frame_columns), rule


def test_every_rule_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    untested = sorted({r.rule_id for r in RULES if f'"{r.rule_id}"' not in source})
    assert not untested, f"write a breaking and a just-not-breaking record for {untested}"


def test_docs_rules_md_is_generated_from_the_registry() -> None:
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == rule_catalog().markdown(), \
        "regenerate: python -m jhmig.validation.catalog > docs/rules.md"


def test_catalog_lists_every_rule_id_the_other_stages_emit() -> None:
    sources = "".join(p.read_text(encoding="utf-8") for folder in ("extract", "transform", "match") for p in (REPO / folder).glob("*.py"))
    sources += "".join(p.read_text(encoding="utf-8") for p in (REPO / "core").glob("*.py") if p.name not in ("stage_rules.py", "schema.py"))
    emitted = set(re.findall(r"\"((?:value|code|key|ref|extract|encoding|manifest|correction|list|person|synonym|match)\.[a-z_]+)\"", sources))
    documented = {r.rule_id for r in STAGE_RULES}
    assert emitted <= documented, f"add {sorted(emitted - documented)} to STAGE_RULES in core/stage_rules.py, regenerate docs/rules.md"
    assert documented <= emitted, f"{sorted(documented - emitted)} are emitted nowhere any more: remove them from STAGE_RULES"


def test_catalog_gives_every_finding_a_fix() -> None:
    catalog = rule_catalog()
    frame = catalog.frame()
    assert frame["rule_id"].is_unique is False  # one id, several entities
    assert frame[["title", "fix", "severity"]].ne("").all().all()
    found = pd.DataFrame({"rule_id": ["uvg.overlaps_placement", "code.unknown"], "entity": ["uvg_claim", "service"]})
    assert catalog.with_fixes(found)["fix"].str.len().gt(10).all()
    # a rule id made at run time (one per GX expectation type) still gets its stage's text, never a bare id
    assert catalog.get("gx.expect_something_new", "person").title == "Spaltenprüfung"


def test_importing_validation_does_not_import_great_expectations() -> None:
    import subprocess

    code = "import sys, jhmig.validation; sys.exit('great_expectations' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# -- end to end on the hand-written export -----------------------------------------------------------------


def test_mini_export_through_extract_transform_validation_and_quarantine(tmp_path: Path) -> None:
    export = MiniExport()
    # Person 3 (born 14.07.2012) has a UVG claim from 01.03.2019 (open); place her in a Heim from 01.06.2020.
    export.rows["AKTEN.TXT"].append("51.3-WJH-2020/00003;WJH;A;01.06.2020;;AB;")
    export.rows["LEISTUNGEN.TXT"].append("102;51.3-WJH-2020/00003;3;070;01.06.2020;31.12.9999;;7;4.800,00;M")
    for n, month in ((5, "06"), (6, "07")):
        export.payments.append((n, "51.3-UV-2019/00001", None, "UV", f"2020{month}01", f"2020{month}01", f"2020{month}30",
                                23000, "DE89370400440532013000", "Anna Sophie von Berg"))
    export.rows["PERSONEN.TXT"][3] = "4;WeiÃŸ;Paul;;28.02.2011;1;;Gartenstraße;7;1067;Dresden;;;05.06.2013;"
    assert payment_record(*export.payments[-1])  # well-formed fixed-width record
    layout = load_layout()
    result = extract_export(export.write(tmp_path / "export"), layout)
    transform_extract(result, build_context(layout, result, CODE_LISTS))
    batch: Batch = result.batch

    validation = validate(batch, CODE_LISTS, expectations=False, as_of=dt.date(2024, 3, 15))
    assert validation.expectations is None and validation.seconds["rules"] > 0
    got = {(r.rule_id, r.entity, r.src_path, r.src_line) for r in validation.findings.itertuples()}
    assert got == {
        ("uvg.overlaps_placement", "uvg_claim", "UVG.TXT", 2),
        ("text.mojibake", "person", "PERSONEN.TXT", 5),
        ("address.plz_4_digits", "address", "PERSONEN.TXT", 5),
    }
    overlap = validation.findings.set_index("rule_id").loc["uvg.overlaps_placement", "message"]
    assert "Leistung 102" in overlap and "460,00 € in 2 UV-Zahlungen" in overlap

    # The pipeline's next steps: errors to the quarantine, then the references that dangle.
    batch.findings.add_frame(validation.findings)
    assert quarantine_flagged(batch, batch.findings.frame()) == 1  # person 4 (mojibake)
    quarantine_unresolved(batch)
    q = batch.outcome_frame("quarantined").set_index(["entity", "legacy_key"])
    assert "text.mojibake" in q.loc[("person", "4"), "rule_ids"]
    assert q.loc[("address", "4"), "rule_ids"] == "ref.depends_on_quarantined"
    assert "ref.depends_on_quarantined" in q.loc[("service", "100"), "rule_ids"]
