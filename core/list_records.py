"""Records of caseworkers' lists shared between the stages: which files of a lists folder were read, and why not.

Every file in a lists folder is accounted for (spec: nothing skipped in
silence): read by one or more mappings, or not read with its reason. A
spreadsheet that no mapping reads and no exclusion names is data lost without
a word: the run must end with exit 1 and say which file and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class FileVerdict(StrEnum):
    READ = "read"
    NO_MAPPING = "no_mapping"  # a spreadsheet no mapping's globs name: fails the run
    EXCLUDED = "excluded"  # named by an exclusion of the project file
    NOT_A_LIST = "not_a_list"  # not a spreadsheet (a PDF, a Word file): listed, not read
    LOCK_FILE = "lock_file"  # "~$Liste.xlsx": the owner file of an open workbook


REASONS_DE: dict[FileVerdict, str] = {
    FileVerdict.READ: "gelesen",
    FileVerdict.NO_MAPPING: "keine Zuordnung liest die Datei",
    FileVerdict.EXCLUDED: "im Projekt ausgeschlossen",
    FileVerdict.NOT_A_LIST: "keine Tabelle (Dateityp wird nicht gelesen)",
    FileVerdict.LOCK_FILE: "Sperrdatei eines geöffneten Dokuments",
}


@dataclass(frozen=True)
class ListFileStatus:
    path: str  # relative to the lists folder, "/"-separated
    verdict: FileVerdict
    mappings: tuple[str, ...] = ()  # names of the mappings that read it

    @property
    def reason(self) -> str:
        if self.verdict is FileVerdict.READ:
            return f"gelesen mit {', '.join(self.mappings)}"
        return REASONS_DE[self.verdict]

    def as_dict(self) -> dict[str, object]:
        return {"file": self.path, "status": str(self.verdict), "reason": self.reason, "mappings": list(self.mappings)}


@dataclass(frozen=True)
class ListFolderAccount:
    folder: Path
    files: tuple[ListFileStatus, ...] = field(default_factory=tuple)

    @property
    def uncovered(self) -> list[ListFileStatus]:
        return [f for f in self.files if f.verdict is FileVerdict.NO_MAPPING]

    @property
    def not_read(self) -> list[ListFileStatus]:
        return [f for f in self.files if f.verdict is not FileVerdict.READ]

    def failure(self) -> str | None:
        """One line for the console when a spreadsheet was left unread; None when every list is covered."""
        missing = self.uncovered
        if not missing:
            return None
        first = self.folder / missing[0].path
        more = f" (and {len(missing) - 1} more: {', '.join(f.path for f in missing[1:4])}{' ...' if len(missing) > 4 else ''})" \
            if len(missing) > 1 else ""
        return (f"list {missing[0].path} in {self.folder} is read by no list mapping{more}: "
                f"profile it with `jhmig profile {first} --suggest mapping.yaml` and pass the mapping, or exclude the file in the project")

    def as_dict(self) -> dict[str, object]:
        return {"folder": str(self.folder), "files": [f.as_dict() for f in self.files]}
