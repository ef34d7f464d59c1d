"""The one module that talks to Splink 5 (DuckDB backend); imported lazily.

Translates a :class:`MatchConfig` into a Splink settings dictionary (SQL
levels on DuckDB), trains it (u by random sampling, m by EM on the
configured blocking rules, the prior from deterministic rules unless fixed)
and returns the scored candidate pairs as a pandas frame:
``uid_l, uid_r, match_probability, match_weight`` and one ``gamma_<name>``
per comparison (the level index, -1 = unknown).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import pandas as pd

from jhmig.match.config import Comparison, Level, MatchConfig

UID = "uid"
#: level kinds whose columns are lists of text
LIST_KINDS = ("overlap", "swapped_overlap")


def _q(column: str, side: str) -> str:
    return f'"{column}_{side}"'


def level_sql(level: Level) -> str:
    c = level.columns
    l0, r0 = (_q(c[0], "l"), _q(c[0], "r")) if c else ("", "")
    match level.kind:
        case "exact":
            return f"{l0} = {r0}"
        case "swapped" if level.value is not None:  # swapped, and each side at most `max` edits off
            edits = int(level.value)
            return (f"damerau_levenshtein({_q(c[0], 'l')}, {_q(c[1], 'r')}) <= {edits} AND "
                    f"damerau_levenshtein({_q(c[1], 'l')}, {_q(c[0], 'r')}) <= {edits}")
        case "swapped":
            return f"{_q(c[0], 'l')} = {_q(c[1], 'r')} AND {_q(c[1], 'l')} = {_q(c[0], 'r')}"
        case "swapped_overlap":
            return f"list_has_any({_q(c[0], 'l')}, {_q(c[1], 'r')}) AND list_has_any({_q(c[1], 'l')}, {_q(c[0], 'r')})"
        case "equals_other":
            return f"({_q(c[0], 'l')} = {_q(c[1], 'r')} OR {_q(c[1], 'l')} = {_q(c[0], 'r')})"
        case "jaro_winkler":
            return f"jaro_winkler_similarity({l0}, {r0}) >= {level.value}"
        case "jaro":
            return f"jaro_similarity({l0}, {r0}) >= {level.value}"
        case "levenshtein":
            return f"levenshtein({l0}, {r0}) <= {int(level.value or 1)}"
        case "damerau_levenshtein":
            return f"damerau_levenshtein({l0}, {r0}) <= {int(level.value or 1)}"
        case "overlap":
            return f"list_has_any({l0}, {r0})"
        case "date_gap_years":
            return f"abs(cast(substr({l0}, 1, 4) as integer) - cast(substr({r0}, 1, 4) as integer)) <= {int(level.value or 1)}"
        case "sql":
            return str(level.sql)
    raise ValueError(f"unknown level kind {level.kind}")


def comparison_dict(comparison: Comparison) -> dict:
    first = comparison.levels[0].columns[0] if comparison.levels[0].columns else None
    levels: list[dict] = []
    if first:
        levels.append({"sql_condition": f"{_q(first, 'l')} IS NULL OR {_q(first, 'r')} IS NULL", "label_for_charts": "unknown",
                       "is_null_level": True})
    for level in comparison.levels:
        entry = {"sql_condition": level_sql(level), "label_for_charts": level.label}
        if level.tf and level.kind == "exact":
            entry["tf_adjustment_column"] = level.columns[0]
            entry["tf_adjustment_weight"] = 1.0
        if level.m is not None:
            entry["m_probability"] = level.m
            entry["fix_m_probability"] = level.fix_m
        levels.append(entry)
    levels.append({"sql_condition": "ELSE", "label_for_charts": "else"})
    return {"output_column_name": comparison.name, "comparison_levels": levels}


def blocking_sql(rule: tuple[str, ...]) -> str:
    if len(rule) == 1 and rule[0].startswith("sql:"):
        return rule[0][4:]
    return " AND ".join(f'l."{c}" = r."{c}"' for c in rule)


def settings_dict(config: MatchConfig, link_type: str) -> dict:
    return {
        "link_type": link_type,
        "unique_id_column_name": UID,
        "blocking_rules_to_generate_predictions": [blocking_sql(r) for r in config.blocking],
        "comparisons": [comparison_dict(c) for c in config.comparisons],
        "probability_two_random_records_match": config.prior or 1e-4,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "max_iterations": 25,
        "em_convergence": 0.0001,
    }


#: m or u of a level that EM drove to exactly 0 (never seen among matches): Splink 5.0 refuses it; use this floor.
ZERO_FLOOR = 1e-6


def _tolerate_zero_probabilities() -> None:
    """Splink 5.0.0 raises when EM's maximisation step yields m = 0.0 for a level (small data sets, rare
    levels) instead of clamping it, and writes a NaN (0/0) into the prediction's SQL. Clamp in the lookup
    before the values are set, and drop a NaN (once per process)."""
    from splink.internals import expectation_maximisation as em

    if getattr(em.populate_m_u_from_lookup, "_jhmig_clamped", False):
        return
    original = em.populate_m_u_from_lookup

    def clamped(fixed, level, name, lookup):  # type: ignore[no-untyped-def]
        for record in lookup.get(name, {}).values():
            for key in ("m_probability", "u_probability"):
                value = record.get(key)
                if isinstance(value, float) and math.isnan(value):
                    # 0/0: no training pair fell into the level this round (a rare level, e.g. sex known on both
                    # sides only among list rows). Splink would write "nan" into the SQL of predict; without the
                    # value it treats the level as not observed and keeps what it had.
                    del record[key]
                elif isinstance(value, float) and value < 1e-300:
                    record[key] = ZERO_FLOOR
        return original(fixed, level, name, lookup)

    clamped._jhmig_clamped = True  # type: ignore[attr-defined]
    em.populate_m_u_from_lookup = clamped


def _arrow(frame: pd.DataFrame, config: MatchConfig):  # type: ignore[no-untyped-def]
    """The prepared records with explicit types (a column that is empty in this run must still be text, or a
    list of text for ``overlap`` levels), so that DuckDB does not guess a number type."""
    import pyarrow as pa

    lists = {c for comparison in config.comparisons for level in comparison.levels if level.kind in LIST_KINDS for c in level.columns}
    fields, arrays = [], []
    for column in frame.columns:
        kind = pa.list_(pa.string()) if column in lists else pa.string()
        values = frame[column].astype(object).where(frame[column].notna(), None) if column not in lists else frame[column]
        arrays.append(pa.array([v if v is not None else None for v in values.tolist()], type=kind))
        fields.append(pa.field(column, kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _train(skipped: list[str], what: str, step) -> None:  # type: ignore[no-untyped-def]
    """One training step; a small data set that gives it no pairs keeps the starting values (noted, not fatal)."""
    from splink.internals.exceptions import SplinkException

    try:
        step()
    except (SplinkException, ValueError, ZeroDivisionError) as error:
        logging.getLogger(__name__).info("matching: training step %s skipped (%s)", what, type(error).__name__)
        skipped.append(what)


@dataclass
class ScoredPairs:
    pairs: pd.DataFrame  # uid_l, uid_r, match_probability, match_weight, gamma_*
    model: str
    parameters: dict
    timings: dict[str, float]


def score(frames: list[pd.DataFrame], config: MatchConfig, floor: float) -> ScoredPairs:
    """Train on ``frames`` and return every blocked pair scoring at least ``floor`` (match probability)."""
    import duckdb
    import splink
    from splink import DuckDBAPI, Linker

    import time

    logging.getLogger("splink").setLevel(logging.ERROR)
    _tolerate_zero_probabilities()
    mark = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        timings[name] = round(now - mark, 2)
        mark = now

    connection = duckdb.connect(":memory:")
    connection.execute("SET threads TO 2")
    db = DuckDBAPI(connection)
    tables = [db.register(_arrow(f, config), dataset_display_name=f"records_{i}") for i, f in enumerate(frames)]
    link_type = config.link_type if len(frames) > 1 else "dedupe_only"
    linker = Linker(tables if len(tables) > 1 else tables[0], settings_dict(config, link_type), log_level=None)
    skipped: list[str] = []
    if config.prior is None and config.prior_rules:
        _train(skipped, "prior", lambda: linker.training.estimate_probability_two_random_records_match(
            [blocking_sql(r) for r in config.prior_rules], recall=config.prior_recall))
    prior = getattr(linker._settings_obj, "_probability_two_random_records_match", None)
    if not isinstance(prior, float) or not 0.0 < prior < 1.0:  # no deterministic pair in a small data set
        linker._settings_obj._probability_two_random_records_match = config.prior or 1e-4
    lap("setup")
    _train(skipped, "u", lambda: linker.training.estimate_u_using_random_sampling(
        max_pairs=config.u_max_pairs, seed=config.seed, num_chunks=1))
    lap("u")
    for rule in config.em_blocking:
        _train(skipped, f"em {blocking_sql(rule)}", lambda r=rule: linker.training.estimate_parameters_using_expectation_maximisation(
            blocking_sql(r)))
    lap("em")
    predicted = linker.inference.predict(threshold_match_probability=floor, warning_mode="never")
    out = predicted.as_pandas_dataframe()
    lap("predict")
    params = linker.misc.save_model_to_json()
    levels = _level_of_weight(out, params)
    keep = [f"{UID}_l", f"{UID}_r", "match_probability", "match_weight"]
    keep += [c for c in ("source_dataset_l", "source_dataset_r") if c in out.columns]
    out = out[[c for c in keep if c in out.columns]].rename(columns={f"{UID}_l": "uid_l", f"{UID}_r": "uid_r"})
    out = pd.concat([out.reset_index(drop=True), levels], axis=1)
    connection.close()
    return ScoredPairs(out, f"splink {splink.__version__} / duckdb {duckdb.__version__}", params, timings)


def _level_of_weight(predicted: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Per comparison the configured level a pair fell into (``level_<name>``: 0 = first level, -1 = unknown).

    Splink 5 returns each comparison's match weight (``mw_<name>``), not its level: the level is the one
    whose trained weight it equals.
    """
    import math

    import numpy as np

    out = {}
    for comparison in params.get("comparisons", []):
        name = comparison["output_column_name"]
        column = f"mw_{name}"
        if column not in predicted:
            continue
        weights, index = [], []
        position = 0
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            if m and u:
                weights.append(math.log2(m / u))
                index.append(position)
            position += 1
        values = predicted[column].to_numpy(dtype=float)
        if not weights:
            out[f"level_{name}"] = np.full(len(values), -1)
            continue
        distance = np.abs(values[:, None] - np.array(weights)[None, :])
        found = np.array(index)[distance.argmin(axis=1)]
        out[f"level_{name}"] = np.where(values == 0.0, -1, found)
    return pd.DataFrame(out)
