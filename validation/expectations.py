"""The column expectations, declared as data in ``expectations.yaml``.

This module parses and checks the declarations and resolves their arguments
(value sets from the unified code lists, dates); it does not import
great-expectations. :mod:`jhmig.validation.gx_runner` turns them into GX
expectations and runs them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jhmig.entities import entity_specs
from jhmig.errors import ConfigError
from jhmig.records import Severity

EXPECTATIONS_PATH = Path(__file__).with_name("expectations.yaml")

#: GX severity levels (GX 1.x expectations carry one; data docs show it).
GX_SEVERITY: dict[Severity, str] = {Severity.ERROR: "critical", Severity.WARNING: "warning", Severity.INFO: "info"}

#: Expectations whose result is about the whole column (no unexpected rows).
COLUMN_LEVEL = frozenset({"ExpectColumnValuesToBeInTypeList", "ExpectColumnValuesToBeOfType", "ExpectColumnToExist"})


class ExpectationSpec(BaseModel):
    """One declared expectation on one column of one unified table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str
    column: str
    expectation: str = Field(pattern=r"^Expect[A-Za-z]+$")  # the GX 1.x class name
    kwargs: dict[str, Any] = Field(default_factory=dict)
    severity: Severity
    rule_id: str = Field(pattern=r"^gx\.[a-z_]+\.[a-z0-9_]+$")
    message: str  # German, for data stewards
    fix: str  # German: what a steward can do

    @field_validator("kwargs")
    @classmethod
    def _no_column_kwarg(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "column" in value:
            raise ValueError("the column is given by 'column', not in kwargs")
        return value

    @property
    def column_level(self) -> bool:
        return self.expectation in COLUMN_LEVEL


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    expectations: list[ExpectationSpec]


def load_expectations(path: Path = EXPECTATIONS_PATH, extra_tables: dict[str, tuple[str, ...]] | None = None) -> tuple[ExpectationSpec, ...]:
    """Read and check the declarations: known tables and columns, unique rule ids.

    ``extra_tables`` names tables that are not (yet) in the schema with their
    columns, e.g. ``{"jgh_proceeding": ("person_key", "offence_date")}``.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        specs = _File.model_validate(raw).expectations
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path.name}: {exc}") from exc
    columns = {name: set(spec.frame_columns) for name, spec in entity_specs().items()}
    for table, cols in (extra_tables or {}).items():
        columns.setdefault(table, set()).update(cols)
    problems = []
    for spec in specs:
        if spec.table not in columns:
            problems.append(f"{spec.rule_id}: unknown table {spec.table!r}")
        elif spec.column not in columns[spec.table]:
            problems.append(f"{spec.rule_id}: table {spec.table} has no column {spec.column!r}")
        if not spec.rule_id.startswith(f"gx.{spec.table}."):
            problems.append(f"{spec.rule_id}: rule id must start with gx.{spec.table}.")
    repeated = [rule for rule, n in Counter(s.rule_id for s in specs).items() if n > 1]
    problems += [f"{rule}: rule id declared more than once" for rule in repeated]
    if problems:
        raise ConfigError(f"{path.name}: " + "; ".join(problems))
    return tuple(specs)


def resolve_kwargs(spec: ExpectationSpec, code_lists: pd.DataFrame) -> dict[str, Any]:
    """The GX kwargs: ``{code_list: name}`` becomes that list's codes, dates become timestamps."""
    return {name: _resolve(spec, value, code_lists) for name, value in spec.kwargs.items()}


def _resolve(spec: ExpectationSpec, value: Any, code_lists: pd.DataFrame) -> Any:
    if isinstance(value, dict) and set(value) == {"code_list"}:
        codes = code_lists.loc[code_lists["code_list"] == value["code_list"], "code"]
        if not len(codes):
            raise ConfigError(f"{spec.rule_id}: unknown code list {value['code_list']!r}")
        return sorted(codes.astype(str).unique())
    if isinstance(value, dt.date):
        # The runner hands GX datetime64[ns] columns, which compare with Timestamps.
        return pd.Timestamp(value)
    return value


def expectations_by_table(specs: tuple[ExpectationSpec, ...]) -> dict[str, list[ExpectationSpec]]:
    grouped: dict[str, list[ExpectationSpec]] = {}
    for spec in specs:
        grouped.setdefault(spec.table, []).append(spec)
    return grouped
