"""The legend sheet of a list workbook: what its abbreviations mean (``EB = Erziehungsbeistand``).

A legend decides what the office's own short words mean in that workbook;
the transform codes the meaning as it codes any cell. Lines are read as
``KÜRZEL = Bedeutung`` (also ``:``, ``–``) in one cell, or as two cells side
by side (a short word, then its meaning).
"""

from __future__ import annotations

import re

from jhmig.decisions import CellValue
from jhmig.extract.cells import cell_text

_ENTRY = re.compile(r"^\s*([^\s=:–]{1,12}(?:\s[^\s=:–]{1,6})?)\s*(?:=|:|–|\s-\s)\s*(.{3,})$")
_SHORT = 12


def legend_entries(rows: list[tuple[int, tuple[CellValue, ...]]]) -> dict[str, str]:
    """short word (as written) -> its meaning; the first entry of a word wins."""
    out: dict[str, str] = {}
    for _, values in rows:
        texts = [t.strip() for t in (cell_text(v) for v in values) if t and t.strip()]
        if not texts:
            continue
        match = _ENTRY.match(texts[0])
        if match:
            out.setdefault(match.group(1).strip(), match.group(2).strip())
        elif len(texts) >= 2 and len(texts[0]) <= _SHORT and len(texts[1]) > len(texts[0]):
            out.setdefault(texts[0].rstrip(" =:"), texts[1].lstrip(" =:"))
    return out
