"""``jhmig runs list|show|diff``: past runs (from their folders, and what the target holds)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
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


def _target_url(project: Path | None, db_url: str | None) -> str | None:
    """The target ``runs`` looks into: ``--db``, else the project's, else ``$JHMIG_DB_URL``; None when none is named."""
    import os

    from jhmig.config import target_url

    if db_url or project is not None:
        return target_url(project, db_url)
    return os.environ.get("JHMIG_DB_URL") or None


def _target_runs(url: str | None) -> tuple[list[dict], str]:
    """The target's ``mig_run`` rows (oldest first) and a line saying where ``runs`` looked; never creates a database."""
    if url is None:
        return [], "target: none named (give --db URL, -p PROJECT or $JHMIG_DB_URL to list the runs it holds)"
    from jhmig.load import open_target

    try:
        target = open_target(url, existing=True)
    except JhmigError as error:
        return [], f"target: {error.message}"
    try:
        state = target.status()
    finally:
        target.dispose()
    if state["revision"] is None:
        return [], f"target: {state['url']} (no jhmig schema: no runs)"
    return state["runs"], f"target: {state['url']} ({len(state['runs'])} run(s) in mig_run)"


project_option = click.option("-p", "--project", type=click.Path(dir_okay=False, path_type=Path),
                              help="Project file (its output folder and its target).")
out_option = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder of the run folders (default: ./runs).")
db_option = click.option("--db", "db_url", help="Target database URL: also list the runs it holds (default: the project's, else $JHMIG_DB_URL).")


@click.group()
def runs() -> None:
    """List, show and compare past runs (dry runs included)."""


def _dash(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _when(value: object) -> str:
    """ISO time as ``YYYY-MM-DD HH:MM:SS``, in full."""
    return "-" if not value else str(value).replace("T", " ")[:19]


def _row_of_target_run(row: dict) -> dict:
    """A mig_run row as the summary ``key_figures`` reads (committed runs store their summary; rollbacks their own)."""
    summary = dict(row.get("summary") or {})
    summary.setdefault("run_id", row.get("run_id"))
    summary["run_uid"] = row.get("run_uid")
    summary["status"] = row.get("status")
    summary.setdefault("started_at", row.get("started_at"))
    summary["options"] = {**(row.get("options") or {}), **(summary.get("options") or {})}
    return summary


@runs.command("list")
@project_option
@out_option
@db_option
@click.option("--limit", type=int, default=30, show_default=True)
def list_runs(project: Path | None, out_dir: Path | None, db_url: str | None, limit: int) -> None:
    """Time, mode, status, key figures and input digests of each run (run folders, and the runs the target holds)."""
    from jhmig.reports.html_report import euro
    from jhmig.reports.run_diff import key_figures, run_folders

    folder = _out_dir(project, out_dir)
    folders = run_folders(folder)
    in_target, target_line = _target_runs(_target_url(project, db_url))
    target_status = {str(r["run_uid"]): str(r["status"]) for r in in_target}
    rows: list[tuple[str, dict, str]] = [(r.uid, r.summary, "folder") for r in folders]
    known = {r.uid for r in folders}
    rows += [(str(r["run_uid"]), _row_of_target_run(r), "target only") for r in in_target if str(r["run_uid"]) not in known]
    rows.sort(key=lambda r: (_when(r[1].get("started_at")), r[0]))
    table = Table(title="Runs", title_justify="left")
    numeric = ("read", "loaded", "quar.", "errors", "€ loaded")
    for name in ("uid", "id", "started", "mode", "status", "in target", "read", "loaded", "quar.", "errors", "€ loaded", "stat.=",
                 "gate", "inputs", "layout", "maps"):
        table.add_column(name, justify="right" if name in numeric else "left", no_wrap=True)
    notes = []
    for uid, summary, where in rows[-limit:]:
        k = key_figures(summary)
        unfinished = summary.get("status") in ("refused", "failed") and "entities" not in summary
        mode = "-" if unfinished and not summary.get("options") else _dash(k["mode"])
        table.add_row(uid, _dash(k["run_id"]), _when(k["started_at"]), mode, _dash(k["status"]),
                      target_status.get(uid, "-") if in_target or target_status else "-",
                      *(("-",) * 4 if unfinished else (f"{k['read']:,}", f"{k['loaded']:,}", f"{k['quarantined']:,}", f"{k['errors']:,}")),
                      euro(k["loaded_cents"]), "-" if k["statistics_equal"] is None else f"{k['statistics_equal']:.1%}",
                      "-" if k["gate"] is None else ("passed" if k["gate"] else "missed"),
                      _dash(k["inputs"]), _dash(k["layout"]), _dash(k["mappings"]))
        if summary.get("reason"):
            notes.append(f"  {uid} {summary.get('status')}: {summary['reason']}")
    _print_wide(table)
    for note in notes:
        out.print(escape(note), highlight=False)
    out.print(f"run folders: {folder} ({len(folders)} found)" + ("" if folders else "; no run folder there"), highlight=False)
    out.print(escape(target_line), highlight=False)


def _print_wide(table: Table) -> None:
    """Never cut a value: not on a terminal, the table gets the width it needs."""
    from rich.measure import Measurement

    if out.is_terminal:
        out.print(table)
        return
    needed = Measurement.get(out, out.options.update_width(10_000), table).maximum
    width = out.width
    out.width = max(width, needed)  # print() caps its width at the console's
    try:
        out.print(table)
    finally:
        out.width = width


@runs.command("show")
@click.argument("ident")
@project_option
@out_option
@db_option
def show_run(ident: str, project: Path | None, out_dir: Path | None, db_url: str | None) -> None:
    """One run's key figures, inputs, options and checks (IDENT: run uid, run id, or a unique prefix or suffix of the uid)."""
    from jhmig.reports.run_diff import find_run

    folder = _out_dir(project, out_dir)
    run = find_run(folder, ident)
    if run is not None:
        _print_run(run.summary, str(run.path))
        return
    in_target, target_line = _target_runs(_target_url(project, db_url))
    matches = [r for r in in_target if str(r["run_uid"]) == ident or str(r["run_id"]) == ident
               or str(r["run_uid"]).startswith(ident) or str(r["run_uid"]).endswith(ident)]
    if len(matches) == 1:
        _print_run(_row_of_target_run(matches[0]), "- (only in the target)")
        return
    if len(matches) > 1:
        raise JhmigError(f"{ident!r} is ambiguous: {len(matches)} runs in the target match: "
                         + "; ".join(f"{r['run_uid']} (id {r['run_id']}, {r['status']})" for r in matches[:10]),
                         hint="give more of the run uid")
    raise JhmigError(f"no run {ident!r} in {folder}; {target_line}", hint="list the runs with: jhmig runs list [-p PROJECT | --db URL]")


def _print_run(s: dict, where: str) -> None:
    """A readable table of one run (English, as the rest of the console), no raw JSON."""
    from jhmig.reports.html_report import euro
    from jhmig.reports.run_diff import key_figures

    k = key_figures(s)
    head = Table(title=f"Run {_dash(s.get('run_uid'))}", title_justify="left", show_header=False)
    head.add_column("what", style="bold", no_wrap=True)
    head.add_column("value", overflow="fold")
    options = s.get("options") or {}
    money = s.get("money") or {}
    for label, value in (
        ("run id", _dash(k["run_id"])), ("status", _dash(k["status"])), ("mode", _dash(k["mode"]) if options else "-"),
        ("started", _when(s.get("started_at"))), ("finished", _when(s.get("finished_at"))),
        ("reason", _dash(s.get("reason"))), ("exit code", _dash(s.get("exit_code"))),
        ("records read / loaded / quarantined", f"{k['read']:,} / {k['loaded']:,} / {k['quarantined']:,}"),
        ("error findings", f"{k['errors']:,}"),
        ("payments read / loaded / in target", f"{euro(money.get('read_cents'))} / {euro(money.get('loaded_cents'))} / {euro(money.get('target_cents'))}"),
        ("KJH statistics source = target", "-" if k["statistics_equal"] is None else f"{k['statistics_equal']:.1%}"),
        ("quality gate", "-" if k["gate"] is None else ("passed" if k["gate"] else "missed")),
        ("jhmig version", _dash(s.get("jhmig_version"))), ("folder", where),
    ):
        head.add_row(label, escape(value))
    _print_wide(head)
    for system, source in (s.get("sources") or {}).items():
        prints = (source or {}).get("fingerprints") or {}
        table = Table(title=f"Source {system}", title_justify="left", show_header=False)
        table.add_column("what", style="bold", no_wrap=True)
        table.add_column("value", overflow="fold")
        for name, value in (source or {}).items():
            if name != "fingerprints":
                table.add_row(escape(str(name)), escape(_flat(value)))
        table.add_row("layout / mappings digest", f"{_dash(prints.get('layout'))} / {_dash(prints.get('mappings'))}")
        for name, digest in (prints.get("files") or {}).items():
            table.add_row(escape(f"file {name}"), escape(str(digest)))
        _print_wide(table)
    if options:
        table = Table(title="Options", title_justify="left", show_header=False)
        table.add_column("option", style="bold", no_wrap=True)
        table.add_column("value", overflow="fold")
        for name, value in options.items():
            table.add_row(escape(str(name)), escape(_flat(value)))
        _print_wide(table)
    checks = s.get("checks") or []
    if checks:
        table = Table(title="Checks", title_justify="left")
        table.add_column("result", no_wrap=True)
        table.add_column("check", overflow="fold")
        for check in checks:
            table.add_row("ok" if check.get("ok") else "[red]FAILED[/red]", escape(str(check.get("check"))))
        _print_wide(table)
    gate = s.get("gate") or {}
    if gate.get("checks"):
        table = Table(title="Quality gate", title_justify="left")
        for name in ("result", "threshold", "actual", "name"):
            table.add_column(name, overflow="fold")
        for check in gate["checks"]:
            table.add_row("ok" if check.get("ok") else "[red]missed[/red]", escape(_flat(check.get("threshold"))),
                          escape(_flat(check.get("actual"))), escape(str(check.get("name"))))
        _print_wide(table)


def _flat(value: object) -> str:
    """A value of summary.json as text: lists joined, mappings as key: value, nothing as '-'."""
    if value is None or value == "" or value == [] or value == {}:
        return "-"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_flat(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


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


#: Keys shown per list on the console; the full lists are in vergleich.xlsx (--report).
SHOWN_KEYS = 20


def _print_diff(d: dict) -> None:  # type: ignore[type-arg]
    from jhmig.reports.html_report import euro

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
    shown = [("now loaded", m["entity"], m["key"], m["was"]) for m in d["moved"]["to_loaded"]] \
        + [("now quarantined", m["entity"], m["key"], m["why"]) for m in d["moved"]["to_quarantine"]]
    for row in shown[:SHOWN_KEYS]:
        moved.add_row(*(escape(str(v)) for v in row))
    out.print(moved)
    _more(len(shown))
    money = d.get("money") or []
    if money:
        table = Table(title="payments loaded per year and kind that changed")
        for name in ("year", "kind", "A", "B", "delta"):
            table.add_column(name, justify="left" if name in ("year", "kind") else "right")
        for m in money:
            table.add_row(_dash(m["year"]), escape(str(m["payment_type"])), euro(m["a"]), euro(m["b"]), euro(m["delta"]))
        out.print(table)
    else:
        out.print("payments loaded per year and kind: unchanged")
    for title, rows in (("loaded records with changed values", d["changed"]), ("records loaded only in B (new)", d.get("added") or []),
                        ("records loaded in A, not in B (removed)", d.get("removed") or [])):
        out.print(f"{title}: {len(rows)}" + (":" if rows else ""), highlight=False)
        for r in rows[:SHOWN_KEYS]:
            note = f" (was {r['was']})" if r.get("was") else (f" - {r['why']}" if r.get("why") else "")
            out.print(escape(f"  {r['entity']}:{r['key']}{note}"), highlight=False)
        _more(len(rows))


def _more(total: int) -> None:
    if total > SHOWN_KEYS:
        out.print(f"  ... and {total - SHOWN_KEYS:,} more (the full list: --report DIR writes vergleich.xlsx)", highlight=False)


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
