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


def services_chart(cells: Sequence[dict], measure: str = "begun") -> str | None:
    """Lines: services per § and year (source), one line per service type."""
    rows = [c for c in cells if c["measure"] == measure]
    years = sorted({c["year"] for c in rows})
    kinds = sorted({c["service_type"] for c in rows}, key=lambda k: (not k[:1].isdigit(), k.zfill(6)))
    if not years:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for number, kind in enumerate(kinds):
        values = [sum(c["source"] for c in rows if c["year"] == y and c["service_type"] == kind) for y in years]
        ax.plot(years, values, marker="o", markersize=3, label=f"§ {kind}" if kind[:1].isdigit() else kind,
                color=PALETTE[number % len(PALETTE)], linestyle="-" if number < len(PALETTE) else "--")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Anzahl")
    ax.set_title({"begun": "begonnene Hilfen je § und Jahr", "running": "laufende Hilfen am 31.12."}.get(measure, measure))
    ax.legend(fontsize=7, ncols=4)
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
