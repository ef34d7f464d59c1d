"""Synonym tables: free text typed into lists -> codes of a unified code list.

A synonym CSV has the columns ``text,code,note``. Values are compared after
normalisation (case, spacing, '§', 'SGB VIII', punctuation). ``code`` is one
code of the code list, or several joined by ``|`` (an ambiguous word such as
``EB``: Erziehungsbeistand §30 or Erziehungsberatung §28, for the steward to
decide), or ``-`` (the text names no value of the list at all: ``§ 8a`` is a
child-protection check, not a help), or ``?`` (a placeholder: ``s. Akte``).
A ``text`` starting with ``re:`` is a regular expression searched in the
normalised value (rows tried top to bottom, after the exact texts). A value
made of a word and a paragraph (``SPFH §31``, ``Heim (§34)``) takes the code
both parts name; when they name different codes it is ambiguous. A value no
synonym covers is matched to the closest synonym when it is a plausible typo
(rapidfuzz similarity >= 90, reported as a warning), and otherwise reported
as unmapped, with counts, so the table can be completed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from jhmig.errors import ConfigError

FUZZY_MIN = 90
NOT_A_VALUE = "-"  # the text is no value of the code list (no service at all)
PLACEHOLDER = "?"  # the text stands in for a value written elsewhere ("s. Akte")
_PARAGRAPH = re.compile(r"§?\s?(\d{1,2}\s?[a-z]?)(?:\s?abs\.?\s?\d+)?(?![\d])")


def normalize_free_text(text: str) -> str:
    t = text.casefold().replace("\u00a0", " ")
    t = re.sub(r"sgb\s*viii|sgb\s*8|kjhg|\bjgg\b", " ", t)
    t = t.replace("§", " § ")
    t = re.sub(r"[()\[\],;:!?\"']", " ", t)
    t = re.sub(r"\s+", " ", t).strip(" .-/")
    t = re.sub(r"§ (\d)", r"§\1", t)
    return t


@dataclass
class SynonymTable:
    path: Path
    exact: dict[str, str] = field(default_factory=dict)  # normalised text -> code, "a|b", "-" or "?"
    patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    def lookup(self, value: str) -> tuple[str | None, str]:
        """-> (code or None, how).

        how: 'exact' | 'pattern' | 'combined' | 'fuzzy:<synonym>' | 'ambiguous:<a|b>' | 'none' | 'placeholder' | 'unmapped'.
        """
        key = normalize_free_text(value)
        if not key:
            return None, "unmapped"
        found = self._exact(key)
        how = "exact"
        if found is None:  # before the patterns: "SPFH §33" names two codes, which a pattern "^spfh" would hide
            found, how = self._combined(key), "combined"
        if found is None:
            found, how = next(((code, "pattern") for pattern, code in self.patterns if pattern.search(key)), (None, ""))
        if found is None and len(key) >= 4:  # short codes ("EB", "PF") must match exactly: typos there are guesses
            hit = process.extractOne(key, list(self.exact), scorer=fuzz.ratio, score_cutoff=FUZZY_MIN)
            if hit:
                found, how = self.exact[hit[0]], f"fuzzy:{hit[0]}"
        if found is None:
            return None, "unmapped"
        if found == NOT_A_VALUE:
            return None, "none"
        if found == PLACEHOLDER:
            return None, "placeholder"
        if "|" in found:
            return None, f"ambiguous:{found}"
        return found, how

    def candidates(self, how: str) -> list[str]:
        """The codes an ambiguous lookup offers."""
        return how.removeprefix("ambiguous:").split("|") if how.startswith("ambiguous:") else []

    def _exact(self, key: str) -> str | None:
        if key in self.exact:
            return self.exact[key]
        bare = key.replace("§", "").strip()
        return self.exact.get(bare)

    def _combined(self, key: str) -> str | None:
        """A word plus a paragraph ("spfh §31", "heim §34"): the code both name; "a|b" when they differ."""
        match = _PARAGRAPH.search(key)
        if match is None:
            return None
        rest = " ".join((key[:match.start()] + " " + key[match.end():]).replace("§", " ").split()).strip(" .-/")
        paragraph = self._exact("§" + match.group(1).replace(" ", ""))
        word = self._exact(rest) if rest else None
        if not rest or paragraph is None or word is None:
            return None
        if word in (NOT_A_VALUE, PLACEHOLDER) or paragraph in (NOT_A_VALUE, PLACEHOLDER):
            return None
        both = [code for code in word.split("|") if code in paragraph.split("|")]
        if len(both) == 1:  # "EB §30": the paragraph decides between the word's meanings
            return both[0]
        return "|".join(dict.fromkeys([*paragraph.split("|"), *word.split("|")]))


def read_synonyms(path: Path, allowed: set[str]) -> SynonymTable:
    table = SynonymTable(path)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"text", "code"} <= set(reader.fieldnames):
                raise ConfigError(f"synonym table {path} must have the columns text,code[,note]")
            for number, row in enumerate(reader, start=2):
                code = (row.get("code") or "").strip()
                parts = [] if code in (NOT_A_VALUE, PLACEHOLDER) else code.split("|")
                if any(part not in allowed for part in parts):
                    raise ConfigError(f"synonym table {path}, line {number}: code {code!r} is not in the code list",
                                      hint=f"use one of {', '.join(sorted(allowed))}, several joined by '|' (ambiguous), "
                                           f"'{NOT_A_VALUE}' (no value at all) or '{PLACEHOLDER}' (a placeholder)")
                raw = (row.get("text") or "").strip()
                if raw.startswith("re:"):
                    try:
                        table.patterns.append((re.compile(raw[3:].strip(), re.IGNORECASE), code))
                    except re.error as exc:
                        raise ConfigError(f"synonym table {path}, line {number}: pattern {raw[3:]!r} is invalid: {exc}") from None
                    continue
                text = normalize_free_text(raw)
                if text:
                    table.exact[text] = code
    except FileNotFoundError:
        raise ConfigError(f"synonym table {path} does not exist") from None
    return table
