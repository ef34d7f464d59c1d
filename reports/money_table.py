"""Money per year and kind: read, loaded, quarantined, merged, skipped and in the target, to the cent.

Every payment row as read gets its outcome by lineage (file, sheet, line). A
line of the table is red when the outcomes do not add up to what was read or
when the target (SQL) holds another sum than was loaded; it then names the
records that make the difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jhmig.records import Batch

LINEAGE = ["src_path", "src_sheet", "src_line"]
OUTCOMES = ("loaded", "quarantined", "merged", "skipped")
CELL = ["year", "payment_type"]
SHOWN_RECORDS = 200  # per line in summary.json and the HTML; the workbook lists all


def payment_outcomes(payments_read: pd.DataFrame, batch: Batch) -> pd.DataFrame:
    """Each payment row read with its outcome: ``year, payment_type, cents, outcome, legacy_key, reason``."""
    parts = []
    loaded = batch.frames.get("payment")
    if loaded is not None and len(loaded):
        parts.append(loaded[["legacy_key", *LINEAGE]].assign(outcome="loaded", reason=""))
    for kind in ("quarantined", "merged", "skipped"):
        frame = batch.outcome_frame(kind)
        if len(frame):
            rows = frame[frame["entity"] == "payment"]
            reason = rows["rule_ids"] if kind == "quarantined" else rows["reason"]
            parts.append(pd.DataFrame({"legacy_key": rows["legacy_key"], **{c: rows[c] for c in LINEAGE}, "outcome": kind,
                                       "reason": reason.astype("string")}))
    fates = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["legacy_key", *LINEAGE, "outcome", "reason"])
    read_ids, fate_ids = _line_ids(payments_read, fates)
    fates = pd.DataFrame({"_line": fate_ids, **{c: fates[c].to_numpy() for c in ("legacy_key", "outcome", "reason")}})
    read = payments_read[["amount_cents", "due_date", "payment_type"]].assign(_line=read_ids)
    out = read.merge(fates.drop_duplicates("_line"), on="_line", how="left")
    return pd.DataFrame({
        "year": pd.to_datetime(out["due_date"]).dt.year.astype("Int64"),
        "payment_type": out["payment_type"].astype("string"),
        "cents": pd.to_numeric(out["amount_cents"]).fillna(0).astype("int64"),
        "outcome": out["outcome"].astype("string").fillna("unaccounted"),
        "legacy_key": out["legacy_key"].astype("string"),
        "reason": out["reason"].astype("string").fillna(""),
    })


def _line_ids(*frames: pd.DataFrame) -> list[np.ndarray]:
    """One number per (file, sheet, line), the same in all frames: two million payments join on it, not on texts."""
    texts = {c: pd.concat([f[c].astype("string").fillna("") for f in frames], ignore_index=True) for c in ("src_path", "src_sheet")}
    paths, _ = pd.factorize(texts["src_path"])
    sheets, sheet_names = pd.factorize(texts["src_sheet"])
    lines = np.concatenate([pd.to_numeric(f["src_line"]).to_numpy(dtype=np.int64) for f in frames])
    ids = ((paths.astype(np.int64) * max(len(sheet_names), 1) + sheets) << 32) | lines
    return np.split(ids, np.cumsum([len(f) for f in frames])[:-1])


def loaded_by_cell(outcomes: pd.DataFrame) -> pd.DataFrame:
    """``year, payment_type, count, cents`` of what is being loaded (compared with the target by SQL)."""
    loaded = outcomes[outcomes["outcome"] == "loaded"]
    return loaded.groupby(CELL, dropna=False)["cents"].agg(["count", "sum"]).rename(columns={"sum": "cents"}).reset_index()


def mismatched_cells(expected: pd.DataFrame, target: pd.DataFrame) -> list[tuple[int | None, str | None]]:
    """The (year, kind) cells whose target sum or count differs from what was loaded."""
    both = _cells(expected).merge(_cells(target), on=CELL, how="outer", suffixes=("_loaded", "_target")).fillna(0)
    bad = both[(both["cents_loaded"] != both["cents_target"]) | (both["count_loaded"] != both["count_target"])]
    return [(None if pd.isna(y) else int(y), None if pd.isna(t) else str(t)) for y, t in zip(bad["year"], bad["payment_type"])]


def _known_year(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(year=pd.array(frame["year"], dtype="Int64").fillna(-1), payment_type=frame["payment_type"].astype("string").fillna(""))


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[[*CELL, "count", "cents"]].copy()
    out["year"] = pd.array(out["year"], dtype="Int64")
    out["payment_type"] = out["payment_type"].astype("string").fillna("")
    return out


def money_table(outcomes: pd.DataFrame, target: pd.DataFrame | None, manifest_cents: int | None,
                target_records: dict[tuple[int | None, str | None], pd.DataFrame] | None = None) -> dict:
    """The table of summary.json: one line per year and kind, totals, and the records of every red line."""
    # The unknown year is -1 while grouping: pandas groups and joins NA keys in a MultiIndex inconsistently
    # (a pivot with NA years gave each unreadable due date twice, and a join whose first year is NA fails).
    frame = _known_year(outcomes)
    sums = frame.groupby([*CELL, "outcome"])["cents"].sum().unstack("outcome", fill_value=0)
    read = frame.groupby(CELL)["cents"].sum().rename("read")
    table = sums.join(read, how="outer").fillna(0).astype("int64").reset_index()
    for kind in (*OUTCOMES, "unaccounted"):
        if kind not in table:
            table[kind] = 0
    if target is not None:
        t = _known_year(_cells(target)).rename(columns={"cents": "target"})[[*CELL, "target"]]
        table = table.merge(t, on=CELL, how="left").fillna({"target": 0}).astype({"target": "int64"})
    others = frame[frame["outcome"] != "loaded"]  # small: only these are listed; loaded rows only for a red target line
    lines = [_line(row, frame, others, target is not None, target_records or {}) for row in table.itertuples(index=False)]
    # every total is there even without a payment (an export of a small office or a partial one)
    kinds = ("read", *OUTCOMES, *(("target",) if target is not None else ()))
    totals: dict[str, int | None] = {k: int(sum(line[k] for line in lines)) for k in kinds}
    totals["manifest"] = manifest_cents
    exact = all(not line["red"] for line in lines) and (manifest_cents is None or manifest_cents == totals.get("read"))
    return {"lines": lines, "totals": totals, "exact": exact, "red_lines": sum(1 for line in lines if line["red"])}


def _in_cell(frame: pd.DataFrame, year: int | None, kind: str | None) -> pd.DataFrame:
    return frame[(frame["year"].fillna(-1) == (-1 if year is None else year)).to_numpy(dtype=bool) & (frame["payment_type"] == (kind or "")).to_numpy(dtype=bool)]


def _line(row, frame: pd.DataFrame, others: pd.DataFrame, with_target: bool, target_records: dict) -> dict:  # type: ignore[no-untyped-def]
    year = None if pd.isna(row.year) or int(row.year) == -1 else int(row.year)
    kind = row.payment_type or None
    line = {"year": year, "payment_type": kind, "read": int(row.read), **{k: int(getattr(row, k)) for k in OUTCOMES}}
    if with_target:
        line["target"] = int(row.target)
    gap = line["read"] - sum(line[k] for k in OUTCOMES)
    off = with_target and line["target"] != line["loaded"]
    line["difference"] = gap
    line["target_difference"] = (line["target"] - line["loaded"]) if with_target else 0
    line["red"] = bool(gap or off)
    in_cell = _in_cell(others, year, kind)
    records = []
    if gap:
        records += [{"key": k, "cents": int(c), "why": "ohne Verbleib"} for k, c in
                    zip(in_cell.loc[in_cell["outcome"] == "unaccounted", "legacy_key"], in_cell.loc[in_cell["outcome"] == "unaccounted", "cents"])]
    if off:
        loaded = _in_cell(frame, year, kind)
        records += _target_differences(loaded[loaded["outcome"] == "loaded"], target_records.get((year, kind)))
    line["records"] = records[:SHOWN_RECORDS]
    line["records_total"] = len(records)
    q = in_cell[in_cell["outcome"] != "loaded"]
    line["not_loaded"] = [{"key": k, "outcome": o, "cents": int(c), "reason": r} for k, o, c, r in
                          zip(q["legacy_key"].head(SHOWN_RECORDS), q["outcome"], q["cents"], q["reason"])]
    return line


def _target_differences(loaded: pd.DataFrame, target: pd.DataFrame | None) -> list[dict]:
    """Records whose amount in the target differs from the amount read (or that are missing on one side)."""
    if target is None:
        return [{"key": None, "cents": None, "why": "Summe im Ziel weicht ab"}]
    both = loaded[["legacy_key", "cents"]].merge(target.astype({"legacy_key": "string"}), on="legacy_key", how="outer",
                                                 suffixes=("_read", "_target"), indicator=True)
    differs = both[(both["_merge"] != "both") | (both["cents_read"] != both["cents_target"])]
    return [{"key": str(k), "cents_read": None if pd.isna(a) else int(a), "cents_target": None if pd.isna(b) else int(b),
             "why": "Betrag im Ziel weicht ab" if m == "both" else ("fehlt im Ziel" if m == "left_only" else "nur im Ziel")}
            for k, a, b, m in zip(differs["legacy_key"], differs["cents_read"], differs["cents_target"], differs["_merge"])]
