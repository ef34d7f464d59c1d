"""The quality gate: the thresholds a run must meet before a cut-over may commit.

Thresholds come from the project file (``gate:``, see docs/quality-gate.md).
:func:`evaluate_gate` judges a run's summary (its reconciliation, findings and
sign-off figures) and names every threshold it misses. A run that misses one
ends with exit code 1; ``jhmig run --cutover`` also refuses to commit it,
unless an override (who and why) is given - that override is recorded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class GateCheck:
    name: str
    title: str  # German, for abgleich.html
    threshold: str
    actual: str
    ok: bool


def evaluate_gate(summary: dict[str, Any], thresholds: dict[str, Any]) -> dict[str, Any]:
    """``{"passed", "checks": [...], "missed": [names]}`` for one run summary."""
    checks = [GateCheck("reconciliation", "Abgleich: alle Sätze und Beträge aufgegangen", "alle Prüfungen ok",
                        ", ".join(c["check"] for c in summary.get("checks", []) if not c["ok"]) or "ok",
                        all(c["ok"] for c in summary.get("checks", [])))]
    checks += _rule_checks(summary, thresholds.get("no_errors_of") or [])
    if thresholds.get("money_difference_cents") is not None:
        checks.append(_money_check(summary, int(thresholds["money_difference_cents"])))
    checks += _quarantine_checks(summary, thresholds.get("max_quarantine_percent") or {})
    if thresholds.get("statistics", "off") != "off":
        checks.append(_statistics_check(summary, thresholds["statistics"]))
    delta = (summary.get("signoff") or {}).get("delta")
    if delta and delta.get("ok") is not None:
        checks.append(GateCheck("delta", f"Delta seit Lauf {delta['since']}: geschrieben = geändert", "je Tabelle gleich",
                                ", ".join(e for e, v in delta["entities"].items() if not v["ok"]) or "gleich", bool(delta["ok"])))
    missed = [c.name for c in checks if not c.ok]
    return {"passed": not missed, "missed": missed, "checks": [asdict(c) for c in checks]}


def _rule_checks(summary: dict[str, Any], rules: list[str]) -> list[GateCheck]:
    errors: dict[str, int] = {}
    for row in (summary.get("findings") or {}).get("by_rule", []):
        if row.get("severity") == "error":
            errors[row["rule_id"]] = errors.get(row["rule_id"], 0) + int(row["count"])
    out = []
    for rule in rules:
        count = sum(errors.values()) if rule == "*" else errors.get(rule, 0)
        label = "alle Regeln" if rule == "*" else rule
        out.append(GateCheck(f"errors:{rule}", f"keine Fehler-Befunde ({label})", "0", str(count), count == 0))
    return out


def _money_check(summary: dict[str, Any], allowed: int) -> GateCheck:
    money = (summary.get("signoff") or {}).get("money") or {}
    totals = money.get("totals") or {}
    lines = money.get("lines") or []
    worst = max([abs(int(line.get("difference", 0))) for line in lines] + [abs(int(line.get("target_difference", 0))) for line in lines] + [0])
    manifest, read = totals.get("manifest"), totals.get("read")
    if manifest is not None and read is not None:
        worst = max(worst, abs(int(manifest) - int(read)))
    return GateCheck("money", "Geld je Jahr und Zahlart: Differenz (Cent)", f"≤ {allowed}", str(worst), bool(lines or not money) and worst <= allowed)


def _quarantine_checks(summary: dict[str, Any], limits: dict[str, float]) -> list[GateCheck]:
    if not limits:
        return []
    out = []
    for entity, e in (summary.get("entities") or {}).items():
        limit = limits.get(entity, limits.get("*"))
        if limit is None or not e.get("read"):
            continue
        share = 100.0 * int(e.get("quarantined", 0)) / int(e["read"])
        out.append(GateCheck(f"quarantine:{entity}", f"Quarantäne-Anteil {entity}", f"≤ {limit:g} %", f"{share:.2f} %", share <= float(limit)))
    return out


def _statistics_check(summary: dict[str, Any], mode: str) -> GateCheck:
    stats = (summary.get("signoff") or {}).get("statistics") or {}
    cells = int(stats.get("cells") and len(stats["cells"]) or 0)
    good = int(stats.get("equal", 0) if mode == "equal" else stats.get("explained", 0))
    title = "KJH-Statistik: Quelle = Ziel in jeder Zelle" if mode == "equal" else "KJH-Statistik: jede Abweichung durch Sätze erklärt"
    return GateCheck("statistics", title, f"{cells} von {cells}", f"{good} von {cells}", good == cells)
