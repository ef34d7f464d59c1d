"""The rule catalog: every rule id a run can report, with the stewards' title and fix.

One catalog serves every reader: the HTML report, the work list and
``docs/rules.md`` (:meth:`RuleCatalog.markdown`). The validation stage builds
it (:func:`jhmig.validation.rule_catalog`) from its domain rules, its column
expectations and :data:`jhmig.stage_rules.STAGE_RULES`; the orchestrator hands it
to the reports, which never look it up themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

CATALOG_COLUMNS = ("rule_id", "severity", "entity", "field", "stage", "title", "fix")
STAGE_DE = {"extract": "Einlesen", "transform": "Umsetzung", "match": "Abgleich", "validation": "Prüfregel",
            "expectation": "Spaltenerwartung (GX)", "integrity": "Verweisprüfung", "pipeline": "Lauf"}
ANY_ENTITY = "*"

# Rule ids made at run time (one per GX expectation type, ...) that no entry names exactly.
_PREFIX_TEXTS = {
    "gx.": ("Spaltenprüfung", "Wert prüfen und korrigieren"),
    "extract.": ("Hinweis beim Lesen der Quelle", "nur zur Kenntnis"),
    "correction.": ("Korrektur", "Korrekturdatei prüfen"),
}


# Rules whose title differs per entity, as one title over all of them (trend rows are per rule, not per entity).
_GENERAL_TITLES = {
    "date.end_before_start": "Ende liegt vor dem Beginn (Zeitraum, Leben, Akte)",
    "date.before_birth": "Beginn liegt vor der Geburt des jungen Menschen",
}


@dataclass(frozen=True, kw_only=True)
class RuleEntry:
    """One rule id for one entity (``*``: any entity) with the German title and fix."""

    rule_id: str
    severity: str
    entity: str
    stage: str
    title: str
    fix: str
    field: str = ""


class RuleCatalog:
    """Texts by (rule id, entity), falling back to the rule id alone, then to the id's stage prefix."""

    def __init__(self, entries: Iterable[RuleEntry]) -> None:
        self.entries = tuple(entries)
        self._exact: dict[tuple[str, str], RuleEntry] = {}
        for entry in self.entries:
            self._exact.setdefault((entry.rule_id, entry.entity), entry)
            self._exact.setdefault((entry.rule_id, ""), entry)  # any entity's text beats none

    def get(self, rule_id: str, entity: str | None = None) -> RuleEntry:
        found = (self._exact.get((rule_id, entity or "")) or self._exact.get((rule_id, ANY_ENTITY))
                 or self._exact.get((rule_id, "")))
        if found is not None:
            return found
        title, fix = next((t for p, t in _PREFIX_TEXTS.items() if rule_id.startswith(p)), (rule_id, ""))
        return RuleEntry(rule_id=rule_id, severity="", entity=entity or "", stage="", title=title, fix=fix)

    def general_title(self, rule_id: str) -> str:
        """A title that fits every entity of the rule: trend rows count a rule over all entities.

        ``date.end_before_start`` is "Sterbedatum liegt vor dem Geburtsdatum" for a person but
        "Leistung endet vor ihrem Beginn" for a service; over both it is "Ende liegt vor dem Beginn".
        """
        titles = list(dict.fromkeys(e.title for e in self.entries if e.rule_id == rule_id))
        if len(titles) <= 1:
            return titles[0] if titles else self.get(rule_id).title
        return _GENERAL_TITLES.get(rule_id) or " / ".join(titles)

    def frame(self) -> pd.DataFrame:
        rows = [[getattr(e, c) for c in CATALOG_COLUMNS] for e in self.entries]
        return pd.DataFrame(rows, columns=list(CATALOG_COLUMNS))

    def with_fixes(self, findings: pd.DataFrame) -> pd.DataFrame:
        """Findings with the catalog's ``fix`` column (by rule id and entity, else by rule id)."""
        pairs = findings[["rule_id", "entity"]].astype(object).drop_duplicates()
        fixes = {(r, e): self.get(str(r), None if pd.isna(e) else str(e)).fix for r, e in pairs.itertuples(index=False)}
        keys = zip(findings["rule_id"].astype(object), findings["entity"].astype(object), strict=True)
        return findings.assign(fix=[fixes[k] for k in keys])

    def markdown(self) -> str:
        """docs/rules.md: one table per stage; a rule registered for several fields of an entity is one row."""
        catalog = self.frame()
        lines = [
            "# Rules: what a migration run checks",
            "",
            "Generated from the rule catalog by `python -m jhmig.validation.catalog > docs/rules.md`;",
            "`tests/test_rules.py` fails when this file is out of date. Severity: **error** = the record",
            "goes to the quarantine (and records that depend on it follow: `ref.depends_on_quarantined`),",
            "**warning** = loaded and flagged, **info** = noted. Titles and fixes are German because data",
            "stewards read them; `stage` tells which part of jhmig emits the finding. The HTML report and",
            "the work list show the same titles and fixes.",
            "",
        ]
        for stage, name in STAGE_DE.items():
            part = catalog[catalog["stage"] == stage]
            if not len(part):
                continue
            grouped = (part.groupby(["rule_id", "severity", "entity", "title", "fix"], sort=False)["field"]
                       .agg(lambda f: ", ".join(x for x in dict.fromkeys(f) if x)).reset_index())
            lines += [f"## {name} (`{stage}`)", "", "| rule id | severity | entity | field | title (de) | fix (de) |",
                      "|---|---|---|---|---|---|"]
            lines += [f"| `{r.rule_id}` | {r.severity} | {r.entity} | {_cell(r.field)} | {_cell(r.title)} | {_cell(r.fix)} |"
                      for r in grouped.itertuples()]
            lines.append("")
        return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
