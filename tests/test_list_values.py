"""Values of caseworkers' lists read as written: rate units, open and partial dates, ambiguous and non-service free text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from jhmig.extract.excel_lists import extract_lists
from jhmig.layout import MAPPINGS_DIR
from jhmig.list_mapping import OPEN_DATE_MARKERS, load_list_mapping
from jhmig.records import ExtractResult
from jhmig.transform import read_unified_code_lists
from jhmig.transform.list_rates import MONTHLY_FACTORS, parse_list_rates, unit_of_text
from jhmig.transform.list_rows import build_list_context, transform_lists
from jhmig.transform.list_values import parse_list_dates
from jhmig.transform.synonyms import read_synonyms

FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d")


@pytest.mark.parametrize(("written", "unit", "cents", "monthly"), [
    ("85 €/Tag", "day", 8500, 258570),
    ("85,00 € tgl.", "day", 8500, 258570),
    ("45,50 € je Std.", "hour", 4550, None),
    ("60 FLS", "hour", 6000, None),
    ("300 € Woche", "week", 30000, 130500),
    ("1.200 € mtl.", "month", 120000, 120000),
    ("12.000 €/Jahr", "year", 1200000, 100000),
    ("pauschal 500 €", "lump_sum", 50000, None),
])
def test_a_unit_written_in_the_value_is_kept_with_a_monthly_equivalent(written: str, unit: str, cents: int,
                                                                      monthly: int | None) -> None:
    rates = parse_list_rates(pd.Series([written]), None, "Kosten", "month")
    assert rates.cents.iloc[0] == cents and rates.unit.iloc[0] == unit and rates.source.iloc[0] == "Wert"
    assert (pd.isna(rates.monthly_cents.iloc[0]) if monthly is None else rates.monthly_cents.iloc[0] == monthly)


def test_a_unit_column_beats_the_header_and_the_header_beats_the_mapping_default() -> None:
    values = pd.Series(["85", "45", "1200", "500", "3", None])
    units = pd.Series(["Tag", "Std.", "Monat", "pauschal", "Kiste", None])
    rates = parse_list_rates(values.iloc[:5], units.iloc[:5], "Tagessatz", "month")
    assert rates.unit.tolist()[:4] == ["day", "hour", "month", "lump_sum"] and pd.isna(rates.unit.iloc[4])
    assert rates.unknown_unit.tolist() == [False, False, False, False, True]
    by_header = parse_list_rates(pd.Series(["85"]), None, "Tagessatz", "month")
    assert by_header.unit.iloc[0] == "day" and by_header.source.iloc[0] == "Spaltenkopf"
    assert by_header.monthly_cents.iloc[0] == round(8500 * MONTHLY_FACTORS["day"])
    default = parse_list_rates(pd.Series(["1.250,00 €"]), None, "Kosten", "month")
    assert default.unit.iloc[0] == "month" and default.source.iloc[0] == "Zuordnung"
    assert parse_list_rates(pd.Series(["1.250,00 €"]), None, "Kosten", None).unit.isna().all()


def test_rate_headers_name_their_unit() -> None:
    assert [unit_of_text(h) for h in ("Tagessatz", "€/Std.", "Kosten mtl.", "Jahreskosten", "Fachleistungsstunde", "Kosten",
                                      "Betrag", "Beitrag")] == ["day", "hour", "month", "year", "hour", None, None, None]


@pytest.mark.parametrize("marker", ["offen", "n.n.", "unbekannt", "?", "-", "N.N.", " offen "])
def test_open_and_unknown_markers_are_no_date_and_no_error(marker: str) -> None:
    d = parse_list_dates(pd.Series([marker]), FORMATS, OPEN_DATE_MARKERS)
    assert d.value.isna().all() and not d.bad.any()
    assert d.open_marker is not None and d.open_marker.all()


def test_month_and_year_only_dates_keep_their_precision() -> None:
    d = parse_list_dates(pd.Series(["Mai 2019", "05/2019", "2019", "03.05.2019", "bald"]), FORMATS)
    assert d.value.tolist()[:4] == [pd.Timestamp(2019, 5, 1), pd.Timestamp(2019, 5, 1), pd.Timestamp(2019, 1, 1), pd.Timestamp(2019, 5, 3)]
    assert d.precision.tolist()[:3] == ["month", "month", "year"] and d.precision.iloc[3:].isna().all()
    assert d.bad.tolist() == [False, False, False, False, True]


def _tables() -> tuple:
    code_lists = read_unified_code_lists()
    services = read_synonyms(MAPPINGS_DIR / "lists" / "synonyms" / "hilfeart.csv",
                             set(code_lists.loc[code_lists["code_list"] == "service_type", "code"]))
    outcomes = read_synonyms(MAPPINGS_DIR / "lists" / "synonyms" / "ausgang.csv",
                             set(code_lists.loc[code_lists["code_list"] == "jgh_outcome", "code"]))
    return services, outcomes


def test_free_text_combinations_ambiguous_values_and_values_that_are_no_service() -> None:
    services, outcomes = _tables()
    assert [services.lookup(t)[0] for t in ("SPFH §31", "sozialpäd. FH", "VZP", "Heim (§34)", "EB §30")] == ["31", "31", "33", "34", "30"]
    assert services.lookup("EB") == (None, "ambiguous:30|28")
    assert services.lookup("SPFH §33") == (None, "ambiguous:33|31")  # word and paragraph disagree: the steward decides
    assert services.lookup("§ 8a") == (None, "none") and services.lookup("Gefährdungseinschätzung") == (None, "none")
    assert services.lookup("s. Akte") == (None, "placeholder")
    assert services.lookup("Sonderhilfe Jugendwerkstatt") == (None, "unmapped")
    assert [outcomes.lookup(t)[0] for t in ("Einstellung §45 JGG", "80 Sozialstunden", "Jugendstrafe 1 Jahr auf Bewährung",
                                             "2 Wochen Dauerarrest", "Geldbuße")] == \
        ["dismissal", "directive", "youth_sentence", "detention", "condition"]
    assert outcomes.lookup("TOA") == (None, "unmapped")


def _asd_list(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2024"
    ws.append(["Fallliste ASD Team Ost - Stand 14.03.2025"])
    ws.append([])
    ws.append(["Az.", "Name, Vorname", "geb.", "Hilfeart", "Träger", "Beginn", "Ende", "Tagessatz"])
    ws.append(["A-1", "Müller, Lena", dt.datetime(2012, 5, 3), "EB", "Jugendhilfe Elbtal", "Mai 2024", "offen", "85"])
    ws.append(["A-2", "Weber, Paul", dt.datetime(2011, 1, 2), "EB", "Erziehungsberatungsstelle Caritas", "2023", None, "90 €/Tag"])
    ws.append(["A-3", "Koch, Mia", dt.datetime(2013, 2, 3), "§ 8a", None, dt.datetime(2024, 6, 1), dt.datetime(2024, 7, 1), None])
    ws.append(["A-4", "Braun, Ben", dt.datetime(2014, 3, 4), "s. Akte", "AWO", dt.datetime(2024, 1, 1), "?", "45 €/Std."])
    ws.append(["A-5", None, dt.datetime(2015, 4, 5), "SPFH", "AWO", dt.datetime(2024, 2, 1), None, None])  # no name
    wb.save(path)


@pytest.fixture()
def asd(tmp_path: Path) -> ExtractResult:
    _asd_list(tmp_path / "ASD_Ost.xlsx")
    mapping = load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml")
    result = extract_lists(tmp_path, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    return result


def _rules(result: ExtractResult, line: int) -> dict[str, str]:
    f = result.batch.findings.frame()
    part = f[f["src_line"] == line]
    return dict(zip(part["rule_id"], part["severity"], strict=False))


def test_list_rows_keep_units_precision_and_send_ambiguous_text_to_the_steward(asd: ExtractResult) -> None:
    services = asd.batch.frames["service"].set_index("src_line")
    assert services.loc[4, "rate_unit"] == "day" and services.loc[4, "rate_monthly_cents"] == 258570
    assert services.loc[7, "rate_unit"] == "hour" and pd.isna(services.loc[7, "rate_monthly_cents"])
    assert services.loc[4, "date_precision"] == "start_date=month" and services.loc[5, "date_precision"] == "start_date=year"
    assert pd.isna(services.loc[4, "end_date"]) and _rules(asd, 4)["value.date_open"] == "info"
    assert "value.invalid_date" not in _rules(asd, 4) and "value.invalid_date" not in _rules(asd, 7)
    assert _rules(asd, 4)["synonym.ambiguous"] == "error" and pd.isna(services.loc[4, "service_type"])
    assert services.loc[5, "service_type"] == "28" and _rules(asd, 5)["synonym.ambiguous_decided"] == "info"
    assert 6 not in services.index and _rules(asd, 6)["synonym.not_a_value"] == "info"  # § 8a: the case, no service
    assert 6 in set(asd.batch.frames["case_file"]["src_line"])
    assert _rules(asd, 7)["synonym.placeholder"] == "warning" and pd.isna(services.loc[7, "service_type"])
    f = asd.batch.findings.frame()
    ambiguous = f[f["rule_id"] == "synonym.ambiguous"]["message"].iloc[0]
    assert "30 (Erziehungsbeistand/Betreuungshelfer) oder 28 (Erziehungsberatung)" in ambiguous


def test_fundstelle_names_the_sheet_row_letter_and_the_sheets_own_header(asd: ExtractResult) -> None:
    f = asd.batch.findings.frame()
    message = f[(f["rule_id"] == "synonym.ambiguous")]["message"].iloc[0]
    assert message.endswith("(ASD_Ost.xlsx, Blatt 2024, Zeile 4, Spalte D „Hilfeart“)")
    open_end = f[(f["rule_id"] == "value.date_open") & (f["src_line"] == 4)]["message"].iloc[0]
    assert "Zeile 4, Spalte G „Ende“" in open_end


def test_an_end_date_on_or_before_the_lists_date_closes_the_case(asd: ExtractResult) -> None:
    cases = asd.batch.frames["case_file"].set_index("src_line")
    assert cases.loc[6, "status"] == "closed"
    assert cases.loc[6, "closed_by"] == "Ende 01.07.2024 nicht nach Stand 14.03.2025 (Titelzeile 1)"
    assert cases.loc[4, "status"] == "active" and pd.isna(cases.loc[4, "closed_by"])


def test_the_reports_fundstelle_of_a_list_cell_has_letter_and_header(asd: ExtractResult) -> None:
    from jhmig.reports.html_report import location
    from jhmig.transform.source_index import SourceIndex, source_cells

    findings = asd.batch.findings.frame()
    cells = source_cells(findings, SourceIndex(asd, None))
    ambiguous = findings.index[findings["rule_id"] == "synonym.ambiguous"][0]
    assert cells.at[ambiguous, "src_column"] == "D „Hilfeart“" and cells.at[ambiguous, "src_value"] == "EB"
    where = location("ASD_Ost.xlsx", "2024", 4, cells.at[ambiguous, "src_column"])
    assert where == "ASD_Ost.xlsx, Blatt 2024, Zeile 4, Spalte D „Hilfeart“"
    named = findings[findings["field"] == "family_name"]  # row 8 has no name, which stands in "Name, Vorname" (column B)
    assert named["rule_id"].tolist() == ["list.no_name"] and named["src_line"].tolist() == [8]
    assert len(named) and all(cells.at[i, "src_column"] == "B „Name, Vorname“" for i in named.index)


def test_list_money_says_what_was_written_and_what_is_a_monthly_equivalent(asd: ExtractResult) -> None:
    from jhmig.transform.list_rates import rate_totals

    totals = rate_totals(asd.batch.frames["service"])
    assert totals["as_written"] == {"day": {"count": 2, "cents": 17500}, "hour": {"count": 1, "cents": 4500}}
    assert totals["monthly_equivalent_cents"] == 258570 + 273780 and totals["without_monthly_equivalent"] == 1
