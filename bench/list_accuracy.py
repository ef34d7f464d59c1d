"""Accuracy of reading caseworkers' lists, against the generator's truth (issues #11 and #23).

    python bench/list_accuracy.py [--seed 1] [--rows 40] [--size small]

Three sets of lists:

* the demo lists (``jhmig.synth.generate``), read with the shipped mappings;
* lists the shipped mappings never saw (``jhmig.synth.lists_unseen``): every
  file first accounted for with the shipped mappings (which must name the
  files they do not read), then each file read with the mapping
  ``jhmig profile --suggest`` writes for it, as it is;
* the same kinds of list with service types written in a vocabulary held
  apart from the synonym tables (``bench/list_vocab_heldapart.py``): how the
  coding cascade generalises, without any steward decision; for the values it
  leaves to the steward, whether the right code is the first suggestion.

Printed: files read / not read, rows mapped or skipped with the right
reason, service-type accuracy per kind of free text, rate / unit / monthly
equivalent accuracy, closed-case accuracy, date accuracy, JGH outcome and
date accuracy, and values coded wrongly without a finding.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from jhmig.extract.excel_lists import extract_lists
from jhmig.extract.list_files import account_list_folder
from jhmig.extract.profile import profile_workbook, suggest_mapping
from jhmig.layout import MAPPINGS_DIR
from jhmig.list_mapping import ListMapping, load_list_mapping
from jhmig.records import ExtractResult
from jhmig.synth import generate
from jhmig.synth.lists_unseen import write_unseen_lists
from jhmig.transform import read_unified_code_lists
from jhmig.transform.list_rows import build_list_context, transform_lists
from jhmig.transform.synonyms import SynonymTable

sys.path.insert(0, str(Path(__file__).resolve().parent))
import list_vocab_blind as blind  # noqa: E402  (a second word list, written after the cascade, never tuned to)
import list_vocab_heldapart as heldapart  # noqa: E402  (the bench's own word list, held apart from the synonym tables)
from jhmig.synth.lists_unseen_rows import ServiceVocab  # noqa: E402

CODED_KINDS = ("exact", "synonym", "abbreviation", "typo", "default", "paragraph", "initialism", "transposed", "blind")
HELD_APART = ServiceVocab(texts=heldapart.SERVICE_TEXTS, kinds=heldapart.KINDS, ambiguous=heldapart.AMBIGUOUS,
                          not_a_service=heldapart.NOT_A_SERVICE, placeholders=heldapart.PLACEHOLDERS,
                          unmapped=heldapart.UNMAPPED, empty=heldapart.EMPTY)
BLIND = ServiceVocab(texts=blind.SERVICE_TEXTS, kinds=blind.KINDS)

SKIP_REASONS = {"empty": "leere Zeile", "subtotal": "Summenzeile", "note": "Hinweiszeile", "legend": "Legendenzeile",
                "legend_sheet": "Legendenblatt"}
Key = tuple[str, str, int]
_SAME_AS = re.compile(r"^gleicher Datensatz wie (?P<file>.+?), Blatt (?P<sheet>.*?), Zeile (?P<row>\d+)")


@dataclass
class Tally:
    counts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, name: str, ok: bool) -> None:
        self.counts[name][0] += int(ok)
        self.counts[name][1] += 1

    def lines(self, title: str) -> list[str]:
        out = [title]
        for name, (good, total) in sorted(self.counts.items()):
            out.append(f"  {name:<42} {good:>5} / {total:<5} {good / total if total else 1.0:7.3f}")
        return out


@dataclass
class Read:
    results: list[ExtractResult]
    tables: dict[str, SynonymTable] = field(default_factory=dict)  # field -> the synonym table the run coded it with

    def frame(self, entity: str) -> pd.DataFrame:
        parts = [r.batch.frames[entity] for r in self.results if entity in r.batch.frames]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["src_path", "src_sheet", "src_line"])

    def by_key(self, entity: str) -> dict[Key, pd.Series]:
        frame = self.frame(entity)
        return {(str(r.src_path), str(r.src_sheet), int(r.src_line)): r for r in frame.itertuples(index=False)}  # type: ignore[misc]

    def findings(self) -> dict[Key, set[tuple[str, str]]]:
        out: dict[Key, set[tuple[str, str]]] = defaultdict(set)
        for r in self.results:
            f = r.batch.findings.frame()
            for row in f[f["src_line"].notna()].itertuples(index=False):
                out[(str(row.src_path), str(row.src_sheet or ""), int(row.src_line))].add((row.rule_id, str(row.field)))
        return out

    def merged_into(self, entity: str) -> dict[Key, list[Key]]:
        """The first row of a record -> itself and the rows merged into it ("gleicher Datensatz wie ...")."""
        out: dict[Key, list[Key]] = defaultdict(list)
        for r in self.results:
            merged = r.batch.outcome_frame("merged")
            for row in merged[merged["entity"] == entity].itertuples(index=False):
                first = _SAME_AS.match(str(row.reason))
                if first:
                    head = (first["file"], first["sheet"], int(first["row"]))
                    out[head].append((str(row.src_path), str(row.src_sheet), int(row.src_line)))
        return {head: [head, *rows] for head, rows in out.items()}

    def placed(self) -> dict[Key, str]:
        """Every row the readers accounted for: "data" or the skip reason."""
        out: dict[Key, str] = {}
        for r in self.results:
            for table in r.tables:
                for line in table.frame.index:
                    out[(table.src_path, table.src_sheet, int(line))] = "data"
            skipped = r.batch.outcome_frame("skipped")
            for row in skipped.itertuples(index=False):
                out.setdefault((str(row.src_path), str(row.src_sheet), int(row.src_line)), str(row.reason))
        return out


def read_with(folder: Path, mappings: list[ListMapping], code_lists: pd.DataFrame) -> Read:
    results, tables = [], {}
    for mapping in mappings:
        result = extract_lists(folder, mapping)
        ctx = build_list_context(mapping, code_lists)
        transform_lists(result, ctx)
        results.append(result)
        tables.update(ctx.synonyms)
    return Read(results, tables)


def measure_rows(truth_rows: list[dict[str, Any]], read: Read, tally: Tally) -> None:
    placed = read.placed()
    persons = read.by_key("person")
    for row in truth_rows:
        got = placed.get((row["file"], row["sheet"], row["row"]))
        if row["kind"] == "data":
            tally.add("rows: data row mapped", got == "data")
            tally.add("rows: data row kept its child (person)", (row["file"], row["sheet"], row["row"]) in persons)
        else:
            tally.add(f"rows: {row['reason']} skipped with its reason", got == SKIP_REASONS.get(row["reason"], row["reason"]))


def measure_services(truth_rows: list[dict[str, Any]], read: Read, tally: Tally, wrong: list[str]) -> None:
    services, cases, findings = read.by_key("service"), read.by_key("case_file"), read.findings()
    truth_of = {(r["file"], r["sheet"], r["row"]): r for r in truth_rows if r["kind"] == "data"}
    case_rows = read.merged_into("case_file")
    for row in (r for r in truth_rows if r["kind"] == "data" and r["department"] == "ASD"):
        key = (row["file"], row["sheet"], row["row"])
        service, said = services.get(key), {rule for rule, fld in findings.get(key, ()) if fld in ("service_type", "None")}
        code = None if service is None or pd.isna(service.service_type) else str(service.service_type)
        kind = row["free_text_kind"]
        if kind in CODED_KINDS:
            ok = code == row["service_type"]
            if not ok and service is not None and code is None and "service_type" in read.tables:
                first = read.tables["service_type"].suggest(row["free_text"])
                tally.add("suggestion: right code first (values left to the steward)",
                          bool(first) and first[0].code == row["service_type"])
        elif kind == "empty":
            ok = code is None and not said & {"synonym.unmapped", "synonym.ambiguous"}
        elif kind == "ambiguous":
            ok = "synonym.ambiguous" in said or (bool(said & {"synonym.ambiguous_decided", "synonym.legend"})
                                                 and code == row["service_type"])
        elif kind == "not_a_service":
            ok = code is None and "synonym.not_a_value" in said
        elif kind == "placeholder":
            ok = code is None and "synonym.placeholder" in said
        else:
            ok = code is None and "synonym.unmapped" in said
        if kind == "ambiguous" and code is None and "service_type" in read.tables:
            first = read.tables["service_type"].suggest(row["free_text"], 2)
            tally.add("suggestion: right code among the two offered for an ambiguous value",
                      row["service_type"] in {c.code for c in first})
        tally.add(f"service type: {kind}", ok)
        if code is not None and code != row["service_type"] and not said:
            wrong.append(f"{key}: {row['free_text']!r} coded {code}, truth {row['service_type']}")
        case = cases.get(key)
        if case is not None:
            label = row.get("closed_by") or ("closed" if row["case_closed"] else "open")  # the demo truth says closed or not
            # a case on several rows (several helps) is closed when every one of its rows is
            closed = all(truth_of[r]["case_closed"] for r in case_rows.get(key, [key]) if r in truth_of)
            tally.add(f"closed case: {label}", (case.status == "closed") == closed)
        if service is not None and row.get("rate"):
            rate = row["rate"]
            tally.add("rate: amount (cents)", _eq(service.rate_cents, rate["cents"]))
            tally.add(f"rate: unit {rate['unit']}", _eq(service.rate_unit, rate["unit"]))
            tally.add("rate: monthly equivalent", _eq(service.rate_monthly_cents, rate["monthly_cents"]))
        if service is not None:
            _dates(tally, "start", service.start_date, service.date_precision, row.get("start"), findings.get(key, set()))
            _dates(tally, "end", service.end_date, service.date_precision, row.get("end"), findings.get(key, set()))


def measure_jgh(truth_rows: list[dict[str, Any]], read: Read, tally: Tally, wrong: list[str]) -> None:
    proceedings, findings = read.by_key("jgh_proceeding"), read.findings()
    for row in (r for r in truth_rows if r["kind"] == "data" and r["department"] == "JGH"):
        key = (row["file"], row["sheet"], row["row"])
        proc = proceedings.get(key)
        if proc is None:
            tally.add("jgh: row mapped", False)
            continue
        said = {rule for rule, fld in findings.get(key, ()) if fld == "outcome"}
        code = None if pd.isna(proc.outcome) else str(proc.outcome)
        kind = row["free_text_kind"] or "none"
        ok = code == row["outcome"] if kind in ("exact", "typo") else (code is None and (kind == "none" or "synonym.unmapped" in said))
        tally.add(f"jgh outcome: {kind}", ok)
        if code is not None and code != row["outcome"] and not said:
            wrong.append(f"{key}: {row['free_text']!r} coded {code}, truth {row['outcome']}")
        offence = row["offence_date"]
        if isinstance(offence, str):  # the demo truth holds the true day, whatever notation the row used
            written_month = isinstance(proc.date_precision, str) and "offence_date=month" in proc.date_precision
            offence = {"date": offence[:8] + "01" if written_month else offence, "precision": "month" if written_month else "day"}
        _dates(tally, "offence", proc.offence_date, proc.date_precision, offence, findings.get(key, set()))
        if "hearing" in row:
            _dates(tally, "hearing", proc.hearing_date, proc.date_precision, row["hearing"], findings.get(key, set()))


def _dates(tally: Tally, name: str, value: Any, precision: Any, truth: dict[str, Any] | None, said: set[tuple[str, str]]) -> None:
    if not truth:
        return
    stored = None if pd.isna(value) else pd.Timestamp(value).date().isoformat()
    field_name = {"start": "start_date", "end": "end_date", "offence": "offence_date", "hearing": "hearing_date"}[name]
    if truth.get("open"):
        tally.add(f"date: {name} open marker -> no date + info", stored is None and ("value.date_open", field_name) in said)
        return
    if truth.get("date") is None:
        return
    kept = str(precision) if isinstance(precision, str) else ""
    wanted = truth.get("precision")
    ok = stored == truth["date"] and ((f"{field_name}=" in kept) == (wanted in ("month", "year")) or wanted is None)
    tally.add(f"date: {name} ({wanted or 'day'})", ok)


def _eq(value: Any, wanted: Any) -> bool:
    if wanted is None:
        return value is None or pd.isna(value)
    return value is not None and not pd.isna(value) and value == wanted


def demo(root: Path, seed: int, size: str, code_lists: pd.DataFrame) -> list[str]:
    truth = generate(root / "demo", size, seed)["lists"]
    mappings = [load_list_mapping(MAPPINGS_DIR / "lists" / f"{n}.yaml") for n in ("asd", "jgh")]
    read = read_with(root / "demo" / truth["dir"], mappings, code_lists)
    tally, wrong = Tally(), []
    measure_rows(truth["rows"], read, tally)
    measure_services(truth["rows"], read, tally, wrong)
    measure_jgh(truth["rows"], read, tally, wrong)
    return tally.lines(f"demo lists (seed {seed}, {size}), shipped mappings:") + _wrong(wrong)


def unseen(root: Path, seed: int, rows: int, code_lists: pd.DataFrame, vocab: ServiceVocab | None = None,
           what: str = "held-apart vocabulary") -> list[str]:
    folder = what.split()[0] + "-lists"
    truth = write_unseen_lists(root, seed, rows, vocab, folder) if vocab else write_unseen_lists(root, seed, rows)
    folder = root / truth["dir"]
    shipped = [load_list_mapping(MAPPINGS_DIR / "lists" / f"{n}.yaml") for n in ("asd", "jgh")]
    account = account_list_folder(folder, shipped)
    tally, wrong = Tally(), []
    uncovered = {f.path for f in account.uncovered}
    for name, info in truth["files"].items():
        tally.add("files: accounted for (shipped mappings)", (name in uncovered) == (info["shipped_mapping"] is None))
    results, tables = [], {}
    for name in truth["files"]:
        suggested = ListMapping.model_validate(yaml.safe_load(suggest_mapping([profile_workbook(folder / name)])))
        one = read_with(folder, [suggested], code_lists)
        results += one.results
        tables.update(one.tables)
    read = Read(results, tables)
    measure_rows(truth["rows"], read, tally)
    measure_services(truth["rows"], read, tally, wrong)
    measure_jgh(truth["rows"], read, tally, wrong)
    not_read = ", ".join(sorted(uncovered)) or "-"
    what = what if vocab else "unseen lists"
    return [f"{what} (seed {seed}, {rows} rows a file): files not read by the shipped mappings: {not_read}",
            *tally.lines("  each file read with the mapping `jhmig profile --suggest` wrote for it:")] + _wrong(wrong)


def _wrong(wrong: list[str]) -> list[str]:
    return [f"  values coded wrongly without a finding: {len(wrong)}", *(f"    {w}" for w in wrong[:10])]


def held_apart_overlap() -> list[str]:
    """Texts of the held-apart vocabulary that a shipped synonym table names exactly (only the ambiguous kind may)."""
    from jhmig.transform.synonyms import normalize_free_text, read_synonym_rows

    codes = read_unified_code_lists()
    exact, _ = read_synonym_rows(MAPPINGS_DIR / "lists" / "synonyms" / "hilfeart.csv",
                                 set(codes.loc[codes["code_list"] == "service_type", "code"]))
    texts = [t for kinds in heldapart.SERVICE_TEXTS.values() for words in kinds.values() for t in words]
    texts += [*heldapart.NOT_A_SERVICE, *heldapart.PLACEHOLDERS, *heldapart.UNMAPPED]
    texts += [t for kinds in blind.SERVICE_TEXTS.values() for words in kinds.values() for t in words]
    return [t for t in texts if normalize_free_text(t) in exact]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--size", default="small")
    args = parser.parse_args(argv)
    code_lists = read_unified_code_lists()
    with tempfile.TemporaryDirectory(prefix="jhmig-list-accuracy-") as tmp:
        root = Path(tmp)
        lines = demo(root, args.seed, args.size, code_lists) + [""] + unseen(root, args.seed, args.rows, code_lists)
        overlap = held_apart_overlap()
        lines += ["", *unseen(root, args.seed, args.rows, code_lists, HELD_APART),
                  f"  held-apart texts a shipped synonym table names exactly: {len(overlap)} {overlap if overlap else ''}"]
        lines += ["", *unseen(root, args.seed, args.rows, code_lists, BLIND, "blind vocabulary (written after the cascade)")]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
