"""The "lists" section of truth.json, read off the sheet plans the files were written from."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from jhmig.synth.lists_model import FilePlan
from jhmig.synth.lists_writer import CSV_DELIMITER, CSV_ENCODING

SKIP_REASONS = {"empty": "empty", "subtotal": "subtotal", "note": "note", "legend": "legend", "legend_sheet": "legend_sheet"}
_ODD_SPACES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " "})


def reported_text(text: str) -> str:
    """A free-text value as a report names it: odd spaces as spaces, ends trimmed."""
    return " ".join(text.translate(_ODD_SPACES).split())


def row_ref(file: str, sheet: str, row: int) -> str:
    return f"{file}:{sheet}:{row}"


def lists_truth(files: list[FilePlan], directory: str) -> dict[str, Any]:
    out_files: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    unmapped: Counter[tuple[str, str]] = Counter()
    unknown: list[dict[str, str]] = []
    seen_at: dict[str, list[str]] = defaultdict(list)
    legacy_of: dict[str, tuple[str, ...]] = {}
    for plan in sorted(files, key=lambda f: f.name):
        sheets: dict[str, Any] = {}
        for sheet in plan.sheets:
            sheets[sheet.name] = {"hidden": sheet.hidden, "header_rows": sheet.header_rows, "rows": len(sheet.body)}
            unknown += [{"file": plan.name, "sheet": sheet.name, "column": c.name} for c in sheet.columns if c.key == "unknown"]
            for row in sheet.body:
                where = {"file": plan.name, "sheet": sheet.name, "row": row.row}
                if row.kind != "data":
                    rows.append({**where, "kind": "skip", "reason": SKIP_REASONS[row.kind]})
                    continue
                assert row.truth is not None and row.identity is not None
                rows.append({**where, "kind": "data", **row.truth})
                if row.truth["free_text_kind"] == "unmapped" and row.truth["free_text"]:
                    field = "service_type" if plan.department == "ASD" else "outcome"
                    unmapped[(field, reported_text(row.truth["free_text"]))] += 1
                seen_at[row.identity].append(row_ref(plan.name, sheet.name, row.row))
                legacy_of[row.identity] = row.legacy_keys
        entry: dict[str, Any] = {"format": plan.kind, "department": plan.department, "sheets": sheets}
        if plan.kind == "csv":
            entry.update({"encoding": CSV_ENCODING, "delimiter": CSV_DELIMITER, "line_ending": "CRLF"})
        out_files[plan.name] = entry
    same_person = [refs + list(legacy_of[identity]) for identity, refs in sorted(seen_at.items())
                   if len(refs) + len(legacy_of[identity]) >= 2]
    return {
        "dir": directory,
        "files": out_files,
        "rows": rows,
        "unmapped_values": [{"field": field, "value": value, "count": count}
                            for (field, value), count in sorted(unmapped.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))],
        "unknown_columns": unknown,
        "same_person": same_person,
    }
