"""docs/matching.md and the matching configuration loaders describe the same language.

Every key a loader reads is documented; every level kind, veto kind, preparation step
and survivorship rule the page lists is one the code knows (and the other way round);
a key no loader reads is refused when the file is loaded.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jhmig.match.config import (
    CASE_FILE_KEYS,
    COMPARISON_KEYS,
    FIELD_KEYS,
    LEVEL_KINDS,
    LEVEL_OPTIONS,
    MATCHING_DIR,
    PROVIDER_KEYS,
    SHOW_NAMES,
    SURVIVORSHIP_RULES,
    TOP_KEYS,
    VETO_PARAMS,
    MatchConfigError,
    load_match_config,
    load_settings,
)
from jhmig.match.engine import VETOES
from jhmig.match.prepare import STEPS

DOC = Path(__file__).resolve().parent.parent / "docs" / "matching.md"
FEBRL = Path(__file__).resolve().parent.parent / "bench" / "matching" / "febrl.yaml"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _section(doc: str, heading_starts: str) -> str:
    """The text from the first line that starts with ``heading_starts`` to the next heading."""
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading_starts))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    return "\n".join(lines[start:end])


def _first_cells(text: str) -> set[str]:
    """The backticked names in the first cell of the table rows of ``text``."""
    return set(re.findall(r"^\| `([a-z0-9_]+)`", text, flags=re.MULTILINE))


def _schema_keys(schema: dict[str, frozenset[str] | None]) -> set[str]:
    out = set(schema)
    for key, sub in schema.items():
        out |= {f"{key}.{s}" for s in sub or ()}
    return out


def _documented(doc: str, key: str) -> bool:
    """``a.b`` may be written as `a.b` or, in the section of `a`, as `b`."""
    return f"`{key}`" in doc or ("." in key and f"`{key.split('.', 1)[1]}`" in doc)


def test_every_key_the_loaders_read_is_documented(doc: str) -> None:
    keys = _schema_keys(TOP_KEYS) | FIELD_KEYS | COMPARISON_KEYS | LEVEL_OPTIONS | {"kind"}
    keys |= {p for params in VETO_PARAMS.values() for p in params}
    missing = sorted(k for k in keys if not _documented(doc, k))
    files = _section(doc, "## `case_files.yaml`") + _section(doc, "## `providers.yaml`")
    missing += sorted(k for k in _schema_keys(CASE_FILE_KEYS) | _schema_keys(PROVIDER_KEYS) if f"`{k}`" not in files
                      and "." in k)
    assert not missing, f"docs/matching.md does not document: {missing}"


def test_documented_level_kinds_are_the_codes(doc: str) -> None:
    assert _first_cells(_section(doc, "The level kinds")) == set(LEVEL_KINDS)
    assert _first_cells(_section(doc, "### `comparisons`")) >= set(LEVEL_OPTIONS)


def test_documented_veto_kinds_are_the_codes(doc: str) -> None:
    section = _section(doc, "### `vetoes`")
    assert _first_cells(section) == set(VETO_PARAMS) == set(VETOES)
    for kind, params in VETO_PARAMS.items():
        row = next(line for line in section.splitlines() if line.startswith(f"| `{kind}`"))
        named = set(re.findall(r"`([a-z_]+)` \(", row.split("|")[2]))
        assert named == set(params), (kind, named)


def test_documented_steps_and_rules_are_the_codes(doc: str) -> None:
    assert _first_cells(_section(doc, "The steps (")) == set(STEPS)
    assert _first_cells(_section(doc, "### `survivorship`")) >= set(SURVIVORSHIP_RULES)
    assert all(f"`{v}`" in _section(doc, "### `review.show_names`") for v in SHOW_NAMES)
    for file in ("persons.yaml", "case_files.yaml", "providers.yaml", "provider_abbreviations.csv"):
        assert f"`{file}`" in doc


def test_shipped_configurations_load() -> None:
    assert load_match_config("persons").vetoes
    assert load_match_config(FEBRL).comparisons
    assert load_settings(MATCHING_DIR / "providers.yaml", PROVIDER_KEYS)["thresholds"]
    assert load_settings(MATCHING_DIR / "case_files.yaml", CASE_FILE_KEYS)["file_number"]


@pytest.mark.parametrize("text", [
    "thresholds: {match: 0.9, reveiw: 0.5}",  # misspelt
    "treshold: {match: 0.9}",
    "vetoes: [{kind: cousins}]",
    "vetoes: [{kind: different, columns: sex}]",
    "comparisons: [{name: a, levels: [{exact: a, minimum: 1}]}]",
    "fields: {a: {from: x, step: [fold]}}",
    "survivorship: {default: [oldest]}",
    "review: {show_names: yes_please}",
    "link_type: merge_all",
])
def test_a_setting_no_loader_reads_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "persons.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(MatchConfigError):
        load_match_config(path)


def test_provider_and_case_file_settings_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "providers.yaml"
    path.write_text("thresholds: {token_sort: 90, tokenset: 95}\n", encoding="utf-8")
    with pytest.raises(MatchConfigError):
        load_settings(path, PROVIDER_KEYS)
    path.write_text("person_and_period: {enabled: false}\n", encoding="utf-8")
    with pytest.raises(MatchConfigError):
        load_settings(path, PROVIDER_KEYS)
    assert load_settings(path, CASE_FILE_KEYS) == {"person_and_period": {"enabled": False}}


def test_kjh_is_the_kinder_und_jugendhaus_and_nothing_else() -> None:
    from jhmig.orgnames import provider_words

    assert provider_words("KJH St. Josef") == provider_words("Kinder- und Jugendhaus St. Josef Stiftung")
    assert provider_words("DRK KJH Sonnenschein") == provider_words("DRK  Kinder-  und Jugendhaus Sonnenschein")
    assert provider_words("KJH St. Josef") != provider_words("Kinder- und Jugendhilfe St. Josef")
    assert provider_words("KJH Bethesda") != provider_words("Kinderhaus Bethesda")
