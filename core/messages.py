"""The console's words in the user's language: German when the locale is German, English otherwise.

A small catalogue keyed by locale (gettext-style: English text is the key's
default). The locale is read as gettext does: ``LC_ALL``, then
``LC_MESSAGES``, then ``LANG`` (``de_DE.UTF-8`` -> German); ``JHMIG_LANG``
(``de``/``en``) overrides it. Reports stay
German whatever the locale; only what the console prints follows it.
"""

from __future__ import annotations

import os
from typing import Any

from jhmig import labels

_DE: dict[str, str] = {
    "run_title": "Lauf {run_uid} (ID {run_id}): {status}",
    "payments_title": "Zahlungen (Cent als Euro)",
    "findings": "  Befunde: {total} ({parts})",
    "target": "  Ziel: {inserted} neu, {updated} geändert, {unchanged} unverändert, {deleted} gelöscht",
    "target_title_changed": "Zieldatenbank (geändert)",
    "target_title_would": "Zieldatenbank (würde geändert)",
    "target_rolled_back_dry": "  Zieldatenbank: zurückgerollt (Probelauf), nichts geändert",
    "target_unchanged": "  Zieldatenbank: unverändert (der Lauf wurde zurückgerollt)",
    "statistics": "  KJH-Statistik: {cells} Zellen, Quelle = Ziel {equal}, erklärt {explained}; Geld je Jahr und Zahlart {exact} (abgleich.html)",
    "exact": "auf den Cent genau", "not_exact": "NICHT genau",
    "gate": "  Freigabeprüfung: {verdict} - {committed}",
    "gate_passed": "bestanden", "gate_missed": "nicht bestanden", "gate_overridden": "nicht bestanden, übersteuert von {by}",
    "gate_check": "  [red]Freigabeprüfung verfehlt[/red]  {name}: {actual} (Schwelle {threshold})",
    "committed": "die Ladung ist gespeichert", "committed_status": "die Ladung ist gespeichert (Status {status})",
    "dry_run": "Probelauf, nichts gespeichert (zurückgerollt)",
    "not_committed": "nicht gespeichert (zurückgerollt)", "cutover_not_committed": "Echtlauf nicht gespeichert (zurückgerollt)",
    "run_folder": "Laufordner: {path}",
    "key_created": "  Pseudonym-Schlüssel angelegt: {path} (aufbewahren: derselbe Schlüssel gibt in jedem Lauf dieselben Pseudonyme; "
                   "nie mit den Berichten weitergeben)",
    "check_ok": "ok", "check_failed": "FEHLER",
    "severity_error": "Fehler", "severity_warning": "Warnungen", "severity_info": "Hinweise",
    "yes": "ja", "no": "NEIN",
}
_COLUMNS_DE = {"source": "Quelle", "file": "Datei", "entity": "Tabelle", "read": "gelesen", "loaded": "geladen", "merged": "zusammengeführt",
               "quarantined": "Quarantäne", "skipped": "übersprungen", "ok": "stimmt", "manifest": "Manifest",
               "in target (SQL)": "im Ziel (SQL)"}
_EN: dict[str, str] = {
    "run_title": "Run {run_uid} (id {run_id}): {status}",
    "payments_title": "Payments (cents as euros)",
    "findings": "  findings: {total} ({parts})",
    "target": "  target: {inserted} new, {updated} updated, {unchanged} unchanged, {deleted} deleted",
    "target_title_changed": "Target database (changed)",
    "target_title_would": "Target database (would change)",
    "target_rolled_back_dry": "  target database: rolled back (dry run), nothing changed",
    "target_unchanged": "  target database: unchanged (the run was rolled back)",
    "statistics": "  KJH statistics: {cells} cells, source = target {equal}, explained {explained}; money per year and kind {exact} (abgleich.html)",
    "exact": "exact", "not_exact": "NOT exact",
    "gate": "  quality gate: {verdict} - {committed}",
    "gate_passed": "passed", "gate_missed": "missed", "gate_overridden": "missed, overridden by {by}",
    "gate_check": "  [red]gate missed[/red]  {name}: {actual} (threshold {threshold})",
    "committed": "the load is committed", "committed_status": "the load is committed (status {status})",
    "dry_run": "dry run, nothing committed (rolled back)",
    "not_committed": "not committed (rolled back)", "cutover_not_committed": "cut-over not committed (rolled back)",
    "run_folder": "run folder: {path}",
    "key_created": "  pseudonym key created: {path} (keep it: the same key gives the same pseudonyms in every run; "
                   "never pass it on with the reports)",
    "check_ok": "ok", "check_failed": "FAILED",
    "severity_error": "error", "severity_warning": "warning", "severity_info": "info",
    "yes": "yes", "no": "NO",
}
CATALOGUES = {"de": _DE, "en": _EN}


LANGUAGE_ENV = "JHMIG_LANG"  # "de" or "en": overrides the locale (scripts, tests)


def language(environ: dict[str, str] | None = None) -> str:
    """"de" when $JHMIG_LANG or the locale (LC_ALL, LC_MESSAGES, LANG, the first one set) is German, else "en"."""
    env = os.environ if environ is None else environ
    for name in (LANGUAGE_ENV, "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "de" if value.lower().startswith("de") else "en"
    return "en"


def text(key: str, **values: Any) -> str:
    """The message ``key`` in the console's language, filled in."""
    return CATALOGUES[language()].get(key, _EN[key]).format(**values)


def column(name: str) -> str:
    """A console table's column header in the console's language."""
    return _COLUMNS_DE.get(name, name) if language() == "de" else name


def num(value: Any) -> str:
    """A count as the console's language writes it: 97.144 (German), 97,144 (English)."""
    return labels.number(value) if language() == "de" else f"{int(value):,}"


def share(value: Any) -> str:
    return labels.percent(value) if language() == "de" else f"{float(value):.1%}"
