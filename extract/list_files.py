"""Which files of a lists folder a mapping reads, which sheets of a workbook, and the account of every file in the folder."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from jhmig.extract.row_classify import is_legend_sheet
from jhmig.list_mapping import ListMapping, SheetSelection
from jhmig.list_records import FileVerdict, ListFileStatus, ListFolderAccount
from jhmig.records import OUTCOME_COLUMNS, Batch, Finding, Severity, SourceFileRead

# files office programs leave next to an open workbook: owner/lock files, not lists
LOCK_PREFIXES = ("~$", ".~lock.")
# what a lists folder may hold besides lists: accounted for, never read
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm", ".xlsb", ".xls", ".ods", ".csv", ".txt", ".tsv", ".tab"})
LIST_FILE = "list_file"  # the entity of a file-level record: a list no mapping read
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})


def _matches(relative: str, globs: Sequence[str]) -> bool:
    key = relative.casefold()
    return any(fnmatch.fnmatchcase(key, g.replace("\\", "/").casefold()) for g in globs)


def matching_files(lists_dir: Path, globs: Sequence[str]) -> tuple[list[Path], list[str]]:
    """Files matching any glob (case-insensitive, relative to the folder), sorted; and lock files left out."""
    found: list[Path] = []
    ignored: list[str] = []
    for path in sorted(lists_dir.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(lists_dir).as_posix()
        if not _matches(relative, globs):
            continue
        if path.name.startswith(LOCK_PREFIXES):
            ignored.append(relative)
        else:
            found.append(path)
    return found, ignored


def account_list_folder(lists_dir: Path, mappings: Sequence[ListMapping], exclude: Sequence[str] = ()) -> ListFolderAccount:
    """Every file of the folder: read by which mappings, or why not (no mapping, excluded, not a list, lock file)."""
    statuses: list[ListFileStatus] = []
    for path in sorted(p for p in lists_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(lists_dir).as_posix()
        if path.name.casefold() in _SYSTEM_FILES:
            continue  # the file manager's, not the office's
        readers = tuple(m.name for m in mappings if _matches(relative, m.files))
        if path.name.startswith(LOCK_PREFIXES):
            verdict = FileVerdict.LOCK_FILE
        elif exclude and _matches(relative, exclude):
            verdict, readers = FileVerdict.EXCLUDED, ()
        elif readers:
            verdict = FileVerdict.READ
        elif path.suffix.casefold() in SPREADSHEET_SUFFIXES:
            verdict = FileVerdict.NO_MAPPING
        else:
            verdict = FileVerdict.NOT_A_LIST
        statuses.append(ListFileStatus(relative, verdict, readers if verdict is FileVerdict.READ else ()))
    return ListFolderAccount(lists_dir, tuple(statuses))


def sheet_selected(name: str, hidden: bool, rule: SheetSelection) -> tuple[bool, str | None]:
    """Whether the mapping reads a sheet; otherwise the German reason for the skip report."""
    key = name.casefold()
    if not any(fnmatch.fnmatchcase(key, p.casefold()) for p in rule.include):
        return False, "Blatt nicht ausgewählt (sheets.include)"
    if any(fnmatch.fnmatchcase(key, p.casefold()) for p in rule.exclude):
        return False, "Legendenblatt" if is_legend_sheet(name) else "Blatt ausgeschlossen (sheets.exclude)"
    if hidden and rule.hidden == "skip":
        return False, "ausgeblendetes Blatt"
    return True, None


def account_findings(account: ListFolderAccount, source_system: str = "lists") -> list[Finding]:
    """A finding for every spreadsheet of the folder that no mapping reads (the run fails on them)."""
    return [Finding(rule_id="list.file_not_read", severity=Severity.ERROR, source_system=source_system, entity=LIST_FILE,
                    src_path=f.path, message=f"{f.reason}: `jhmig profile {account.folder / f.path} --suggest zuordnung.yaml`")
            for f in account.uncovered]


def record_not_read(batch: Batch, account: ListFolderAccount) -> None:
    """Files of the folder that no mapping read: one read and one skipped record each (skipped.csv, the file counts)."""
    missing = [f for f in account.not_read if f.verdict is not FileVerdict.LOCK_FILE]
    for finding in account_findings(account, batch.source_system):
        batch.findings.add(finding)
    if not missing:
        return
    for status in missing:
        batch.reads.append(SourceFileRead(batch.source_system, status.path, "", LIST_FILE, 1))
    frame = pd.DataFrame({
        "source_system": batch.source_system, "entity": LIST_FILE,
        "legacy_key": pd.Series([None] * len(missing), dtype="string"),
        "src_path": [f.path for f in missing], "src_sheet": "",
        "src_line": pd.Series([0] * len(missing), dtype="int64"),
        "reason": pd.Series([f"Datei nicht gelesen: {f.reason}" for f in missing], dtype="string"),
    })
    batch.add_outcomes("skipped", frame.loc[:, list(OUTCOME_COLUMNS)])
