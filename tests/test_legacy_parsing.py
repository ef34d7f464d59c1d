"""Parser quirks of the reference legacy export, on hand-written bytes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jhmig.extract import extract_export
from jhmig.layout import load_layout
from jhmig.values import parse_amount_cents, parse_dates, parse_int
from minimal_export import HEADERS, MiniExport, extract_and_map, payment_record, rule_rows


def test_amounts_trailing_minus_thousands_and_euro_sign() -> None:
    s = pd.Series(["1.234,50", "12,00-", "0,5", "5.120,00", "1.250,00 €", "", "ca. 80", "12,5O", "-3,00", "7"], dtype="string")
    cents, bad = parse_amount_cents(s, decimal=",", thousands=".", negative="trailing")
    assert cents.tolist()[:5] == [123450, -1200, 50, 512000, 125000]
    assert pd.isna(cents.iloc[5]) and not bad.iloc[5]  # empty is unknown, not bad
    assert bad.tolist()[6:9] == [True, True, True]  # leading minus is not this layout's sign
    assert cents.iloc[9] == 700


def test_amounts_decimal_point_leading_minus() -> None:
    cents, bad = parse_amount_cents(pd.Series(["-1234.5", "1,234.56", "3"]), decimal=".", thousands=",", negative="leading")
    assert cents.tolist() == [-123450, 123456, 300] and not bad.any()


def test_dates_sentinels_and_impossible_dates() -> None:
    s = pd.Series(["03.05.2009", "00.00.0000", "", "31.12.9999", "31.02.2019", "2019-05-03"], dtype="string")
    parsed = parse_dates(s, "%d.%m.%Y", unknown=("", "00.00.0000"), open_end=("31.12.9999",))
    assert parsed.value.iloc[0] == pd.Timestamp(2009, 5, 3)
    assert parsed.value.iloc[1:5].isna().all()
    assert parsed.open_end.tolist() == [False, False, False, True, False, False]
    assert parsed.bad.tolist() == [False, False, False, False, True, True]


def test_fixed_width_dates_open_end_and_signed_cents() -> None:
    parsed = parse_dates(pd.Series(["20190301", "99991231", "00000000", "20190230"]), "%Y%m%d")
    assert parsed.open_end.tolist() == [False, True, False, False]
    assert parsed.bad.tolist() == [False, False, False, True]
    number, bad = parse_int(pd.Series(["     -4600", "0000012", "12a"]))
    assert number.iloc[:2].tolist() == [-4600, 12] and bad.tolist() == [False, False, True]


def test_cp1252_euro_umlauts_and_multiline_remark(tmp_path: Path) -> None:
    result = extract_and_map(MiniExport().write(tmp_path / "x"))
    cases = result.batch.frames["case_file"].set_index("legacy_key")
    remark = cases.loc["51.3-UV-2019/00001", "remark"]
    assert "Kosten 100 € vorgemerkt" in remark and 'Rückgriff' in remark and '"dringend"' in remark
    assert "\n" in remark and ";" in remark
    # The remark spans two physical lines, so the next record starts on line 4.
    assert cases.loc["51.3-WJH-2020/00002", "src_line"] == 4
    persons = result.batch.frames["person"].set_index("legacy_key")
    assert persons.loc["1", "family_name"] == "Müller" and persons.loc["1", "given_names"] == "Jürgen"
    assert persons.loc["4", "family_name"] == "Weiß"
    assert pd.isna(persons.loc["2", "birth_date"])  # 00.00.0000 = unknown, no finding
    assert rule_rows(result, "value.invalid_date").empty


def test_reference_values_are_mapped(tmp_path: Path) -> None:
    result = extract_and_map(MiniExport().write(tmp_path / "x"))
    frames = result.batch.frames
    persons = frames["person"].set_index("legacy_key")
    assert persons.loc["2", "match_key"] == "berg|anna sophie"  # particle dropped in the match key only
    assert persons.loc["2", "family_name"] == "von Berg"
    addresses = frames["address"].set_index("legacy_key")
    assert addresses.loc["1", "postcode"] == "01662"  # PLZ stays text
    services = frames["service"].set_index("legacy_key")
    assert services.loc["100", "rate_cents"] == 512000 and services.loc["100", "service_type"] == "34"
    assert services.loc["100", "termination_reason"] == "planned"  # EG mapped by its text in SCHLUESSEL.TXT
    assert services.loc["101", "service_type"] == "33"  # retired 065 -> successor
    retired = rule_rows(result, "code.retired")
    assert retired["src_line"].tolist() == [3] and retired["severity"].tolist() == ["warning"]
    claims = frames["uvg_claim"]
    assert pd.isna(claims["end_date"].iloc[0])  # 31.12.9999 = running
    assert bool(claims["recovery_pursued"].iloc[0]) is True
    payments = frames["payment"].set_index("legacy_key")
    assert payments.loc["2", "amount_cents"] == -4600 and payments.loc["2", "payment_type"] == "recovery"
    assert payments.loc["3", "service_key"] == "100" and pd.isna(payments.loc["1", "service_key"])
    assert payments.loc["4", "payee"] == "Pflegefamilie Weiß"


def test_fixed_width_trailer_and_control_totals(tmp_path: Path) -> None:
    export = MiniExport()
    result = extract_and_map(export.write(tmp_path / "x"))
    checks = {(c.file, c.what): c for c in result.checks}
    assert checks[("ZAHLUNGEN.DAT", "trailer_records")].expected == 4
    assert checks[("ZAHLUNGEN.DAT", "trailer_sum_cents")].expected == export.payment_sum
    assert checks[("ZAHLUNGEN.DAT", "sum_cents")].actual == export.payment_sum
    assert not result.failed_checks


def test_missing_trailer_and_short_record_are_reported(tmp_path: Path) -> None:
    export = MiniExport(with_trailer=False)
    folder = export.write(tmp_path / "x")
    data = (folder / "ZAHLUNGEN.DAT").read_bytes().split(b"\r\n")
    data.insert(1, payment_record(9, "51.3-UV-2019/00001", None, "UV", "20190401", "20190401", "20190430", 100, "", "X")[:100].encode())
    (folder / "ZAHLUNGEN.DAT").write_bytes(b"\r\n".join(data))
    result = extract_and_map(folder)
    failed = {(c.file, c.what) for c in result.failed_checks}
    assert ("ZAHLUNGEN.DAT", "trailer_records") in failed  # no trailer: truncated
    assert ("ZAHLUNGEN.DAT", "records") in failed  # one record more than the manifest
    q = result.batch.outcome_frame("quarantined")
    assert q["src_line"].tolist() == [2] and "Satzlänge 100 statt 142" in q["messages"].iloc[0]
    assert len(result.batch.frames["payment"]) == 4


def test_malformed_delimited_record_is_quarantined_not_dropped(tmp_path: Path) -> None:
    export = MiniExport()
    export.rows["BETEILIGTE.TXT"].append("51.3-UV-2019/00001;4;K")  # too few fields
    result = extract_and_map(export.write(tmp_path / "x"))
    q = result.batch.outcome_frame("quarantined")
    assert q["entity"].tolist() == ["participant"] and q["src_line"].tolist() == [6]
    reads = {(r.src_path, r.entity): r.read for r in result.batch.reads}
    assert reads[("BETEILIGTE.TXT", "participant")] == 5


def test_unparseable_values_become_findings_with_line(tmp_path: Path) -> None:
    export = MiniExport()
    export.rows["LEISTUNGEN.TXT"][1] = "101;51.3-WJH-2020/00002;4;065;31.02.2020;14.01.2020;02;;ca. 45;T"
    result = extract_and_map(export.write(tmp_path / "x"))
    dates = rule_rows(result, "value.invalid_date")
    amounts = rule_rows(result, "value.invalid_amount")
    assert dates[["src_path", "src_line", "value"]].values.tolist() == [["LEISTUNGEN.TXT", 3, "31.02.2020"]]
    assert amounts[["src_line", "value", "legacy_key"]].values.tolist() == [[3, "ca. 45", "101"]]


def test_header_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    from jhmig.errors import SourceReadError

    folder = MiniExport().write(tmp_path / "x")
    (folder / "UVG.TXT").write_bytes((HEADERS["UVG.TXT"].replace("MONATSBETRAG", "BETRAG") + "\r\n").encode("cp1252"))
    with pytest.raises(SourceReadError) as info:
        extract_export(folder, load_layout())
    assert "UVG.TXT" in str(info.value) and "MONATSBETRAG" in str(info.value)


def test_duplicate_keys_exact_merged_conflicting_flagged(tmp_path: Path) -> None:
    export = MiniExport()
    export.rows["PERSONEN.TXT"].append(export.rows["PERSONEN.TXT"][0])  # exact repeat of PERS_NR 1
    export.rows["TRAEGER.TXT"].append('7;"Kinderheim St. Josef";2;Klosterweg;1;54290;Trier;')  # same key, other content
    result = extract_and_map(export.write(tmp_path / "x"))
    merged = result.batch.outcome_frame("merged")
    assert merged[["entity", "legacy_key", "src_line"]].values.tolist() == [["person", "1", 6]]
    dup = rule_rows(result, "key.duplicate")
    assert dup[["entity", "legacy_key", "src_line"]].values.tolist() == [["provider", "7", 3]]
