"""The ASD service (with its provider) and the JGH proceeding of a list row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jhmig.records import Severity
from jhmig.transform.list_codes import code_labels, code_text, report_codes
from jhmig.transform.list_rates import parse_list_rates
from jhmig.transform.list_sheet import SheetRows
from jhmig.transform.list_values import parse_flags
from jhmig.transform.synonyms import SynonymTable, load_coding_rules, normalize_free_text
from jhmig.transform.table_mapping import add_service_attributes
from jhmig.values import clean


def services(rows: SheetRows, synonyms: SynonymTable | None, code_lists: pd.DataFrame, case_key: pd.Series,
             person_key: pd.Series) -> dict[str, pd.DataFrame]:
    """A service for every row that names a help or a start (not for "§ 8a": no help), and the providers named."""
    m, base = rows.mapping, rows.base
    starts, ends = rows.dates("start_date"), rows.dates("end_date")
    provider_name = clean(rows.col("provider"))
    coded = code_text(rows.col("service_type"), synonyms, [provider_name], rows.batch.legends.get(rows.table.src_path))
    service_type = coded.codes
    keep = (coded.text.notna() | starts.value.notna()) & ~coded.not_a_value
    unit_values = rows.col("rate_unit") if rows.has("rate_unit") else None
    rates = parse_list_rates(rows.col("rate"), unit_values, rows.headers.get("rate"), m.formats.rate_unit)
    provider_key = ("T:" + provider_name.str.casefold().str.replace(r"[^a-zäöüß0-9]+", " ", regex=True).str.strip()).astype("string")
    provider_key = provider_key.where(provider_name.notna())
    start_iso = starts.value.dt.strftime("%Y-%m-%d").fillna(person_key)  # no start: the row's identity, not its position
    service_key = (case_key + "|" + service_type.fillna(coded.text.fillna("?")) + "|" + start_iso).astype("string")
    # reported for every row: a "§ 8a" row keeps no service, and the steward must see why
    report_codes(rows, "service", "service_type", coded, service_key, coded.text.notna(), code_labels(code_lists, "service_type"))
    precision = rows.report_dates("service", ("start_date", "end_date"), service_key, keep)
    rows.report("service", keep & rates.bad, "value.invalid_amount", Severity.ERROR, "Kosten nicht lesbar", "rate", service_key)
    rows.report("service", keep & rates.approx, "value.approximate_amount", Severity.WARNING, "Betrag nur ungefähr angegeben", "rate",
                service_key)
    rows.report("service", keep & rates.unknown_unit, "value.rate_unit_unknown", Severity.WARNING,
                "Einheit des Betrags nicht erkannt (Tag, Std., Monat, Jahr, pauschal): Betrag ohne Einheit übernommen", "rate_unit",
                service_key, column="rate_unit" if unit_values is not None else "rate")
    termination = termination_reasons(rows, code_lists, service_key, keep)
    service = base.assign(legacy_key=service_key, case_file_key=case_key, person_key=person_key, provider_key=provider_key,
                          service_type=service_type, start_date=starts.value, end_date=ends.value, rate_cents=rates.cents,
                          termination_reason=termination,
                          rate_unit=rates.unit, rate_monthly_cents=rates.monthly_cents, date_precision=precision)
    add_service_attributes(service, code_lists)
    out = {"service": service.loc[keep]}
    provider = base.assign(legacy_key=provider_key, name=provider_name).loc[provider_name.notna()]
    if len(provider):
        out["provider"] = provider
    return out


def termination_reasons(rows: SheetRows, code_lists: pd.DataFrame, keys: pd.Series, keep: pd.Series) -> pd.Series:
    """The code list ``termination_reason`` by code or label (the coding cascade over its names); other text: a warning."""
    text = clean(rows.col("termination_reason"))
    if text.isna().all():
        return pd.Series(pd.NA, index=text.index, dtype="string")
    part = code_lists[code_lists["code_list"] == "termination_reason"]
    labels = dict(zip(part["code"], part["label_de"], strict=False))
    exact = {normalize_free_text(t): c for c, label in labels.items() for t in (c, label, label.split(" (")[0])}
    table = SynonymTable(Path("<code list termination_reason>"), exact, [], labels, load_coding_rules())
    coded = code_text(text, table)
    unknown = keep & text.notna() & coded.codes.isna()
    rows.report("service", unknown, "list.termination_reason_unknown", Severity.WARNING,
                "Beendigungsgrund keiner der Codeliste termination_reason: nicht übernommen", "termination_reason", keys)
    return coded.codes


def proceedings(rows: SheetRows, synonyms: SynonymTable | None, code_lists: pd.DataFrame, case_key: pd.Series,
                person_key: pd.Series) -> pd.DataFrame:
    base = rows.base
    offence_date, hearing = rows.dates("offence_date"), rows.dates("hearing_date")
    coded = code_text(rows.col("outcome"), synonyms, legend=rows.batch.legends.get(rows.table.src_path))
    known, known_bad = parse_flags(rows.col("known_to_asd"))
    when = offence_date.value.dt.strftime("%Y-%m-%d").fillna(hearing.value.dt.strftime("%Y-%m-%d")).fillna(person_key)
    offence = clean(rows.col("offence"))
    proc_key = (case_key + "|" + when + "|" + offence.fillna("").str.casefold()).astype("string")
    everywhere = pd.Series(True, index=rows.raw.index)
    report_codes(rows, "jgh_proceeding", "outcome", coded, proc_key, everywhere, code_labels(code_lists, "jgh_outcome"))
    precision = rows.report_dates("jgh_proceeding", ("offence_date", "hearing_date"), proc_key)
    rows.report("jgh_proceeding", known_bad, "value.invalid_flag", Severity.WARNING, "ASD bekannt: weder ja noch nein",
                "known_to_asd", proc_key)
    return base.assign(legacy_key=proc_key, case_file_key=case_key, person_key=person_key, offence=offence,
                       offence_date=offence_date.value, court=clean(rows.col("court")), hearing_date=hearing.value,
                       outcome=coded.codes, known_to_asd=known, date_precision=precision)
