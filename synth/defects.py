"""The log of planted defects and its translation into truth.json entries.

A defect points at its record through the ``Row`` (or the model object whose
``row`` it became); key, line and the written value are read only when the
files are written, so later changes to a row can never make the truth stale.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jhmig.synth.layout import DATA_FILES, record_key
from jhmig.synth.writers import Row

KINDS: tuple[str, ...] = (
    "duplicate_person", "duplicate_record", "conflicting_key", "dangling_case_ref", "dangling_person_ref",
    "dangling_service_ref", "dangling_provider_ref", "end_before_start", "service_before_birth", "invalid_date",
    "retired_code", "unknown_code", "invalid_iban", "plz_4_digits", "unparseable_amount", "mojibake",
    "provider_spelling_variant", "uvg_overlaps_placement", "age_limit", "overlapping_services",
    "payment_outside_period", "manifest_mismatch",
    # the defect matrix (defects_matrix.py, payments.py)
    "date_notation", "implausible_date", "unknown_date_not_allowed", "noisy_text", "negative_payment",
    "payment_without_service",
)


def _row_of(target: Any) -> Row | None:
    if target is None or isinstance(target, Row):
        return target
    return getattr(target, "row", None)


@dataclass
class Ref:
    """A related record: a row (or model object with one), or just a key."""

    file: str
    target: Any = None
    key: str | None = None
    record_no: int | None = None

    def resolve(self) -> dict[str, Any]:
        row = _row_of(self.target)
        if row is not None:
            return {"file": self.file, "key": record_key(self.file, row.values), "line": row.line}
        out: dict[str, Any] = {"file": self.file, "key": self.key}
        if self.record_no is not None:
            out["line"] = self.record_no
        return out


@dataclass
class Defect:
    kind: str
    file: str
    target: Any = None  # Row or model object (text files)
    record_no: int | None = None  # ZAHLUNGEN.DAT: record number
    key: str | None = None  # ZAHLUNGEN.DAT: ZAHL_NR
    field: str | None = None
    value: str | None = None  # None: the row's value of ``field`` as written
    # dataclasses.field: the attribute named ``field`` shadows the function in the class body
    related: list[Ref] = dataclasses.field(default_factory=list)
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)

    def resolve(self) -> dict[str, Any]:
        row = _row_of(self.target)
        if row is not None:
            key: str | None = record_key(self.file, row.values)
            line: int | None = row.line
            value = self.value if self.value is not None or self.field is None else row.values.get(self.field)
        else:
            key, line, value = self.key, self.record_no, self.value
        # Detail values may be callables: keys are only known once records are numbered.
        detail = {k: (v() if callable(v) else v) for k, v in self.detail.items()}
        return {
            "id": "", "kind": self.kind, "file": self.file, "line": line, "key": key, "field": self.field,
            "value": value, "related": [r.resolve() for r in self.related], "detail": detail,
        }


class DefectLog:
    def __init__(self) -> None:
        self.items: list[Defect] = []

    def add(self, kind: str, file: str, target: Any = None, **kwargs: Any) -> Defect:
        assert kind in KINDS, kind
        defect = Defect(kind, file, target, **kwargs)
        self.items.append(defect)
        return defect

    def resolve(self) -> list[dict[str, Any]]:
        """Truth entries ordered by file and line, numbered D000001..."""
        order = {name: i for i, name in enumerate(DATA_FILES)}
        entries = [d.resolve() for d in self.items]
        entries.sort(key=lambda e: (order.get(e["file"], 99), e["line"] or 0, e["kind"], str(e["key"])))
        for number, entry in enumerate(entries, start=1):
            entry["id"] = f"D{number:06d}"
        return entries


RESERVED = "reserved"  # taint of records that other defects depend on (must stay as they are)


def claim(target: Any, kind: str) -> bool:
    """Marks a record (row or model object) as carrying ``kind``; False if it already carries a defect."""
    if getattr(target, "taint", None) is not None:
        return False
    target.taint = kind
    return True


def wanted(share: float, population: int, minimum: int = 1) -> int:
    """How many records get a defect: a share of the population, but at least ``minimum``."""
    return max(minimum, round(share * population))


class FreeRows:
    """Draws rows of the legacy files that no other defect touched (``Row.taint``)."""

    def __init__(self, rows: dict[str, list[Row]], rng: random.Random) -> None:
        self.rows = rows
        self.rng = rng

    def free(self, file: str, test: Callable[[Row], bool] = lambda r: True) -> list[Row]:
        return [r for r in self.rows[file] if r.taint is None and test(r)]

    def pick(self, file: str, count: int, test: Callable[[Row], bool] = lambda r: True) -> list[Row]:
        candidates = self.free(file, test)
        return self.rng.sample(candidates, min(count, len(candidates)))

    def each(self, file: str, count: int, test: Callable[[Row], bool], plant: Callable[[Row, int], bool]) -> None:
        """Tries free rows in random order until ``count`` of them took the defect."""
        candidates = self.free(file, test)
        done = 0
        for row in self.rng.sample(candidates, len(candidates)):
            if done >= count:
                break
            done += plant(row, done)
