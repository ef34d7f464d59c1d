"""KJH statistics and controlling figures from the source records (pandas).

The KJH-Statistik counts, per Hilfeart and year, the services **begun**,
**ended** and **running on 31 December** (§ 101 SGB VIII reports a help when
it ends, or on 31.12. while it runs: a help ending on 31.12. counts as ended,
not as running). Retired codes count under the successor they were loaded
as; a code kept as historical (``HA:095``) or unknown (``?``) has a cell of
its own, so nothing silently disappears. A service whose end date could not
be read (``31.09.2016``) is neither ended nor running: it counts as begun,
and on 31.12. of each year since its start in a row of its own
(:data:`END_UNREADABLE`, "Ende nicht lesbar"), never as running under its §.

The same cells are computed from the target with SQL
(:mod:`jhmig.load.statistics_sql`); :func:`compare_statistics` puts both side
by side and explains every difference by the records of the source that did
not reach the target (quarantined, merged, skipped), with their keys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

MEASURES = ("begun", "ended", "running")
MEASURE_DE = {"begun": "begonnen", "ended": "beendet", "running": "laufend am 31.12."}
UNKNOWN_TYPE = "?"
CELL = ["measure", "service_type", "year"]
STATIONARY = frozenset({"33", "34"})  # § 35a counts when paid per day (a stationary placement)
HZE = frozenset({"27_2", "28", "29", "30", "31", "32", "33", "34", "35", "35a", "41"})
PROTECTIVE = frozenset({"42", "42a"})
SERVICE_COLUMNS = ["legacy_key", "service_type", "start_date", "end_date", "termination_reason", "rate_unit"]
END_UNREADABLE = "ende_nicht_lesbar"  # the row of services whose end date was unreadable (running on 31.12. unknown)
END_UNREADABLE_LABEL = "Ende nicht lesbar (nicht als laufend gezählt)"


@dataclass(frozen=True)
class YearRange:
    first: int
    last: int

    def years(self) -> list[int]:
        return list(range(self.first, self.last + 1))


def year_range(services: pd.DataFrame, as_of: dt.date | None, first: int | None = None) -> YearRange:
    """From the first year a service began (or ``first``) to the export year."""
    last = as_of.year if as_of else int(pd.to_datetime(services["start_date"]).dt.year.max() or dt.date.today().year)
    begun = pd.to_datetime(services["start_date"]).dt.year.dropna()
    start = first if first is not None else (int(begun.min()) if len(begun) else last)
    return YearRange(min(start, last), last)


def service_snapshot(frame: pd.DataFrame | None, unreadable_end: set[str] | frozenset[str] = frozenset()) -> pd.DataFrame:
    """The columns the statistics need, copied right after transform (before anything is quarantined).

    ``unreadable_end``: keys of services whose end date was delivered but could not be read (column ``end_unreadable``).
    """
    if frame is None:
        return pd.DataFrame(columns=[*SERVICE_COLUMNS, "end_unreadable"])
    out = frame.reindex(columns=SERVICE_COLUMNS).copy()
    out["end_unreadable"] = out["legacy_key"].astype("string").isin(set(unreadable_end)).fillna(False).to_numpy(dtype=bool)
    return out


def unreadable(services: pd.DataFrame) -> np.ndarray:
    """Per service: its end date was delivered but not readable (no such column: none)."""
    if "end_unreadable" not in services:
        return np.zeros(len(services), dtype=bool)
    return services["end_unreadable"].fillna(False).to_numpy(dtype=bool)


def kjh_cells(services: pd.DataFrame, years: YearRange) -> pd.DataFrame:
    """Long frame ``measure, service_type, year, count`` (cells with count 0 left out)."""
    members = cell_members(services, years)
    if not len(members):
        return pd.DataFrame(columns=[*CELL, "count"])
    return members.groupby(CELL).size().rename("count").reset_index()


def cell_members(services: pd.DataFrame, years: YearRange) -> pd.DataFrame:
    """Which record counts in which cell: ``measure, service_type, year, legacy_key`` (for the explanations)."""
    kind = services["service_type"].astype("string").fillna(UNKNOWN_TYPE)
    keys = services["legacy_key"].astype("string")
    start, end = pd.to_datetime(services["start_date"]), pd.to_datetime(services["end_date"])
    lost_end = unreadable(services)
    parts = []
    for measure, when in (("begun", start), ("ended", end)):
        year = when.dt.year
        keep = year.isin(set(years.years())).fillna(False).to_numpy(dtype=bool)
        parts.append(pd.DataFrame({"measure": measure, "service_type": kind[keep].to_numpy(), "year": year[keep].astype("int64").to_numpy(),
                                   "legacy_key": keys[keep].to_numpy()}))
    for year in years.years():
        last_day = pd.Timestamp(year, 12, 31)
        begun = (start <= last_day).fillna(False).to_numpy(dtype=bool)
        # an unreadable end is no open end: whether the help still ran on 31.12. is unknown
        running = begun & (end.isna() | (end > last_day)).fillna(False).to_numpy(dtype=bool) & ~lost_end
        parts.append(pd.DataFrame({"measure": "running", "service_type": kind[running].to_numpy(), "year": year,
                                   "legacy_key": keys[running].to_numpy()}))
        unknown = begun & lost_end
        if unknown.any():
            parts.append(pd.DataFrame({"measure": "running", "service_type": END_UNREADABLE, "year": year,
                                       "legacy_key": keys[unknown].to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def compare_statistics(source: pd.DataFrame, target: pd.DataFrame, members: pd.DataFrame, not_loaded: pd.DataFrame) -> pd.DataFrame:
    """Source and target cells side by side, each difference explained by the records that cause it.

    ``not_loaded``: ``legacy_key, outcome, reason`` of the source's services that are
    not in the target. A cell is *explained* when source − target equals the number of
    its records that were not loaded.
    """
    table = source.rename(columns={"count": "source"}).merge(target.rename(columns={"count": "target"}), on=CELL, how="outer")
    table[["source", "target"]] = table[["source", "target"]].fillna(0).astype("int64")
    table["difference"] = table["source"] - table["target"]
    missing = members.merge(not_loaded, on="legacy_key", how="inner")
    grouped = missing.groupby(CELL, sort=False)
    records = grouped.apply(lambda g: [{"key": str(k), "outcome": str(o), "reason": str(r)}
                                       for k, o, r in zip(g["legacy_key"], g["outcome"], g["reason"])], include_groups=False)
    explained = table.set_index(CELL).index.map(lambda cell: records.get(cell, []))
    table["records"] = list(explained)
    table["explained"] = [d == len(r) for d, r in zip(table["difference"], table["records"])]
    table["equal"] = table["difference"] == 0
    return table.sort_values(["service_type", "year", "measure"], key=_natural).reset_index(drop=True)


def _natural(column: pd.Series) -> pd.Series:
    if column.name != "service_type":
        return column
    return column.map(lambda code: (0, int(code.split("_")[0].rstrip("a")), code) if code[:1].isdigit() else (1, 0, code))


def not_loaded_services(source: pd.DataFrame, loaded_keys: pd.Series, outcomes: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``legacy_key, outcome, reason`` of the source's services that did not reach the target.

    ``outcomes``: quarantined / merged / skipped frames of the batch (reason: rule ids or text).
    """
    keys = source["legacy_key"].astype("string").dropna()
    missing = keys[~keys.isin(set(loaded_keys.astype("string").dropna()))].drop_duplicates()
    parts = []
    for outcome, frame in outcomes.items():
        if len(frame):
            rows = frame[frame["entity"] == "service"]
            reason = rows["rule_ids"] if "rule_ids" in rows else rows.get("reason", pd.Series("", index=rows.index))
            parts.append(pd.DataFrame({"legacy_key": rows["legacy_key"].astype("string"), "outcome": outcome, "reason": reason.astype("string")}))
    known = pd.concat(parts, ignore_index=True).drop_duplicates("legacy_key") if parts else pd.DataFrame(columns=["legacy_key", "outcome", "reason"])
    out = pd.DataFrame({"legacy_key": missing.to_numpy()}).merge(known, on="legacy_key", how="left")
    return out.fillna({"outcome": "not_loaded", "reason": ""})


def statistics_summary(table: pd.DataFrame) -> dict:
    """Headline figures: cells, equal, explained (for summary.json and the quality gate)."""
    cells = int(len(table))
    equal = int(table["equal"].sum()) if cells else 0
    explained = int((table["equal"] | table["explained"]).sum()) if cells else 0
    return {"cells": cells, "equal": equal, "explained": explained,
            "equal_share": round(equal / cells, 4) if cells else 1.0, "explained_share": round(explained / cells, 4) if cells else 1.0,
            "unexplained": [{"measure": r.measure, "service_type": r.service_type, "year": int(r.year), "source": int(r.source),
                             "target": int(r.target)} for r in table[~(table["equal"] | table["explained"])].itertuples()] if cells else []}


def stationary_mask(services: pd.DataFrame) -> np.ndarray:
    kind = services["service_type"].astype("string")
    return (kind.isin(STATIONARY) | ((kind == "35a") & (services["rate_unit"].astype("string") == "day"))).fillna(False).to_numpy(dtype=bool)


def controlling(services: pd.DataFrame, years: YearRange, costs: pd.DataFrame | None = None) -> dict:
    """Share of stationary services (running on 31.12.), cost per Hilfeart and year, Rückführungsquote.

    ``costs``: ``service_type, year, cents`` (HzE payments by their service's type and year due).
    """
    kind = services["service_type"].astype("string")
    start, end = pd.to_datetime(services["start_date"]), pd.to_datetime(services["end_date"])
    stationary = stationary_mask(services) & ~unreadable(services)
    hze = kind.isin(HZE).fillna(False).to_numpy(dtype=bool) & ~unreadable(services)
    shares, returns = [], []
    for year in years.years():
        last_day = pd.Timestamp(year, 12, 31)
        running = ((start <= last_day) & (end.isna() | (end > last_day))).fillna(False).to_numpy(dtype=bool)
        n = int((running & hze).sum())
        s = int((running & hze & stationary).sum())
        shares.append({"year": year, "hze_running": n, "stationary_running": s, "share": round(s / n, 4) if n else None})
        ended = (end.dt.year == year).fillna(False).to_numpy(dtype=bool) & stationary
        back = ended & (services["termination_reason"].astype("string") == "return_to_family").fillna(False).to_numpy(dtype=bool)
        returns.append({"year": year, "stationary_ended": int(ended.sum()), "returned": int(back.sum()),
                        "quota": round(int(back.sum()) / int(ended.sum()), 4) if ended.sum() else None})
    cost_rows = [] if costs is None or not len(costs) else [
        {"service_type": str(r.service_type), "year": int(r.year), "cents": int(r.cents)} for r in costs.itertuples()]
    return {"stationary_share": shares, "rueckfuehrungsquote": returns, "cost_by_type_year": cost_rows}


def payment_costs(payments: pd.DataFrame, services: pd.DataFrame, years: YearRange) -> pd.DataFrame:
    """HzE payment cents per service type and year due: ``service_type, year, cents``."""
    if payments is None or not len(payments) or "service_key" not in payments:
        return pd.DataFrame(columns=["service_type", "year", "cents"])
    types = services.drop_duplicates("legacy_key").set_index("legacy_key")["service_type"]
    bound = payments[payments["service_key"].notna()]
    year = pd.to_datetime(bound["due_date"]).dt.year
    frame = pd.DataFrame({"service_key": bound["service_key"].to_numpy(), "year": year.to_numpy(),
                          "cents": bound["amount_cents"].to_numpy()})
    frame = frame[frame["year"].isin(years.years())]
    # summed per service first: two million payments fall into a few ten thousand services
    per_service = frame.groupby(["service_key", "year"])["cents"].sum().reset_index()
    per_service["service_type"] = per_service["service_key"].map(types).astype("string").fillna(UNKNOWN_TYPE)
    out = per_service.groupby(["service_type", "year"])["cents"].sum().reset_index()
    out["year"] = out["year"].astype("int64")
    out["cents"] = out["cents"].astype("int64")
    return out
