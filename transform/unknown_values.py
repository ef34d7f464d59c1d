"""The values of list fields no rule could code, one row per (field, value), with their best candidates.

Also: the stewards' decisions on them, stored in the project's own synonym
table (one CSV per field beside the project file, ``synonyme/<field>.csv``)
so the next run and the next office start from them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from jhmig.transform.list_sheet import FIELD_LABELS
from jhmig.transform.synonyms import normalize_free_text, read_synonym_rows
from jhmig.transform.synonyms import SynonymTable
from jhmig.unknown_values import COLUMNS, UNKNOWN_RULES, ValueDecision, candidate_text


def unknown_values(findings: pd.DataFrame, tables: dict[str, SynonymTable], labels: dict[str, dict[str, str]]) -> pd.DataFrame:
    """``findings``: a batch's findings; ``tables``: field -> its synonym table; ``labels``: field -> code -> label."""
    rows = findings[findings["rule_id"].isin(UNKNOWN_RULES) & findings["field"].isin(list(tables)) & findings["value"].notna()]
    if not len(rows):
        return pd.DataFrame(columns=list(COLUMNS))
    rows = rows.assign(value=rows["value"].astype(str).str.strip(), sheet=rows["src_sheet"].fillna("").astype(str))
    out = []
    for (field, value), part in rows.groupby(["field", "value"], sort=True):
        places = part.assign(place=part["src_path"].astype(str) + part["sheet"].map(lambda s: f" / {s}" if s else ""))
        where = "; ".join(f"{p} ({n})" for p, n in places["place"].value_counts(sort=False).items())
        candidates = tables[field].suggest(str(value))
        texts = [candidate_text(c.code, labels.get(field, {}).get(c.code), c.score) for c in candidates]
        texts += [""] * (3 - len(texts))
        rule = "mehrdeutig" if (part["rule_id"] == "synonym.ambiguous").any() else "unbekannt"
        out.append({"field_label": FIELD_LABELS.get(str(field), str(field)), "value": value, "count": len(part), "where": where,
                    "rule": rule, "candidate_1": texts[0], "candidate_2": texts[1], "candidate_3": texts[2], "field": field})
    return pd.DataFrame(out, columns=list(COLUMNS))


def merge_unknown(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per (field, value) over every list source: counts added, places joined, the first source's candidates."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    every = pd.concat(frames, ignore_index=True)
    first = every.groupby(["field", "value"], sort=True).first()
    first["count"] = every.groupby(["field", "value"], sort=True)["count"].sum()
    first["where"] = every.groupby(["field", "value"], sort=True)["where"].agg("; ".join)
    return first.reset_index()[list(COLUMNS)]


def project_table(folder: Path, field: str) -> Path:
    return folder / f"{field}.csv"


def store_decisions(folder: Path, decisions: list[ValueDecision]) -> list[Path]:
    """Add the decisions to the project's synonym tables (a later decision on a value replaces the earlier); -> files written."""
    by_field: dict[str, list[ValueDecision]] = {}
    for decision in decisions:
        by_field.setdefault(decision.field, []).append(decision)
    written = []
    for field, part in sorted(by_field.items()):
        path = project_table(folder, field)
        rows: dict[str, dict[str, str]] = {}
        if path.exists():
            with open(path, encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    rows[normalize_free_text(row.get("text") or "")] = {"text": row.get("text") or "", "code": row.get("code") or "",
                                                                       "note": row.get("note") or ""}
        changed = False
        for d in part:
            key = normalize_free_text(d.value)
            note = " ".join(x for x in (f"Entscheidung {d.by}".strip(), d.on, d.origin and f"({d.origin})") if x)
            new = {"text": d.value, "code": d.code, "note": note}
            if rows.get(key, {}).get("code") != d.code:
                rows[key] = new
                changed = True
        if not changed:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["text", "code", "note"])
            writer.writeheader()
            writer.writerows(rows[k] for k in sorted(rows))
        written.append(path)
    return written


def extend_with_project(tables: dict[str, SynonymTable], folder: Path | None, decisions: list[ValueDecision],
                        allowed: dict[str, set[str]]) -> list[ValueDecision]:
    """The project's own tables, then this run's decisions, on top of the shipped ones; -> decisions refused (code unknown)."""
    refused = []
    for field, table in tables.items():
        if folder is not None and project_table(folder, field).exists():
            exact, patterns = read_synonym_rows(project_table(folder, field), allowed.get(field, set()))
            table.extend(exact, project_table(folder, field))
            table.patterns[:0] = patterns
        fitting = {}
        for d in decisions:
            if d.field != field:
                continue
            if d.code in ("-", "?") or d.code in allowed.get(field, set()):
                fitting[d.value] = d.code
            else:
                refused.append(d)
        if fitting:
            table.extend(fitting)
    return refused
