"""Map the rows of caseworkers' lists onto unified entities.

One list row describes a young person and a case (ASD: a service; JGH: a
proceeding). It becomes a person, a case file of the list's department, a
participant (the person as child of the case), and a service or a JGH
proceeding; ASD providers typed as text become provider records of the list
source. Keys are built from the content (file number, service type and start;
the row's keyed hash of the row's content for persons, :mod:`jhmig.transform.list_identity`),
so re-reading unchanged lists gives the same keys, also when rows above were
inserted, deleted or re-sorted or a sheet was renamed; the same case (file number) in several rows of one list
family is merged into one record here, while whether two rows are the same
child is decided by the matching stage (jhmig.match) across all sources.

Row accounting: every mapped list row yields exactly one person read; the
extract's ``list_row`` count keeps only the rows it skipped, so
read(list_row) + read(person) = rows of the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from jhmig.entities import conform
from jhmig.keyring import load_key
from jhmig.list_mapping import ListMapping
from jhmig.records import Batch, ExtractResult, RawTable, Severity, SourceFileRead
from jhmig.transform.list_entities import proceedings, services
from jhmig.transform.list_identity import ROW_KEY, stamp_row_keys
from jhmig.transform.list_sheet import SheetRows, case_files
from jhmig.transform.list_values import split_full_name
from jhmig.transform.names import person_keys
from jhmig.transform.synonyms import SynonymTable, read_synonyms
from jhmig.values import clean

LIST_ROW = "list_row"


@dataclass
class ListContext:
    mapping: ListMapping
    synonyms: dict[str, SynonymTable]
    code_lists: pd.DataFrame
    secret: bytes  # the project's key: list row identities are keyed hashes of their content


def build_list_context(mapping: ListMapping, code_lists: pd.DataFrame, secret: bytes | None = None) -> ListContext:
    tables = {}
    target_lists = {"service_type": "service_type", "outcome": "jgh_outcome"}
    for name, rule in mapping.fields.items():
        if rule.type == "code" and rule.synonyms:
            allowed = set(code_lists.loc[code_lists["code_list"] == target_lists.get(name, name), "code"])
            tables[name] = read_synonyms(mapping.synonyms_path(name), allowed)
    return ListContext(mapping, tables, code_lists, secret if secret is not None else load_key())


def transform_lists(extract: ExtractResult, ctx: ListContext) -> None:
    """Fill ``extract.batch.frames`` from the list tables."""
    batch = extract.batch
    stamp_row_keys(extract.tables, ctx.mapping, ctx.secret)  # read_lists stamps them before corrections; here for direct callers
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


def _map_sheet(table: RawTable, ctx: ListContext, batch: Batch) -> dict[str, pd.DataFrame]:
    rows = SheetRows(table, ctx.mapping, batch, _headers(batch, table))
    person, person_key = _persons(rows)
    case, case_key = case_files(rows, person_key)
    participant = rows.base.assign(legacy_key=case_key + "|" + person_key + "|child", case_file_key=case_key, person_key=person_key,
                                   role="child", valid_from=rows.dates("start_date").value, valid_to=rows.dates("end_date").value)
    out = {"person": person, "case_file": case, "participant": participant}
    if ctx.mapping.department == "ASD" and (rows.has("service_type") or rows.has("start_date")):
        out.update(services(rows, ctx.synonyms.get("service_type"), ctx.code_lists, case_key, person_key))
    if ctx.mapping.department == "JGH":
        out["jgh_proceeding"] = proceedings(rows, ctx.synonyms.get("outcome"), ctx.code_lists, case_key, person_key)
    return out


def _headers(batch: Batch, table: RawTable) -> dict[str, str]:
    """field -> the header text of its column as the sheet writes it (for the Fundstelle of findings)."""
    raw = batch.raw.get((table.src_path, table.src_sheet))
    if raw is None:
        return {}
    out = {}
    for name, letter in table.column_letters.items():
        index = 0
        for ch in letter.upper():
            index = index * 26 + ord(ch) - 64
        if 0 < index <= len(raw.columns) and not str(raw.columns[index - 1]).startswith("Spalte "):
            out[name] = str(raw.columns[index - 1])
    return out


def _persons(rows: SheetRows) -> tuple[pd.DataFrame, pd.Series]:
    m, base, table = rows.mapping, rows.base, rows.table
    col = rows.col
    if rows.has("name_full"):
        family, given = split_full_name(col("name_full"), m.formats.name_split)
        family = family.fillna(clean(col("family_name")))
        given = given.fillna(clean(col("given_names")))
    else:
        family, given = clean(col("family_name")), clean(col("given_names"))
    birth = rows.dates("birth_date")
    match_key, phonetic = person_keys(family, given)
    # Keyed by a keyed hash of the row's content, never by name or birth date in clear (keys appear in reports
    # and logs), nor by where it stands (rows move); that two rows are one child is the matching stage's finding.
    person_key = pd.Series(table.frame[ROW_KEY].to_numpy(), index=base.index, dtype="string")
    person = base.assign(legacy_key=person_key, family_name=family, given_names=given, birth_date=birth.value,
                         sex="u", match_key=match_key, phonetic_key=phonetic)
    name_column = "name_full" if rows.has("name_full") else "family_name"
    rows.report("person", family.isna() & given.isna(), "list.no_name", Severity.ERROR, "Zeile ohne Namen", "family_name", person_key,
                column=name_column)
    rows.report("person", birth.value.isna() & ~birth.bad, "person.no_birth_date", Severity.WARNING,
                "Geburtsdatum fehlt: Person nur über den Namen erkennbar", "birth_date", person_key)
    rows.report_dates("person", ("birth_date",), person_key)
    return person, person_key


def _merge_repeats(batch: Batch, entity: str, frame: pd.DataFrame) -> pd.DataFrame:
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
