"""Charts for the reconciliation report, drawn with matplotlib and embedded as base64 PNG.

The only module that imports matplotlib, lazily and with the Agg backend (no
display on a server, no fonts fetched from anywhere): the HTML carries the
pictures inline (``data:image/png;base64,...``), so it works offline. German
axis labels; money in euros.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

PALETTE = ("#1f5f8b", "#d98c1f", "#5b9b4a", "#b23a3a", "#7a5ba6", "#7f7f7f", "#2aa1a1", "#c45c9a")
KIND_DE = {"uvg": "UVG", "hze": "HzE", "kita_fee": "Kita", "recovery": "Rückgriff", "reversal": "Storno"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    _pyplot().close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def money_chart(lines: Sequence[dict]) -> str | None:
    """Stacked bars: euros loaded per year and kind (negative kinds below the axis)."""
    years = sorted({line["year"] for line in lines if line["year"] is not None})
    kinds = sorted({line["payment_type"] or "?" for line in lines})
    if not years:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    up = [0.0] * len(years)
    down = [0.0] * len(years)
    for number, kind in enumerate(kinds):
        values = [sum(line["loaded"] for line in lines if line["year"] == y and (line["payment_type"] or "?") == kind) / 100 for y in years]
        base = [down[i] if v < 0 else up[i] for i, v in enumerate(values)]
        ax.bar([str(y) for y in years], values, bottom=base, label=KIND_DE.get(kind, kind), color=PALETTE[number % len(PALETTE)])
        for i, v in enumerate(values):
            if v < 0:
                down[i] += v
            else:
                up[i] += v
    ax.set_ylabel("Euro (geladen)")
    ax.yaxis.set_major_formatter(_euro_formatter())
    ax.legend(fontsize=8, ncols=min(len(kinds), 5))
    ax.set_title("Zahlungen je Jahr und Zahlart")
    return _png(fig)


SHOWN_TYPES = 5  # panels of the largest service types; the others are summed in one panel "übrige"
_MEASURE_TITLE = {"begun": "Begonnene Hilfen je Jahr", "ended": "Beendete Hilfen je Jahr", "running": "Laufende Hilfen am 31.12."}


def chart_panels(rows: Sequence[dict]) -> list[tuple[str, set[str]]]:
    """(title, service types) per panel: the SHOWN_TYPES largest by source count, then "übrige" for the rest."""
    totals: dict[str, int] = {}
    labels: dict[str, str] = {}
    for c in rows:
        totals[c["service_type"]] = totals.get(c["service_type"], 0) + int(c["source"])
        labels[c["service_type"]] = str(c.get("label") or c["service_type"])
    largest = [k for k, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:SHOWN_TYPES]]
    rest = [k for k in totals if k not in largest]
    return [(labels[k], {k}) for k in largest] + ([(f"übrige ({len(rest)} Hilfearten)", set(rest))] if rest else [])


def services_chart(cells: Sequence[dict], measure: str = "begun", partial_year: int | None = None) -> str | None:
    """Small multiples: one panel per large service type (plus "übrige"), source and target as two lines.

    ``partial_year``: the export's year when it ends before 31.12.; it is shaded and labelled, so that its
    lower counts do not read as a drop.
    """
    rows = [c for c in cells if c["measure"] == measure]
    years = sorted({c["year"] for c in rows})
    if not years:
        return None
    panels = chart_panels(rows)
    rest = len(panels) > SHOWN_TYPES
    largest = panels[:SHOWN_TYPES]
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    columns = 3
    lines_of_panels = (len(panels) + columns - 1) // columns
    fig, axes = plt.subplots(lines_of_panels, columns, figsize=(11, 2.6 * lines_of_panels), sharex=True, squeeze=False)
    for ax, (title, kinds) in zip(axes.flat, panels):
        source = [sum(int(c["source"]) for c in rows if c["year"] == y and c["service_type"] in kinds) for y in years]
        target = [sum(int(c["target"]) for c in rows if c["year"] == y and c["service_type"] in kinds) for y in years]
        ax.plot(years, source, color=PALETTE[0], marker="o", markersize=3, linewidth=1.8, label="Quelle (Altsystem)")
        ax.plot(years, target, color=PALETTE[1], marker="x", markersize=4, linewidth=1.2, linestyle="--", label="Ziel (Datenbank)")
        if partial_year in years:
            ax.axvspan(partial_year - 0.5, partial_year + 0.5, color="#dddddd", alpha=0.6, linewidth=0)
        ax.set_title(title if len(title) <= 42 else title[:41] + "…", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    if partial_year in years:
        from matplotlib.patches import Patch

        handles.append(Patch(color="#dddddd"))
        names.append(f"{partial_year}: Teiljahr (bis zum Exportdatum)")
    fig.legend(handles, names, loc="lower center", ncols=len(names), fontsize=8, frameon=False)
    fig.suptitle(_MEASURE_TITLE.get(measure, measure) + f" – die {len(largest)} häufigsten Hilfearten" + (" und übrige" if rest else ""),
                 fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    return _png(fig)


def findings_chart(history: Sequence[dict]) -> str | None:
    """Bars: error and warning findings over the runs (oldest left)."""
    if not history:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    labels = [str(h["run_id"]) for h in history]
    errors = [h.get("errors", 0) for h in history]
    warnings = [h.get("warnings", 0) for h in history]
    ax.bar(labels, errors, color=PALETTE[3], label="Fehler")
    ax.bar(labels, warnings, bottom=errors, color=PALETTE[1], label="Warnungen")
    ax.set_xlabel("Lauf")
    ax.set_ylabel("Befunde")
    ax.set_title("Befunde über die Läufe")
    ax.legend(fontsize=8)
    return _png(fig)


def _euro_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: f"{value:,.0f} €".replace(",", "."))
