"""The run summary as console tables (keys and counts only, never names)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jhmig.labels import check_de, entity_de
from jhmig.messages import column, language, num, text


def _euro(cents: int | None) -> str:
    if cents is None:
        return "-"
    return f"{cents / 100:,.2f} €".replace(",", "X").replace(".", ",").replace("X", ".")


def print_summary(summary: dict[str, Any], console: Console, committed: bool | None = None) -> None:
    table = Table(title=text("run_title", run_uid=summary["run_uid"], run_id=summary["run_id"], status=summary["status"]), title_justify="left")
    for name in ("source", "file", "entity", "read", "loaded", "merged", "quarantined", "skipped", "ok"):
        table.add_column(column(name), justify="right" if name in ("read", "loaded", "merged", "quarantined", "skipped") else "left")
    german = language() == "de"
    for row in summary["files"]:
        where = escape(row["file"] + (f" [{row['sheet']}]" if row.get("sheet") else ""))  # '[laufend]' is no markup
        table.add_row(row["source_system"], where, entity_de(row["entity"]) if german else row["entity"],
                      *(num(row[k]) if german else str(row[k]) for k in ("read", "loaded", "merged", "quarantined", "skipped")),
                      text("yes") if row["balanced"] else f"[red]{text('no')}[/red]")
    console.print(table)
    money = summary["money"]
    mt = Table(title=text("payments_title"), title_justify="left")
    for name in ("manifest", "read", "loaded", "in target (SQL)", "quarantined", "merged", "skipped", "ok"):
        mt.add_column(column(name), justify="right")
    mt.add_row(*(_euro(money.get(k)) for k in ("manifest_cents", "read_cents", "loaded_cents", "target_cents", "quarantined_cents", "merged_cents", "skipped_cents")),
               text("yes") if money["balanced"] and money["target_matches_loaded"] else f"[red]{text('no')}[/red]")
    console.print(mt)
    _print_matching(summary.get("matching") or {}, console)
    _print_detached(summary.get("matching") or {}, console)
    for check in summary["checks"]:
        mark = f"[green]{text('check_ok')}[/green]" if check["ok"] else f"[red]{text('check_failed')}[/red]"
        console.print(f"  {mark}  {check_de(check['check']) if language() == 'de' else check['check']}")
    errs = summary["findings"]["by_severity"]
    parts = ", ".join(f"{text('severity_' + k) if k in ('error', 'warning', 'info') else k} {num(v)}" for k, v in sorted(errs.items()))
    console.print(text("findings", total=num(summary["findings"]["total"]), parts=parts))
    print_target_changes(summary, console, committed)
    print_unsummed(summary, console)


def _print_matching(matching: dict[str, Any], console: Console) -> None:
    """Identity resolution: match / review / non-match per source pair (counts only)."""
    pairs = matching.get("by_source_pair") or {}
    if not pairs:
        return
    table = Table(title=f"Matching ({matching.get('model', '')}, {matching.get('seconds', 0)} s)", title_justify="left")
    for name in ("record type: sources", "match", "review", "non-match"):
        table.add_column(name, justify="left" if name.startswith("record") else "right")
    for label, counts in pairs.items():
        table.add_row(escape(label), *(str(counts.get(k, 0)) for k in ("match", "review", "non_match")))
    console.print(table)
    persons, providers = matching.get("persons", {}), matching.get("providers", {})
    console.print(f"  persons merged: {persons.get('records_merged', 0)} records into {persons.get('clusters', 0)}; "
                  f"case files attached: {matching.get('case_files', {}).get('records_merged', 0)}; providers resolved: "
                  f"{providers.get('records_merged', 0)}, new from lists: {providers.get('new_from_lists', 0)}; "
                  f"review cases for the stewards: {matching.get('review', 0)} (fehlerliste.xlsx, sheet 'Abgleich Personen')")


def detached_line(matching: dict[str, Any]) -> str | None:
    """One line when the run undoes merges of an earlier run (counts per entity only), else None."""
    counts = {k: int(v) for k, v in (matching.get("detached") or {}).items() if int(v)}
    if not counts:
        return None
    per = ", ".join(f"{k} {v}" for k, v in counts.items())
    total = sum(counts.values())
    what = "1 record that an earlier run merged is kept apart now and gets a new id" if total == 1 else \
        f"{total} records that an earlier run merged are kept apart now and get new ids"
    return (f"  detached: {what} ({per}); "
            "see validierung.html and fehlerliste.xlsx, sheet 'Aufgehobene Zusammenführungen'")


def _print_detached(matching: dict[str, Any], console: Console) -> None:
    line = detached_line(matching)
    if line is not None:
        console.print(escape(line))


_CHANGES = ("inserted", "updated", "unchanged", "deleted")


def print_target_changes(summary: dict[str, Any], console: Console, committed: bool | None = None) -> None:
    """What the load did per entity: a re-run shows '0 new, N unchanged' instead of 'loaded N' again.

    Only a committed load changed the target: a dry run says it was rolled back, a failed run that the
    target is unchanged (``committed`` None: read off the status, for a summary read back from a file)."""
    entities = {name: e for name, e in summary.get("entities", {}).items() if any(k in e for k in _CHANGES)}
    if not entities:
        return
    status = summary.get("status")
    if committed is None:
        committed = status in ("ok", "incomplete", "gate_missed")
    if not committed:
        console.print(text("target_rolled_back_dry") if status == "dry_run" else text("target_unchanged"))
        return
    table = Table(title=text("target_title_changed"), title_justify="left")
    table.add_column("entity")
    for name in ("new", "updated", "unchanged", "deleted"):
        table.add_column(name, justify="right")
    totals = dict.fromkeys(_CHANGES, 0)
    for name, e in entities.items():
        table.add_row(escape(name), *(f"{int(e.get(k, 0)):,}" for k in _CHANGES))
        for k in _CHANGES:
            totals[k] += int(e.get(k, 0))
    console.print(table)
    console.print(text("target", inserted=num(totals["inserted"]), updated=num(totals["updated"]), unchanged=num(totals["unchanged"]),
                       deleted=num(totals["deleted"])))


def print_unsummed(summary: dict[str, Any], console: Console, limit: int = 20) -> None:
    """Records the control totals miss (file and line only, never values)."""
    rows = summary.get("unsummed_records") or []
    if not rows:
        return
    console.print(f"  [red]records the control totals cannot count ({len(rows)}, in the quarantine):[/red]")
    for row in rows[:limit]:
        console.print(f"    {escape(str(row['file']))}, line {row['line']}: {escape(str(row['reason']))}", highlight=False)
    if len(rows) > limit:
        console.print(f"    ... and {len(rows) - limit} more (findings.csv)")
