"""The committed data dictionary is the one the schema generates, and documents every column."""

from __future__ import annotations

from pathlib import Path

from jhmig.datadict import render_data_dictionary
from jhmig.schema import Base

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"


def test_data_dictionary_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_data_dictionary(), "run: jhmig schema-docs"


def test_every_column_has_german_and_english_terms() -> None:
    missing = [f"{t.name}.{c.name}" for t in Base.metadata.tables.values() for c in t.columns
               if not c.info.get("de") or not c.info.get("en")]
    assert missing == []
