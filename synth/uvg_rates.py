"""Monthly UVG amounts by age band, as they changed over the years.

Figures follow the published amounts (minimum maintenance minus full
Kindergeld); 2024 and 2025 are the primer's. Until June 2017 there was no
band 12-17 (the claim ended at 12, after at most 72 months); the reform of
July 2017 lifted both limits. In July 2019 the amounts dropped mid-year when
Kindergeld rose.
"""

from __future__ import annotations

import datetime as dt

REFORM_2017 = dt.date(2017, 7, 1)
CAP_MONTHS_BEFORE_REFORM = 72

# (first month valid, (0-5, 6-11, 12-17)) in euros; band 12-17 None = no claim.
_TABLE: tuple[tuple[dt.date, tuple[int, int, int | None]], ...] = (
    (dt.date(2004, 1, 1), (111, 151, None)),
    (dt.date(2008, 1, 1), (125, 168, None)),
    (dt.date(2010, 1, 1), (133, 180, None)),
    (dt.date(2015, 1, 1), (133, 180, None)),
    (dt.date(2015, 7, 1), (144, 192, None)),
    (dt.date(2016, 1, 1), (145, 194, None)),
    (dt.date(2017, 1, 1), (150, 201, None)),
    (dt.date(2017, 7, 1), (150, 201, 268)),
    (dt.date(2018, 1, 1), (154, 205, 273)),
    (dt.date(2019, 1, 1), (160, 212, 282)),
    (dt.date(2019, 7, 1), (150, 202, 272)),
    (dt.date(2020, 1, 1), (165, 220, 293)),
    (dt.date(2021, 1, 1), (174, 232, 309)),
    (dt.date(2022, 1, 1), (177, 236, 314)),
    (dt.date(2023, 1, 1), (187, 252, 338)),
    (dt.date(2024, 1, 1), (230, 301, 395)),
    (dt.date(2025, 1, 1), (227, 299, 394)),
)


def age_band(age: int) -> int:
    """0 for 0-5, 1 for 6-11, 2 for 12 and older."""
    return 0 if age < 6 else 1 if age < 12 else 2


def monthly_cents(month_first_day: dt.date, age: int) -> int | None:
    """UVG amount in cents for a month; None when the age band had no claim then."""
    amounts = _TABLE[0][1]
    for since, row in _TABLE:
        if since <= month_first_day:
            amounts = row
        else:
            break
    euros = amounts[age_band(age)]
    return None if euros is None else euros * 100


def uvg_cents_fast() -> dict[tuple[int, int], int]:
    """(month index, band) -> cents for every month 2004-2025, for the payment loop."""
    table: dict[tuple[int, int], int] = {}
    for year in range(2004, 2027):
        for month in range(1, 13):
            first = dt.date(year, month, 1)
            for band, age in ((0, 3), (1, 8), (2, 14)):
                cents = monthly_cents(first, age)
                # band 12-17 before the reform: adult-band amount still needed for
                # the (defective) claims of 18-year-olds, use the 6-11 amount
                table[(year * 12 + month - 1, band)] = cents if cents is not None else monthly_cents(first, 8) or 0
    return table
