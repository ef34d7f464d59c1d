"""The ``jhmig`` command line.

Console output carries keys and counts only, never names or birth dates
(they are social data). Exit codes: 0 ok, 1 reconciliation or gate failure,
2 bad usage or refused input, 3 internal error (traceback written to a file).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from jhmig import __version__
from jhmig.config import ListSource as ListSourceConfig
from jhmig.config import (
    DEFAULT_DB_ENV,
    PROJECT_TEMPLATE,
    RunOptions,
    check_departments,
    load_project,
    resolve_list_sources,
    target_url,
)
from jhmig.errors import InternalRunError, JhmigError, printable
from jhmig.messages import num, share, text
from jhmig.unknown_values import PROJECT_SYNONYMS_DIR

#: Exit code of an unexpected error (a bug or the environment), beside 0 ok, 1 failed, 2 refused.
INTERNAL_ERROR_EXIT = 3

# Not a terminal (a log file, a pipe): lines are never wrapped (a file name split over two lines cannot be found
# with grep), tables are drawn 150 columns wide.
err = Console(stderr=True, soft_wrap=not sys.stderr.isatty())
out = Console(width=None if sys.stdout.isatty() else 150, soft_wrap=not sys.stdout.isatty())


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback for the stages; draws on stderr, silent when not a terminal."""
    if not enabled:
        yield lambda step, done, total: None
        return
    with Progress(TextColumn("{task.description:<32}"), BarColumn(), TextColumn("{task.completed:>10,.0f}/{task.total:<10,.0f}"),
                  TimeElapsedColumn(), console=err, transient=False, disable=not err.is_terminal) as bar:
        tasks: dict[str, TaskID] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=max(total, 1))
            bar.update(tasks[step], completed=done, total=max(total, 1))

        yield update


def _fail(exc: JhmigError) -> None:
    err.print(f"[bold red]error:[/bold red] {escape(exc.message)}", highlight=False)
    if exc.hint:
        err.print(f"  -> {exc.hint}", highlight=False)
    sys.exit(exc.exit_code)


class _Group(click.Group):
    """Turns jhmig's own exceptions into one clear message and the right exit code."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except JhmigError as exc:
            _fail(exc)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # a bug or an environment fault: one clear line, the traceback to a file
            _internal_error(exc)


def _internal_error(exc: Exception) -> None:
    """Exit code 3: not the data's fault. A run's error names its step and leaves the traceback in its folder."""
    import tempfile
    import traceback

    if isinstance(exc, InternalRunError):
        cause, where = exc.cause, f" in step '{exc.step}'" + (f" ({exc.doing})" if exc.doing else "")
        log_name = str(exc.log)
        state = ("the load was committed before the error; the reports may be incomplete" if exc.committed
                 else "the target database is unchanged")
    else:
        with tempfile.NamedTemporaryFile("w", prefix="jhmig-error-", suffix=".log", delete=False, encoding="utf-8") as log:
            traceback.print_exception(exc, file=log)
        cause, where, log_name, state = exc, "", log.name, "the target database is unchanged"
    # The message of a foreign exception may quote input bytes: escaped and cut.
    err.print(f"[bold red]internal error{escape(where)}:[/bold red] {escape(printable(f'{type(cause).__name__}: {cause}', 300))}",
              highlight=False, soft_wrap=True)
    err.print(f"  -> {state}; please report this with the traceback in {escape(log_name)}", highlight=False, soft_wrap=True)
    sys.exit(INTERNAL_ERROR_EXIT)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jhmig")
def main() -> None:
    """jhmig - migrate a Jugendamt's case data (legacy exports, Excel lists) into a unified case database."""


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing project file.")
def init(directory: Path, force: bool) -> None:
    """Write a commented project file (jhmig.yaml) into DIRECTORY."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "jhmig.yaml"
    if target.exists() and not force:
        raise JhmigError(f"{target} exists already", hint="pass --force to overwrite it")
    target.write_text(PROJECT_TEMPLATE.format(name=target, title=directory.resolve().name), encoding="utf-8")
    out.print(f"wrote {target}")
    out.print(f"next: put the legacy export into {directory / 'export'} and run: jhmig run -p {target}")


@main.command()
@click.option("-p", "--project", type=click.Path(dir_okay=False, path_type=Path), help="Project file (from jhmig init).")
@click.option("--export", "export_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder of the legacy export.")
@click.option("--layout", type=click.Path(dir_okay=False, path_type=Path), help="Layout file of the export (default: reference OK.JUG layout).")
@click.option("--db", "db_url", help=f"Target database URL (default: ${DEFAULT_DB_ENV}, else sqlite:///jhmig.sqlite). Prefer the variable: URLs may hold passwords.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for the run folders (default: ./runs).")
@click.option("--dry-run", is_flag=True, help="Run everything, then roll the target back (nothing changes).")
@click.option("--accept-manifest-mismatch", is_flag=True, help="Migrate although the files do not match the manifest's control totals (recorded in the run).")
@click.option("--departments", help="Comma-separated departments to migrate (e.g. UV,WJH); others are skipped with a reason.")
@click.option("--corrections", "corrections_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of the stewards' filled fehlerliste.xlsx / corrections CSVs to apply (default: the project's 'corrections').")
@click.option("--pseudonymize", is_flag=True, help="Reports carry stable pseudonyms instead of names, birth dates, streets and payees.")
@click.option("--lists", "lists_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder of caseworkers' Excel/CSV lists to migrate too.")
@click.option("--list-mapping", "list_mappings", multiple=True,
              help="List mapping for --lists: a shipped name (asd, jgh) or a file; repeatable. Default: every shipped mapping matching the files.")
@click.option("--no-progress", is_flag=True, help="Do not draw progress bars.")
@click.option("--cutover", is_flag=True, help="The go-live load: commit only if the project's quality gate passes.")
@click.option("--override-by", help="With --cutover: who commits although the gate is missed (recorded in the run).")
@click.option("--override-reason", help="With --override-by: why (recorded in the run).")
@click.option("--delta-since", help="A run (uid, prefix or id): name and reconcile what changed in the sources since it.")
def run(project: Path | None, export_dir: Path | None, layout: Path | None, db_url: str | None, out_dir: Path | None,
        dry_run: bool, accept_manifest_mismatch: bool, departments: str | None, corrections_dir: Path | None, pseudonymize: bool,
        lists_dir: Path | None, list_mappings: tuple[str, ...], no_progress: bool, cutover: bool, override_by: str | None,
        override_reason: str | None, delta_since: str | None) -> None:
    """Run the migration pipeline: extract, transform, validate, load, reconcile."""
    options = build_run_options(project, export_dir, layout, db_url, out_dir, dry_run, accept_manifest_mismatch, departments,
                                corrections_dir, pseudonymize)
    if lists_dir is not None:
        options.list_sources = tuple(resolve_list_sources(lists_dir, list_mappings))
    options.cutover = cutover
    options.delta_since = delta_since
    if override_by or override_reason:
        if not (cutover and override_by and override_reason):
            raise click.UsageError("--override-by and --override-reason go together, with --cutover")
        options.gate_override = {"by": override_by, "reason": override_reason}
    sys.exit(execute(options, progress=not no_progress))


def build_run_options(project: Path | None, export_dir: Path | None, layout: Path | None, db_url: str | None, out_dir: Path | None,
                      dry_run: bool, accept: bool, departments: str | None, corrections_dir: Path | None = None,
                      pseudonymize: bool = False) -> RunOptions:
    deps = check_departments(departments.split(","), "--departments") if departments else ()
    if project:
        proj, base = load_project(project)
        if proj.sources.legacy is None:
            raise JhmigError(f"project file {project} names no legacy source", hint="fill in sources.legacy.export")
        legacy = proj.sources.legacy
        return RunOptions(
            export_dir=export_dir or (base / legacy.export),
            layout_path=layout or ((base / legacy.layout) if legacy.layout else None),
            db_url=target_url(project, db_url),
            out_dir=out_dir or (base / proj.output),
            dry_run=dry_run,
            accept_manifest_mismatch=accept or proj.options.accept_manifest_mismatch,
            departments=deps or check_departments(proj.options.departments, "options.departments"),
            project_name=proj.name,
            corrections_dir=corrections_dir or ((base / proj.corrections) if proj.corrections else None),
            synonyms_dir=base / PROJECT_SYNONYMS_DIR,
            pseudonymize=pseudonymize or proj.options.pseudonymize,
            list_sources=tuple(pair for src in proj.sources.lists
                               for pair in resolve_list_sources(base / src.folder, [src.mapping] if src.mapping else [])),
            list_excludes=_list_excludes(proj.sources.lists, base),
            list_as_of={base / src.folder: src.as_of for src in proj.sources.lists if src.as_of},
            gate=proj.gate.model_dump() if proj.gate else None,
        )
    if export_dir is None:
        raise click.UsageError("give --export DIR (or a project file with -p)")
    return RunOptions(export_dir=export_dir, layout_path=layout, db_url=target_url(None, db_url), out_dir=out_dir or Path("runs"),
                      dry_run=dry_run, accept_manifest_mismatch=accept, departments=deps, corrections_dir=corrections_dir,
                      pseudonymize=pseudonymize)


def _list_excludes(sources: list[ListSourceConfig], base: Path) -> dict[Path, tuple[str, ...]]:
    """lists folder -> the project's exclusions for it (several entries for one folder add up)."""
    out: dict[Path, tuple[str, ...]] = {}
    for src in sources:
        folder = base / src.folder
        out[folder] = out.get(folder, ()) + tuple(src.exclude)
    return out


def _pseudonym_key_to_create(options: RunOptions) -> Path | None:
    """The key file this run will create (said once, on the run that creates it), else None."""
    import os

    from jhmig.reports.pseudonyms import KEY_ENV, key_path

    if not options.pseudonymize or os.environ.get(KEY_ENV) is not None:
        return None
    path = key_path()
    return None if path.exists() else path


def _committed(status: str, cutover: bool) -> str:
    """Whether the run's load is in the target, in words."""
    if status == "dry_run":
        return text("dry_run")
    if status == "failed":
        return text("cutover_not_committed") if cutover else text("not_committed")
    return text("committed_status", status=status) if status != "ok" else text("committed")


def execute(options: RunOptions, progress: bool = True) -> int:
    from jhmig.pipeline import run_pipeline
    from jhmig.reports.console import print_summary

    new_key = _pseudonym_key_to_create(options)
    with progress_bar(progress) as update:
        outcome = run_pipeline(options, progress=update)
    if new_key is not None and new_key.is_file():
        out.print(text("key_created", path=new_key), highlight=False, soft_wrap=True)
    print_summary(outcome.summary.as_dict(), out, outcome.committed)
    signoff = outcome.summary.signoff or {}
    if signoff.get("statistics"):
        st, money = signoff["statistics"], signoff.get("money") or {}
        out.print(text("statistics", cells=num(len(st["cells"])), equal=share(st["equal_share"]), explained=share(st["explained_share"]),
                       exact=text("exact") if money.get("exact") else text("not_exact")))
    delta = signoff.get("delta")
    if delta:
        totals = {k: sum(int(e[k]) for e in delta["entities"].values()) for k in ("new", "changed", "gone")}
        verdict = ("reconciles with what the load wrote" if delta["ok"] else "[red]does NOT reconcile[/red]: " + escape("; ".join(delta["not_reconciled"]))
                   if delta["ok"] is not None else "named only (the run is not the target's state, nothing to reconcile)")
        out.print(f"  delta since {escape(delta['since'])}: {totals['new']:,} new, {totals['changed']:,} changed, {totals['gone']:,} gone; {verdict}",
                  highlight=False)
    gate = outcome.summary.gate
    if gate:
        for check in gate["checks"]:
            if not check["ok"]:
                out.print(text("gate_check", name=escape(check["name"]), actual=escape(str(check["actual"])), threshold=escape(str(check["threshold"]))))
        verdict = text("gate_passed") if gate["passed"] else (
            text("gate_overridden", by=gate["override"]["by"]) if "override" in gate else text("gate_missed"))
        out.print(text("gate", verdict=escape(verdict), committed=_committed(outcome.summary.status, bool(gate.get("cutover")))))
    out.print(text("run_folder", path=outcome.run_dir), highlight=False)
    return outcome.exit_code


@main.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write into.")
@click.option("--size", type=click.Choice(["small", "medium", "large"]), default="small", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--truncate", is_flag=True, help="Cut the payment file so that it no longer matches the manifest.")
def generate(out_dir: Path, size: str, seed: int, truncate: bool) -> None:
    """Generate synthetic source data (legacy export + truth.json); deterministic for a seed."""
    from jhmig.synth import generate as synth_generate

    with progress_bar() as update:
        truth = synth_generate(out_dir, size=size, seed=seed, truncate=truncate, progress=update)
    files = truth["legacy"]["files"]
    counts = ", ".join(f"{name} {entry['records']}" for name, entry in files.items())
    out.print(f"wrote {out_dir / truth['legacy']['dir']} ({counts})")
    lists = truth.get("lists") or {}
    if lists.get("files"):
        out.print(f"wrote {out_dir / lists['dir']} ({', '.join(lists['files'])}; {len(lists['rows'])} table rows)")
    out.print(f"wrote {out_dir / 'truth.json'} ({len(truth['defects'])} planted defects)")


@main.command()
@click.option("--dir", "base", type=click.Path(file_okay=False, path_type=Path), default=Path("jhmig-demo"), show_default=True,
              help="Folder for the demo data, database and run folders.")
@click.option("--size", type=click.Choice(["small", "medium", "large"]), default="small", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--db", "db_url", help="Target database URL (default: an SQLite file in --dir).")
def demo(base: Path, size: str, seed: int, db_url: str | None) -> None:
    """Generate demo data (legacy export and caseworkers' lists), migrate it into SQLite and write the reports."""
    from jhmig.synth import generate as synth_generate

    data = base / f"data-{size}-{seed}"
    if not (data / "truth.json").exists():
        with progress_bar() as update:
            synth_generate(data, size=size, seed=seed, progress=update)
        out.print(f"generated demo data in {data}")
    lists = data / "lists"
    options = RunOptions(export_dir=data / "legacy", out_dir=base / "runs",
                         db_url=db_url or f"sqlite:///{(base / 'jhmig.sqlite').resolve()}", project_name="demo",
                         list_sources=tuple(resolve_list_sources(lists)) if lists.is_dir() else ())
    sys.exit(execute(options))


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--show-values", is_flag=True,
              help="Show real sample values (names, birth dates): social data, do not share the output.")
@click.option("--suggest", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a suggested list mapping (YAML) to this file.")
def profile(path: Path, show_values: bool, suggest: Path | None) -> None:
    """Profile an unknown Excel/CSV list (or a folder of them): header, columns, odd rows, suggested mapping."""
    from jhmig.extract.profile import profile_command

    sys.exit(profile_command(path, show_values, suggest, out))


@main.command("schema-docs")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=Path("docs/data-dictionary.md"), show_default=True)
def schema_docs(out_file: Path) -> None:
    """Write the data dictionary of the target schema (Markdown, German and English terms)."""
    from jhmig.datadict import render_data_dictionary

    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(render_data_dictionary(), encoding="utf-8")
    out.print(f"wrote {out_file}")


def _add_signoff_commands() -> None:
    """Run registry, rollback (issue #13): commands kept in their own modules."""
    from jhmig.cli_db import db
    from jhmig.cli_runs import rollback, runs

    main.add_command(runs)
    main.add_command(rollback)
    main.add_command(db)


_add_signoff_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
