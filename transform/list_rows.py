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

from dataclasses import dataclass, field

import pandas as pd

from jhmig.entities import conform
from jhmig.keyring import load_key
from jhmig.list_mapping import ListMapping
from jhmig.records import Batch, ExtractResult, RawTable, Severity, SourceFileRead
from jhmig.transform.list_entities import proceedings, services
from jhmig.transform.list_identity import ROW_KEY, stamp_row_keys
from jhmig.transform.list_person import list_addresses, list_sex
from jhmig.transform.list_sheet import SheetRows, case_files
from jhmig.transform.list_values import split_full_name
from jhmig.transform.names import person_keys
from jhmig.layout import MAPPINGS_DIR
from jhmig.transform.synonyms import SynonymTable, read_synonym_rows, read_synonyms
from jhmig.values import clean

LIST_ROW = "list_row"


FIELD_CODE_LISTS = {"service_type": "service_type", "outcome": "jgh_outcome"}  # list field -> its unified code list
SHIPPED_SYNONYMS = {"service_type": "lists/synonyms/hilfeart.csv", "outcome": "lists/synonyms/ausgang.csv"}  # extended by a list's own


@dataclass
class ListContext:
    mapping: ListMapping
    synonyms: dict[str, SynonymTable]
    code_lists: pd.DataFrame
    secret: bytes  # the project's key: list row identities are keyed hashes of their content
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> code -> label of its code list


def code_list_codes(code_lists: pd.DataFrame) -> dict[str, set[str]]:
    """field -> the codes its synonym tables may name."""
    return {name: set(code_lists.loc[code_lists["code_list"] == target, "code"]) for name, target in FIELD_CODE_LISTS.items()}


def build_list_context(mapping: ListMapping, code_lists: pd.DataFrame, secret: bytes | None = None) -> ListContext:
    tables, labels = {}, {}
    for name, rule in mapping.fields.items():
        if rule.type == "code" and rule.synonyms:
            part = code_lists[code_lists["code_list"] == FIELD_CODE_LISTS.get(name, name)]
            catalogue = dict(zip(part["code"], part["label_de"], strict=False))  # the catalogue's names: what the cascade matches
            own = mapping.synonyms_path(name)
            shipped = SHIPPED_SYNONYMS.get(name)
            if shipped is not None and own != (MAPPINGS_DIR / shipped).resolve():
                # a list's own table extends the shipped one: its rows win, the shipped words still count
                tables[name] = read_synonyms(MAPPINGS_DIR / shipped, set(part["code"]), catalogue)
                exact, patterns = read_synonym_rows(own, set(part["code"]))
                tables[name].extend(exact, own)
                tables[name].patterns[:0] = patterns
            else:
                tables[name] = read_synonyms(own, set(part["code"]), catalogue)
            labels[name] = catalogue
    return ListContext(mapping, tables, code_lists, secret if secret is not None else load_key(), labels)


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
    address = list_addresses(rows, person_key)
    if address is not None and len(address):
        out["address"] = address
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
                         sex=list_sex(rows, person_key), match_key=match_key, phonetic_key=phonetic)
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
    latest = _latest_state(frame, entity, repeat)
    notes = _fold_repeats(frame, entity, repeat, skip=set(LATEST_STATE) if latest else set())
    for head, row in latest.items():  # a case closed on a later sheet is closed (and reopened when a later one says so)
        for column in LATEST_STATE:
            frame.at[head, column] = frame.at[row, column]
    first = frame.loc[keyed].drop_duplicates("legacy_key").set_index("legacy_key")
    rows = frame.loc[repeat]
    where = first.loc[rows["legacy_key"], "src_path"].to_numpy() + ", Blatt " + first.loc[rows["legacy_key"], "src_sheet"].to_numpy() \
        + ", Zeile " + first.loc[rows["legacy_key"], "src_line"].astype(str).to_numpy()
    reason = "gleicher Datensatz wie " + pd.Series(where, index=rows.index) + notes.reindex(rows.index).fillna("")
    batch.record(batch.merged, entity, rows, reason.to_numpy())
    return frame.loc[~repeat].reset_index(drop=True)


LATEST_STATE = ("status", "closed_on", "closed_by")  # of a case file: from all its rows, not the first row's


def _latest_state(frame: pd.DataFrame, entity: str, repeat: pd.Series) -> dict[int, int]:
    """Per repeated case file: its first row -> the row whose state the case takes.

    Each help of the case (rows with one start) counts in its latest row (by the list's as-of date when every row has
    one, then the year its sheet is named after, then the row's order): the help written on the 2023 sheet without an
    end and on the 2024 sheet with one has ended. The case is closed when every help has ended (it takes the state of
    the one that ended last), open when one still runs (it takes that row's state)."""
    if entity != "case_file" or "_state_order" not in frame:
        return {}
    keys = frame.loc[repeat, "legacy_key"].unique()
    group = frame[frame["legacy_key"].isin(keys)]
    out = {}
    for _, part in group.groupby("legacy_key", sort=False):
        order = part["_state_order"].fillna("|")
        if (order.str.split("|").str[0] == "").any():  # an as-of date missing somewhere: the sheets' years alone
            order = "|" + order.str.split("|").str[1]
        position = pd.Series(range(len(part)), index=part.index).astype(str).str.zfill(7)
        ranked = (order + "|" + position).sort_values()
        latest_rows = [idx for idx in ranked.groupby(part["_state_service"].reindex(ranked.index).fillna("")).tail(1).index]
        running = [i for i in latest_rows if part.at[i, "status"] != "closed"]
        if running:
            pick = next(i for i in part.index if i in running)  # the first row of a help still running
        else:
            pick = max(latest_rows, key=lambda i: (str(part.at[i, "closed_on"]), ranked[i]))
        if pick != part.index[0]:
            out[int(part.index[0])] = int(pick)
    return out


def _free_text_fields(entity: str) -> set[str]:
    """Columns of unbounded text (remarks): what several rows say there is joined, not chosen."""
    import sqlalchemy as sa

    from jhmig.schema import Base

    table = Base.metadata.tables.get(entity)
    return {c.name for c in table.columns if isinstance(c.type, sa.Text)} if table is not None else set()


def _fold_repeats(frame: pd.DataFrame, entity: str, repeat: pd.Series, skip: set[str] | None = None) -> pd.Series:
    """Nothing a repeated row says is lost: it fills what the first row leaves empty, its remark is appended
    (``A | B``), and a value that contradicts the first row is named in the merge's reason (the lineage
    points to the row). Changes ``frame`` in place; returns the reason's addition per repeated row."""
    keys = frame.loc[repeat, "legacy_key"].unique()
    group = frame[frame["legacy_key"].isin(keys)]
    free_text = _free_text_fields(entity)
    values = [c for c in frame.columns if c != "legacy_key" and c not in ("src_path", "src_sheet", "src_line") and not c.startswith("_")
              and c not in (skip or set())]
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
