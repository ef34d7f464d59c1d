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

from jhmig.errors import JhmigError
from jhmig.layout import MAPPINGS_DIR

MATCHING_DIR = MAPPINGS_DIR / "matching"
LEVEL_KINDS = ("exact", "swapped", "jaro_winkler", "jaro", "levenshtein", "damerau_levenshtein", "overlap", "equals_other",
               "date_gap_years", "sql")


class MatchConfigError(JhmigError):
    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path.name}: {message}", hint="see docs/matching.md for the configuration language", exit_code=2)


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
                 m=float(entry["m"]) if "m" in entry else None, label=str(entry.get("label", f"{kind} {'/'.join(columns)}" + (f" {value}" if value is not None else ""))))


def load_match_config(name_or_path: str | Path) -> MatchConfig:
    path = Path(name_or_path)
    if not path.suffix:
        path = MATCHING_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise MatchConfigError(path, "matching configuration not found")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
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
    except (KeyError, TypeError, ValueError) as error:
        raise MatchConfigError(path, f"malformed entry ({error})") from None
