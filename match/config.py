"""The matcher's configuration language (``mappings/matching/*.yaml``, see docs/matching.md).

One language for every record type and data set: prepared fields (named
preparation steps on source columns), blocking rules (OR of equalities),
comparisons (ordered levels), training, thresholds and vetoes. The same
file format configures the FEBRL benchmark and the office's persons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jhmig.errors import ConfigError
from jhmig.layout import MAPPINGS_DIR

MATCHING_DIR = MAPPINGS_DIR / "matching"
LEVEL_KINDS = ("exact", "swapped", "swapped_overlap", "jaro_winkler", "jaro", "levenshtein", "damerau_levenshtein", "overlap", "equals_other",
               "date_gap_years", "sql")

# Every key the loaders read (docs/matching.md documents each one; tests/test_match_docs.py holds the two together).
# A key not named here is refused when the file is loaded: a misspelt setting must not silently do nothing.
#: top-level key -> the keys of its mapping (None: a value or a list, checked where it is read)
TOP_KEYS: dict[str, frozenset[str] | None] = {
    "name": None, "link_type": None, "fields": None, "blocking": None, "comparisons": None, "vetoes": None, "min_records": None,
    "prior": frozenset({"value", "rules", "recall"}),
    "training": frozenset({"u_max_pairs", "seed", "em_blocking"}),
    "thresholds": frozenset({"match", "review"}),
    "survivorship": frozenset({"default", "fields"}),
    "review": frozenset({"show_names"}),
}
LINK_TYPES = ("link_and_dedupe", "dedupe_only", "link_only")
FIELD_KEYS = frozenset({"from", "steps"})
COMPARISON_KEYS = frozenset({"name", "levels"})
LEVEL_OPTIONS = frozenset({"min", "max", "tf", "m", "fix_m", "label"})
#: veto kind -> its parameters (implemented in jhmig.match.engine.VETOES)
VETO_PARAMS: dict[str, frozenset[str]] = {
    "birth_year_gap": frozenset({"column", "min_years"}),
    "twins": frozenset({"date", "given", "first", "family", "max_edits"}),
    "different": frozenset({"column"}),
    "date_conflict": frozenset({"column", "swapped", "max_edits"}),
}
SURVIVORSHIP_RULES = ("source", "newer", "filled")
SHOW_NAMES = ("masked", "clear")
#: case_files.yaml and providers.yaml (read by jhmig.match.case_files / jhmig.match.providers)
CASE_FILE_KEYS: dict[str, frozenset[str] | None] = {
    "name": None, "file_number": frozenset({"strip_prefix"}), "person_and_period": frozenset({"enabled", "departments", "roles"}),
}
PROVIDER_KEYS: dict[str, frozenset[str] | None] = {
    "name": None, "thresholds": frozenset({"token_sort", "token_set", "min_common_words", "margin"}),
    "export_variants": frozenset({"enabled", "token_sort", "same_address"}),
    "votes": frozenset({"same_help_and_start", "same_help", "other_help"}),
}


class MatchConfigError(ConfigError):
    """A matching configuration is missing or names a setting the loader does not read (exit code 2)."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path.name}: {message}", hint="see docs/matching.md for the configuration language")


@dataclass(frozen=True)
class FieldSpec:
    """A prepared column: ``source`` column(s) through named ``steps`` (see :mod:`jhmig.match.prepare`)."""

    name: str
    source: tuple[str, ...]
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Level:
    kind: str
    columns: tuple[str, ...]
    value: float | None = None  # threshold of similarity kinds
    sql: str | None = None
    tf: bool = False  # term-frequency adjusted (exact levels)
    label: str = ""
    m: float | None = None  # starting m probability (kept where training never sees the level)
    fix_m: bool = False  # m is not trained: a level the training pairs hardly ever show among matches


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Veto:
    """A pair that must never be merged automatically, e.g. twins."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MatchConfig:
    name: str
    link_type: str  # dedupe_only | link_only | link_and_dedupe
    fields: tuple[FieldSpec, ...]
    blocking: tuple[tuple[str, ...], ...]  # each rule: columns that must be equal (or one "sql: ...")
    comparisons: tuple[Comparison, ...]
    prior: float | None  # probability that two random records match; None: estimated
    prior_rules: tuple[tuple[str, ...], ...]
    prior_recall: float
    em_blocking: tuple[tuple[str, ...], ...]
    u_max_pairs: float
    seed: int
    match_threshold: float
    review_threshold: float
    vetoes: tuple[Veto, ...]
    extra: dict[str, Any]  # entity-specific settings (survivorship, providers, case files)
    path: Path


def check_sections(path: Path, raw: dict[str, Any], schema: dict[str, frozenset[str] | None]) -> None:
    """Refuse top-level keys, and keys of the mapping sections, that no loader reads."""
    if not isinstance(raw, dict):
        raise MatchConfigError(path, "the file must be a mapping of settings")
    unknown = sorted(set(raw) - set(schema))
    if unknown:
        raise MatchConfigError(path, f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(schema)}")
    for key, allowed in schema.items():
        value = raw.get(key)
        if allowed is None or value is None or isinstance(value, (int, float)) and key == "prior":
            continue
        if not isinstance(value, dict):
            raise MatchConfigError(path, f"{key}: a mapping of {', '.join(sorted(allowed))} is expected")
        extra = sorted(set(value) - allowed)
        if extra:
            raise MatchConfigError(path, f"{key}: unknown setting(s) {', '.join(extra)}; known: {', '.join(sorted(allowed))}")


def _check_entries(path: Path, raw: dict[str, Any]) -> None:
    """Fields, comparisons, levels, vetoes, survivorship rules and the review option: only what the code knows."""
    if str(raw.get("link_type", "link_and_dedupe")) not in LINK_TYPES:
        raise MatchConfigError(path, f"link_type must be one of {', '.join(LINK_TYPES)}")
    for name, spec in (raw.get("fields") or {}).items():
        if not isinstance(spec, dict) or set(spec) - FIELD_KEYS:
            raise MatchConfigError(path, f"field {name}: only {', '.join(sorted(FIELD_KEYS))} are known")
    for comparison in raw.get("comparisons") or ():
        if set(comparison) - COMPARISON_KEYS:
            raise MatchConfigError(path, f"comparison {comparison.get('name')}: only {', '.join(sorted(COMPARISON_KEYS))} are known")
        for level in comparison.get("levels") or ():
            extra = set(level) - set(LEVEL_KINDS) - LEVEL_OPTIONS
            if extra:
                raise MatchConfigError(path, f"level {level}: unknown option(s) {', '.join(sorted(extra))}")
            if level.get("fix_m") and "m" not in level:
                raise MatchConfigError(path, f"level {level}: fix_m needs the m it keeps")
    for veto in raw.get("vetoes") or ():
        kind = veto.get("kind")
        if kind not in VETO_PARAMS:
            raise MatchConfigError(path, f"veto kind {kind!r} is unknown; known: {', '.join(VETO_PARAMS)}")
        extra = set(veto) - {"kind"} - VETO_PARAMS[kind]
        if extra:
            raise MatchConfigError(path, f"veto {kind}: unknown parameter(s) {', '.join(sorted(extra))}")
    survivorship = raw.get("survivorship") or {}
    rules = [*survivorship.get("default", ()), *(r for v in (survivorship.get("fields") or {}).values() for r in v)]
    if any(r not in SURVIVORSHIP_RULES for r in rules):
        raise MatchConfigError(path, f"survivorship rules are {', '.join(SURVIVORSHIP_RULES)}")
    if str((raw.get("review") or {}).get("show_names", "masked")) not in SHOW_NAMES:
        raise MatchConfigError(path, f"review.show_names must be one of {', '.join(SHOW_NAMES)}")


def load_settings(path: Path, schema: dict[str, frozenset[str] | None]) -> dict[str, Any]:
    """A plain settings file (case_files.yaml, providers.yaml), its keys checked; {} when it does not exist."""
    if not path.is_file():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    check_sections(path, raw, schema)
    return raw


def _rule(entry: Any) -> tuple[str, ...]:
    if isinstance(entry, str):
        return (entry,)
    if isinstance(entry, dict) and "sql" in entry:
        return ("sql:" + str(entry["sql"]),)
    return tuple(str(c) for c in entry)


def _level(path: Path, entry: dict[str, Any]) -> Level:
    kinds = [k for k in entry if k in LEVEL_KINDS]
    if len(kinds) != 1:
        raise MatchConfigError(path, f"a level needs exactly one of {', '.join(LEVEL_KINDS)}: {entry}")
    kind = kinds[0]
    spec = entry[kind]
    if kind == "sql":
        return Level(kind, (), sql=str(spec), label=str(entry.get("label", "sql")))
    columns = tuple(spec) if isinstance(spec, list) else (str(spec),)
    value = entry.get("min", entry.get("max"))
    return Level(kind, columns, float(value) if value is not None else None, tf=bool(entry.get("tf", False)),
                 m=float(entry["m"]) if "m" in entry else None, fix_m=bool(entry.get("fix_m", False)), label=str(entry.get("label", f"{kind} {'/'.join(columns)}" + (f" {value}" if value is not None else ""))))


def load_match_config(name_or_path: str | Path) -> MatchConfig:
    path = Path(name_or_path)
    if not path.suffix:
        path = MATCHING_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise MatchConfigError(path, "matching configuration not found")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    check_sections(path, raw, TOP_KEYS)
    try:
        _check_entries(path, raw)
        fields = tuple(FieldSpec(n, tuple(s["from"]) if isinstance(s["from"], list) else (s["from"],), tuple(s.get("steps", ())))
                       for n, s in (raw.get("fields") or {}).items())
        comparisons = tuple(Comparison(c["name"], tuple(_level(path, lv) for lv in c["levels"])) for c in raw.get("comparisons", ()))
        training = raw.get("training") or {}
        thresholds = raw.get("thresholds") or {}
        prior = raw.get("prior")
        return MatchConfig(
            name=str(raw.get("name", path.stem)),
            link_type=str(raw.get("link_type", "link_and_dedupe")),
            fields=fields,
            blocking=tuple(_rule(r) for r in raw.get("blocking", ())),
            comparisons=comparisons,
            prior=float(prior["value"]) if isinstance(prior, dict) and "value" in prior else (float(prior) if isinstance(prior, (int, float)) else None),
            prior_rules=tuple(_rule(r) for r in (prior.get("rules", ()) if isinstance(prior, dict) else ())),
            prior_recall=float(prior.get("recall", 0.7)) if isinstance(prior, dict) else 0.7,
            em_blocking=tuple(_rule(r) for r in training.get("em_blocking", ())),
            u_max_pairs=float(training.get("u_max_pairs", 2e6)),
            seed=int(training.get("seed", 1)),
            match_threshold=float(thresholds.get("match", 0.95)),
            review_threshold=float(thresholds.get("review", 0.5)),
            vetoes=tuple(Veto(v["kind"], {k: x for k, x in v.items() if k != "kind"}) for v in raw.get("vetoes", ())),
            extra={k: v for k, v in raw.items() if k not in {"name", "link_type", "fields", "blocking", "comparisons", "prior",
                                                              "training", "thresholds", "vetoes"}},
            path=path,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise MatchConfigError(path, f"malformed entry ({error})") from None
