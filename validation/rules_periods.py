"""Rules that compare the periods of several records.

* a payment's period must lie inside the service it pays for, and a UVG
  payment inside a claim of its case file;
* one child must not receive the same service type twice at the same time;
* a UVG claim must not run while the same child lives in foster care (§33) or
  a Heim (§34): the child no longer lives with the single parent, so every UV
  payment for the overlapping months was paid without entitlement.

All periods are inclusive (an end date is the last day) and an empty end
means "still running". Records whose own period is unusable (no start, or end
before start: ``date.end_before_start``) take part in none of these rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jhmig.records import Severity
from jhmig.validation.frames import FOREVER, de_date, de_euro, lookup, months_touched, overlaps, valid_period
from jhmig.validation.model import Hits, Rule, RuleContext

PLACEMENT_TYPES: frozenset[str] = frozenset({"33", "34"})
# Reversals and recovery income refer to earlier pay-outs, not to the period of a service.
NOT_SERVICE_BOUND_TYPES: frozenset[str] = frozenset({"reversal", "recovery"})
UVG_PAYMENT_TYPE = "uvg"


def _usable(frame: pd.DataFrame, start: str = "start_date", end: str = "end_date") -> pd.DataFrame:
    return frame[valid_period(frame[start], frame[end])]


# --------------------------------------------------------------------------
# payments inside their service / claim
# --------------------------------------------------------------------------


def payment_outside_service(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    services = ctx.by_key("service")
    if not len(services):
        return Hits.none()
    services = _usable(services)
    bound = frame["service_key"].notna() & ~frame["payment_type"].isin(NOT_SERVICE_BOUND_TYPES).fillna(False)
    period = lookup(frame["service_key"], services, ["start_date", "end_date"])
    before = frame["period_from"] < period["start_date"]
    after = frame["period_to"] > period["end_date"]  # NaT end (running) compares False
    mask = bound & (before | after).fillna(False)
    data = frame.assign(_start=period["start_date"], _end=period["end_date"])
    return Hits.where(mask, data,
                      lambda r: ("Zahlungszeitraum " + de_date(r["period_from"]) + " - " + de_date(r["period_to"])
                                 + " liegt außerhalb der Leistung " + r["service_key"].astype("string")
                                 + " (" + de_date(r["_start"]) + " - " + de_date(r["_end"]) + ")"),
                      lambda r: r["service_key"].astype("string"))


def payment_outside_claim(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    claims = ctx.frame("uvg_claim")
    if claims is None:
        return Hits.none()
    claims = _usable(claims)[["case_file_key", "start_date", "end_date"]]
    uv = frame.loc[(frame["payment_type"] == UVG_PAYMENT_TYPE).fillna(False) & frame["service_key"].isna()
                   & frame["case_file_key"].isin(claims["case_file_key"]).fillna(False),
                   ["case_file_key", "period_from", "period_to"]]
    if not len(uv):
        return Hits.none()
    pairs = uv.reset_index(names="row").merge(claims, on="case_file_key")
    inside = (pairs["start_date"] <= pairs["period_from"]) & (
        pairs["end_date"].isna() | (pairs["period_to"] <= pairs["end_date"]))
    # Without a period the payment cannot be placed; the expectations report the empty dates.
    known = pairs["period_from"].notna() & pairs["period_to"].notna()
    covered = inside.fillna(False).groupby(pairs["row"]).any()
    checkable = known.groupby(pairs["row"]).all()
    rows = covered.index[(~covered & checkable).to_numpy()]
    if not len(rows):
        return Hits.none()
    outside = frame.loc[rows]
    spans = pairs[pairs["row"].isin(rows)].assign(
        span=lambda p: de_date(p["start_date"]) + " - " + de_date(p["end_date"]))
    claim_text = spans.groupby("row")["span"].agg(", ".join).reindex(rows)
    message = ("UVG-Zahlung für " + de_date(outside["period_from"]) + " - " + de_date(outside["period_to"])
               + " liegt in keinem UVG-Anspruch der Akte " + outside["case_file_key"].astype("string")
               + " (Ansprüche: " + pd.Series(claim_text.to_numpy(), index=outside.index).astype("string") + ")")
    return Hits(rows, message.reset_index(drop=True), outside["case_file_key"].astype("string").reset_index(drop=True))


# --------------------------------------------------------------------------
# the same service twice at the same time
# --------------------------------------------------------------------------


def overlapping_services(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    """The later of two overlapping services of one person and service type (by start, then line)."""
    usable = frame[valid_period(frame["start_date"], frame["end_date"]) & frame["person_key"].notna()
                   & frame["service_type"].notna()]
    usable = usable[~usable["legacy_key"].duplicated(keep="first") | usable["legacy_key"].isna()]
    ordered = usable.sort_values(["person_key", "service_type", "start_date", "src_path", "src_line"], kind="stable")
    end = ordered["end_date"].fillna(FOREVER)
    keys = [ordered["person_key"], ordered["service_type"]]
    # Sorted by start, a service overlaps some earlier one exactly when it starts
    # no later than the latest end among the services before it (cythonised, no per-group Python).
    latest_before = end.groupby(keys, sort=False).cummax().groupby(keys, sort=False).shift(1)
    flagged = ordered[(ordered["start_date"] <= latest_before).fillna(False).to_numpy()]
    if not len(flagged):
        return Hits.none()
    # Name one earlier service it overlaps (few rows: a merge is cheap).
    pairs = flagged.reset_index(names="row").merge(
        ordered[["person_key", "service_type", "legacy_key", "start_date", "end_date", "src_line"]],
        on=["person_key", "service_type"], suffixes=("", "_other"))
    earlier = (pairs["start_date_other"] < pairs["start_date"]) | (
        (pairs["start_date_other"] == pairs["start_date"]) & (pairs["src_line_other"] < pairs["src_line"]))
    hit = earlier & overlaps(pairs["start_date"], pairs["end_date"], pairs["start_date_other"], pairs["end_date_other"])
    first = pairs[hit.to_numpy()].drop_duplicates("row", keep="first")
    message = ("Leistung " + first["legacy_key"].astype("string").fillna("") + " (" + de_date(first["start_date"]) + " - "
               + de_date(first["end_date"]) + ") überschneidet sich mit Leistung " + first["legacy_key_other"].astype("string")
               + " (" + de_date(first["start_date_other"]) + " - " + de_date(first["end_date_other"])
               + ") derselben Hilfeart " + first["service_type"].astype("string") + " für Person " + first["person_key"].astype("string"))
    return Hits(pd.Index(first["row"]), message.reset_index(drop=True), first["legacy_key_other"].astype("string").reset_index(drop=True))


# --------------------------------------------------------------------------
# UVG while the child lives in foster care or a Heim
# --------------------------------------------------------------------------


def uvg_overlaps_placement(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    services = ctx.frame_with_context("service")  # a placement in a caseworker's list counts too (same person, merged)
    if services is None:
        return Hits.none()
    placements = _usable(services[services["service_type"].isin(PLACEMENT_TYPES).fillna(False)])
    placements = placements[["legacy_key", "person_key", "service_type", "start_date", "end_date"]]
    claims = _usable(frame)[["legacy_key", "case_file_key", "child_person_key", "start_date", "end_date", "monthly_amount_cents"]]
    pairs = claims.reset_index(names="row").merge(
        placements, left_on="child_person_key", right_on="person_key", suffixes=("", "_svc"))
    pairs = pairs[overlaps(pairs["start_date"], pairs["end_date"], pairs["start_date_svc"], pairs["end_date_svc"]).to_numpy()]
    if not len(pairs):
        return Hits.none()
    pairs = pairs.reset_index(drop=True)
    overlap_start = pairs[["start_date", "start_date_svc"]].max(axis=1)
    overlap_end = pairs[["end_date", "end_date_svc"]].min(axis=1)  # NaT only when both run on
    if ctx.as_of_ts is not None:
        overlap_end = overlap_end.fillna(ctx.as_of_ts)
    months = months_touched(overlap_start, overlap_end)
    paid_cents, paid_count = _uv_paid_in_overlap(pairs, ctx)
    estimate = (months * pairs["monthly_amount_cents"].astype("Int64")).astype("Int64")
    amount = paid_cents.astype("Int64").where(paid_count > 0, estimate)
    basis = pd.Series(np.where(paid_count > 0, " in " + paid_count.astype(str) + " UV-Zahlungen",
                               " geschätzt: Monate x Monatsbetrag (keine UV-Zahlungen gefunden)"), index=pairs.index)
    label = pairs["service_type"].map(ctx.code_label("service_type")).astype("string").fillna(pairs["service_type"])
    message = ("Überzahlung: UVG-Anspruch " + pairs["legacy_key"].astype("string") + " (" + de_date(pairs["start_date"])
               + " - " + de_date(pairs["end_date"]) + ") läuft parallel zu Leistung " + pairs["legacy_key_svc"].astype("string")
               + " (" + label + ", " + de_date(pairs["start_date_svc"]) + " - " + de_date(pairs["end_date_svc"])
               + ") für dasselbe Kind " + pairs["child_person_key"].astype("string") + "; überschneidende Monate: "
               + months.astype("string").fillna("laufend") + " (" + de_date(overlap_start) + " - " + de_date(overlap_end) + "), Betrag "
               + de_euro(amount).fillna("unbekannt") + basis.astype("string"))
    value = "UVG " + pairs["legacy_key"].astype("string") + " / Leistung " + pairs["legacy_key_svc"].astype("string")
    return Hits(pd.Index(pairs["row"]), message, value)


def _uv_paid_in_overlap(pairs: pd.DataFrame, ctx: RuleContext) -> tuple[pd.Series, pd.Series]:
    """Sum and count of the claim case's UV payments inside the claim that touch the placement, per pair."""
    payments = ctx.frame("payment")
    zero = pd.Series(0, index=pairs.index, dtype="int64")
    if payments is None:
        return zero, zero
    uv = payments.loc[(payments["payment_type"] == UVG_PAYMENT_TYPE).fillna(False)
                      & payments["case_file_key"].isin(pairs["case_file_key"]).fillna(False),
                      ["case_file_key", "period_from", "period_to", "amount_cents"]]
    if not len(uv):
        return zero, zero
    joined = pairs[["case_file_key", "start_date", "end_date", "start_date_svc", "end_date_svc"]].reset_index(
        names="pair").merge(uv, on="case_file_key")
    in_claim = (joined["start_date"] <= joined["period_from"]) & (
        joined["end_date"].isna() | (joined["period_to"] <= joined["end_date"]))
    touches = overlaps(joined["period_from"], joined["period_to"], joined["start_date_svc"], joined["end_date_svc"])
    hit = joined[(in_claim.fillna(False) & touches).to_numpy()]
    sums = hit.groupby("pair")["amount_cents"].sum().reindex(pairs.index, fill_value=0).astype("int64")
    counts = hit.groupby("pair").size().reindex(pairs.index, fill_value=0).astype("int64")
    return sums, counts


RULES: tuple[Rule, ...] = (
    Rule("payment.outside_service", "payment", Severity.WARNING, "Zahlungszeitraum liegt außerhalb der bezahlten Leistung",
         "Zeitraum der Zahlung und Beginn/Ende der Leistung vergleichen; ggf. Ende der Leistung nachtragen oder Zahlung zurückfordern",
         payment_outside_service, "period_from", ("service_key", "payment_type", "period_from", "period_to")),
    Rule("payment.outside_claim", "payment", Severity.WARNING, "UVG-Zahlung liegt außerhalb jedes UVG-Anspruchs der Akte",
         "Beginn/Ende des UVG-Anspruchs prüfen; Zahlungen nach Anspruchsende zurückfordern",
         payment_outside_claim, "period_from", ("case_file_key", "service_key", "payment_type", "period_from", "period_to")),
    Rule("service.overlapping", "service", Severity.WARNING, "Gleiche Hilfeart für dieselbe Person zweimal zur selben Zeit",
         "prüfen, ob die Leistung doppelt erfasst ist (dann eine beenden bzw. löschen) oder die Zeiträume falsch sind",
         overlapping_services, "start_date", ("person_key", "service_type", "start_date", "end_date")),
    Rule("uvg.overlaps_placement", "uvg_claim", Severity.WARNING,
         "UVG-Anspruch läuft weiter, während das Kind in Vollzeitpflege (§ 33) oder im Heim (§ 34) lebt: Überzahlung",
         "Anspruch zum Tag vor Beginn der Unterbringung beenden, Überzahlung beim Elternteil zurückfordern, "
         "Fachdienste UV und ASD/WJH abstimmen",
         uvg_overlaps_placement, "end_date", ("child_person_key", "case_file_key", "start_date", "end_date")),
)
