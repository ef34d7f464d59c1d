"""One rule sheet of ``fehlerliste.xlsx``: its frame (openpyxl, write-only) and its columns (pandas).

The headers are the contract of :mod:`jhmig.decisions`; :mod:`jhmig.extract.corrections`
reads the list back: visible columns, the steward's columns (drop-down for the
decision) and hidden technical columns that let the next run find the exact
source cell again. The data rows themselves are rendered by :mod:`.excel_xml`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jhmig.decisions import DECISIONS, HIDDEN_COLUMNS, STEWARD_COLUMNS, VISIBLE_COLUMNS
from jhmig.reports.excel_styles import HEAD_FILL, HEAD_FONT, SEVERITY_DE, STEWARD_FILL
from jhmig.reports.excel_xml import rows_xml
from jhmig.reports.masking import Hider, field_kind
from jhmig.catalog import RuleCatalog

__all__ = ["HEADERS", "body_writer", "write_rule_frame"]

HEADERS = VISIBLE_COLUMNS + STEWARD_COLUMNS + HIDDEN_COLUMNS
_KEYS = [k for _, k in HEADERS]
_WIDTHS = {"rule": 24, "severity": 9, "file": 18, "sheet": 10, "line": 7, "column": 16, "key": 24, "value": 22,
           "message": 60, "fix": 45, "decision": 17, "corrected": 20, "by": 16, "on": 12}
_NUMBER_KEYS = {"line", "src_line"}


def write_rule_frame(ws, n: int) -> None:  # type: ignore[no-untyped-def]
    """Widths, hidden technical columns, frozen header, header row, autofilter and drop-down for ``n`` data rows."""
    steward = {k for _, k in STEWARD_COLUMNS}
    for i, (_, key) in enumerate(HEADERS, start=1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = _WIDTHS.get(key, 12)
        if i > len(VISIBLE_COLUMNS) + len(STEWARD_COLUMNS):
            dim.hidden = True
        if key == "corrected":
            dim.number_format = "@"  # what stewards type stays text (a typed 01662 keeps its zero, a date its format)
        elif key == "on":
            dim.number_format = "DD.MM.YYYY"
    ws.freeze_panes = "A2"
    head = []
    for title, key in HEADERS:
        cell = WriteOnlyCell(ws, title)
        cell.font = HEAD_FONT
        cell.fill = STEWARD_FILL if key in steward else HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        head.append(cell)
    ws.append(head)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{n + 1}"
    if n:
        col = get_column_letter(_KEYS.index("decision") + 1)
        dv = DataValidation(type="list", formula1='"' + ",".join(DECISIONS) + '"', allow_blank=True, showErrorMessage=True,
                            errorTitle="Entscheidung", error="Bitte wählen: " + ", ".join(DECISIONS))
        dv.add(f"{col}2:{col}{n + 1}")
        ws.data_validations.append(dv)


def body_writer(part: pd.DataFrame, left_out: int, catalog: RuleCatalog, run_uid: str,
                hider: Hider | None) -> Callable[[IO[bytes]], None]:
    """Writes the sheet's data rows (and a closing note when rows were left out) into its part."""

    def write(out: IO[bytes]) -> None:
        columns = _columns(part, catalog, run_uid, hider)
        for text in rows_xml([columns[k] for k in _KEYS], first_row=2, numeric=[k in _NUMBER_KEYS for k in _KEYS]):
            out.write(text.encode("utf-8"))
        if left_out:
            note = pd.Series([f"Excel fasst nicht mehr Zeilen: {left_out} weitere Befunde dieser Regel stehen nur in findings.csv."])
            for text in rows_xml([note], first_row=len(part) + 2, numeric=[False]):
                out.write(text.encode("utf-8"))
    return write


def _columns(part: pd.DataFrame, catalog: RuleCatalog, run_uid: str, hider: Hider | None) -> dict[str, pd.Series]:
    """Every column of a rule sheet as a Series (one rule may have 100k rows: no per-row Python)."""
    value, message = part["value"].astype("string"), part["message"].astype("string")
    src_value = part["src_value"].astype("string")
    # "none": the cell behind the finding was not found, so the next run has no value to compare with
    form = pd.Series("", index=part.index, dtype="string").where(part["src_column"].notna(), "none")
    if hider is not None:
        value = hider.values(value, part["field"])
        message = hider.texts(message)
        kinds = part["field"].map(lambda f: field_kind(None if pd.isna(f) else str(f)))
        personal = kinds.notna() & src_value.notna() & (src_value != "")
        if personal.any():
            src_value = src_value.copy()
            src_value[personal] = [hider.redact(str(v), str(k)) for v, k in zip(src_value[personal], kinds[personal])]
            form[personal] = "pseudonym:" + kinds[personal].astype("string")
    keys = part["legacy_key"] if hider is None else hider.keys(part["legacy_key"])  # a key's date may be a birth date
    rule_id = str(part["rule_id"].iloc[0]) if len(part) else ""
    fixes = {e: catalog.get(rule_id, None if pd.isna(e) else str(e)).fix for e in part["entity"].unique()}
    decided = part["status"] != "offen"
    decision = part["status"].map({"akzeptiert": "akzeptieren", "ausgeschlossen": "nicht migrieren", "korrigiert": "korrigieren"})
    corrected = part["corrected"].astype("string") if "corrected" in part else pd.Series(pd.NA, index=part.index, dtype="string")
    if hider is not None and corrected.notna().any():
        # a pseudonymised list cannot carry a personal value back: the decision stays in the older list
        personal_fix = corrected.notna() & part["field"].map(lambda f: field_kind(None if pd.isna(f) else str(f))).notna()
        corrected = hider.values(corrected, part["field"])
        decided = decided & ~personal_fix
    line = part["src_line"].astype("Int64")
    return {
        "rule": part["rule_id"], "severity": part["severity"].map(lambda s: SEVERITY_DE.get(s, s)),
        "file": part["src_path"], "sheet": part["src_sheet"], "line": line,
        "column": part["src_column"].astype("string").fillna(part["field"].astype("string")), "key": keys,
        "value": value, "message": message, "fix": part["entity"].map(fixes),
        "decision": decision.where(decided), "corrected": corrected.where(decided),
        "by": part["by"].where(decided), "on": part["on"].where(decided),
        "source_system": part["source_system"], "entity": part["entity"], "src_path": part["src_path"],
        "src_sheet": part["src_sheet"], "src_line": line, "field": part["field"], "src_column": part["src_column"],
        "legacy_key": keys, "rule_id": part["rule_id"], "finding_value": value, "src_value": src_value,
        "value_form": form, "run_uid": pd.Series(run_uid, index=part.index, dtype="string"),
        "row_key": part["row_key"] if "row_key" in part else pd.Series(pd.NA, index=part.index, dtype="string"),
    }
