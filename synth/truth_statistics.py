"""The KJH statistics of the export as written, for truth.json (``statistics``).

Recomputed from LEISTUNGEN.TXT with the generator's own knowledge of its
codes (not with the toolkit's code maps): a retired code counts under its
successor, a retired code without one as ``HA:<code>``, a code SCHLUESSEL.TXT
does not list as ``?``. A date that is empty, ``00.00.0000``, ``31.12.9999``
or impossible counts as unknown; an end that is empty, ``00.00.0000`` or
``31.12.9999`` means still running, an impossible one (``31.09.2016``) makes
the service count on 31.12. under ``ende_nicht_lesbar``, not as running under
its §. Exact duplicate
lines count once. Per service type and year: begun, ended, running on 31.12.
(a help ending on 31.12. counts as ended).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from jhmig.synth.codes import HA
from jhmig.synth.layout import LEISTUNGEN
from jhmig.synth.writers import Row

# the legacy service-type codes of the reference layout and their § (as the lists module knows them)
PARAGRAPH = {"010": "28", "020": "29", "030": "30", "040": "31", "050": "32", "060": "33", "070": "34", "080": "35",
             "090": "35a", "100": "41", "110": "42", "111": "42a", "120": "27_2"}


def _date(text: str) -> dt.date | None:
    try:
        day = dt.datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        return None
    return None if day.year == 9999 else day


def unified_type(code: str) -> str:
    known = {c.code: c for c in HA}
    seen = 0
    while code in known and known[code].valid_to and known[code].successor and seen < 5:
        code, seen = known[code].successor or code, seen + 1
    if code in PARAGRAPH:
        return PARAGRAPH[code]
    return f"HA:{code}" if code in known else "?"


def statistics_truth(rows: dict[str, list[Row]], export_year: int) -> dict[str, Any]:
    seen: set[str] = set()
    services = []
    for row in rows[LEISTUNGEN]:
        # one service per LEIST_NR: an exact duplicate line, or a second line with the key
        # and other content (conflicting_key), counts once, as its first occurrence
        if row.values["LEIST_NR"] in seen:
            continue
        seen.add(row.values["LEIST_NR"])
        end_text = row.values["ENDE"].strip()
        lost = end_text not in ("", "00.00.0000", "31.12.9999") and _date(end_text) is None
        services.append((unified_type(row.values["HILFEART"]), _date(row.values["BEGINN"]), _date(row.values["ENDE"]), lost))
    begun_years = [s.year for _, s, _, _ in services if s is not None]
    first = min(begun_years) if begun_years else export_year
    cells: Counter[tuple[str, str, int]] = Counter()
    for kind, start, end, lost in services:
        if start is not None and first <= start.year <= export_year:
            cells[("begun", kind, start.year)] += 1
        if end is not None and first <= end.year <= export_year:
            cells[("ended", kind, end.year)] += 1
        for year in range(first, export_year + 1):
            last_day = dt.date(year, 12, 31)
            if start is not None and start <= last_day and lost:
                cells[("running", "ende_nicht_lesbar", year)] += 1
            elif start is not None and start <= last_day and (end is None or end > last_day):
                cells[("running", kind, year)] += 1
    return {"years": [first, export_year],
            "cells": [{"measure": m, "service_type": k, "year": y, "count": n} for (m, k, y), n in sorted(cells.items())]}
