"""Free text of a list -> codes, and what the steward must see about it.

Per value the synonym table says: a code (exact, pattern, word + paragraph,
or a typo read as the closest synonym: a warning), ambiguous (``EB``), no
value at all (``§ 8a`` is no help), a placeholder (``s. Akte``) or unknown.
An ambiguous value is decided by another column of the row when exactly one
candidate's own words stand there (a provider "Erziehungsberatungsstelle"
decides ``EB`` for §28); otherwise it goes to the steward with both
candidates (an error: the record waits in the quarantine until decided).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from jhmig.records import Severity
from jhmig.transform.list_sheet import SheetRows
from jhmig.transform.synonyms import INFERRED_STEPS, SynonymTable, is_empty_text, normalize_free_text
from jhmig.values import clean

STEP_DE = {"normalised": "Schreibweise vereinheitlicht", "paragraph": "Paragraph in der Zelle", "acronym": "Buchstaben vertauscht",
           "abbreviation": "Abkürzung", "word": "bekanntes Wort im Text"}
_DECIDING_WORD_MIN = 10  # "erziehungsberatung", "betreuungshelfer" (not "beratung"): a candidate's word long enough to decide in another column


@dataclass(frozen=True)
class CodedText:
    codes: pd.Series  # string code or NA
    how: pd.Series  # exact | pattern | combined | <step>:<score> | fuzzy:<synonym> | ambiguous:<a|b> | decided:<by> | none | placeholder | unmapped
    text: pd.Series  # the cleaned text

    @property
    def not_a_value(self) -> pd.Series:
        return (self.how == "none").fillna(False).astype(bool)


def code_text(values: pd.Series, table: SynonymTable | None, context: list[pd.Series] | None = None,
              legend: dict[str, str] | None = None) -> CodedText:
    """Look every distinct value up once; ambiguous values are decided by ``context`` columns where they can be.

    ``legend``: the workbook's legend sheet (``EB = Erziehungsbeistand``): an ambiguous or unknown value it explains is
    coded by its meaning there."""
    text = clean(values)
    if table is not None:  # "?", "-", "k.A.": no value at all, an empty cell and not an error
        text = text.mask(text.map(lambda v: isinstance(v, str) and is_empty_text(v, table.rules)).astype(bool))
    if table is None:
        return CodedText(pd.Series(pd.NA, index=values.index, dtype="string"), pd.Series("", index=values.index, dtype="string"), text)
    looked = {v: table.lookup(v) for v in text.dropna().unique()}
    explained = {normalize_free_text(k): m for k, m in (legend or {}).items()}
    for value, (code, how) in list(looked.items()):
        meaning = explained.get(normalize_free_text(value))
        if meaning and (how == "unmapped" or how.startswith("ambiguous:")):
            by_legend, how_legend = table.lookup(meaning)
            if by_legend is not None:
                looked[value] = (by_legend, "legend:" + meaning)
    codes = text.map({k: r[0] for k, r in looked.items()}).astype("string")
    how = text.map({k: r[1] for k, r in looked.items()}).astype("string")
    ambiguous = how.fillna("").str.startswith("ambiguous:")
    if ambiguous.any() and context:
        for index in ambiguous[ambiguous].index:
            decided = _decide(table, table.candidates(str(how[index])), [c.get(index) for c in context])
            if decided is not None:
                codes[index], how[index] = decided, f"decided:{how[index].removeprefix('ambiguous:')}"
    return CodedText(codes, how, text)


def _decide(table: SynonymTable, candidates: list[str], others: list[object]) -> str | None:
    texts = [normalize_free_text(str(v)) for v in others if isinstance(v, str) and v.strip()]
    if not texts:
        return None
    hits = set()
    for code in candidates:
        words = [w for w, c in table.exact.items() if c == code and len(w) >= _DECIDING_WORD_MIN]
        if any(w in t for w in words for t in texts):
            hits.add(code)
    return hits.pop() if len(hits) == 1 else None


def report_codes(rows: SheetRows, entity: str, field_name: str, coded: CodedText, keys: pd.Series, keep: pd.Series,
                 labels: dict[str, str]) -> None:
    """Findings for every value that is not plainly a code."""
    how = coded.how.fillna("")
    text = coded.text

    def label(code: str) -> str:
        return f"{code} ({labels[code]})" if code in labels else code

    rows.report(entity, keep & text.notna() & (how == "unmapped"), "synonym.unmapped", Severity.ERROR,
                "Freitext ist in keiner Synonymtabelle: bitte in mappings/lists/synonyms ergänzen", field_name, keys)
    step = how.str.split(":").str[0]
    inferred = keep & step.isin(INFERRED_STEPS)
    if inferred.any():
        score = how.str.split(":").str[1]
        named = coded.codes.fillna("").map(label)
        rows.report(entity, inferred, "synonym.inferred", Severity.WARNING,
                    ("als " + named + " gelesen (" + step.map(STEP_DE).fillna(step) + ", Wert " + score.fillna("")
                     + " von 100)").astype("string"), field_name, keys)
    fuzzy = keep & how.str.startswith("fuzzy:")
    rows.report(entity, fuzzy, "synonym.fuzzy", Severity.WARNING,
                ("Schreibweise als '" + how.str.removeprefix("fuzzy:") + "' gelesen (" + coded.codes.fillna("") + ")").astype("string"),
                field_name, keys)
    ambiguous = keep & how.str.startswith("ambiguous:")
    if ambiguous.any():
        options = how[ambiguous].str.removeprefix("ambiguous:").map(lambda t: " oder ".join(label(c) for c in t.split("|")))
        message = pd.Series(pd.NA, index=how.index, dtype="string")
        message[ambiguous] = "mehrdeutig: " + options + " - bitte entscheiden (korrigieren auf den Code)"
        rows.report(entity, ambiguous, "synonym.ambiguous", Severity.ERROR, message, field_name, keys)
    legend = keep & how.str.startswith("legend:")
    rows.report(entity, legend, "synonym.legend", Severity.INFO,
                ("durch die Legende der Arbeitsmappe erklärt („" + how.str.removeprefix("legend:") + "“): "
                 + coded.codes.fillna("").map(label)).astype("string"), field_name, keys)
    decided = keep & how.str.startswith("decided:")
    rows.report(entity, decided, "synonym.ambiguous_decided", Severity.INFO,
                ("mehrdeutig, durch eine andere Spalte der Zeile entschieden: " + coded.codes.fillna("")).astype("string"),
                field_name, keys)
    rows.report(entity, keep & (how == "none"), "synonym.not_a_value", Severity.INFO,
                "kein Wert der Codeliste (z. B. § 8a: Gefährdungseinschätzung, keine Hilfe): nicht als Code übernommen",
                field_name, keys)
    rows.report(entity, keep & (how == "placeholder"), "synonym.placeholder", Severity.WARNING,
                "Verweis statt Wert (z. B. 's. Akte'): bitte den Wert aus der Akte nachtragen", field_name, keys)


def code_labels(code_lists: pd.DataFrame, code_list: str) -> dict[str, str]:
    part = code_lists[code_lists["code_list"] == code_list]
    return dict(zip(part["code"], part["label_de"], strict=False))
