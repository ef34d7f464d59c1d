"""Unknown values of caseworkers' lists as one steward decision each: the contract of the sheet *Unbekannte Werte*.

The transform stage lists every (field, distinct value) it could not code
(``synonym.unmapped``, ``synonym.ambiguous``) with its count, where it
occurs and the best candidates with their scores; :mod:`jhmig.reports`
writes them as a sheet of ``fehlerliste.xlsx`` with a drop-down of the
candidates; :mod:`jhmig.extract` reads the steward's choices back from the
corrections folder; the next run stores them in the project's own synonym
table and codes every row with that value by them. The headers below are the
contract between the sheet written and the sheet read back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNKNOWN_SHEET = "Unbekannte Werte"
UNKNOWN_RULES = ("synonym.unmapped", "synonym.ambiguous")
DECISION = "Entscheidung"
# (header, frame column) in sheet order
VISIBLE: tuple[tuple[str, str], ...] = (
    ("Feld", "field_label"), ("Wert", "value"), ("Anzahl", "count"), ("Fundstellen", "where"), ("Befund", "rule"),
    ("Vorschlag 1", "candidate_1"), ("Vorschlag 2", "candidate_2"), ("Vorschlag 3", "candidate_3"),
)
STEWARD: tuple[str, ...] = (DECISION, "Bearbeitet von", "Datum")
HIDDEN: tuple[tuple[str, str], ...] = (("_field", "field"), ("_value", "value"))
COLUMNS = tuple(c for _, c in VISIBLE) + ("field",)
NOT_A_VALUE_CHOICE = "- kein Wert der Codeliste"
PLACEHOLDER_CHOICE = "? Verweis (Wert steht anderswo)"
# the project's own synonym tables: one CSV per list field, beside the project file
PROJECT_SYNONYMS_DIR = "synonyme"
_CHOICE = re.compile(r"^\s*([0-9A-Za-z_]+|-|\?)(?=\s|$|\))")


def candidate_text(code: str, label: str | None, score: float) -> str:
    """One drop-down entry: the code first (what is read back), its label and score (no comma: Excel's list separator)."""
    label = label or {"-": "kein Wert der Codeliste", "?": "Verweis"}.get(code)
    shown = f"{code} {label[:40]}" if label else code  # short: a drop-down list holds at most 255 characters
    return f"{shown} ({score:.0f})".replace(",", " ").replace('"', "'")


def decided_code(choice: str) -> str | None:
    """The code a steward's choice names: the first word of a drop-down entry, or a code typed in."""
    match = _CHOICE.match(choice or "")
    return match.group(1) if match else None


@dataclass(frozen=True)
class ValueDecision:
    """A steward's choice for one value of one list field."""

    field: str
    value: str
    code: str  # a code of the field's code list, "-" (no value) or "?" (a placeholder)
    by: str = ""
    on: str = ""
    origin: str = ""  # file and row of the corrections folder it was read from
