"""Console and messages (issue 26): unwrapped error lines, the gate's status, one message for a UTF-8 export,
an unclosed quote by its line, a password-protected .xls by name."""

from __future__ import annotations

import json
import sqlite3
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner

from jhmig.cli import main
from jhmig.errors import SourceReadError
from jhmig.extract.workbook import open_workbook
from minimal_export import MiniExport
from test_sign_gate import GATE, broken_export, project


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def migrate(folder: Path, tmp_path: Path) -> tuple[int, str]:
    return run_cli("run", "--export", str(folder), "--db", f"sqlite:///{tmp_path / 't.sqlite'}", "--out", str(tmp_path / "runs"),
                   "--no-progress")


def utf8_export(tmp_path: Path) -> Path:
    """The hand-written export with every file re-encoded as UTF-8 (the layout declares cp1252)."""
    folder = MiniExport().write(tmp_path / "export with a long folder name to make the error line longer than eighty columns")
    for path in folder.iterdir():
        path.write_bytes(path.read_bytes().decode("cp1252").encode("utf-8"))
    return folder


def test_an_all_utf8_export_is_refused_naming_every_file_in_one_unwrapped_line(tmp_path: Path) -> None:
    code, output = migrate(utf8_export(tmp_path), tmp_path)
    assert code == 2
    error = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(error) == 1, output  # one message, not wrapped at 80 columns
    for name in ("PERSONEN.TXT", "AKTEN.TXT", "SCHLUESSEL.TXT", "ZAHLUNGEN.DAT"):
        assert name in error[0], (name, error[0])
    assert "declared cp1252, looks like UTF-8" in error[0] and "files of the export are not in their declared encoding" in error[0]
    assert "re-export the files in cp1252" in output


def test_error_lines_are_not_wrapped_when_the_output_is_no_terminal(tmp_path: Path) -> None:
    folder = MiniExport().write(tmp_path / ("a folder whose name is long enough to make the error line wrap at eighty columns"))
    (folder / "UVG.TXT").unlink()
    code, output = migrate(folder, tmp_path)
    assert code == 2
    assert f"error: {folder / 'UVG.TXT'}: file missing from the export" in output.splitlines(), output


def test_an_unclosed_quote_is_named_by_the_line_that_opens_it(tmp_path: Path) -> None:
    export = MiniExport()
    remark_line = 5  # header, the first case file's remark over two lines, the second case file, then this one
    export.rows["AKTEN.TXT"].append('51.3-UV-2021/00003;UV;A;01.02.2021;;MK;"Mutter meldet sich; Termin')
    export.rows["AKTEN.TXT"] += [f"51.3-UV-2021/{n:05d};UV;A;01.02.2021;;MK;Akte {n}" for n in range(10, 4010)]
    export.manifest_overrides["AKTEN.TXT"] = 2
    code, output = migrate(export.write(tmp_path / "export"), tmp_path)
    assert code == 2, output
    assert f"AKTEN.TXT, line {remark_line}: opens a quote (\") that never closes" in output, output
    assert "field limit" not in output


def test_a_run_missing_the_gate_says_it_committed_and_stores_gate_missed(tmp_path: Path) -> None:
    code, output = run_cli("run", "-p", str(project(tmp_path, broken_export(), GATE)), "--no-progress")
    assert code == 1
    assert "quality gate: missed - the load is committed (status gate_missed)" in output
    summary = json.loads(sorted((tmp_path / "runs").glob("*/summary.json"))[-1].read_text(encoding="utf-8"))
    assert summary["status"] == "gate_missed"
    con = sqlite3.connect(tmp_path / "t.sqlite")
    try:
        assert con.execute("select run_id, status from mig_run").fetchall() == [(1, "gate_missed")]
    finally:
        con.close()
    assert "geladen, Freigabeprüfung nicht bestanden" in sorted((tmp_path / "runs").glob("*/abgleich.html"))[-1].read_text(encoding="utf-8")


def test_a_dry_run_missing_the_gate_says_nothing_was_committed(tmp_path: Path) -> None:
    code, output = run_cli("run", "-p", str(project(tmp_path, broken_export(), GATE)), "--no-progress", "--dry-run")
    assert code == 1 and "quality gate: missed - dry run, nothing committed (rolled back)" in output


def xor_protected_xls() -> bytes:
    """A minimal Excel 97-2003 file (OLE compound file, one 4 KB 'Workbook' stream) whose BOF is followed by FILEPASS."""
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0)
    filepass = struct.pack("<HH", 0x002F, 6) + struct.pack("<HHH", 0x0000, 0x1234, 0x5678)  # type 0: XOR obfuscation
    stream = (bof + filepass + struct.pack("<HH", 0x000A, 0)).ljust(4096, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0) + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    fat = struct.pack("<II", fat_sector, end) + b"".join(struct.pack("<I", n + 1) for n in range(2, 9)) + struct.pack("<I", end)
    fat = fat.ljust(512, b"\xff")

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1 if name else 0)
                + struct.pack("<III", no_stream, no_stream, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, no_stream, 2, 4096)
                 + entry("", 0, no_stream, 0, 0) * 2)
    return header + fat + directory + stream


def test_an_xor_protected_xls_is_refused_as_password_protected(tmp_path: Path) -> None:
    import xlrd

    path = tmp_path / "Pflegekinder.xls"
    path.write_bytes(xor_protected_xls())
    with pytest.raises(xlrd.XLRDError, match="encrypted"):  # the file is what it claims: xlrd sees the FILEPASS record
        xlrd.open_workbook(str(path))
    with pytest.raises(SourceReadError) as caught:
        open_workbook(path, display=path.name)
    assert "password-protected" in caught.value.message and "corrupt" not in caught.value.message
    assert caught.value.hint and "remove the password" in caught.value.hint


def test_the_console_speaks_german_when_the_locale_is_german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jhmig.messages import language

    assert language({"LANG": "de_DE.UTF-8"}) == "de" and language({"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}) == "en"
    assert language({"LANG": "en_GB.UTF-8"}) == "en" and language({}) == "en"
    folder = MiniExport().write(tmp_path / "export")
    monkeypatch.delenv("JHMIG_LANG", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    code, output = migrate(folder, tmp_path)
    assert code == 0, output
    assert "Befunde: " in output and "Ziel: " in output and " neu, 0 geändert, 0 unverändert, 0 gelöscht" in output
    assert "Laufordner: " in output and "KJH-Statistik: " in output and "auf den Cent genau" in output
    assert "findings:" not in output and "run folder:" not in output
    assert "Quarantäne" in output and "Beteiligung" in output and "quarantined" not in output  # the tables and checks too
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    (tmp_path / "again").mkdir()
    code, output = migrate(folder, tmp_path / "again")
    assert "run folder: " in output and "findings: " in output
