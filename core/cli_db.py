"""``jhmig db status|upgrade``: the target's schema revision and its migrations (Alembic, run by jhmig itself)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

out = Console(width=None if sys.stdout.isatty() else 160)

project_option = click.option("-p", "--project", type=click.Path(dir_okay=False, path_type=Path), help="Project file (its target).")
db_option = click.option("--db", "db_url", help="Target database URL (default: $JHMIG_DB_URL or the project's target).")


@click.group()
def db() -> None:
    """The target database's schema: revision, pending migrations, upgrade."""


@db.command("status")
@project_option
@db_option
def status(project: Path | None, db_url: str | None) -> None:
    """Alembic revision of the target, the revision this jhmig needs, pending migrations, runs held (exit 1 when behind)."""
    from jhmig.config import target_url
    from jhmig.load import open_target

    target = open_target(target_url(project, db_url), existing=True)
    try:
        state = target.status()
    finally:
        target.dispose()
    out.print(f"target:    {state['url']} ({state['dialect']})")
    out.print(f"revision:  {state['revision'] or '(none: empty database)'}")
    out.print(f"jhmig needs: {state['head']}")
    if state["pending"]:
        out.print(f"pending migrations ({len(state['pending'])}), applied by: jhmig db upgrade (or the next run)")
        for revision, doc in state["pending"]:
            out.print(f"  {revision}  {doc}")
    else:
        out.print("pending migrations: none")
    out.print(f"runs in mig_run: {len(state['runs'])}")
    sys.exit(1 if state["pending"] else 0)


@db.command("upgrade")
@project_option
@db_option
def upgrade(project: Path | None, db_url: str | None) -> None:
    """Apply the pending migrations (one transaction; a no-op on a current schema). A run does this by itself."""
    from jhmig.config import target_url
    from jhmig.load import check_target, open_target
    from jhmig.load.run_lock import LockHolder, run_lock

    url = target_url(project, db_url)
    check_target(url)  # rights to create tables, with what to fix
    target = open_target(url)
    try:
        before = target.status()
        with run_lock(url, LockHolder.me("schema", "upgrade")):
            target.upgrade()
        after = target.status()
    finally:
        target.dispose()
    out.print(f"target: {after['url']}: revision {before['revision'] or '(none)'} -> {after['revision']}"
              + (f" ({len(before['pending'])} migration(s) applied)" if before["pending"] else " (already current)"))
