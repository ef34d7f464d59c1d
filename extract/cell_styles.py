"""Cell formatting (solid fill colour as RRGGBB, strikethrough) of .xlsx/.xlsm via openpyxl, read-only and bounded.

Caseworkers mark rows by colour or strike them through; only asked for by a caller
(:meth:`jhmig.extract.workbook.Workbook.styles`), run inside the isolated reader.
openpyxl is imported lazily.
"""

from __future__ import annotations

import colorsys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from jhmig.extract.workbook_guard import GuardRefusal
from jhmig.extract.workbook_records import CellStyle

__all__ = ["read_styles"]

# Office 2013+ default theme, used when a workbook carries none: lt1, dk1, lt2, dk2, accent1-6, hlink, folHlink
_DEFAULT_THEME = ["FFFFFF", "000000", "E7E6E6", "44546A", "4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47",
                  "0563C1", "954F72"]
_THEME_ORDER = ["lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5", "accent6", "hlink", "folHlink"]


def read_styles(path: Path, sheet_name: str, first_row: int, last_row: int, first_col: int,
                last_col: int) -> dict[tuple[int, int], CellStyle]:
    """Non-default fill colour / strikethrough of a block (1-based, inclusive), keyed by (row, col)."""
    import openpyxl

    wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True, keep_links=False)
    try:
        if sheet_name not in wb.sheetnames:
            raise GuardRefusal(f"openpyxl finds no sheet {sheet_name!r} (Strict OOXML?)")
        theme = _theme_colours(getattr(wb, "loaded_theme", None))
        ws = wb[sheet_name]
        cells: dict[tuple[int, int], CellStyle] = {}
        for row in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=first_col, max_col=last_col):
            for cell in row:
                if not getattr(cell, "has_style", False):
                    continue
                fill = cell.fill
                colour = None
                if fill is not None and getattr(fill, "fill_type", None) == "solid":
                    colour = _rgb(fill.fgColor, theme)
                font = cell.font
                strike = bool(font is not None and font.strike)
                if colour or strike:
                    cells[(cell.row, cell.column)] = CellStyle(colour, strike)
        return cells
    finally:
        wb.close()


def _theme_colours(theme_xml: bytes | None) -> list[str]:
    if not theme_xml:
        return list(_DEFAULT_THEME)
    try:
        root = ElementTree.fromstring(theme_xml)
    except ElementTree.ParseError:
        return list(_DEFAULT_THEME)
    found: dict[str, str] = {}
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in _THEME_ORDER and len(element):
            child = element[0]
            found[tag] = child.get("lastClr") or child.get("val") or ""
    return [found.get(tag) or default for tag, default in zip(_THEME_ORDER, _DEFAULT_THEME, strict=True)]


def _rgb(colour: Any, theme: list[str]) -> str | None:
    """An openpyxl colour as RRGGBB: rgb, indexed or theme colour with tint."""
    if colour is None:
        return None
    kind = getattr(colour, "type", None)
    if kind == "rgb":
        value = colour.rgb
        return value[-6:].upper() if isinstance(value, str) and len(value) >= 6 else None
    if kind == "indexed":
        from openpyxl.styles.colors import COLOR_INDEX

        index = colour.indexed
        if isinstance(index, int) and 0 <= index < len(COLOR_INDEX) and index < 64:
            return COLOR_INDEX[index][-6:].upper()
        return None
    if kind == "theme":
        index = colour.theme
        if not isinstance(index, int) or not 0 <= index < len(theme):
            return None
        return _tinted(theme[index], float(colour.tint or 0.0))
    return None


def _tinted(rgb: str, tint: float) -> str:
    """Excel's tint: lighten or darken the luminance in HLS space."""
    try:
        r, g, b = (int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return rgb
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    lum = lum * (1 + tint) if tint < 0 else lum * (1 - tint) + tint
    r, g, b = colorsys.hls_to_rgb(h, max(0.0, min(1.0, lum)), s)
    return "".join(f"{round(c * 255):02X}" for c in (r, g, b))
