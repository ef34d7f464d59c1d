"""Age limits of the legal bases (SGB VIII, UVG, BGB, JGG).

* HzE §§27-35 (27_2, 28-35, 35a) are for minors at the start of the service;
* §41 is for 18-20-year-olds at the start, from 21 to 26 only to continue a help
  (warning: the steward checks there is a help it continues), never from 27;
* UVG: the child is under 18 at the claim's start, and the claim ends at the
  latest on the day before the 18th birthday (the 18th year is completed then);
* Beistandschaft (department BS) ends with the child's majority: a BS case
  file must not run past the 18th birthday of its child (participant role child);
* JGH: the young person is 14-20 at the offence (``jgh_proceeding`` from the
  caseworkers' JGH lists; skipped when a run has no such frame).

Ages follow :func:`jhmig.validation.frames.age_on`. A missing birth date makes
no rule fire (the expectation ``gx.person.birth_date_not_null`` reports it).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from jhmig.records import Severity
from jhmig.validation.frames import age_on, de_date, lookup
from jhmig.validation.model import Check, Hits, Rule, RuleContext

HZE_MINOR_TYPES: frozenset[str] = frozenset({"27_2", "28", "29", "30", "31", "32", "33", "34", "35", "35a"})
YOUNG_ADULT_TYPE = "41"
ONE_DAY = pd.Timedelta(days=1)


def _with_age(frame: pd.DataFrame, person_key: str, day: str, ctx: RuleContext) -> pd.DataFrame:
    """The frame with the person's birth date (``_birth``) and age on ``day`` (``_age``)."""
    birth = lookup(frame[person_key], ctx.births, ["birth_date"])["birth_date"]
    return frame.assign(_birth=birth, _age=age_on(birth, frame[day]))


def _age_text(what: pd.Series, rows: pd.DataFrame, on: str, day: str, limit: str) -> pd.Series:
    return (what + " – Alter am " + on + " (" + de_date(rows[day]) + "): " + rows["_age"].astype("string").fillna("?")
            + " Jahre; " + limit)


def _service_label(rows: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    codes = rows["service_type"].astype("string")
    labels = codes.map(ctx.code_label("service_type")).astype("string").fillna(codes).fillna("")
    return "Leistung " + rows["legacy_key"].astype("string").fillna("") + " (" + labels + ")"


def _age_value(rows: pd.DataFrame) -> pd.Series:
    return rows["_age"].astype("string")


def _service_age_rule(condition: Callable[[pd.DataFrame], pd.Series], limit: str) -> Check:
    def check(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
        data = _with_age(frame, "person_key", "start_date", ctx)
        return Hits.where(condition(data), data,
                          lambda r: _age_text(_service_label(r, ctx), r, "Beginn", "start_date", limit), _age_value)

    return check


hze_adult_at_start = _service_age_rule(
    lambda d: d["service_type"].isin(HZE_MINOR_TYPES) & (d["_age"] >= 18),
    "Hilfen nach §§ 27-35a SGB VIII beginnen nur für Minderjährige")
sec41_minor_at_start = _service_age_rule(
    lambda d: (d["service_type"] == YOUNG_ADULT_TYPE) & (d["_age"] < 18),
    "Hilfe für junge Volljährige (§ 41) beginnt frühestens mit 18")
sec41_over_26_at_start = _service_age_rule(
    lambda d: (d["service_type"] == YOUNG_ADULT_TYPE) & (d["_age"] >= 27),
    "Hilfe für junge Volljährige endet spätestens mit 27")


def _continues_earlier_help(frame: pd.DataFrame, candidates: pd.Series) -> pd.Series:
    """Whether another help for the same person ran up to (at least) the day before the candidate starts."""
    rows = frame.loc[candidates, ["person_key", "start_date"]].reset_index(names="row")
    helps = frame.loc[frame["service_type"].isin(HZE_MINOR_TYPES | {YOUNG_ADULT_TYPE}).fillna(False),
                      ["person_key", "start_date", "end_date"]]
    pairs = rows.merge(helps, on="person_key", suffixes=("", "_other"))
    earlier = pairs["start_date_other"] < pairs["start_date"]
    reaches = pairs["end_date"].isna() | (pairs["end_date"] >= pairs["start_date"] - ONE_DAY)
    continued = pairs.loc[(earlier & reaches).to_numpy(), "row"].unique()
    return pd.Series(frame.index.isin(continued), index=frame.index)


def sec41_over_20_at_start(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    data = _with_age(frame, "person_key", "start_date", ctx)
    candidates = ((data["service_type"] == YOUNG_ADULT_TYPE) & (data["_age"] >= 21) & (data["_age"] <= 26)).fillna(False).astype(bool)
    if not candidates.any():
        return Hits.none()
    return Hits.where(candidates & ~_continues_earlier_help(frame, candidates), data,
                      lambda r: _age_text(_service_label(r, ctx), r, "Beginn", "start_date",
                                          "ab 21 nur als Fortsetzung einer Hilfe zulässig; eine vorausgehende Hilfe ist nicht erfasst"),
                      _age_value)


def _claim_label(rows: pd.DataFrame) -> pd.Series:
    return "UVG-Anspruch " + rows["legacy_key"].astype("string").fillna("")


def uvg_adult_at_start(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    data = _with_age(frame, "child_person_key", "start_date", ctx)
    return Hits.where(data["_age"] >= 18, data,
                      lambda r: _age_text(_claim_label(r), r, "Beginn", "start_date", "Unterhaltsvorschuss gibt es nur für Kinder unter 18"),
                      _age_value)


def uvg_past_18(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    data = _with_age(frame, "child_person_key", "start_date", ctx)
    # Only claims that began in time: a claim begun at 18 is uvg_adult_at_start's finding.
    began_minor = (data["_age"] < 18).fillna(False).astype(bool)
    end = data["end_date"] if ctx.as_of_ts is None else data["end_date"].fillna(ctx.as_of_ts)  # open: runs at least until the export
    mask = began_minor & (age_on(data["_birth"], end) >= 18)
    open_text = f"offen (Stand {ctx.as_of:%d.%m.%Y})" if ctx.as_of else "offen"
    return Hits.where(mask, data,
                      lambda r: (_claim_label(r) + " läuft bis " + de_date(r["end_date"], open_text)
                                 + " über den 18. Geburtstag des Kindes (" + de_date(r["_birth"] + pd.DateOffset(years=18))
                                 + ") hinaus; er endet spätestens am Tag davor"),
                      lambda r: de_date(r["end_date"]))


def beistandschaft_past_18(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    participants = ctx.frame("participant")
    if participants is None:
        return Hits.none()
    bs = frame.loc[(frame["department"] == "BS").fillna(False), ["legacy_key", "closed_on"]]
    children = participants.loc[(participants["role"] == "child").fillna(False), ["case_file_key", "person_key"]]
    pairs = bs.reset_index(names="row").merge(children, left_on="legacy_key", right_on="case_file_key")
    if not len(pairs):
        return Hits.none()
    pairs = pairs.assign(_birth=lookup(pairs["person_key"], ctx.births, ["birth_date"])["birth_date"])
    closed = pairs["closed_on"] if ctx.as_of_ts is None else pairs["closed_on"].fillna(ctx.as_of_ts)
    # The Beistandschaft ends on the 18th birthday itself: a case closed that day is right.
    late = age_on(pairs["_birth"], closed - ONE_DAY) >= 18
    hits = Hits.where(late, pairs,
                      lambda r: ("Beistandschaft (Akte " + r["legacy_key"].astype("string") + ") läuft bis "
                                 + de_date(r["closed_on"], "offen") + ", das Kind (Person " + r["person_key"].astype("string")
                                 + ") ist seit " + de_date(r["_birth"] + pd.DateOffset(years=18)) + " volljährig"),
                      lambda r: r["person_key"].astype("string"))
    return Hits(pd.Index(pairs.loc[hits.index, "row"]), hits.message, hits.value)


def jgh_age_at_offence(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    data = _with_age(frame, "person_key", "offence_date", ctx)
    return Hits.where((data["_age"] < 14) | (data["_age"] > 20), data,
                      lambda r: _age_text("Jugendgerichtshilfe " + r["legacy_key"].astype("string").fillna(""), r, "Tattag",
                                          "offence_date", "Jugendgerichtshilfe betrifft 14- bis 20-Jährige zur Tatzeit"),
                      _age_value)


_AGE_FIX = "Geburtsdatum der Person, Beginn und Hilfeart prüfen; oft ist die Hilfeart falsch (z. B. § 34 statt § 41) oder die falsche Person zugeordnet"

RULES: tuple[Rule, ...] = (
    Rule("age.hze_adult_at_start", "service", Severity.ERROR, "Hilfe zur Erziehung (§§ 27-35a) für eine Person, die bei Beginn volljährig ist",
         _AGE_FIX, hze_adult_at_start, "start_date", ("person_key", "service_type", "start_date")),
    Rule("age.sec41_minor_at_start", "service", Severity.ERROR, "Hilfe für junge Volljährige (§ 41) für eine bei Beginn minderjährige Person",
         _AGE_FIX, sec41_minor_at_start, "start_date", ("person_key", "service_type", "start_date")),
    Rule("age.sec41_over_20_at_start", "service", Severity.WARNING, "§ 41 beginnt nach dem 21. Geburtstag, ohne dass eine Hilfe fortgesetzt wird",
         "prüfen, ob die Hilfe eine frühere Hilfe fortsetzt (dann die frühere Hilfe nachtragen), sonst Hilfeart bzw. Beginn korrigieren",
         sec41_over_20_at_start, "start_date", ("person_key", "service_type", "start_date", "end_date")),
    Rule("age.sec41_over_26_at_start", "service", Severity.ERROR, "§ 41 beginnt nach dem 27. Geburtstag",
         _AGE_FIX, sec41_over_26_at_start, "start_date", ("person_key", "service_type", "start_date")),
    Rule("age.uvg_adult_at_start", "uvg_claim", Severity.ERROR, "UVG-Anspruch beginnt, als das Kind schon volljährig ist",
         "Geburtsdatum des Kindes und Beginn des Anspruchs prüfen; ggf. falsches Kind zugeordnet",
         uvg_adult_at_start, "start_date", ("child_person_key", "start_date")),
    Rule("age.uvg_past_18", "uvg_claim", Severity.WARNING, "UVG-Anspruch läuft über den 18. Geburtstag des Kindes hinaus",
         "Ende des Anspruchs auf den Tag vor dem 18. Geburtstag setzen; Überzahlung prüfen und zurückfordern",
         uvg_past_18, "end_date", ("child_person_key", "start_date", "end_date")),
    Rule("age.beistandschaft_past_18", "case_file", Severity.WARNING, "Beistandschaft läuft über die Volljährigkeit des Kindes hinaus",
         "Akte zum 18. Geburtstag abschließen (die Beistandschaft endet kraft Gesetzes)",
         beistandschaft_past_18, "closed_on", ("department", "closed_on")),
    Rule("age.jgh_offence", "jgh_proceeding", Severity.ERROR, "Jugendgerichtshilfe für eine Person, die zur Tatzeit nicht 14-20 Jahre alt war",
         "Geburtsdatum und Tattag prüfen; ggf. ist die falsche Person zugeordnet",
         jgh_age_at_offence, "offence_date", ("person_key", "offence_date")),
)
