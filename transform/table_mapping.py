"""Map raw tables onto the unified entity frames, as the layout declares.

For every file: rename source columns to unified fields, parse each value by
its declared type (dates, amounts, codes, flags), build the legacy key, map
codes through the code maps, derive secondary entities (addresses from the
person file), and account for duplicate keys. Values that cannot be parsed
become findings (rule ids ``value.*``, ``code.*``, ``key.*``); the record
keeps going and is quarantined later by the pipeline, so that all problems
of a record are reported together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from jhmig.entities import conform
from jhmig.layout import Column, FileLayout, Layout
from jhmig.records import ExtractResult, Severity, SourceFileRead, rows_to_findings
from jhmig.transform.code_checks import RetiredUse, check_retired_use, map_codes
from jhmig.transform.codes import (
    CodeMap,
    LegacyCode,
    extra_code_list_rows,
    legacy_tables,
    read_code_list_file,
    read_code_map,
    read_unified_code_lists,
)
from jhmig.transform.names import person_keys
from jhmig.values import clean, parse_amount_cents, parse_dates, parse_int

@dataclass
class TransformContext:
    layout: Layout
    code_maps: dict[str, CodeMap]
    legacy_codes: dict[str, dict[str, LegacyCode]]
    code_lists: pd.DataFrame  # the unified lists, grown by the export's own codes (see add_codes)
    found_codes: dict[str, dict[str, tuple[str, str | None]]] = field(default_factory=dict)

    def add_codes(self, code_list: str, codes: dict[str, tuple[str, str | None]]) -> None:
        """Codes the export brings along (historical codes, code-table lists) join the code lists."""
        known = set(self.code_lists.loc[self.code_lists["code_list"] == code_list, "code"])
        new = {c: v for c, v in codes.items() if c not in known}
        if new:
            self.code_lists = pd.concat([self.code_lists, extra_code_list_rows(code_list, new)], ignore_index=True)
            self.found_codes.setdefault(code_list, {}).update(new)


def build_context(layout: Layout, extract: ExtractResult, code_lists: pd.DataFrame | None = None) -> TransformContext:
    code_lists = read_unified_code_lists() if code_lists is None else code_lists
    legacy = _legacy_codes(layout, extract)
    for name in layout.code_maps:  # an office-supplied list replaces a shipped one of the same name
        office = layout.code_list_path(name)
        if office is not None:
            code_lists = pd.concat([code_lists[code_lists["code_list"] != name], read_code_list_file(name, office)], ignore_index=True)
    ctx = TransformContext(layout, {}, legacy, code_lists)
    for name, ref in layout.code_maps.items():
        path = layout.code_map_path(name)
        if path is None and layout.code_list_path(name) is None:
            # no map and no list: the code table itself is the list (labels = its texts)
            table = legacy.get(ref.legacy_table or "", {})
            ctx.add_codes(name, {code: (entry.text, None) for code, entry in table.items()})
        unified = set(ctx.code_lists.loc[ctx.code_lists["code_list"] == name, "code"])
        if path is None:
            ctx.code_maps[name] = CodeMap(name=name, path=None)
            continue
        if not unified:
            from jhmig.errors import ConfigError

            raise ConfigError(f"layout {layout.name}: code map {name!r} names no unified code list (mappings/codes/{name}.csv)")
        ctx.code_maps[name] = read_code_map(name, path, unified)
    ctx.found_codes.clear()  # only codes met in records count as found
    return ctx


def _legacy_codes(layout: Layout, extract: ExtractResult) -> dict[str, dict[str, LegacyCode]]:
    code_file = next((f for f in layout.files if f.code_table), None)
    if code_file is None:
        return {}
    table = next((t for t in extract.tables if t.file == code_file.file), None)
    if table is None:
        return {}
    cols = {c.field: name for name, c in code_file.columns.items() if c.field}
    valid_to = _valid_to(table.frame, code_file, layout)
    retired = None if valid_to is None else valid_to.value.notna() | valid_to.bad
    return legacy_tables(table.frame, cols, retired=retired, valid_to=None if valid_to is None else valid_to.value)


def _valid_to(raw: pd.DataFrame, code_file: FileLayout, layout: Layout):  # type: ignore[no-untyped-def]
    """Codes whose valid-to is a real date, read with the export's own date format and open-end sentinels.

    A vendor writing 99991231 (or a declared open end such as 2099-12-31) for codes
    still in use must not have every code reported as retired.
    """
    name = next((n for n, c in code_file.columns.items() if c.field == "valid_to"), None)
    if name is None:
        return None
    fmt = layout.formats
    date_format = code_file.columns[name].date_format or code_file.date_format or fmt.date
    return parse_dates(raw[name], date_format, unknown=fmt.unknown_dates, open_end=fmt.open_end_dates, century_pivot=fmt.century_pivot)


def transform_extract(extract: ExtractResult, ctx: TransformContext) -> None:
    """Fill ``extract.batch.frames`` with one unified frame per entity."""
    batch = extract.batch
    by_file = {f.file: f for f in ctx.layout.files}
    for table in extract.tables:
        file_layout = by_file[table.file]
        frame = _map_table(table.frame, file_layout, table.src_path, table.src_sheet, ctx, batch)
        frame, conflicts = _account_duplicates(frame, table.frame, file_layout, table.src_path, batch)
        for derived in file_layout.also:
            dframe = _derive(frame, derived.entity, derived.fields)
            batch.reads.append(SourceFileRead(batch.source_system, table.src_path, table.src_sheet, derived.entity, len(dframe)))
            # A derived row (the address of a person line) shares its line's key: a second
            # line with that key is a conflict for the derived entity too, or it would
            # reach the target twice under one key.
            _report_conflicts(dframe.loc[dframe["src_line"].isin(conflicts)], derived.entity, batch)
            _append(batch.frames, derived.entity, dframe)
        _append(batch.frames, file_layout.entity, conform(frame, file_layout.entity))
    quarantine_key_conflicts(batch)


def quarantine_key_conflicts(batch) -> int:  # type: ignore[no-untyped-def]
    """A key that repeats with other content leaves the frames here, before matching (contract: one row per key).

    The first line with the key stays; every later one goes to the quarantine with all its findings.
    Conflicts inside one file were reported by :func:`_account_duplicates`; a key repeated across two
    files of one entity is reported here. Later stages (matching, the loader) index frames by key.
    """
    from jhmig.quarantine import quarantine_flagged

    moved = 0
    for entity, frame in list(batch.frames.items()):
        keys = frame["legacy_key"]
        later = keys.duplicated(keep="first") & keys.notna()
        if not later.any():
            continue
        rows = frame.loc[later]
        found = batch.findings.frame()
        reported = found[(found["rule_id"] == "key.duplicate") & (found["entity"] == entity)]
        seen = set(zip(reported["src_path"], reported["src_sheet"], reported["src_line"].astype("Int64")))
        fresh = [(p, s, int(n)) not in seen for p, s, n in zip(rows["src_path"], rows["src_sheet"], rows["src_line"])]
        _report_conflicts(rows.loc[fresh], entity, batch)
        found = batch.findings.frame()
        lines = set(zip(rows["src_path"], rows["src_sheet"], rows["src_line"].astype("int64")))
        mine = found[(found["entity"] == entity) & found["src_line"].notna()]
        at = [(p, s, int(n)) in lines for p, s, n in zip(mine["src_path"], mine["src_sheet"], mine["src_line"])]
        # only these rows (findings are matched to rows by file and line): the rest waits for the quarantine step
        moved += quarantine_flagged(batch, mine[at])
    return moved


def _append(frames: dict[str, pd.DataFrame], entity: str, frame: pd.DataFrame) -> None:
    # Rows are identified by their lineage columns, so the index is just a position.
    frame = frame.reset_index(drop=True)
    frames[entity] = pd.concat([frames[entity], frame], ignore_index=True) if entity in frames else frame


def _map_table(raw: pd.DataFrame, fl: FileLayout, src_path: str, src_sheet: str, ctx: TransformContext, batch) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    out = pd.DataFrame(index=raw.index)
    out["src_path"] = src_path
    out["src_sheet"] = src_sheet
    out["src_line"] = raw["src_line"].astype("int64")
    # legacy key: the key columns' values joined (composite keys use '|')
    key_parts = [clean(raw[c]).fillna("") for c in fl.key]
    key = key_parts[0] if len(key_parts) == 1 else key_parts[0].str.cat(key_parts[1:], sep="|")
    out["legacy_key"] = key.mask(key.str.strip("|") == "").astype("string")

    def report(mask: pd.Series, rule: str, severity: Severity, message: str | pd.Series, field: str, value: pd.Series) -> None:
        if mask.any():
            rows = out.loc[mask]
            msg = message[mask] if isinstance(message, pd.Series) else message
            batch.findings.add_frame(
                rows_to_findings(rows, rule_id=rule, severity=severity, message=msg, source_system=batch.source_system,
                                 entity=fl.entity, field=field, value=value[mask])
            )

    retired_uses: list[RetiredUse] = []
    for name, col in fl.columns.items():
        values = raw[name]
        if col.copy_to:
            out[col.copy_to] = clean(values)
        if col.field is None or col.field == "legacy_key":  # unmapped position, or the key built above
            continue
        if col.type == "code":
            parsed, used = map_codes(values, name, col, ctx, report, fl.entity)
            retired_uses.extend(used)
        else:
            parsed = _parse(values, name, col, fl, ctx, report)
        out[col.field] = parsed
    for used in retired_uses:  # needs the record's dates, parsed by now
        check_retired_use(out, used, report)
    if fl.entity == "service" and "service_type" in out:
        add_service_attributes(out, ctx.code_lists)
    if fl.entity == "person":
        out["match_key"], out["phonetic_key"] = person_keys(out.get("family_name", pd.Series(dtype="string")), out.get("given_names", pd.Series(dtype="string")))
    if fl.code_table:
        out["source_system"] = batch.source_system
    return out


def _parse(values: pd.Series, name: str, col: Column, fl: FileLayout, ctx: TransformContext, report) -> pd.Series:  # type: ignore[no-untyped-def]
    fmt = ctx.layout.formats
    t = col.type
    if t in ("key", "text", "name", "iban"):
        v = clean(values)
        if t == "iban":
            v = v.str.replace(" ", "", regex=False).str.upper()
        return v
    if t in ("date", "end_date"):
        date_format = col.date_format or fl.date_format or fmt.date
        parsed = parse_dates(values, date_format, unknown=fmt.unknown_dates, open_end=fmt.open_end_dates, century_pivot=fmt.century_pivot)
        report(parsed.bad, "value.invalid_date", Severity.ERROR,
               f"{name}: kein gültiges Datum (erwartet {_human_format(date_format)})", col.field, values)
        if t == "date":  # an open-end sentinel in a start date is a mistake, not 'running'
            report(parsed.open_end, "value.open_end_as_start", Severity.WARNING,
                   f"{name}: Platzhalter für 'offen' in einem Anfangsdatum", col.field, values)
        return parsed.value
    if t == "amount":
        cents, bad = parse_amount_cents(values, decimal=fmt.decimal, thousands=fmt.thousands, negative=fmt.negative)
        report(bad, "value.invalid_amount", Severity.ERROR, f"{name}: kein gültiger Betrag", col.field, values)
        return cents
    if t in ("cents", "int"):
        number, bad = parse_int(values)
        report(bad, "value.invalid_number", Severity.ERROR, f"{name}: keine ganze Zahl", col.field, values)
        return number
    if t == "bool":
        v = clean(values)
        result = pd.Series(pd.NA, index=values.index, dtype="boolean")
        result[v.isin(list(fmt.true_values)).fillna(False)] = True
        result[v.isin(list(fmt.false_values)).fillna(False)] = False
        bad = v.notna() & result.isna()
        report(bad, "value.invalid_flag", Severity.ERROR, f"{name}: weder ja noch nein", col.field, values)
        return result
    raise AssertionError(f"unhandled type {t}")  # the layout model admits no other


def add_service_attributes(out: pd.DataFrame, code_lists: pd.DataFrame) -> None:
    st = code_lists[code_lists["code_list"] == "service_type"].set_index("code")
    out["legal_basis"] = out["service_type"].map(st["legal_basis"]).astype("string")
    out["service_form"] = out["service_type"].map(st["service_form"]).astype("string")


def _derive(frame: pd.DataFrame, entity: str, fields: dict[str, str]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for target, source in fields.items():
        out[target] = frame[source] if source in frame else pd.NA
    for c in ("src_path", "src_sheet", "src_line"):
        out[c] = frame[c]
    value_cols = [c for c in fields if c not in ("legacy_key",) and not c.endswith("_key")]
    has_value = out[value_cols].notna().any(axis=1) if value_cols else pd.Series(True, index=out.index)
    return conform(out.loc[has_value], entity)


def _account_duplicates(frame: pd.DataFrame, raw: pd.DataFrame, fl: FileLayout, src_path: str, batch) -> tuple[pd.DataFrame, pd.Index]:  # type: ignore[no-untyped-def]
    """Exact duplicate lines are merged; a key that repeats with other content is a finding.

    Returns the frame without the merged lines and the source lines of the conflicting ones.
    """
    keyed = frame["legacy_key"].notna()
    dup = frame["legacy_key"].duplicated(keep=False) & keyed
    if not dup.any():
        return frame, pd.Index([], dtype="int64")
    content = pd.util.hash_pandas_object(raw.drop(columns="src_line").loc[dup], index=False)
    sub = pd.DataFrame({"key": frame.loc[dup, "legacy_key"], "h": content, "line": frame.loc[dup, "src_line"]})
    first_line = sub.groupby("key")["line"].transform("min")
    exact_repeat = sub.duplicated(subset=["key", "h"], keep="first")
    conflict = ~exact_repeat & sub.duplicated(subset=["key"], keep="first")
    # Merge exact repeats: the first line stays. Stewards still see them: a repeated
    # payment line may be a real double booking in the legacy system.
    repeat_index = sub.index[exact_repeat.to_numpy()]
    if len(repeat_index):
        reason = "exakte Doppelzeile von Zeile " + first_line[exact_repeat].astype(str)
        rows = frame.loc[repeat_index]
        batch.record(batch.merged, fl.entity, rows, reason.to_numpy())
        batch.findings.add_frame(rows_to_findings(rows, rule_id="key.exact_duplicate", severity=Severity.INFO,
                                                  message=reason + " zusammengeführt", source_system=batch.source_system,
                                                  entity=fl.entity, field="legacy_key", value=rows["legacy_key"]))
        frame = frame.drop(index=repeat_index)
    conflict_rows = frame.loc[sub.index[conflict.to_numpy()]]
    _report_conflicts(conflict_rows, fl.entity, batch, first_line[conflict])
    return frame, pd.Index(conflict_rows["src_line"])


def _report_conflicts(rows: pd.DataFrame, entity: str, batch, first_line: pd.Series | None = None) -> None:  # type: ignore[no-untyped-def]
    if not len(rows):
        return
    msg = "Schlüssel doppelt vergeben, mit anderem Inhalt" + ("" if first_line is None else " als Zeile " + first_line.astype(str))
    batch.findings.add_frame(rows_to_findings(rows, rule_id="key.duplicate", severity=Severity.ERROR, message=msg,
                                              source_system=batch.source_system, entity=entity, field="legacy_key",
                                              value=rows["legacy_key"]))


def _human_format(fmt: str) -> str:
    return fmt.replace("%d", "TT").replace("%m", "MM").replace("%Y", "JJJJ").replace("%y", "JJ")
