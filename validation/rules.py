"""The registry of domain rules and the loop that runs them.

Each rule has a stable id, a severity (error: the record is quarantined;
warning: loaded and flagged), a German title, the fix a steward can make and a
vectorised check (see :mod:`jhmig.validation.model`). The rules themselves live
in one module per concern; this module only lists them, in report order.

Rule ids of other stages (``value.*``, ``code.*``, ``key.*`` from transform,
``ref.*`` from :mod:`jhmig.quarantine`) are listed in
:mod:`jhmig.stage_rules`, so that ``docs/rules.md`` shows every id.
"""

from __future__ import annotations

import time

import pandas as pd

from jhmig.records import FINDING_COLUMNS, rows_to_findings
from jhmig.validation import rules_ages, rules_dates, rules_duplicates, rules_periods, rules_values
from jhmig.validation.model import Hits, Rule, RuleContext

RULES: tuple[Rule, ...] = (
    *rules_dates.RULES,
    *rules_ages.RULES,
    *rules_periods.RULES,
    *rules_values.RULES,
    *rules_duplicates.RULES,
)


def empty_findings() -> pd.DataFrame:
    frame = pd.DataFrame(columns=list(FINDING_COLUMNS))
    frame["src_line"] = frame["src_line"].astype("Int64")
    return frame


def run_rule(rule: Rule, ctx: RuleContext, source_system: str) -> pd.DataFrame | None:
    """Findings of one rule, or None when its entity (or a column it needs) is absent."""
    frame = ctx.frame(rule.entity)
    if frame is None or any(c not in frame.columns for c in rule.needs):
        return None
    if not frame.index.is_unique:  # hits are index labels
        frame = frame.reset_index(drop=True)
    hits: Hits = rule.check(frame, ctx)
    if not len(hits):
        return empty_findings()
    rows = frame.loc[hits.index]
    if hits.value is not None:
        value = hits.value.astype("string")
    elif rule.field and rule.field in rows:
        value = rows[rule.field].astype("string")
    else:
        value = None
    message = hits.message.astype("string").fillna(rule.title) if hits.message is not None else rule.title
    return rows_to_findings(rows, rule_id=rule.rule_id, severity=rule.severity, message=message,
                            source_system=source_system, entity=rule.entity, field=rule.field, value=value)


def run_rules(ctx: RuleContext, source_system: str, rules: tuple[Rule, ...] = RULES,
              timings: dict[str, float] | None = None) -> pd.DataFrame:
    """Findings of every rule (does not quarantine); ``timings`` collects seconds per rule id and entity."""
    parts: list[pd.DataFrame] = []
    for rule in rules:
        started = time.perf_counter()
        found = run_rule(rule, ctx, source_system)
        if timings is not None:
            key = f"{rule.rule_id}@{rule.entity}"
            timings[key] = timings.get(key, 0.0) + time.perf_counter() - started
        if found is not None and len(found):
            parts.append(found)
    if not parts:
        return empty_findings()
    out = pd.concat(parts, ignore_index=True)
    out["src_line"] = out["src_line"].astype("Int64")
    return out
