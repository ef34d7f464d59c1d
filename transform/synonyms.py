"""Synonym tables: free text typed into lists -> codes of a unified code list.

A synonym CSV has the columns ``text,code,note``. Values are compared after
normalisation (case, spacing, '§', 'SGB VIII', punctuation); a value no
synonym covers exactly is matched to the closest synonym when it is a
plausible typo (rapidfuzz similarity >= 90, reported as a warning), and
otherwise reported as unmapped, with counts, so the table can be completed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from jhmig.errors import ConfigError

FUZZY_MIN = 90


def normalize_free_text(text: str) -> str:
    t = text.casefold().replace("\u00a0", " ")
    t = re.sub(r"sgb\s*viii|sgb\s*8|kjhg", " ", t)
    t = t.replace("§", " § ")
    t = re.sub(r"[()\[\],;:!?\"']", " ", t)
    t = re.sub(r"\s+", " ", t).strip(" .-/")
    t = re.sub(r"§ (\d)", r"§\1", t)
    return t


@dataclass
class SynonymTable:
    path: Path
    exact: dict[str, str] = field(default_factory=dict)

    def lookup(self, value: str) -> tuple[str | None, str]:
        """-> (code or None, how: 'exact' | 'fuzzy:<synonym>' | 'unmapped')."""
        key = normalize_free_text(value)
        if not key:
            return None, "unmapped"
        if key in self.exact:
            return self.exact[key], "exact"
        bare = key.replace("§", "").strip()
        if bare in self.exact:
            return self.exact[bare], "exact"
        if len(key) >= 4:  # short codes ("EB", "PF") must match exactly: typos there are guesses
            hit = process.extractOne(key, list(self.exact), scorer=fuzz.ratio, score_cutoff=FUZZY_MIN)
            if hit:
                return self.exact[hit[0]], f"fuzzy:{hit[0]}"
        return None, "unmapped"


def read_synonyms(path: Path, allowed: set[str]) -> SynonymTable:
    table = SynonymTable(path)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"text", "code"} <= set(reader.fieldnames):
                raise ConfigError(f"synonym table {path} must have the columns text,code[,note]")
            for number, row in enumerate(reader, start=2):
                code = (row.get("code") or "").strip()
                if code not in allowed:
                    raise ConfigError(f"synonym table {path}, line {number}: code {code!r} is not in the code list",
                                      hint=f"use one of {', '.join(sorted(allowed))}")
                text = normalize_free_text(row.get("text") or "")
                if text:
                    table.exact[text] = code
    except FileNotFoundError:
        raise ConfigError(f"synonym table {path} does not exist") from None
    return table
