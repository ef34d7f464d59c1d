"""How well do the checks find what the synthetic generator planted?

    python bench/rule_accuracy.py                    # small data set, seed 1
    python bench/rule_accuracy.py --size medium --seed 2 --work /tmp/jhmig-acc

Generates the data set with ``jhmig.synth.generate`` (``<work>/legacy`` and
``<work>/truth.json``, see docs/truth.md), runs extract + transform +
validation + quarantine in-process (as the pipeline does, without a database)
and prints per planted defect kind the rule ids expected to report it,

* recall: planted defects reported by one of those rules on the planted file
  and line (ZAHLUNGEN.DAT: record number), and
* precision: findings of those rules that sit on a planted defect of the kind;
  findings that sit on another planted defect, on a record a planted defect
  names as related, on a record the truth lists as a deliberate feature
  (e.g. a trailing-minus rate), or that follow from the quarantine cascade
  count as explained; the rest are printed as unexplained (keys and lines only).

Then the same for the rule ids no defect kind maps to, and the timings.
Console output carries keys, lines and counts only (Sozialdaten).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

#: Which rule ids are to report a planted defect kind. None: no rule's job (matching stage).
EXPECTED: dict[str, tuple[str, ...] | None] = {
    "duplicate_person": ("person.possible_duplicate",),  # flagged, not merged: merging is record linkage
    "provider_spelling_variant": ("provider.possible_duplicate",),
    "duplicate_record": ("merged",),  # transform merges exact repeats (an outcome, not a finding)
    "conflicting_key": ("key.duplicate",),
    "dangling_case_ref": ("ref.missing",),
    "dangling_person_ref": ("ref.missing",),
    "dangling_service_ref": ("ref.missing",),
    "dangling_provider_ref": ("ref.missing",),
    "end_before_start": ("date.end_before_start",),
    "service_before_birth": ("date.before_birth",),
    "invalid_date": ("value.invalid_date",),
    "retired_code": ("code.retired", "code.retired_kept"),
    "unknown_code": ("code.unknown", "value.invalid_flag"),  # RUECKGRIFF: not J/N
    "invalid_iban": ("iban.checksum",),
    "plz_4_digits": ("address.plz_4_digits",),
    "unparseable_amount": ("value.invalid_amount",),
    "mojibake": ("text.mojibake",),
    "uvg_overlaps_placement": ("uvg.overlaps_placement",),
    "age_limit": ("age.hze_adult_at_start", "age.sec41_minor_at_start", "age.uvg_adult_at_start"),
    "overlapping_services": ("service.overlapping",),
    "payment_outside_period": ("payment.outside_service", "payment.outside_claim"),
    "manifest_mismatch": ("manifest.mismatch",),
    # the defect matrix (issue 21)
    "implausible_date": ("gx.person.birth_date_plausible", "gx.case_file.opened_on_plausible", "gx.person.created_on_plausible",
                         "gx.person.changed_on_plausible", "gx.participant.valid_from_plausible"),
    "unknown_date_not_allowed": ("gx.service.start_date_not_null", "gx.uvg_claim.start_date_not_null",
                                 "gx.case_file.opened_on_not_null", "gx.participant.valid_from_not_null"),
    "date_notation": (),  # 1.1.2019: read as the day it is, no rule's job
    "noisy_text": (),  # spaces trimmed, ';' quotes and line breaks kept: loaded as written
    "negative_payment": (),
    "payment_without_service": (),
}
#: age_limit defects say which limit they break (truth detail "rule").
AGE_RULE = {"hze_after_18": "age.hze_adult_at_start", "sec41_under_18": "age.sec41_minor_at_start",
            "uvg_after_18": "age.uvg_adult_at_start"}
CASCADE = {"ref.depends_on_quarantined"}

Location = tuple[str, int]


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="jhmig-accuracy-"))
    timings: dict[str, float] = {}
    truth = _generate(work, args.size, args.seed, timings)
    findings, merged, quarantined, validation = _run(work / "legacy", work / "run", timings, expectations=not args.no_expectations)
    defects = truth["defects"]
    print(f"data set: {args.size}, seed {args.seed}, {len(defects)} planted defects, {len(findings)} findings ({work})")
    print()
    features = _feature_locations(truth)
    _report_kinds(defects, findings, merged, features, args.show)
    _report_other_rules(defects, findings, features, args.show)
    _report_overpayments(defects, findings)
    print()
    print("timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
    if validation.expectations is not None:
        print(f"expectations: {len(validation.expectations.summary)} run, {len(validation.expectations.failed)} not met; "
              f"results {validation.expectations.results_path}")
    print(f"quarantined records: {len(quarantined)}")
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="small", choices=("small", "medium", "large"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="folder for the data set and run files (default: a new temp folder)")
    parser.add_argument("--no-expectations", action="store_true", help="domain rules only (no great-expectations)")
    parser.add_argument("--show", type=int, default=5, help="unexplained findings to list per rule")
    return parser.parse_args(argv)


# -- the run -------------------------------------------------------------------------------------------


def _generate(work: Path, size: str, seed: int, timings: dict[str, float]) -> dict[str, Any]:
    truth_path = work / "truth.json"
    if truth_path.is_file():
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if truth.get("size") == size and truth.get("seed") == seed:
            return truth  # same data set: reuse it
    from jhmig.synth import generate

    started = time.perf_counter()
    truth = generate(work, size, seed)
    timings["generate"] = time.perf_counter() - started
    return truth


def _run(legacy: Path, run_dir: Path, timings: dict[str, float], *, expectations: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Any]:
    from jhmig.extract import extract_export
    from jhmig.layout import load_layout
    from jhmig.quarantine import quarantine_batch
    from jhmig.transform import build_context, read_unified_code_lists, transform_extract
    from jhmig.validation import export_date, validate

    started = time.perf_counter()
    layout = load_layout()
    extract = extract_export(legacy, layout)
    code_lists = read_unified_code_lists()
    transform_extract(extract, build_context(layout, extract, code_lists))
    batch = extract.batch
    timings["extract+transform"] = time.perf_counter() - started

    as_of = export_date(extract.manifest.export_date)
    validation = validate(batch, code_lists, run_dir, expectations=expectations, as_of=as_of, data_docs=False)
    timings.update({f"validate.{k}": v for k, v in validation.seconds.items()})
    started = time.perf_counter()
    batch.findings.add_frame(validation.findings)
    quarantine_batch(batch)
    timings["quarantine"] = time.perf_counter() - started
    return batch.findings.frame(), batch.outcome_frame("merged"), batch.outcome_frame("quarantined"), validation


# -- scoring -------------------------------------------------------------------------------------------


def _locations(frame: pd.DataFrame) -> set[Location]:
    rows = frame.dropna(subset=["src_line"])
    return set(zip(rows["src_path"].astype(str), rows["src_line"].astype(int), strict=True))


def _defect_location(defect: dict[str, Any]) -> Location:
    return (defect["file"], int(defect["line"] or 0))


def _feature_locations(truth: dict[str, Any]) -> set[Location]:
    """Records the generator lists as deliberate features (e.g. trailing-minus amounts: negative rates)."""
    out: set[Location] = set()
    for items in truth.get("features", {}).values():
        if isinstance(items, list):
            out.update((i["file"], int(i["line"])) for i in items if isinstance(i, dict) and i.get("line"))
    return out


def _explained(defects: Iterable[dict[str, Any]], features: set[Location]) -> set[Location]:
    """Every planted record, every record a planted defect names as related, every listed feature."""
    out: set[Location] = set(features)
    for d in defects:
        out.add(_defect_location(d))
        out.update((r["file"], int(r["line"])) for r in d.get("related", []) if r.get("line"))
    return out


def _report_kinds(defects: list[dict[str, Any]], findings: pd.DataFrame, merged: pd.DataFrame, features: set[Location],
                  show: int) -> None:
    explained = _explained(defects, features)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for d in defects:
        by_kind.setdefault(d["kind"], []).append(d)
    print(f"{'defect kind':<26} {'rule id(s)':<58} {'planted':>7} {'found':>6} {'recall':>7} {'findings':>8} {'on kind':>7} "
          f"{'explain':>7} {'unexpl':>6} {'precision':>9}")
    for kind, items in sorted(by_kind.items()):
        rules = EXPECTED.get(kind, ())
        if rules is None:
            print(f"{kind:<26} {'(no validation rule: record linkage)':<58} {len(items):>7}")
            continue
        if rules == ():
            print(f"{kind:<26} {'(no rule: to be loaded as written)':<58} {len(items):>7}")
            continue
        if rules == ("merged",):
            found = sum(1 for d in items if _defect_location(d) in _locations(merged))
            print(f"{kind:<26} {'(merged by transform)':<58} {len(items):>7} {found:>6} {found / len(items):>7.3f}")
            continue
        ours = findings[findings["rule_id"].isin(rules)]
        found = 0
        for d in items:
            want = (AGE_RULE[d["detail"]["rule"]],) if kind == "age_limit" else rules
            if _defect_location(d) in _locations(ours[ours["rule_id"].isin(want)]):
                found += 1
        planted = {_defect_location(d) for d in items}
        located = list(zip(ours["src_path"].astype(str), ours["src_line"].fillna(0).astype(int), strict=True))
        on_kind = sum(1 for loc in located if loc in planted)
        other = sum(1 for loc in located if loc not in planted and loc in explained)
        unexplained = [(loc, r) for loc, r in zip(located, ours.itertuples(), strict=True) if loc not in explained]
        precision = (on_kind + other) / len(located) if located else float("nan")
        print(f"{kind:<26} {', '.join(rules):<58} {len(items):>7} {found:>6} {found / len(items):>7.3f} {len(located):>8} "
              f"{on_kind:>7} {other:>7} {len(unexplained):>6} {precision:>9.3f}")
        _show_unexplained(unexplained, show)


def _report_other_rules(defects: list[dict[str, Any]], findings: pd.DataFrame, features: set[Location], show: int) -> None:
    mapped = {r for rules in EXPECTED.values() if rules for r in rules}
    explained = _explained(defects, features)
    rest = findings[~findings["rule_id"].isin(mapped)]
    if not len(rest):
        return
    print()
    print(f"{'other rule id':<42} {'severity':<8} {'findings':>8} {'explained':>9} {'unexpl':>6}")
    for (rule_id, severity), part in rest.groupby(["rule_id", "severity"]):
        located = list(zip(part["src_path"].astype(str), part["src_line"].fillna(0).astype(int), strict=True))
        cascade = rule_id in CASCADE
        unexplained = [] if cascade else [(loc, r) for loc, r in zip(located, part.itertuples(), strict=True) if loc not in explained]
        note = " (cascade of the quarantine)" if cascade else ""
        if str(rule_id).endswith("_not_null") and unexplained:
            # An empty source field is what the expectation reports; the generator leaves some
            # fields empty on purpose (truth features count them) without listing the records.
            note = f" ({len(unexplained)} empty in the source without a planted defect: generated unknowns)"
        print(f"{rule_id:<42} {severity:<8} {len(part):>8} {len(part) - len(unexplained):>9} {len(unexplained):>6}{note}")
        _show_unexplained(unexplained, show)


def _show_unexplained(unexplained: list[tuple[Location, Any]], show: int) -> None:
    for (path, line), row in unexplained[:show]:
        print(f"{'':<28}- {row.rule_id} {row.entity} {path}:{line} key {row.legacy_key} field {row.field}")
    if len(unexplained) > show:
        counts = Counter(r.rule_id for _, r in unexplained)
        print(f"{'':<28}  ... {len(unexplained) - show} more ({', '.join(f'{k} {v}' for k, v in counts.items())})")


def _report_overpayments(defects: list[dict[str, Any]], findings: pd.DataFrame) -> None:
    """The UVG overpayment: does the finding name the planted placement and the planted amount?"""
    planted = [d for d in defects if d["kind"] == "uvg_overlaps_placement"]
    if not planted:
        return
    from jhmig.validation.frames import de_euro

    ours = findings[findings["rule_id"] == "uvg.overlaps_placement"]
    same_service = same_amount = 0
    for d in planted:
        rows = ours[(ours["src_path"] == d["file"]) & (ours["src_line"] == d["line"])]
        rows = rows[rows["value"].str.endswith(f"Leistung {d['detail']['service']}")]
        if len(rows):
            same_service += 1
            euro = de_euro(pd.Series([d["detail"]["overpaid_cents"]], dtype="Int64")).iloc[0]
            same_amount += int(rows["message"].str.contains(euro, regex=False).any())
    print(f"\nuvg.overlaps_placement: {same_service}/{len(planted)} name the planted placement, "
          f"{same_amount}/{len(planted)} the planted overpaid amount")


if __name__ == "__main__":
    sys.exit(main())
