"""Domain rules over the unified entity frames.

Each rule has a stable id, a severity (error: the record is quarantined;
warning: loaded and flagged), a German message and the fix a steward can
make. Rules are vectorised functions ``(frames, context) -> findings frame``,
registered in :data:`RULES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from stdnum import iban as stdnum_iban

from jhmig.records import FINDING_COLUMNS, Batch, Severity, rows_to_findings


@dataclass(frozen=True)
class Rule:
    rule_id: str
    entity: str
    severity: Severity
    title: str  # German, for reports
    fix: str  # what a steward can do, German
    check: Callable[[pd.DataFrame, "RuleContext"], pd.Series | tuple[pd.Series, pd.Series]]
    field: str | None = None


@dataclass
class RuleContext:
    frames: dict[str, pd.DataFrame]
    code_lists: pd.DataFrame


def _end_before_start(start: str, end: str) -> Callable[[pd.DataFrame, RuleContext], pd.Series]:
    def check(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        return (frame[end] < frame[start]).fillna(False)

    return check


def _iban_invalid(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    values = frame["iban"]
    uniques = values.dropna().unique()
    verdict = {v: not stdnum_iban.is_valid(v) for v in uniques}
    return values.map(verdict).fillna(False).astype(bool)


def _plz_four_digits(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    return frame["postcode"].str.fullmatch(r"\d{4}").fillna(False).astype(bool)


RULES: tuple[Rule, ...] = (
    Rule("date.end_before_start", "service", Severity.ERROR, "Leistung endet vor ihrem Beginn",
         "Beginn und Ende der Leistung im Altsystem prüfen und korrigieren", _end_before_start("start_date", "end_date"), "end_date"),
    Rule("date.end_before_start", "uvg_claim", Severity.ERROR, "UVG-Anspruch endet vor seinem Beginn",
         "Beginn und Ende des Anspruchs prüfen und korrigieren", _end_before_start("start_date", "end_date"), "end_date"),
    Rule("date.end_before_start", "participant", Severity.ERROR, "Beteiligung endet vor ihrem Beginn",
         "Zeitraum der Beteiligung prüfen", _end_before_start("valid_from", "valid_to"), "valid_to"),
    Rule("date.end_before_start", "case_file", Severity.ERROR, "Akte vor ihrer Anlage abgeschlossen",
         "Anlage- und Abschlussdatum der Akte prüfen", _end_before_start("opened_on", "closed_on"), "closed_on"),
    Rule("iban.checksum", "provider", Severity.WARNING, "IBAN mit falscher Prüfziffer",
         "IBAN beim Träger erfragen und korrigieren", _iban_invalid, "iban"),
    Rule("iban.checksum", "payment", Severity.WARNING, "IBAN der Zahlung mit falscher Prüfziffer",
         "historische Zahlung: nur zur Kenntnis; bei laufenden Zahlungen IBAN korrigieren", _iban_invalid, "iban"),
    Rule("address.plz_4_digits", "address", Severity.WARNING, "Postleitzahl mit nur vier Ziffern (führende Null verloren?)",
         "führende 0 ergänzen, wenn der Ort in Sachsen/Thüringen liegt (01xxx-09xxx)", _plz_four_digits, "postcode"),
    Rule("address.plz_4_digits", "provider", Severity.WARNING, "Postleitzahl des Trägers mit nur vier Ziffern",
         "führende 0 ergänzen", _plz_four_digits, "postcode"),
)


def validate_batch(batch: Batch, code_lists: pd.DataFrame) -> pd.DataFrame:
    """Run every rule on the batch's frames; returns the findings (does not quarantine)."""
    ctx = RuleContext(batch.frames, code_lists)
    parts: list[pd.DataFrame] = []
    for rule in RULES:
        frame = batch.frames.get(rule.entity)
        if frame is None or not len(frame):
            continue
        hit = rule.check(frame, ctx)
        message = rule.title
        if isinstance(hit, tuple):
            hit, message = hit
        hit = hit.reindex(frame.index, fill_value=False).astype(bool)
        if not hit.any():
            continue
        rows = frame.loc[hit]
        parts.append(rows_to_findings(
            rows, rule_id=rule.rule_id, severity=rule.severity,
            message=message[hit] if isinstance(message, pd.Series) else message,
            source_system=batch.source_system, entity=rule.entity, field=rule.field,
            value=rows[rule.field].astype("string") if rule.field and rule.field in rows else None,
        ))
    if not parts:
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    return pd.concat(parts, ignore_index=True)
