"""Building blocks of a list sheet: skip rows, totals, legend sheets, and rendering
a file's entries with every notation placed at least once (``forced_plan``).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jhmig.synth.lists_links import LegacyLinks
from jhmig.synth.lists_model import AsdEntry, BodyRow, Cell, JghEntry, SheetPlan
from jhmig.synth.lists_notation import Forced, plan_forced
from jhmig.synth.lists_render import FileStyle, RowRenderer
from jhmig.synth.population import Identity

P_EMPTY_ROW = 0.03  # a blank line left between cases
COMMON_TYPES = frozenset({"28", "30", "31", "33", "34"})  # the service types forced typos may hit


@dataclass
class LayoutContext:
    rng: random.Random
    links: LegacyLinks
    variants: dict[str, int] = field(default_factory=dict)  # spelling use counts shared by all files
    official_names: frozenset[str] = frozenset()  # provider names as TRAEGER.TXT spells them


# -- shared helpers ---------------------------------------------------------------------


def header_row_after(title_lines: int, rng: random.Random, low: int = 1, high: int = 3) -> int:
    """Title block, then one to three empty rows, then the header."""
    return title_lines + 1 + rng.randint(low, high) if title_lines else 1


def add_skip(sheet: SheetPlan, kind: str, cells: dict[int, Cell] | None = None, *, merge_across: bool = False) -> BodyRow:
    row = BodyRow(row=sheet.next_row(), kind=kind, cells=cells or {}, merge_across=merge_across)
    sheet.body.append(row)
    return row


def add_note(sheet: SheetPlan, text: str) -> None:
    add_skip(sheet, "note", {0: Cell(text)}, merge_across=True)


def add_total(sheet: SheetPlan, label: str, func: str, col_key: str, csv_value: str | None = None, *,
              at_key: str | None = None) -> None:
    """A subtotal row under the data: the label in column A and a formula over ``col_key``'s
    data cells, in that column or in ``at_key``'s (a CSV holds the value Excel showed)."""
    data = [r.row for r in sheet.body if r.kind == "data"]
    col, at = sheet.col(col_key), sheet.col(at_key or col_key)
    if not data or col is None or at is None or at == 0:
        return
    letter = chr(ord("A") + col)
    value = Cell(csv_value) if csv_value is not None else Cell(f"={func}({letter}{data[0]}:{letter}{data[-1]})", formula=True)
    add_skip(sheet, "subtotal", {0: Cell(label), at: value})


def legend_sheet(name: str, lines: list[tuple[str, ...]]) -> SheetPlan:
    sheet = SheetPlan(name=name, columns=[], title=[], header_row=0, legend=lines)
    for number, line in enumerate(lines, start=1):
        if any(part for part in line):
            sheet.body.append(BodyRow(row=number, kind="legend_sheet"))
    return sheet


def forced_plan(rng: random.Random, placed: Sequence[tuple[SheetPlan, Any]], style: FileStyle, department: str) -> Forced:
    """Place every notation of every kind at least once in this file."""
    renderer_kinds: dict[str, tuple[list[int], list[str]]] = {}
    everyone = list(range(len(placed)))
    entries = [e for _, e in placed]
    birth_known = [i for i in everyone if _person_of(entries[i]).birth_date_known]
    period = ["dmy", "short", "iso", "month", "serial"] if style.csv else ["excel", "dmy", "short", "iso", "month", "serial"]
    renderer_kinds["period"] = (everyone, period)
    renderer_kinds["ws"] = (everyone, ["trailing", "nbsp"])
    if not style.csv:
        renderer_kinds["comment"] = (everyone, ["yes"])
    # names: umlaut where a name has one; swapped where names stand in two columns, given-first where in one
    with_umlaut = [i for i in everyone if any(ch in _name(entries[i]) for ch in "äöüÄÖÜß")]
    forced = Forced()
    forced.by_row.update({("name", i): v for i, v in plan_forced(rng, with_umlaut, ["umlaut"]).items()})
    free = [i for i in everyone if ("name", i) not in forced.by_row]
    split = [i for i in free if placed[i][0].col("family") is not None]
    joined = [i for i in free if placed[i][0].col("name_full") is not None]
    forced.by_row.update({("name", i): v for i, v in plan_forced(rng, split, ["swapped"]).items()})
    forced.by_row.update({("name", i): v for i, v in plan_forced(rng, joined, ["given_first"]).items()})
    free = [i for i in free if ("name", i) not in forced.by_row]
    forced.by_row.update({("name", i): v for i, v in plan_forced(rng, free, ["typo", "missing_birth_date"]).items()})
    birth = [i for i in birth_known if forced.by_row.get(("name", i)) != "missing_birth_date"]
    renderer_kinds["birth"] = (birth, ["excel", "dmy", "short", "iso", "serial"] if not style.csv else ["dmy", "short", "iso", "serial"])
    if department == "ASD":
        asd: list[AsdEntry] = entries
        renderer_kinds["service_ws"] = (everyone, ["trailing", "nbsp"])
        amounts = ["comma_text", "euro_text", "approx"] if style.csv else ["number", "euro_text", "comma_text", "approx"]
        if style.csv:
            renderer_kinds["remark"] = ([i for i in everyone if not (asd[i].moved_from or asd[i].moved_to)], ["semicolon", "quote"])
        renderer_kinds["amount"] = ([i for i in everyone if asd[i].monthly_cents is not None], amounts)
        # typos go to common types only: the few rows of a rare type must show its regular spellings
        renderer_kinds["service_kind"] = ([i for i in everyone if asd[i].code in COMMON_TYPES], ["typo"])
        closed = {"grey": ["grey"], "strike_status": ["strike", "status"], "status": ["status"]}.get(style.closed_style, [])
        renderer_kinds["closed"] = ([i for i in everyone if asd[i].ended], closed)
    else:
        jgh: list[JghEntry] = entries
        concluded = [i for i in everyone if jgh[i].outcome not in (None, "pending")]
        frequent = Counter(jgh[i].outcome for i in concluded)
        # typos and uncodable outcomes only where the outcome is common: each outcome keeps a regular spelling
        renderer_kinds["outcome_kind"] = ([i for i in concluded if frequent[jgh[i].outcome] >= 3], ["typo", "unmapped"])
        renderer_kinds["closed"] = ([i for i in concluded if jgh[i].year < 2024], ["grey"])
        known = [i for i in everyone if jgh[i].asd_known]
        forced.by_row.update({("flag", i): v for i, v in plan_forced(rng, known, ["x", "ja"]).items()})
        forced.by_row.update({("flag", i): v for i, v in plan_forced(
            rng, [i for i in everyone if not jgh[i].asd_known], ["nein", ""]).items()})
        renderer_kinds["comment"] = ([i for i in everyone if jgh[i].hearing is not None], ["yes"])
    for kind, (eligible, options) in renderer_kinds.items():
        forced.by_row.update({(kind, i): v for i, v in plan_forced(rng, eligible, options).items()})
    return forced


def _person_of(entry: Any) -> Identity:
    return entry.child if isinstance(entry, AsdEntry) else entry.person


def _name(entry: Any) -> str:
    person = _person_of(entry)
    return person.family_name + person.given_names


def sprinkle_empty_rows(sheet: SheetPlan, rng: random.Random, *, nbsp: bool = False) -> None:
    """A blank line between cases now and then (one of them holding only a non-breaking space)."""
    if rng.random() < P_EMPTY_ROW:
        add_skip(sheet, "empty", {0: Cell("\u00a0")} if nbsp and rng.random() < 0.3 else {})


def render_rows(ctx: LayoutContext, placed: list[tuple[SheetPlan, Any]], style: FileStyle,
                before: Callable[[SheetPlan, Any, int], None] | None = None,
                sheet_closed: Callable[[SheetPlan], bool] = lambda s: False) -> RowRenderer:
    forced = forced_plan(ctx.rng, placed, style, style.department)
    renderer = RowRenderer(ctx.rng, ctx.links, style, forced, ctx.variants, ctx.official_names)
    for index, (sheet, entry) in enumerate(placed):
        if before is not None:
            before(sheet, entry, index)
        if style.department == "ASD":
            row = renderer.asd(entry, sheet, index, sheet_closed=sheet_closed(sheet))
        else:
            row = renderer.jgh(entry, sheet, index)
        sheet.body.append(row)
    return renderer
