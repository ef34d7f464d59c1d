"""Builds the run's rule catalog: the ids other stages emit, the domain rules and the column expectations.

The catalog record itself (:class:`jhmig.catalog.RuleCatalog`) lives in the
core, so that the reports read it without importing this stage.

Regenerate the document with ``python -m jhmig.validation.catalog > docs/rules.md``.
"""

from __future__ import annotations

import sys

from jhmig.catalog import RuleCatalog, RuleEntry
from jhmig.stage_rules import STAGE_RULES
from jhmig.validation.expectations import ExpectationSpec, load_expectations
from jhmig.validation.model import Rule
from jhmig.validation.rules import RULES


def rule_catalog(rules: tuple[Rule, ...] = RULES, specs: tuple[ExpectationSpec, ...] | None = None) -> RuleCatalog:
    """Every rule id with severity, entity, field, stage, German title and fix."""
    specs = load_expectations() if specs is None else specs
    domain = [RuleEntry(rule_id=r.rule_id, severity=str(r.severity), entity=r.entity, field=r.field or "",
                        stage="validation", title=r.title, fix=r.fix) for r in rules]
    expectations = [RuleEntry(rule_id=s.rule_id, severity=str(s.severity), entity=s.table, field=s.column,
                              stage="expectation", title=s.message, fix=s.fix) for s in specs]
    return RuleCatalog([*STAGE_RULES, *domain, *expectations])


if __name__ == "__main__":
    sys.stdout.write(rule_catalog().markdown())
