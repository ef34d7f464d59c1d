"""What a domain rule is: a stable id, a severity, German texts and a vectorised check.

A check gets the entity frame it is registered for and the :class:`RuleContext`
(all frames of the batch, the unified code lists, the reference date) and
returns :class:`Hits`: the index labels of the offending rows, optionally with
a message and a value per hit. One row may be hit more than once (e.g. a UVG
claim overlapping two placements): every hit becomes one finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from jhmig.records import Severity
from jhmig.validation.frames import birth_dates, first_by_key


Describe = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Hits:
    """Rows a rule fires on: index labels of the entity frame, with per-hit texts."""

    index: pd.Index
    message: pd.Series | None = None  # German; positional with ``index``; None: the rule's title
    value: pd.Series | None = None  # positional with ``index``; None: the rule's field

    @staticmethod
    def none() -> Hits:
        return Hits(pd.Index([]))

    @staticmethod
    def where(mask: pd.Series, data: pd.DataFrame, message: Describe | None = None, value: Describe | None = None) -> Hits:
        """Hits for the rows of ``data`` where ``mask`` holds.

        ``message``/``value`` build the texts from the hit rows only: formatting
        dates for two million payments to report five of them would dominate
        the run time.
        """
        rows = data[mask.reindex(data.index).fillna(False).astype(bool).to_numpy()]
        return Hits(
            rows.index,
            None if message is None or not len(rows) else message(rows).reset_index(drop=True),
            None if value is None or not len(rows) else value(rows).reset_index(drop=True),
        )

    def __len__(self) -> int:
        return len(self.index)


@dataclass
class RuleContext:
    """Everything a rule may look at besides its own frame."""

    frames: Mapping[str, pd.DataFrame]
    code_lists: pd.DataFrame
    as_of: dt.date | None = None  # export date: lets rules judge records that are still open
    # The merged picture: rows of other sources that describe this source's persons (the matching stage's
    # clusters), visible to rules that look beyond their own frame, never judged themselves.
    context: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    def frame(self, entity: str) -> pd.DataFrame | None:
        frame = self.frames.get(entity)
        return frame if frame is not None and len(frame) else None

    def frame_with_context(self, entity: str) -> pd.DataFrame | None:
        """The entity's frame plus the rows of other sources about the same persons (merged picture)."""
        own, extra = self.frame(entity), self.context.get(entity)
        if extra is None or not len(extra):
            return own
        return extra.reset_index(drop=True) if own is None else pd.concat([own, extra], ignore_index=True)

    @cached_property
    def births(self) -> pd.DataFrame:
        """Birth dates by person key (a merged record's key gives its person's date)."""
        frames = dict(self.frames)
        persons = self.frame_with_context("person")
        if persons is not None:
            frames["person"] = persons
        return birth_dates(frames)

    def by_key(self, entity: str) -> pd.DataFrame:
        """The entity's frame indexed by legacy key, first line per key (cached per run)."""
        key = f"by_key:{entity}"
        if key not in self._cache:
            frame = self.frames.get(entity)
            self._cache[key] = first_by_key(frame) if frame is not None else pd.DataFrame()
        return self._cache[key]  # type: ignore[return-value]

    def code_label(self, code_list: str) -> pd.Series:
        """German labels of a unified code list, by code."""
        rows = self.code_lists[self.code_lists["code_list"] == code_list]
        return rows.set_index("code")["label_de"]

    @property
    def as_of_ts(self) -> pd.Timestamp | None:
        return pd.Timestamp(self.as_of) if self.as_of is not None else None


Check = Callable[[pd.DataFrame, RuleContext], Hits]


@dataclass(frozen=True)
class Rule:
    """One domain rule on one entity. The same id may be registered for several entities."""

    rule_id: str
    entity: str
    severity: Severity
    title: str  # German: what is wrong, for reports and docs/rules.md
    fix: str  # German: what a data steward can do about it
    check: Check
    field: str | None = None  # the field the finding points at
    needs: tuple[str, ...] = ()  # columns the check reads from its own frame (skip the rule if absent)
