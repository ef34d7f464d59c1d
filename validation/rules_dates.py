"""Rules on the dates of one record: periods that end before they start, services before birth,
a court hearing before the offence.

Impossible dates (``31.02.2019``) never reach these rules: the transform stage
reports them as ``value.invalid_date`` and leaves the field empty, and an
empty date makes no comparison true.
"""

from __future__ import annotations

import pandas as pd

from jhmig.records import Severity
from jhmig.validation.frames import de_date, lookup
from jhmig.validation.model import Check, Hits, Rule, RuleContext


def end_before_start(start: str, end: str, what: str) -> Check:
    def check(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
        return Hits.where(
            frame[end] < frame[start], frame,
            lambda r: what + " endet am " + de_date(r[end]) + ", vor dem Beginn am " + de_date(r[start]),
            lambda r: de_date(r[end]),
        )

    return check


def before_birth(person_key: str, what: str) -> Check:
    def check(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
        data = frame.assign(_birth=lookup(frame[person_key], ctx.births, ["birth_date"])["birth_date"])
        return Hits.where(
            data["start_date"] < data["_birth"], data,
            lambda r: (what + " beginnt am " + de_date(r["start_date"]) + ", vor der Geburt der Person "
                       + r[person_key].astype("string").fillna("") + " am " + de_date(r["_birth"])),
            lambda r: de_date(r["start_date"]),
        )

    return check


def hearing_before_offence(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    return Hits.where(
        frame["hearing_date"] < frame["offence_date"], frame,
        lambda r: "Hauptverhandlung am " + de_date(r["hearing_date"]) + " liegt vor der Tatzeit " + de_date(r["offence_date"]),
        lambda r: de_date(r["hearing_date"]),
    )


_PERIOD_FIX = "Beginn und Ende im Altsystem prüfen (oft Tag/Monat oder Jahr vertauscht) und korrigieren"


def _end_rule(entity: str, start: str, end: str, what: str, title: str, fix: str = _PERIOD_FIX) -> Rule:
    return Rule("date.end_before_start", entity, Severity.ERROR, title, fix, end_before_start(start, end, what), end, (start, end))


RULES: tuple[Rule, ...] = (
    _end_rule("person", "birth_date", "death_date", "Leben", "Sterbedatum liegt vor dem Geburtsdatum",
              "Geburts- und Sterbedatum der Person prüfen und korrigieren"),
    _end_rule("case_file", "opened_on", "closed_on", "Akte", "Akte vor ihrer Anlage abgeschlossen",
              "Anlage- und Abschlussdatum der Akte prüfen und korrigieren"),
    _end_rule("participant", "valid_from", "valid_to", "Beteiligung", "Beteiligung endet vor ihrem Beginn"),
    _end_rule("service", "start_date", "end_date", "Leistung", "Leistung endet vor ihrem Beginn"),
    _end_rule("uvg_claim", "start_date", "end_date", "UVG-Anspruch", "UVG-Anspruch endet vor seinem Beginn"),
    _end_rule("payment", "period_from", "period_to", "Zahlungszeitraum", "Zahlungszeitraum endet vor seinem Beginn",
              "Zeitraum der Zahlung im Zahlungsverkehr prüfen; bei historischen Zahlungen in der Quelle berichtigen"),
    Rule("date.hearing_before_offence", "jgh_proceeding", Severity.ERROR, "Hauptverhandlung liegt vor der Tatzeit",
         "Tatzeit und Termin in der JGH-Liste prüfen (oft vertauscht)", hearing_before_offence, "hearing_date",
         ("offence_date", "hearing_date")),
    Rule("date.before_birth", "service", Severity.ERROR, "Leistung beginnt vor der Geburt des jungen Menschen",
         "Geburtsdatum der Person und Beginn der Leistung prüfen; oft ist die falsche Person zugeordnet",
         before_birth("person_key", "Leistung"), "start_date", ("start_date", "person_key")),
    Rule("date.before_birth", "uvg_claim", Severity.ERROR, "UVG-Anspruch beginnt vor der Geburt des Kindes",
         "Geburtsdatum des Kindes und Beginn des Anspruchs prüfen",
         before_birth("child_person_key", "UVG-Anspruch"), "start_date", ("start_date", "child_person_key")),
)
