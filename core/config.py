"""Project files (``jhmig init`` writes one) and run options.

The database URL is never stored in a file: the project names the
environment variable that holds it (credentials stay out of the repository).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jhmig.errors import ConfigError

DEFAULT_DB_ENV = "JHMIG_DB_URL"
DEFAULT_SQLITE = "sqlite:///jhmig.sqlite"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LegacySource(_Model):
    export: Path
    layout: Path | None = None  # None: the reference OK.JUG layout


class ListSource(_Model):
    folder: Path
    mapping: str | None = None  # a shipped mapping's name (asd, jgh) or a mapping file; empty: every shipped mapping that matches
    exclude: list[str] = Field(default_factory=list)  # files of the folder not to read (globs), listed as excluded
    as_of: dt.date | None = None  # the lists' "Stand" for this folder; overrides the mapping's, title cells and file names


class Sources(_Model):
    legacy: LegacySource | None = None
    lists: list[ListSource] = Field(default_factory=list)


class TargetConfig(_Model):
    url_env: str = DEFAULT_DB_ENV
    default: str = DEFAULT_SQLITE  # used when the variable is unset; must not hold a password


class ProjectOptions(_Model):
    departments: list[str] = Field(default_factory=list)
    accept_manifest_mismatch: bool = False
    pseudonymize: bool = False  # reports carry pseudonyms instead of names and birth dates


class GateThresholds(_Model):
    """Quality gate of the project (docs/signoff.md): what a cut-over must meet."""

    no_errors_of: list[str] = Field(default_factory=list)  # rule ids without any error finding ("*": none at all)
    money_difference_cents: int | None = 0  # largest difference per year and kind allowed (None: not checked)
    max_quarantine_percent: dict[str, float] = Field(default_factory=dict)  # per entity, "*" for all others
    statistics: Literal["equal", "explained", "off"] = "explained"


class Project(_Model):
    name: str = "jhmig migration"
    sources: Sources
    target: TargetConfig = Field(default_factory=TargetConfig)
    output: Path = Path("runs")
    corrections: Path | None = None  # folder of the stewards' filled fehlerliste.xlsx / corrections CSVs
    options: ProjectOptions = Field(default_factory=ProjectOptions)
    gate: GateThresholds | None = None  # quality gate; `jhmig run --cutover` commits only when it passes


def load_project(path: Path) -> tuple[Project, Path]:
    """Read a project file; relative paths in it are relative to the file's folder."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"project file {path} does not exist", hint="create one with: jhmig init DIR") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"project file {path} is not valid YAML: {exc}") from None
    try:
        project = Project.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_problem(e) for e in exc.errors()[:5])
        raise ConfigError(f"project file {path} is invalid: {problems}",
                          hint="compare with a fresh template: jhmig init DIR (it lists every key)") from None
    from jhmig.dburl import secrets_of

    if secrets_of(project.target.default):
        raise ConfigError(f"project file {path}: target.default contains a password", hint=f"put the URL into the environment variable {project.target.url_env} instead")
    check_departments(project.options.departments, f"project file {path}: options.departments")
    return project, path.resolve().parent


def _problem(error: dict) -> str:  # type: ignore[type-arg]
    """One pydantic error as the operator needs it: an unknown key with the key meant."""
    loc = [str(p) for p in error["loc"]]
    where = ".".join(loc)
    if error["type"] == "extra_forbidden":
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
        suggestion = f" (did you mean `{close[0]}`?)" if close else (f" (known here: {', '.join(known)})" if known else "")
        return f"unknown key `{where}`{suggestion}"
    if error["type"] == "missing":
        return f"key `{where}` is missing"
    return f"`{where}`: {error['msg']}"


def _known_keys(path: list[str]) -> list[str]:
    """The keys the model allows at ``path`` (list indexes skipped)."""
    model: type[BaseModel] | None = Project
    for part in path:
        if part.isdigit() or model is None:
            continue
        field_info = model.model_fields.get(part)
        if field_info is None:
            return []
        model = _model_of(field_info.annotation)
    return sorted(model.model_fields) if model is not None else []


def _model_of(annotation: object) -> type[BaseModel] | None:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def known_departments() -> list[str]:
    """The department codes of the unified code list (mappings/codes/department.csv)."""
    import csv

    from jhmig.layout import MAPPINGS_DIR

    with open(MAPPINGS_DIR / "codes" / "department.csv", encoding="utf-8", newline="") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


def check_departments(departments: list[str] | tuple[str, ...], where: str) -> tuple[str, ...]:
    """Upper-cased department codes; an unknown one is refused with the code meant (a typo would skip a whole department)."""
    known = known_departments()
    wanted = tuple(d.strip().upper() for d in departments if d.strip())
    unknown = [d for d in wanted if d not in known]
    if unknown:
        close = {d: difflib.get_close_matches(d, known, n=1, cutoff=0.5) for d in unknown}
        said = ", ".join(f"`{d}`" + (f" (did you mean `{c[0]}`?)" if c else "") for d, c in close.items())
        raise ConfigError(f"{where}: unknown department(s) {said}", hint=f"known departments: {', '.join(known)}")
    return wanted


def anchor_sqlite(url: str, base: Path) -> str:
    """A relative SQLite path in a project file is relative to the project file's folder, not the working directory."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url.startswith(prefix + "/") or url[len(prefix):].startswith(("~", ":memory:")) or not url[len(prefix):]:
        return url
    return prefix + str((base / url[len(prefix):]).resolve())


def resolve_list_sources(folder: Path, mappings: list[str] | tuple[str, ...] = ()) -> list[tuple[Path, Path]]:
    """(lists folder, mapping file) pairs; without mappings, every shipped one whose files occur in the folder."""
    import fnmatch

    from jhmig.layout import MAPPINGS_DIR

    shipped = MAPPINGS_DIR / "lists"
    if not folder.is_dir():
        raise ConfigError(f"lists folder {folder} does not exist", hint="pass the folder that holds the caseworkers' Excel lists")
    if mappings:
        out = []
        for name in mappings:
            path = Path(name)
            if not path.suffix:
                path = shipped / f"{name}.yaml"
            if not path.exists():
                known = ", ".join(p.stem for p in sorted(shipped.glob("*.yaml")))
                raise ConfigError(f"list mapping {name!r} not found", hint=f"use a mapping file or one of the shipped mappings: {known}")
            out.append((folder, path))
        return out
    names = [p.name for p in folder.iterdir() if p.is_file()]
    out = []
    for path in sorted(shipped.glob("*.yaml")):
        globs = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("files", [])
        if any(fnmatch.fnmatch(n.lower(), g.lower()) for n in names for g in globs):
            out.append((folder, path))
    if not out:
        raise ConfigError(f"no shipped list mapping matches a file in {folder}",
                          hint="profile the lists (jhmig profile FILE --suggest mapping.yaml) and pass --list-mapping")
    return out


def resolve_db_url(explicit: str | None, env_name: str = DEFAULT_DB_ENV, default: str = DEFAULT_SQLITE) -> str:
    return explicit or os.environ.get(env_name) or default


def target_url(project: Path | None, explicit: str | None) -> str:
    """The target of every command (run, rollback, runs, db): ``--db``, else the project's variable, else its default.

    One function, so that ``jhmig rollback -p projekt/jhmig.yaml`` opens the very database
    ``jhmig run -p projekt/jhmig.yaml`` loaded (a relative SQLite path is the project folder's).
    """
    if project is None:
        return resolve_db_url(explicit)
    proj, base = load_project(project)
    return resolve_db_url(explicit, proj.target.url_env, anchor_sqlite(proj.target.default, base))


@dataclass
class RunOptions:
    """Everything one pipeline run needs; built from the CLI or a project file."""

    export_dir: Path
    out_dir: Path
    db_url: str
    layout_path: Path | None = None
    dry_run: bool = False
    accept_manifest_mismatch: bool = False
    departments: tuple[str, ...] = ()
    project_name: str = "jhmig migration"
    list_sources: tuple[tuple[Path, Path], ...] = ()  # (lists folder, list mapping file)
    list_excludes: dict[Path, tuple[str, ...]] = field(default_factory=dict)  # lists folder -> globs of files not to read
    list_as_of: dict[Path, dt.date] = field(default_factory=dict)  # lists folder -> its "Stand" from the project file
    corrections_dir: Path | None = None
    synonyms_dir: Path | None = None  # the project's own synonym tables (synonyme/ beside the project file): stewards' decisions
    pseudonymize: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    gate: dict[str, Any] | None = None  # GateThresholds as a dict; None: no gate (unless cutover: the defaults)
    cutover: bool = False  # commit only when the quality gate passes
    gate_override: dict[str, str] | None = None  # {"by": who, "reason": why}: commit a cut-over that misses the gate
    delta_since: str | None = None  # run (uid, prefix or id in out_dir): name and reconcile what changed since it


PROJECT_TEMPLATE = """\
# jhmig project file - one migration (dry runs and the final load).
# Run it with:  jhmig run -p {name}
name: {title}

sources:
  legacy:
    # Folder of the legacy export (EXPORT.INF and the data files).
    export: ./export
    # Layout of the export. Leave empty for the reference OK.JUG layout, or
    # point to your own copy of mappings/layouts/okjug-reference.yaml.
    layout:
  # Caseworkers' Excel lists (optional). mapping: asd, jgh (shipped) or your own
  # mapping file; leave it out to use every shipped mapping matching the files.
  # lists:
  #   - folder: ./listen
  #     mapping: asd
  #   - folder: ./listen
  #     mapping: jgh
  #     exclude: ["Notizen*.xlsx"]   # files of the folder not to migrate (listed as excluded)
  #     as_of: 2025-03-14           # the lists' "Stand": an end date up to it closes the case
  # Every spreadsheet in a lists folder must be read by a mapping or excluded: else the run fails.

target:
  # The database URL is read from this environment variable, never from this
  # file (it may hold a password), e.g.
  #   export JHMIG_DB_URL=postgresql+psycopg://user@dbhost/jugendamt
  url_env: JHMIG_DB_URL
  # Used when the variable is not set: an embedded SQLite file (a relative
  # path is relative to this file's folder).
  default: sqlite:///jhmig.sqlite

# Each run writes a folder here: summary.json, findings, quarantine, reports
# (validierung.html, fehlerliste.xlsx). Paths in this file are relative to it.
output: ./runs

# Data stewards' decisions: put filled-in fehlerliste.xlsx files (or CSVs with
# the same columns) here; the next run applies them and reports what it did.
corrections: ./korrekturen

options:
  # Migrate only these departments (UV, BS, AV, WJH, PKD, KT, ASD, JGH); empty = all.
  departments: []
  # Migrate although the manifest's control totals do not match the files.
  # Recorded in the run. Only for a known, accepted truncation!
  accept_manifest_mismatch: false
  # Replace names, birth dates, streets and payees by stable pseudonyms in all
  # reports (key: $JHMIG_PSEUDONYM_KEY, else a key file outside the run
  # folders, see README "Pseudonyms").
  pseudonymize: false

# Quality gate for the go-live (docs/signoff.md): a run that misses it ends with
# exit code 1; `jhmig run --cutover` commits only when it passes.
# gate:
#   no_errors_of: [code.unknown, ref.missing]   # "*": no error findings at all
#   money_difference_cents: 0
#   max_quarantine_percent: {{payment: 1, "*": 5}}
#   statistics: explained                       # equal | explained | off
"""
