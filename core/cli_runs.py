"""``jhmig runs list|show|diff``: past runs (from their folders, and what the target holds)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from jhmig.errors import JhmigError

out = Console(width=None if sys.stdout.isatty() else 160)


def _out_dir(project: Path | None, out_dir: Path | None) -> Path:
    if out_dir is not None:
        return out_dir
    if project is not None:
        from jhmig.config import load_project

        proj, base = load_project(project)
        return base / proj.output
    return Path("runs")


def _committed(db_url: str | None) -> dict[str, str]:
    """run uid -> status in the target, when a database is given."""
    if not db_url:
        return {}
    from jhmig.load.engine import create_target_engine, parse_url
    from jhmig.load.run_registry import committed_runs

    engine = create_target_engine(parse_url(db_url))
    try:
        with engine.connect() as connection:
            return {r["run_uid"]: r["status"] for r in committed_runs(connection)}
    except Exception:  # an empty database has no mig_run yet
        return {}
    finally:
        engine.dispose()


project_option = click.option("-p", "--project", type=click.Path(dir_okay=False, path_type=Path), help="Project file (its output folder).")
out_option = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder of the run folders (default: ./runs).")


@click.group()
def runs() -> None:
    """List, show and compare past runs (dry runs included)."""


@runs.command("list")
@project_option
@out_option
@click.option("--db", "db_url", help="Also show which runs the target holds (URL; prefer $JHMIG_DB_URL).")
@click.option("--limit", type=int, default=30, show_default=True)
def list_runs(project: Path | None, out_dir: Path | None, db_url: str | None, limit: int) -> None:
    """Time, mode, inputs, layout and mapping hashes, status and key figures of each run."""
    import os

    from jhmig.reports.run_diff import key_figures, run_folders

    in_target = _committed(db_url or os.environ.get("JHMIG_DB_URL"))
    table = Table(title="Läufe")
    table.add_column("uid", no_wrap=True, min_width=22)
    for name in ("id", "started", "mode", "status", "target", "inputs", "layout", "maps", "read", "loaded", "quar.",
                 "errors", "€ loaded", "stat.=", "gate"):
        table.add_column(name, justify="right" if name in ("read", "loaded", "quar.", "errors", "€ loaded") else "left")
    for run in run_folders(_out_dir(project, out_dir))[-limit:]:
        k = key_figures(run.summary)
        money = "-" if k["loaded_cents"] is None else f"{k['loaded_cents'] / 100:,.2f}"
        table.add_row(run.uid, str(k["run_id"]), str(k["started_at"]).replace("T", " ")[:16], str(k["mode"]), str(k["status"]),
                      in_target.get(run.uid, "-"), str(k["inputs"])[:8], str(k["layout"])[:8], str(k["mappings"])[:8], f"{k['read']:,}", f"{k['loaded']:,}", f"{k['quarantined']:,}",
                      f"{k['errors']:,}", money, "-" if k["statistics_equal"] is None else f"{k['statistics_equal']:.1%}",
                      "-" if k["gate"] is None else ("passed" if k["gate"] else "failed"))
    out.print(table)


@runs.command("show")
@click.argument("ident")
@project_option
@out_option
def show_run(ident: str, project: Path | None, out_dir: Path | None) -> None:
    """One run's key figures, inputs and checks (IDENT: run uid, a unique prefix, or run id)."""
    from jhmig.reports.run_diff import find_run, key_figures

    run = _find(ident, _out_dir(project, out_dir), find_run)
    s = run.summary
    out.print_json(json.dumps({"key_figures": key_figures(s), "sources": s.get("sources"), "options": s.get("options"),
                               "checks": s.get("checks"), "gate": s.get("gate"), "folder": str(run.path)}, default=str, ensure_ascii=False))


@runs.command("diff")
@click.argument("a")
@click.argument("b")
@project_option
@out_option
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write vergleich.html and vergleich.xlsx into this folder.")
def diff(a: str, b: str, project: Path | None, out_dir: Path | None, report_dir: Path | None) -> None:
    """Compare run A with run B: counts, findings per rule, moved records, changed records."""
    from jhmig.reports.run_diff import diff_runs, find_run

    folder = _out_dir(project, out_dir)
    result = diff_runs(_find(a, folder, find_run), _find(b, folder, find_run))
    _print_diff(result)
    if report_dir is not None:
        from jhmig.reports.run_diff_report import write_run_diff

        for path in write_run_diff(report_dir, result):
            out.print(f"wrote {path}")


def _find(ident: str, folder: Path, find_run):  # type: ignore[no-untyped-def]
    run = find_run(folder, ident)
    if run is None:
        raise JhmigError(f"no run {ident!r} in {folder}", hint="list the runs with: jhmig runs list")
    return run


def _print_diff(d: dict) -> None:  # type: ignore[type-arg]
    out.print(f"A: {d['a']['run_uid']} ({d['a']['mode']}, {d['a']['status']})   B: {d['b']['run_uid']} ({d['b']['mode']}, {d['b']['status']})")
    counts = Table(title="counts that changed")
    for name in ("entity", "count", "A", "B", "delta"):
        counts.add_column(name)
    for r in d["counts"]:
        counts.add_row(r["entity"], r["count"], f"{r['a']:,}", f"{r['b']:,}", f"{r['delta']:+,}")
    out.print(counts)
    rules = Table(title="findings per rule")
    for name in ("rule", "new", "fixed", "still open"):
        rules.add_column(name)
    for r in d["rules"]:
        rules.add_row(r["rule_id"], str(r["new"]), str(r["fixed"]), str(r["still_open"]))
    out.print(rules)
    moved = Table(title="moved between loaded and quarantined")
    for name in ("direction", "entity", "key", "rules"):
        moved.add_column(name)
    for m in d["moved"]["to_loaded"]:
        moved.add_row("now loaded", m["entity"], m["key"], m["was"])
    for m in d["moved"]["to_quarantine"]:
        moved.add_row("now quarantined", m["entity"], m["key"], m["why"])
    out.print(moved)
    out.print(f"loaded records with changed values: {len(d['changed'])}"
              + (": " + ", ".join(f"{c['entity']}:{c['key']}" for c in d["changed"][:20]) if d["changed"] else ""))


@click.command()
@click.argument("run_id")
@project_option
@click.option("--db", "db_url", help="Target database URL (default: $JHMIG_DB_URL or the project's target).")
@click.option("--force", is_flag=True, help="Also roll back the later runs that build on it (newest first).")
@click.option("--by", "who", help="Who takes the run back (recorded in the target).")
def rollback(run_id: str, project: Path | None, db_url: str | None, force: bool, who: str | None) -> None:
    """Take one committed run (id or uid) back out of the target: exactly what it loaded, restoring what it changed."""
    from jhmig.config import target_url
    from jhmig.load import open_target
    from jhmig.load.run_lock import LockHolder, run_lock

    url = target_url(project, db_url)
    target = open_target(url, existing=True)
    try:
        with run_lock(url, LockHolder.me(f"of-run-{run_id}", "rollback")):  # never while a run loads
            result = target.rollback(run_id, force=force, by=who)
    finally:
        target.dispose()
    out.print(f"target: {target.url}")
    done = [*result.also_rolled_back, result.run_id]
    out.print(f"rolled back run(s) {', '.join(map(str, done))}; recorded as run {result.record_run_id}")
    for name in result.removed:
        counts = (result.removed[name], result.restored.get(name, 0), result.reinserted.get(name, 0))
        if any(counts):
            out.print(f"  {name}: {counts[0]} removed, {counts[1]} restored, {counts[2]} re-inserted")
    for check in result.checks:
        out.print(f"  {'ok ' if check['ok'] else 'BAD'} {check['check']}")
