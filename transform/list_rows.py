"""Map the rows of caseworkers' lists onto unified entities.

One list row describes a young person and a case (ASD: a service; JGH: a
proceeding). It becomes a person, a case file of the list's department, a
participant (the person as child of the case), and a service or a JGH
proceeding; ASD providers typed as text become provider records of the list
source. Keys are built from the content (file number, normalised name and
birth date), so re-reading unchanged lists gives the same keys, and the same
child or case appearing in several rows, sheets or files of one list family
is merged into one record ("gleiche Person wie ..."). Matching across
sources (lists vs. legacy export) is a later step: list persons are flagged
as unmatched.

Row accounting: every mapped list row yields exactly one person read; the
extract's ``list_row`` count keeps only the rows it skipped, so
read(list_row) + read(person) = rows of the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from jhmig.entities import conform, entity_spec
from jhmig.list_mapping import ListMapping
from jhmig.records import ExtractResult, RawTable, Severity, SourceFileRead, rows_to_findings
from jhmig.transform.list_values import parse_flags, parse_list_amounts, parse_list_dates, split_full_name
from jhmig.transform.names import person_keys
from jhmig.transform.synonyms import SynonymTable, read_synonyms
from jhmig.transform.table_mapping import add_service_attributes
from jhmig.values import clean

LIST_ROW = "list_row"
FIELD_LABELS = {
    "birth_date": "Geburtsdatum", "start_date": "Beginn", "end_date": "Ende", "rate": "Kosten", "service_type": "Hilfeart",
    "offence_date": "Tatzeit", "hearing_date": "Termin", "outcome": "Ausgang", "known_to_asd": "ASD bekannt",
    "name_full": "Name", "family_name": "Name",
}
# every date field: "Juni 2013" is read as the 1st of June, and the steward must see that it was a guess
MONTH_ONLY = "nur Monat und Jahr angegeben: der Monatserste wird angenommen"


@dataclass
class ListContext:
    mapping: ListMapping
    synonyms: dict[str, SynonymTable]
    code_lists: pd.DataFrame


def build_list_context(mapping: ListMapping, code_lists: pd.DataFrame) -> ListContext:
    tables = {}
    target_lists = {"service_type": "service_type", "outcome": "jgh_outcome"}
    for name, rule in mapping.fields.items():
        if rule.type == "code" and rule.synonyms:
            allowed = set(code_lists.loc[code_lists["code_list"] == target_lists.get(name, name), "code"])
            tables[name] = read_synonyms(mapping.synonyms_path(name), allowed)
    return ListContext(mapping, tables, code_lists)


def transform_lists(extract: ExtractResult, ctx: ListContext) -> None:
    """Fill ``extract.batch.frames`` from the list tables."""
    batch = extract.batch
    parts: dict[str, list[pd.DataFrame]] = {}
    for table in extract.tables:
        if table.entity != LIST_ROW or not len(table.frame):
            continue
        for entity, frame in _map_sheet(table, ctx, batch).items():
            batch.reads.append(SourceFileRead(batch.source_system, table.src_path, table.src_sheet, entity, len(frame)))
            parts.setdefault(entity, []).append(frame)
        # mapped rows are now counted under their entities
        for read in batch.reads:
            if read.entity == LIST_ROW and read.src_path == table.src_path and read.src_sheet == table.src_sheet:
                read.read -= len(table.frame)
    for entity, frames in parts.items():
        frame = pd.concat(frames, ignore_index=True)
        frame = _merge_repeats(batch, entity, frame)
        batch.frames[entity] = conform(frame, entity)
    persons = batch.frames.get("person")
    if persons is not None and len(persons):
        # Cross-source matching is a later step; until then every list person stands alone.
        batch.findings.add_frame(rows_to_findings(
            persons, rule_id="match.unmatched", severity=Severity.INFO,
            message="aus Liste übernommen, noch nicht mit anderen Quellen abgeglichen",
            source_system=batch.source_system, entity="person", field="family_name", value=persons["family_name"]))


def _map_sheet(table: RawTable, ctx: ListContext, batch) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    m = ctx.mapping
    raw = table.frame.reset_index(drop=True)
    n = len(raw)

    def col(name: str) -> pd.Series:
        return raw[name] if name in raw else pd.Series([pd.NA] * n, dtype="string")

    base = pd.DataFrame({"src_path": table.src_path, "src_sheet": table.src_sheet, "src_line": raw["src_line"].astype("int64")})

    def report(entity: str, mask: pd.Series, rule: str, severity: Severity, message: str | pd.Series, field: str, value: pd.Series,
               keys: pd.Series) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            rows = base.loc[mask].assign(legacy_key=keys[mask])
            letter = table.column_letters.get(field)
            where = f" (Spalte {FIELD_LABELS.get(field, field)}{', ' + letter if letter else ''})"
            msg = (message[mask] + where) if isinstance(message, pd.Series) else message + where
            batch.findings.add_frame(rows_to_findings(rows, rule_id=rule, severity=severity, message=msg,
                                                      source_system=batch.source_system, entity=entity, field=field, value=value[mask]))

    # -- person ------------------------------------------------------------
    if "name_full" in raw:
        family, given = split_full_name(col("name_full"), m.formats.name_split)
        family = family.fillna(clean(col("family_name")))
        given = given.fillna(clean(col("given_names")))
    else:
        family, given = clean(col("family_name")), clean(col("given_names"))
    birth = parse_list_dates(col("birth_date"), m.formats.date_formats)
    match_key, phonetic = person_keys(family, given)
    birth_iso = birth.value.dt.strftime("%Y-%m-%d").fillna("")
    person_key = ("L:" + match_key.fillna("?") + "|" + birth_iso).astype("string")
    # A row without a name is nobody in particular: never merge it with other such rows.
    row_ref = "L:?|" + table.src_path + "|" + table.src_sheet + "|" + base["src_line"].astype(str)
    person_key = person_key.mask(match_key.isna(), row_ref).astype("string")
    person = base.assign(legacy_key=person_key, family_name=family, given_names=given, birth_date=birth.value,
                         sex="u", match_key=match_key, phonetic_key=phonetic)
    name_src = col("name_full") if "name_full" in raw else col("family_name")
    report("person", family.isna() & given.isna(), "list.no_name", Severity.ERROR, "Zeile ohne Namen", "family_name", name_src, person_key)
    report("person", birth.bad, "value.invalid_date", Severity.ERROR, "Geburtsdatum nicht lesbar", "birth_date", col("birth_date"), person_key)
    report("person", birth.value.isna() & ~birth.bad, "person.no_birth_date", Severity.WARNING,
           "Geburtsdatum fehlt: Person nur über den Namen erkennbar", "birth_date", col("birth_date"), person_key)
    report("person", birth.month_only, "value.date_month_only", Severity.INFO, MONTH_ONLY, "birth_date", col("birth_date"), person_key)

    # -- case file ------------------------------------------------------------
    file_number = clean(col("file_number"))
    case_key = file_number.fillna("P:" + person_key + "|" + m.department).astype("string")
    closed = raw["_closed"].astype(bool) if "_closed" in raw else pd.Series(False, index=raw.index)
    starts = parse_list_dates(col("start_date"), m.formats.date_formats)
    ends = parse_list_dates(col("end_date"), m.formats.date_formats)
    case = base.assign(legacy_key=case_key, file_number=file_number, department=m.department,
                       status=closed.map({True: "closed", False: "active"}).astype("string"),
                       opened_on=starts.value, closed_on=ends.value.where(closed),
                       caseworker=clean(col("caseworker")).str.slice(0, 20), remark=clean(col("remark")))
    participant = base.assign(legacy_key=case_key + "|" + person_key + "|child", case_file_key=case_key, person_key=person_key, role="child",
                              valid_from=starts.value, valid_to=ends.value)
    out = {"person": person, "case_file": case, "participant": participant}

    # -- ASD: service and provider ---------------------------------------------
    if m.department == "ASD" and ("service_type" in raw or "start_date" in raw):
        service_type, how = _codes(col("service_type"), ctx.synonyms.get("service_type"))
        has_service = clean(col("service_type")).notna() | starts.value.notna()
        rate, rate_bad, approx = parse_list_amounts(col("rate"))
        provider_name = clean(col("provider"))
        provider_key = ("T:" + provider_name.str.casefold().str.replace(r"[^a-zäöüß0-9]+", " ", regex=True).str.strip()).astype("string")
        provider_key = provider_key.where(provider_name.notna())
        start_iso = starts.value.dt.strftime("%Y-%m-%d").fillna("row" + base["src_line"].astype(str))
        service_key = (case_key + "|" + service_type.fillna(clean(col("service_type")).fillna("?")) + "|" + start_iso).astype("string")
        service = base.assign(legacy_key=service_key, case_file_key=case_key, person_key=person_key, provider_key=provider_key,
                              service_type=service_type, start_date=starts.value, end_date=ends.value, rate_cents=rate,
                              rate_unit=pd.Series(pd.NA, index=raw.index, dtype="string").where(rate.isna(), "month"))
        add_service_attributes(service, ctx.code_lists)
        keep = has_service
        _report_codes(report, "service", "service_type", col("service_type"), service_type, how, service_key, keep)
        report("service", keep & starts.bad, "value.invalid_date", Severity.ERROR, "Beginn nicht lesbar", "start_date", col("start_date"), service_key)
        report("service", keep & ends.bad, "value.invalid_date", Severity.ERROR, "Ende nicht lesbar", "end_date", col("end_date"), service_key)
        report("service", keep & rate_bad, "value.invalid_amount", Severity.ERROR, "Kosten nicht lesbar", "rate", col("rate"), service_key)
        report("service", keep & approx, "value.approximate_amount", Severity.WARNING, "Betrag nur ungefähr angegeben", "rate", col("rate"), service_key)
        for dates, field in ((starts, "start_date"), (ends, "end_date")):
            report("service", keep & dates.month_only, "value.date_month_only", Severity.INFO, MONTH_ONLY, field, col(field), service_key)
        out["service"] = service.loc[keep]
        prov = base.assign(legacy_key=provider_key, name=provider_name).loc[provider_name.notna()]
        if len(prov):
            out["provider"] = prov

    # -- JGH: proceeding ----------------------------------------------------------
    if m.department == "JGH":
        offence_date = parse_list_dates(col("offence_date"), m.formats.date_formats)
        hearing = parse_list_dates(col("hearing_date"), m.formats.date_formats)
        outcome, how = _codes(col("outcome"), ctx.synonyms.get("outcome"))
        known, known_bad = parse_flags(col("known_to_asd"))
        when = offence_date.value.dt.strftime("%Y-%m-%d").fillna(hearing.value.dt.strftime("%Y-%m-%d")).fillna("row" + base["src_line"].astype(str))
        offence = clean(col("offence"))
        proc_key = (case_key + "|" + when + "|" + offence.fillna("").str.casefold()).astype("string")
        proceeding = base.assign(legacy_key=proc_key, case_file_key=case_key, person_key=person_key, offence=offence.str.slice(0, 300),
                                 offence_date=offence_date.value, court=clean(col("court")).str.slice(0, 200), hearing_date=hearing.value,
                                 outcome=outcome, known_to_asd=known)
        _report_codes(report, "jgh_proceeding", "outcome", col("outcome"), outcome, how, proc_key, pd.Series(True, index=raw.index))
        for dates, field in ((offence_date, "offence_date"), (hearing, "hearing_date")):
            report("jgh_proceeding", dates.bad, "value.invalid_date", Severity.ERROR, f"{FIELD_LABELS[field]} nicht lesbar", field, col(field), proc_key)
            report("jgh_proceeding", dates.month_only, "value.date_month_only", Severity.INFO, MONTH_ONLY, field, col(field), proc_key)
        report("jgh_proceeding", known_bad, "value.invalid_flag", Severity.WARNING, "ASD bekannt: weder ja noch nein", "known_to_asd",
               col("known_to_asd"), proc_key)
        out["jgh_proceeding"] = proceeding
    return out


def _codes(values: pd.Series, table: SynonymTable | None) -> tuple[pd.Series, pd.Series]:
    text = clean(values)
    if table is None:
        return pd.Series(pd.NA, index=values.index, dtype="string"), pd.Series("", index=values.index, dtype="string")
    looked = {v: table.lookup(v) for v in text.dropna().unique()}
    codes = text.map({k: r[0] for k, r in looked.items()}).astype("string")
    how = text.map({k: r[1] for k, r in looked.items()}).astype("string")
    return codes, how


def _report_codes(report, entity: str, field: str, raw: pd.Series, codes: pd.Series, how: pd.Series, keys: pd.Series,  # type: ignore[no-untyped-def]
                  keep: pd.Series) -> None:
    text = clean(raw)
    unmapped = keep & text.notna() & codes.isna()
    report(entity, unmapped, "synonym.unmapped", Severity.ERROR,
           "Freitext ist in keiner Synonymtabelle: bitte in mappings/lists/synonyms ergänzen", field, raw, keys)
    fuzzy = keep & how.fillna("").str.startswith("fuzzy:")
    msg = "Schreibweise als '" + how.str.removeprefix("fuzzy:") + "' gelesen (" + codes.fillna("") + ")"
    report(entity, fuzzy, "synonym.fuzzy", Severity.WARNING, msg.astype("string"), field, raw, keys)


def _merge_repeats(batch, entity: str, frame: pd.DataFrame) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The same record in several rows/sheets/files: the first stays, the others are merged into it."""
    keyed = frame["legacy_key"].notna()
    repeat = frame["legacy_key"].duplicated(keep="first") & keyed
    if not repeat.any():
        return frame
    frame = frame.copy()
    notes = _fold_repeats(frame, entity, repeat)
    first = frame.loc[keyed].drop_duplicates("legacy_key").set_index("legacy_key")
    rows = frame.loc[repeat]
    where = first.loc[rows["legacy_key"], "src_path"].to_numpy() + ", Blatt " + first.loc[rows["legacy_key"], "src_sheet"].to_numpy() \
        + ", Zeile " + first.loc[rows["legacy_key"], "src_line"].astype(str).to_numpy()
    reason = "gleicher Datensatz wie " + pd.Series(where, index=rows.index) + notes.reindex(rows.index).fillna("")
    batch.record(batch.merged, entity, rows, reason.to_numpy())
    return frame.loc[~repeat].reset_index(drop=True)


def _free_text_fields(entity: str) -> set[str]:
    """Columns of unbounded text (remarks): what several rows say there is joined, not chosen."""
    import sqlalchemy as sa

    from jhmig.schema import Base

    table = Base.metadata.tables.get(entity)
    return {c.name for c in table.columns if isinstance(c.type, sa.Text)} if table is not None else set()


def _fold_repeats(frame: pd.DataFrame, entity: str, repeat: pd.Series) -> pd.Series:
    """Nothing a repeated row says is lost: it fills what the first row leaves empty, its remark is appended
    (``A | B``), and a value that contradicts the first row is named in the merge's reason (the lineage
    points to the row). Changes ``frame`` in place; returns the reason's addition per repeated row."""
    keys = frame.loc[repeat, "legacy_key"].unique()
    group = frame[frame["legacy_key"].isin(keys)]
    free_text = _free_text_fields(entity)
    values = [c for c in frame.columns if c != "legacy_key" and c not in ("src_path", "src_sheet", "src_line") and not c.startswith("_")]
    notes: dict[int, str] = {}
    for _, part in group.groupby("legacy_key", sort=False):
        head, others = part.index[0], part.index[1:]
        for column in values:
            present = part[column].dropna()
            if column in free_text:
                texts = list(dict.fromkeys(str(v) for v in present if str(v).strip()))
                if texts:
                    frame.at[head, column] = " | ".join(texts)
                continue
            if pd.isna(frame.at[head, column]) and len(present):
                frame.at[head, column] = present.iloc[0]
            kept = frame.at[head, column]
            for row in others:
                value = frame.at[row, column]
                if not pd.isna(value) and not pd.isna(kept) and value != kept:
                    notes[row] = notes.get(row, "") + ("; abweichend (nicht übernommen): " if row not in notes else ", ") + column
    return pd.Series(notes, dtype="string")
