"""Synonym tables and the coding cascade: free text typed into lists -> codes of a unified code list.

A synonym CSV has the columns ``text,code,note``. ``code`` is one code of the
code list, or several joined by ``|`` (an ambiguous word such as ``EB``:
Erziehungsbeistand §30 or Erziehungsberatung §28, for the steward to decide),
or ``-`` (the text names no value of the list at all: ``§ 8a`` is a
child-protection check, not a help), or ``?`` (a placeholder: ``s. Akte``).
A ``text`` starting with ``re:`` is a regular expression searched in the
normalised value.

No table can list every office's words, so a value the table does not name
exactly goes through a cascade of rules that generalise; each step that codes
a value says which step and with what score (0-100), so the steward sees
every code that was inferred. The steps, in order (thresholds in
``mappings/lists/synonyms/coding.yaml``):

1. *exact*: the normalised text (case, spacing, ``§``, ``SGB VIII``, brackets);
2. *combined*: a word plus a paragraph (``SPFH §31``): the code both name,
   ambiguous when they differ; then the ``re:`` patterns;
3. *normalised*: tokens folded (umlauts, dots, hyphens, initialisms
   ``S.P.F.H.`` = ``SPFH``) before the lookup;
4. *paragraph*: a legal paragraph anywhere in the cell (``§ 34``, ``(35a)``,
   ``34er``, ``Par. 34``, ``nach § 41``, ``Hilfe n. 34``); words beside it that
   name another code make it ambiguous, unknown words do not count;
5. *acronym*: the letters of a known acronym in another order (``SFPH``);
6. *abbreviation*: every word a prefix of the words of one synonym or
   catalogue name (``Soz. Gruppenarb.``, ``Erz.-Ber.``);
7. *word*: a long word of the cell that a synonym names (``aufsuchende
   Familienhilfe``), all such words agreeing;
8. *fuzzy*: a typo of a synonym or a catalogue name (rapidfuzz).

A cell of only ``?`` or ``-`` (or ``k.A.``) holds no value: it is empty, not
an error. What stays unknown is offered to the steward with the best
candidates (:meth:`SynonymTable.suggest`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from jhmig.errors import ConfigError
from jhmig.layout import MAPPINGS_DIR
from jhmig.textfold import din_fold

NOT_A_VALUE = "-"  # the text is no value of the code list (no service at all)
PLACEHOLDER = "?"  # the text stands in for a value written elsewhere ("s. Akte")
CODING_RULES = MAPPINGS_DIR / "lists" / "synonyms" / "coding.yaml"
_PARAGRAPH = re.compile(r"§?\s?(\d{1,2}\s?[a-z]?)(?:\s?abs\.?\s?\d+)?(?![\d])")
_PARAGRAPH_TOKEN = re.compile(r"§?(\d{1,2}[a-z]?)(?:er)?")
# the whole cell: "s.p.f.h.", "e. b.", "s g a" ("Hilfe f. j. Vollj." is words)
_INITIALISM = re.compile(r"(?:[a-z]\.\s?)+[a-z]\.?|(?:[a-z]\s)+[a-z]")
INFERRED_STEPS = ("normalised", "paragraph", "acronym", "abbreviation", "word")


class CodingRules(BaseModel):
    """The thresholds of the cascade (``mappings/lists/synonyms/coding.yaml``): data, not code."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    fuzzy_min: float = 90
    fuzzy_min_length: int = 4
    abbreviation_min_letters: int = 4
    acronym_min_length: int = 3
    acronym_max_length: int = 5
    word_min_length: int = 6
    candidates: int = 3
    filler_words: tuple[str, ...] = ()
    empty_characters: str = "?-–—_./ "
    empty_words: tuple[str, ...] = ()
    placeholder_patterns: tuple[str, ...] = ()


@lru_cache(maxsize=4)
def load_coding_rules(path: Path = CODING_RULES) -> CodingRules:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return CodingRules.model_validate(data)
    except FileNotFoundError:
        raise ConfigError(f"coding rules {path} do not exist") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"coding rules {path} are invalid: {exc}") from None


def normalize_free_text(text: str) -> str:
    t = text.casefold().replace("\u00a0", " ")
    t = re.sub(r"sgb\s*viii|sgb\s*8|kjhg|\bjgg\b", " ", t)
    t = t.replace("§", " § ")
    t = re.sub(r"[()\[\],;:!?\"']", " ", t)
    t = re.sub(r"\s+", " ", t).strip(" .-/")
    t = re.sub(r"§ (\d)", r"§\1", t)
    t = re.sub(r"§(\d{1,2}) ([a-z])\b", r"§\1\2", t)  # "§ 8 a", "§ 35 a"
    return t


def fold_tokens(text: str) -> str:
    """Tokens for the loose lookup: umlauts written out, initialisms joined (``s.p.f.h.`` -> ``spfh``), dots and hyphens
    as word breaks (``erz.-ber.`` -> ``erz ber``)."""
    t = din_fold(normalize_free_text(text))
    if _INITIALISM.fullmatch(t):
        t = re.sub(r"[.\s]", "", t)
    t = re.sub(r"[.\-/_+&]", " ", t)
    return " ".join(t.split())


def is_empty_text(text: str, rules: CodingRules) -> bool:
    """A cell that holds no value: only ``?``/``-`` and the like, or a word for "nothing" (``k.A.``)."""
    stripped = text.strip()
    if all(ch in rules.empty_characters for ch in stripped):
        return True
    return " ".join(stripped.casefold().split()) in {" ".join(w.casefold().split()) for w in rules.empty_words}


@dataclass(frozen=True)
class Candidate:
    code: str  # a code, or "-" / "?"
    score: float  # 0-100
    step: str  # the step that found it


@dataclass
class SynonymTable:
    path: Path
    exact: dict[str, str] = field(default_factory=dict)  # normalised text -> code, "a|b", "-" or "?"
    patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    catalogue: dict[str, str] = field(default_factory=dict)  # code -> label of the code list (matched by the cascade)
    rules: CodingRules = field(default_factory=CodingRules)
    extended_by: list[Path] = field(default_factory=list)  # the project's / list's own tables read on top
    _folded: dict[str, str] | None = field(default=None, init=False, repr=False)
    _phrases: list[tuple[str, str]] | None = field(default=None, init=False, repr=False)

    # -- the cascade --------------------------------------------------------
    def lookup(self, value: str) -> tuple[str | None, str]:
        """-> (code or None, how).

        how: 'exact' | 'pattern' | 'combined' | '<inferred step>:<score>' | 'fuzzy:<synonym>' | 'ambiguous:<a|b>' |
        'none' | 'placeholder' | 'empty' | 'unmapped'.
        """
        code, how, _ = self.lookup_scored(value)
        return code, how

    def lookup_scored(self, value: str) -> tuple[str | None, str, float]:
        if is_empty_text(value, self.rules):
            return None, "empty", 100.0
        key = normalize_free_text(value)
        if not key:
            return None, "unmapped", 0.0
        found, how, score = self._strict(key)
        if found is None and any(re.search(p, fold_tokens(key)) for p in self.rules.placeholder_patterns):
            found, how, score = PLACEHOLDER, "placeholder", 100.0
        if found is None:
            found, how, score = self._paragraph(key)
        if found is None:
            found, how, score = self._loose(key)
        if found is None:
            return None, "unmapped", 0.0
        if found == NOT_A_VALUE:
            return None, "none", score
        if found == PLACEHOLDER:
            return None, "placeholder", score
        if "|" in found:
            return None, f"ambiguous:{found}", score
        if how in INFERRED_STEPS:
            how = f"{how}:{score:.0f}"
        return found, how, score

    def _strict(self, key: str) -> tuple[str | None, str, float]:
        """Exact, word + paragraph, patterns, then the folded tokens: the text says its code by the table's own words."""
        found = self._exact(key)
        if found is not None:
            return found, "exact", 100.0
        found = self._combined(key)  # before the patterns: "SPFH §33" names two codes, which a pattern "^spfh" would hide
        if found is not None:
            return found, "combined", 100.0
        if self._paragraphs(key)[0]:  # "Heimerziehung nach § 31": the paragraph step weighs both, a pattern "^heim" would hide one
            return None, "", 0.0
        found = next((code for pattern, code in self.patterns if pattern.search(key)), None)
        if found is not None:
            return found, "pattern", 100.0
        found = self.folded.get(fold_tokens(key))
        if found is not None:
            return found, "normalised", 100.0
        return None, "", 0.0

    def _paragraphs(self, key: str) -> tuple[list[str], list[str]]:
        """The codes of the legal paragraphs in the cell, and its other words."""
        paragraphs: list[str] = []
        rest: list[str] = []
        for token in fold_tokens(key).split():
            match = _PARAGRAPH_TOKEN.fullmatch(token)
            code = self._exact("§" + match.group(1)) if match else None
            if code is not None:
                paragraphs.append(code)
            else:
                rest.append(token)
        return list(dict.fromkeys(paragraphs)), rest

    def _paragraph(self, key: str) -> tuple[str | None, str, float]:
        """A legal paragraph anywhere in the cell; the other words may agree, disagree (ambiguous) or say nothing."""
        paragraphs, rest = self._paragraphs(key)
        if not paragraphs:
            return None, "", 0.0
        if len(paragraphs) > 1:
            return "|".join(paragraphs), "paragraph", 50.0
        paragraph = paragraphs[0]
        words = [w for w in rest if w not in self.rules.filler_words]
        if not words or paragraph in (NOT_A_VALUE, PLACEHOLDER):
            return paragraph, "paragraph", 100.0
        said, _, _ = self._strict(" ".join(words))
        if said is None:
            said = self._word(" ".join(words))[0]
        if said is None or said in (NOT_A_VALUE, PLACEHOLDER):  # "Einzelfallhilfe (§ 35)": unknown words do not count
            return paragraph, "paragraph", 95.0
        both = [code for code in said.split("|") if code in paragraph.split("|")]
        if len(both) == 1:
            return both[0], "paragraph", 100.0
        return "|".join(dict.fromkeys([*paragraph.split("|"), *said.split("|")])), "paragraph", 50.0

    def _loose(self, key: str) -> tuple[str | None, str, float]:
        for step in (self._acronym, self._abbreviation, self._word, self._fuzzy):
            found, how, score = step(key)
            if found is not None:
                return found, how, score
        return None, "", 0.0

    def _acronym(self, key: str) -> tuple[str | None, str, float]:
        folded = fold_tokens(key)
        r = self.rules
        if " " in folded or not folded.isalpha() or not r.acronym_min_length <= len(folded) <= r.acronym_max_length:
            return None, "", 0.0
        hits = {code for text, code in self.folded.items()
                if len(text) == len(folded) and text.isalpha() and text != folded and sorted(text) == sorted(folded)}
        if len(hits) != 1:
            return None, "", 0.0
        code = hits.pop()
        best = max(fuzz.ratio(folded, t) for t, c in self.folded.items() if c == code and sorted(t) == sorted(folded))
        return code, "acronym", best

    def _abbreviation(self, key: str) -> tuple[str | None, str, float]:
        tokens = fold_tokens(key).split()
        letters = sum(len(t) for t in tokens)
        if not tokens or letters < self.rules.abbreviation_min_letters or not all(t.isalpha() for t in tokens):
            return None, "", 0.0
        pattern = re.compile("^" + r"\s?".join(re.escape(t) + r"\w*" for t in tokens) + "$")
        codes: dict[str, float] = {}
        for phrase, code in self.phrases:
            if pattern.match(phrase):
                codes[code] = max(codes.get(code, 0.0), 100.0 * letters / max(len(phrase.replace(" ", "")), 1))
        codes = {c: s for c, s in codes.items() if "|" not in c}
        if len(codes) != 1:
            return None, "", 0.0
        code, share = next(iter(codes.items()))
        return code, "abbreviation", max(share, 50.0)

    def _word(self, key: str) -> tuple[str | None, str, float]:
        tokens = [t for t in fold_tokens(key).split() if len(t) >= self.rules.word_min_length and t not in self.rules.filler_words]
        codes = {self.folded[t] for t in tokens if t in self.folded}
        codes = {c for c in codes if "|" not in c and c not in (NOT_A_VALUE, PLACEHOLDER)}
        if len(codes) != 1:
            return None, "", 0.0
        return codes.pop(), "word", 90.0

    def _fuzzy(self, key: str) -> tuple[str | None, str, float]:
        folded = fold_tokens(key)
        if len(folded) < self.rules.fuzzy_min_length:  # short codes ("EB", "PF") must match exactly: typos there are guesses
            return None, "", 0.0
        hit = process.extractOne(folded, [p for p, _ in self.phrases], scorer=_typo_score, score_cutoff=self.rules.fuzzy_min)
        if not hit:
            return None, "", 0.0
        phrase = hit[0]
        code = dict(self.phrases)[phrase]
        return code, f"fuzzy:{self._original(phrase)}", float(hit[1])

    # -- what the steward is offered ----------------------------------------
    def suggest(self, value: str, n: int | None = None) -> list[Candidate]:
        """The best codes for a value the cascade did not decide, best first, one per code."""
        n = n or self.rules.candidates
        out: dict[str, Candidate] = {}

        def offer(code: str, score: float, step: str) -> None:
            for part in code.split("|"):
                if part not in out or out[part].score < score:
                    out[part] = Candidate(part, round(score, 1), step)

        key = normalize_free_text(value)
        if not key:
            return []
        for finder in (self._strict, self._paragraph, self._acronym, self._abbreviation, self._word):
            code, step, score = finder(key)
            if code:
                offer(code, score if "|" not in code else max(score, 80.0), step or "exact")
        folded = fold_tokens(key)
        codes = dict(self.phrases)
        phrases = [p for p in codes if len(p) >= self.rules.fuzzy_min_length]  # "ise", "tg" are part of everything
        for scorer, step in ((_typo_score, "fuzzy"), (fuzz.token_set_ratio, "words"), (fuzz.partial_ratio, "part")):
            for phrase, score, _ in process.extract(folded, phrases, scorer=scorer, limit=12):
                offer(codes[phrase], float(score) * (1.0 if step == "fuzzy" else 0.9), step)
        ranked = sorted(out.values(), key=lambda c: (-c.score, c.code))
        return ranked[:n]

    def candidates(self, how: str) -> list[str]:
        """The codes an ambiguous lookup offers."""
        return how.removeprefix("ambiguous:").split("|") if how.startswith("ambiguous:") else []

    # -- extending ----------------------------------------------------------
    def extend(self, rows: dict[str, str], source: Path | None = None) -> None:
        """Texts of another table (the project's own, a steward's decisions) on top: they win over the shipped ones."""
        for text, code in rows.items():
            key = normalize_free_text(text)
            if key:
                self.exact[key] = code
        if source is not None:
            self.extended_by.append(source)
        self._folded = self._phrases = None

    # -- indexes ------------------------------------------------------------
    @property
    def folded(self) -> dict[str, str]:
        if self._folded is None:
            folded: dict[str, str] = {}
            for text, code in self.exact.items():
                folded.setdefault(fold_tokens(text), code)
            self._folded = folded
        return self._folded

    @property
    def phrases(self) -> list[tuple[str, str]]:
        """Folded synonyms (single codes, "-", "?") and catalogue names: what abbreviations and typos are matched against."""
        if self._phrases is None:
            out: dict[str, str] = {}
            for text, code in self.folded.items():
                if "|" not in code and not text.startswith("§") and not text[:1].isdigit():
                    out.setdefault(text, code)
            for code, label in self.catalogue.items():
                for part in re.split(r"[/()]", label):
                    folded = fold_tokens(part)
                    if len(folded) >= 3 and not folded[:1].isdigit():
                        out.setdefault(folded, code)
            self._phrases = list(out.items())
        return self._phrases

    def _original(self, folded: str) -> str:
        return next((t for t in self.exact if fold_tokens(t) == folded), folded)

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


def _typo_score(a: str, b: str, **_: object) -> float:
    """A typo: the better of indel similarity and Damerau-Levenshtein (a swap of two letters is one edit)."""
    return max(fuzz.ratio(a, b), 100.0 * DamerauLevenshtein.normalized_similarity(a, b))


def read_synonym_rows(path: Path, allowed: set[str]) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    """The texts and patterns of one synonym CSV, every code checked against the code list."""
    exact: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
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
                        patterns.append((re.compile(raw[3:].strip(), re.IGNORECASE), code))
                    except re.error as exc:
                        raise ConfigError(f"synonym table {path}, line {number}: pattern {raw[3:]!r} is invalid: {exc}") from None
                    continue
                text = normalize_free_text(raw)
                if text:
                    exact[text] = code
    except FileNotFoundError:
        raise ConfigError(f"synonym table {path} does not exist") from None
    return exact, patterns


def read_synonyms(path: Path, allowed: set[str], catalogue: dict[str, str] | None = None,
                  rules: CodingRules | None = None) -> SynonymTable:
    exact, patterns = read_synonym_rows(path, allowed)
    return SynonymTable(path, exact, patterns, dict(catalogue or {}), rules or load_coding_rules())
