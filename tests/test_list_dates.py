"""Dates of list cells with a time of day, year-only dates declared by a mapping, and one grammar for profile and run."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jhmig.extract.cells import cell_text
from jhmig.extract.profile_values import value_kind
from jhmig.list_mapping import DEFAULT_DATE_FORMATS, DATE_TEXT, ValueFormats
from jhmig.transform.list_values import parse_list_dates


def test_an_excel_date_cell_with_a_time_of_day_is_a_date() -> None:
    text = cell_text(dt.datetime(1952, 10, 11, 14, 35, 27))
    assert text == "1952-10-11T14:35:27"
    dates = parse_list_dates(pd.Series([text, "2013-07-09 12:00:00"]), DEFAULT_DATE_FORMATS)
    assert dates.value.tolist() == [pd.Timestamp(1952, 10, 11), pd.Timestamp(2013, 7, 9)] and not dates.bad.any()


@pytest.mark.parametrize("text", ["09.07.2013 12:00:00", "09.07.2013 12:00"])
def test_a_german_date_with_a_time_is_a_default_format(text: str) -> None:
    assert ValueFormats().date_formats == DEFAULT_DATE_FORMATS
    dates = parse_list_dates(pd.Series([text]), ValueFormats().date_formats)
    assert dates.value.iloc[0] == pd.Timestamp(2013, 7, 9) and not dates.bad.iloc[0] and pd.isna(dates.precision.iloc[0])


def test_a_declared_format_without_a_day_is_read_at_its_precision() -> None:
    formats = (*DEFAULT_DATE_FORMATS, "ca. %Y", "Anfang %Y")
    dates = parse_list_dates(pd.Series(["ca. 2008", "Anfang 2015", "ca. 20xx"]), formats)
    assert dates.value.iloc[:2].tolist() == [pd.Timestamp(2008, 1, 1), pd.Timestamp(2015, 1, 1)]
    assert dates.precision.iloc[:2].tolist() == ["year", "year"] and dates.bad.tolist() == [False, False, True]
    without = parse_list_dates(pd.Series(["ca. 2008"]), DEFAULT_DATE_FORMATS)
    assert without.bad.iloc[0]  # not declared: not read


CORPUS = ["03.05.2012", "3.5.12", "2012-05-03", "03/05/2012", "05/2012", "05.2012", "Mai 2012", "mai 2012", "Sept. 2012",
          "1952-10-11T14:35:27", "2013-07-09 12:00:00", "09.07.2013 12:00:00", "09.07.2013 12:00"]


@pytest.mark.parametrize("text", CORPUS)
def test_profile_and_run_agree_on_what_a_date_is(text: str) -> None:
    assert DATE_TEXT.match(text) and value_kind(text) == "date-as-text"
    dates = parse_list_dates(pd.Series([text]), DEFAULT_DATE_FORMATS)
    assert dates.value.notna().iloc[0] and not dates.bad.iloc[0], text


@pytest.mark.parametrize("text", ["12-2012", "31.13.2012x", "2012", "ca. 2008", "Lena"])
def test_what_the_profile_does_not_call_a_date(text: str) -> None:
    assert value_kind(text) != "date-as-text"
