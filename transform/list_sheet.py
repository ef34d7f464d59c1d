"""One sheet of a list, mapped: the shared helpers (columns, findings with their Fundstelle, dates) and the case file.

Every finding of a list row names where a steward finds the cell: file,
sheet, row, the column letter and the header text as the sheet writes it
(``ASD_Team_Nord.xlsx, Blatt 2023, Zeile 17, Spalte F „Beginn“``), not the
unified field name.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from jhmig.list_mapping import ListMapping
from jhmig.records import Batch, RawTable, Severity, rows_to_findings
from jhmig.transform.list_values import ListDates, parse_list_dates
from jhmig.values import clean

FIELD_LABELS = {
    "birth_date": "Geburtsdatum", "start_date": "Beginn", "end_date": "Ende", "rate": "Kosten", "service_type": "Hilfeart",
    "offence_date": "Tatzeit", "hearing_date": "Termin", "outcome": "Ausgang", "known_to_asd": "ASD bekannt",
    "name_full": "Name", "family_name": "Name", "rate_unit": "Einheit",
}
# month- and year-only dates are stored as the 1st of the period; the precision column says so
MONTH_ONLY = "nur Monat und Jahr angegeben: gespeichert als Monatserster, Genauigkeit „Monat“ in date_precision"
YEAR_ONLY = "nur das Jahr angegeben: gespeichert als 1. Januar, Genauigkeit „Jahr“ in date_precision"
OPEN_DATE = "kein Datum angegeben (offen/unbekannt): als leer übernommen"


@dataclass
class SheetRows:
    """The rows of one sheet with what every mapping step needs."""

    table: RawTable
    mapping: ListMapping
    batch: Batch
    headers: dict[str, str]  # field -> the sheet's own header text
    raw: pd.DataFrame = field(init=False)
    base: pd.DataFrame = field(init=False)
    _dates: dict[str, ListDates] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.raw = self.table.frame.reset_index(drop=True)
        self.base = pd.DataFrame({"src_path": self.table.src_path, "src_sheet": self.table.src_sheet,
                                  "src_line": self.raw["src_line"].astype("int64")})

    def col(self, name: str) -> pd.Series:
        values = self.raw[name] if name in self.raw else pd.Series([pd.NA] * len(self.raw), dtype="string")
        rule = self.mapping.fields.get(name)  # type: ignore[call-overload]
        if rule is not None and rule.default is not None:
            values = clean(values).fillna(rule.default)
        return values

    def has(self, name: str) -> bool:
        rule = self.mapping.fields.get(name)  # type: ignore[call-overload]
        return name in self.raw or (rule is not None and rule.default is not None)

    def where(self, field_name: str) -> pd.Series:
        """The Fundstelle of each row's cell of ``field_name``."""
        table = self.table
        letter = table.column_letters.get(field_name)
        header = self.headers.get(field_name) or FIELD_LABELS.get(field_name, field_name)
        column = f"Spalte {letter} „{header}“" if letter else f"Spalte „{header}“"
        sheet = f", Blatt {table.src_sheet}" if table.src_sheet else ""
        return (f" ({table.src_path}{sheet}, Zeile " + self.base["src_line"].astype(str) + f", {column})").astype("string")

    def report(self, entity: str, mask: pd.Series, rule: str, severity: Severity, message: str | pd.Series, field_name: str,
               keys: pd.Series, value: pd.Series | None = None, column: str | None = None) -> None:
        """Findings for the rows of ``mask``; ``column``: the list field whose cell it is, when not ``field_name``."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        rows = self.base.loc[mask].assign(legacy_key=keys[mask])
        msg = (message[mask] if isinstance(message, pd.Series) else pd.Series(message, index=rows.index, dtype="string"))
        msg = msg.astype("string") + self.where(column or field_name)[mask]
        shown = (value if value is not None else self.col(column or field_name))[mask]
        self.batch.findings.add_frame(rows_to_findings(rows, rule_id=rule, severity=severity, message=msg,
                                                       source_system=self.batch.source_system, entity=entity,
                                                       field=field_name, value=shown))

    def dates(self, name: str) -> ListDates:
        if name not in self._dates:
            formats = self.mapping.formats
            self._dates[name] = parse_list_dates(self.col(name), formats.date_formats, formats.open_dates)
        return self._dates[name]

    def report_dates(self, entity: str, names: tuple[str, ...], keys: pd.Series, keep: pd.Series | None = None) -> pd.Series:
        """Findings for unreadable, open and partial dates; returns the precision column ("start_date=month; ...")."""
        keep = keep if keep is not None else pd.Series(True, index=self.raw.index)
        precision = pd.Series("", index=self.raw.index, dtype="string")
        for name in names:
            dates = self.dates(name)
            label = FIELD_LABELS.get(name, name)
            self.report(entity, keep & dates.bad, "value.invalid_date", Severity.ERROR, f"{label} nicht lesbar", name, keys)
            if dates.open_marker is not None:
                self.report(entity, keep & dates.open_marker, "value.date_open", Severity.INFO, OPEN_DATE, name, keys)
            self.report(entity, keep & dates.month_only, "value.date_month_only", Severity.INFO, MONTH_ONLY, name, keys)
            if dates.year_only is not None:
                self.report(entity, keep & dates.year_only, "value.date_year_only", Severity.INFO, YEAR_ONLY, name, keys)
            partial = dates.precision
            part = (name + "=" + partial).where(partial.notna(), "")
            precision = (precision + "; " + part).where(part != "", precision)
        precision = precision.str.strip("; ")
        return precision.mask(precision == "").astype("string")


def case_files(rows: SheetRows, person_key: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """The case file of every row, with its status and the rule that decided it."""
    m = rows.mapping
    file_number = clean(rows.col("file_number"))
    case_key = file_number.fillna("P:" + person_key + "|" + m.department).astype("string")
    closed = rows.raw["_closed"].astype(bool) if "_closed" in rows.raw else pd.Series(False, index=rows.raw.index)
    reason = rows.col("_closed_reason").astype("string")
    starts, ends = rows.dates("start_date"), rows.dates("end_date")
    if m.closed.end_date_before_as_of and rows.has("end_date"):
        as_of, source = _as_of(rows)
        by_end = ~closed & ends.value.notna() & (ends.value <= as_of)
        text = "Ende " + ends.value.dt.strftime("%d.%m.%Y") + " nicht nach Stand " + as_of.dt.strftime("%d.%m.%Y") + " (" + source + ")"
        reason = reason.where(~by_end, text.astype("string"))
        closed = closed | by_end
    case = rows.base.assign(legacy_key=case_key, file_number=file_number, department=m.department, _state_order=_state_order(rows),
                            _state_service=_state_service(rows),
                            status=closed.map({True: "closed", False: "active"}).astype("string"),
                            opened_on=starts.value, closed_on=ends.value.where(closed),
                            # the tool's own reason (file names in it) fits its column; what the list says is never cut:
                            # a caseworker longer than the column is value.too_long, as on the export path
                            closed_by=reason.where(closed).str.slice(0, column_length("case_file", "closed_by")),
                            caseworker=clean(rows.col("caseworker")), remark=clean(rows.col("remark")))
    return case, case_key


def _state_order(rows: SheetRows) -> pd.Series:
    """How late a row's state is, for a case on several sheets or lists: the list's as-of date (empty when unknown) and the
    year its sheet is named after ("2024", "bis 2021"), as "as_of|year"."""
    as_of = rows.col("_as_of").astype("string").fillna("")
    years = re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", rows.table.src_sheet or "")
    year = years[-1] if years else ""
    return (as_of + "|" + year).astype("string")


def _state_service(rows: SheetRows) -> pd.Series:
    """Which help of the case a row is about, across sheets: its start (the same help written on each year's sheet)."""
    start = rows.dates("start_date").value.dt.strftime("%Y-%m-%d")
    return start.fillna(rows.table.src_path + "|" + rows.table.src_sheet + "|" + rows.base["src_line"].astype(str)).astype("string")


def column_length(entity: str, column: str) -> int | None:
    """The length of a target column's ``String(n)``, read off the schema (None: unbounded)."""
    from jhmig.schema import Base

    return getattr(Base.metadata.tables[entity].columns[column].type, "length", None)


def _as_of(rows: SheetRows) -> tuple[pd.Series, pd.Series]:
    """The sheet's as-of date per row (from the extract: mapping, title cell or file name), else the run date."""
    index = rows.raw.index
    written = pd.to_datetime(rows.col("_as_of"), format="%Y-%m-%d", errors="coerce")
    source = rows.col("_as_of_source").astype("string")
    today = pd.Timestamp(dt.date.today())
    as_of = written.fillna(today).astype("datetime64[us]")
    source = source.where(written.notna(), "Laufdatum").astype("string")
    return pd.Series(as_of.to_numpy(), index=index), pd.Series(source.to_numpy(), index=index, dtype="string")
