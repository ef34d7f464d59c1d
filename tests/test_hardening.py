"""Hostile inputs and operator mistakes (issue 12): each damaged copy of an export built here, from the MiniExport.

Every test states the outcome the operator must see: the exit code, what the
message names (file, line, encoding, record) and what the target holds.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from minimal_export import CRLF, MiniExport
from test_pipeline_cli import last_summary, run_cli


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


def run(folder: Path, url: str, out: Path, *extra: str) -> tuple[int, str]:
    """Exit code and console text; the console wraps long lines (paths) at 80 columns: unwrapped here."""
    code, output = cli(*("run", "--export", str(folder), "--db", url, "--out", str(out), "--no-progress", *extra))
    return code, output


def cli(*args: str) -> tuple[int, str]:
    code, output = run_cli(*args)
    return code, output.replace("\n", "")


def count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(table):
                return 0
            return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def quarantined(url: str) -> list[tuple[str, str, int, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT q.entity, f.path, q.src_line, q.rule_ids FROM mig_quarantine q "
                "JOIN mig_source_file f ON f.source_file_id = q.src_file_id ORDER BY f.path, q.src_line, q.entity"))
            return [tuple(r) for r in rows]
    finally:
        engine.dispose()


def reencode(folder: Path, name: str, encoding: str) -> None:
    path = folder / name
    path.write_bytes(path.read_bytes().decode("cp1252").encode(encoding))


# --------------------------------------------------------------------------
# encodings are detected, not assumed
# --------------------------------------------------------------------------


def test_txt_files_reencoded_as_utf8_are_refused_naming_file_and_encoding(tmp_path: Path, sqlite_url: str) -> None:
    folder = MiniExport().write(tmp_path / "x")
    for path in folder.glob("*.TXT"):
        reencode(folder, path.name, "utf-8")
    code, output = run(folder, sqlite_url, tmp_path / "runs")
    assert code == 2
    assert "UTF-8" in output and "cp1252" in output and ".TXT" in output and "line" in output
    assert count(sqlite_url, "person") == 0 and "Ã" not in output


def test_one_file_in_cp850_is_refused_naming_file_and_line(tmp_path: Path, sqlite_url: str) -> None:
    export = MiniExport()
    folder = export.write(tmp_path / "x")
    reencode(folder, "PERSONEN.TXT", "cp850")
    # the first line with a cp850-only byte (0x81 = ü), counted in the file as written
    expected_line = next(n for n, line in enumerate((folder / "PERSONEN.TXT").read_bytes().split(b"\n"), start=1) if b"\x81" in line)
    code, output = run(folder, sqlite_url, tmp_path / "runs")
    assert code == 2
    assert "PERSONEN.TXT" in output and f"line {expected_line}" in output and "cp850" in output
    assert count(sqlite_url, "person") == 0


def test_a_byte_order_mark_in_a_cp1252_file_is_refused(tmp_path: Path, sqlite_url: str) -> None:
    folder = MiniExport().write(tmp_path / "x")
    path = folder / "AKTEN.TXT"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, output = run(folder, sqlite_url, tmp_path / "runs")
    assert code == 2 and "AKTEN.TXT" in output and "byte-order mark" in output


def test_a_few_garbled_values_in_a_cp1252_file_stay_findings_not_a_refusal(tmp_path: Path, sqlite_url: str) -> None:
    """Text mangled inside the legacy system (one value) is the per-value rule's job: that record is quarantined."""
    export = MiniExport()
    export.rows["PERSONEN.TXT"][3] = export.rows["PERSONEN.TXT"][3].replace("Weiß", "Weiß".encode("utf-8").decode("cp1252"))
    code, _ = run(export.write(tmp_path / "x"), sqlite_url, tmp_path / "runs")
    assert code == 0
    assert ("person", "PERSONEN.TXT", 5, "text.mojibake") in quarantined(sqlite_url)


def test_random_bytes_never_reach_the_console(tmp_path: Path, sqlite_url: str) -> None:
    folder = MiniExport().write(tmp_path / "x")
    rng = random.Random(12)
    (folder / "PERSONEN.TXT").write_bytes(bytes(rng.randrange(256) for _ in range(5000)))
    code, output = run(folder, sqlite_url, tmp_path / "runs")
    assert code == 2 and "PERSONEN.TXT" in output
    assert all(line.isprintable() for line in output.splitlines()), output
    assert "\x1b" not in output and "\x00" not in output


def test_a_header_line_holding_data_is_not_echoed(tmp_path: Path, sqlite_url: str) -> None:
    """A file without its header: line 1 holds a person's name and birth date, which must not reach the console."""
    folder = MiniExport().write(tmp_path / "x")
    path = folder / "PERSONEN.TXT"
    path.write_bytes(b"\r\n".join(path.read_bytes().split(b"\r\n")[1:]))
    code, output = run(folder, sqlite_url, tmp_path / "runs", "--accept-manifest-mismatch")
    assert code == 2 and "PERSONEN.TXT" in output and "header lacks" in output
    assert "Müller" not in output and "03.05.1980" not in output and "Jürgen" not in output


def test_a_utf8_layout_refuses_cp1252_bytes_naming_the_line(tmp_path: Path) -> None:
    from jhmig.errors import SourceReadError
    from jhmig.extract.encoding_check import check_encoding

    data = "a;b\r\nx;Müller\r\n".encode("cp1252")
    with pytest.raises(SourceReadError, match="line 2") as info:
        check_encoding(data, "utf-8", "persons.csv")
    assert "cp1252" in str(info.value)
    check_encoding("a;b\r\nx;Müller\r\n".encode("utf-8-sig"), "utf-8", "persons.csv")  # a UTF-8 BOM is fine


# --------------------------------------------------------------------------
# fixed-width records named one by one
# --------------------------------------------------------------------------


def damaged_payments(tmp_path: Path) -> tuple[Path, list[int]]:
    """Two records of 141 and 143 characters and a letter in an amount; count and file size unchanged."""
    folder = MiniExport().write(tmp_path / "x")
    path = folder / "ZAHLUNGEN.DAT"
    size = path.stat().st_size
    lines = path.read_bytes().decode("cp1252").split(CRLF)
    lines[0] = lines[0][:-1]
    lines[1] = lines[1] + " "
    amount_at = 68 + 11  # BETRAG_CENT is at 69..81, right-aligned: the second-last digit of the amount
    assert lines[2][amount_at].isdigit()
    lines[2] = lines[2][:amount_at] + "O" + lines[2][amount_at + 1:]
    path.write_bytes(CRLF.join(lines).encode("cp1252"))
    assert path.stat().st_size == size
    return folder, [1, 2, 3]


def test_damaged_fixed_width_records_are_named_in_the_refusal(tmp_path: Path, sqlite_url: str) -> None:
    folder, bad = damaged_payments(tmp_path)
    code, output = run(folder, sqlite_url, tmp_path / "runs")
    assert code == 2
    for line in bad:
        assert f"ZAHLUNGEN.DAT, line {line}:" in output
    assert "141" in output and "143" in output and "BETRAG_CENT" in output


def test_accepted_damaged_records_are_quarantined_and_the_run_ends_with_exit_1(tmp_path: Path, db_url: str) -> None:
    folder, bad = damaged_payments(tmp_path)
    code, output = run(folder, db_url, tmp_path / "runs", "--accept-manifest-mismatch")
    assert code == 1, output
    summary = last_summary(tmp_path / "runs")
    assert summary["status"] == "incomplete"
    assert [r["line"] for r in summary["unsummed_records"]] == bad
    payments = [q for q in quarantined(db_url) if q[1] == "ZAHLUNGEN.DAT"]
    assert [q[2] for q in payments] == bad
    assert count(db_url, "payment") == len(MiniExport().payments) - len(bad)  # committed: the operator accepted it


# --------------------------------------------------------------------------
# one bad record never fails a load
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["M" * 10_000, "We\x00iß", "Wei\x1bß"], ids=["10000-chars", "nul", "escape"])
def test_a_value_the_column_cannot_hold_quarantines_only_its_record(tmp_path: Path, db_url: str, value: str) -> None:
    export = MiniExport()
    export.rows["PERSONEN.TXT"][3] = export.rows["PERSONEN.TXT"][3].replace("Weiß", value)
    code, output = run(export.write(tmp_path / "x"), db_url, tmp_path / "runs")
    assert code == 0, output
    persons = [q for q in quarantined(db_url) if q[0] == "person"]
    assert [q[2] for q in persons] == [5]
    assert persons[0][3] in ("value.too_long", "value.control_character") or "value." in persons[0][3]
    assert count(db_url, "person") == len(export.rows["PERSONEN.TXT"]) - 1
    assert "\x00" not in output and "\x1b" not in output


def test_misgrouped_thousands_are_an_invalid_amount(tmp_path: Path, sqlite_url: str) -> None:
    export = MiniExport()
    export.rows["LEISTUNGEN.TXT"][1] = export.rows["LEISTUNGEN.TXT"][1].replace("45,50", "1.2.3,4")
    code, _ = run(export.write(tmp_path / "x"), sqlite_url, tmp_path / "runs")
    assert code == 0
    assert ("service", "LEISTUNGEN.TXT", 3, "value.invalid_amount") in quarantined(sqlite_url)
    con = sqlite3.connect(sa.make_url(sqlite_url).database)
    try:
        assert (12340,) not in con.execute("SELECT rate_cents FROM service").fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------
# the console: what the load did per entity
# --------------------------------------------------------------------------


def test_a_rerun_prints_zero_new_and_all_unchanged(tmp_path: Path, sqlite_url: str) -> None:
    folder = MiniExport().write(tmp_path / "x")
    code, first = run(folder, sqlite_url, tmp_path / "runs")
    assert code == 0
    loaded = sum(e.get("inserted", 0) for e in last_summary(tmp_path / "runs")["entities"].values())
    assert loaded and f"target: {loaded:,} new, 0 updated, 0 unchanged, 0 deleted" in first
    code, second = run(folder, sqlite_url, tmp_path / "runs")
    assert code == 0
    assert f"target: 0 new, 0 updated, {loaded:,} unchanged, 0 deleted" in second


# --------------------------------------------------------------------------
# secrets: URLs are shown and stored without their password
# --------------------------------------------------------------------------

SECRET_URLS = [
    ("postgresql+psycopg://jhmig:gz7/hq9@db.example:5432/jugendamt", "gz7/hq9"),
    ("postgresql+psycopg://jhmig:gz7@hq9@db.example/jugendamt", "gz7@hq9"),
    ("postgresql+psycopg://jhmig@db.example/jugendamt?password=gz7hq9&sslmode=require", "gz7hq9"),
    ("postgresql+psycopg://jhmig:gz7%2Fq%40hq9@db.example/jugendamt", "gz7/q@hq9"),
    ("postgresql+psycopg://jhmig:gz7?hq#9@db.example/jugendamt?application_name=a@b", "gz7?hq#9"),
]


@pytest.mark.parametrize(("url", "password"), SECRET_URLS)
def test_safe_url_never_shows_the_password(url: str, password: str) -> None:
    from jhmig.dburl import parse_db_url, safe_url

    shown = safe_url(url)
    for part in {password, *password.split("/"), *password.split("@"), *password.split("?")} - {""}:
        if len(part) >= 2:
            assert part not in shown, shown
    assert "db.example" in shown and "jugendamt" in shown
    assert parse_db_url(url).password == password or parse_db_url(url).query.get("password") == password


def test_a_password_with_slash_at_and_query_is_stored_nowhere(tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test server trusts every login, so any password connects: it must still appear in no file, row or line."""
    from jhmig.dburl import parse_db_url

    base = parse_db_url(pg_url)
    folder = MiniExport().write(tmp_path / "x")
    secrets = ["Zq8Kp/Wx7Lm@Vy3Nt?k", "Qu3ryPw9Xt"]
    with_user = base.set(password=secrets[0]).render_as_string(hide_password=False)  # percent-encoded
    raw = with_user.replace("Zq8Kp%2FWx7Lm%40Vy3Nt%3Fk", secrets[0])  # as an operator would type it
    assert secrets[0] in raw
    via_query = base.set(query={"password": secrets[1]}).render_as_string(hide_password=False)
    outputs = []
    for url in (raw, via_query):
        code, output = run(folder, url, tmp_path / "runs")
        assert code == 0, output
        outputs.append(output)
    monkeypatch.setenv("JHMIG_DB_URL", raw)  # the password from the environment
    code, output = cli("run", "--export", str(folder), "--out", str(tmp_path / "runs"), "--no-progress")
    assert code == 0, output
    outputs.append(output)
    stored = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in (tmp_path / "runs").rglob("*") if p.is_file()
                       and p.suffix in (".json", ".csv", ".html", ".txt", ".log"))
    engine = sa.create_engine(pg_url)
    with engine.connect() as connection:
        stored += "\n".join(str(r) for r in connection.execute(sa.text("SELECT * FROM mig_run")))
    engine.dispose()
    parts = {p for secret in secrets for p in re.split(r"[/@?]", secret) if len(p) >= 5} | set(secrets)
    for part in parts:
        for text in (stored, *outputs):
            assert part not in text


def test_a_failed_login_prints_no_password(tmp_path: Path) -> None:
    folder = MiniExport().write(tmp_path / "x")
    code, output = run(folder, "postgresql+psycopg://jhmig:ge/he@im@127.0.0.1:1/jugendamt", tmp_path / "runs")
    assert code == 2
    assert "ge/he@im" not in output and "he@im" not in output and "127.0.0.1" in output


# --------------------------------------------------------------------------
# the target is checked first
# --------------------------------------------------------------------------


@pytest.mark.parametrize("url, expected", [
    ("postgresql+psycopg://jhmig@127.0.0.1:1/jugendamt", "host and port"),
    ("foo://", "sqlite:///"),
    ("sqlite:////no/such/folder/t.sqlite", "create the folder"),
])
def test_an_unusable_target_is_one_line_exit_2_before_extract(tmp_path: Path, url: str, expected: str) -> None:
    folder = MiniExport().write(tmp_path / "x")
    code, output = run(folder, url, tmp_path / "runs")
    assert code == 2, output
    assert expected in output and "internal error" not in output
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())  # nothing extracted, no run folder


@pytest.mark.postgres
def test_unknown_database_and_missing_rights_are_named(pg_url: str) -> None:
    from jhmig.errors import TargetError
    from jhmig.load import check_target

    base = sa.make_url(pg_url)
    with pytest.raises(TargetError, match="does not exist") as info:
        check_target(base.set(database="no_such_db_jhmig").render_as_string(hide_password=False))
    assert info.value.exit_code == 2 and "createdb" in (info.value.hint or "")
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("DROP ROLE IF EXISTS jhmig_reader"))
        connection.execute(sa.text("CREATE ROLE jhmig_reader LOGIN"))
        connection.execute(sa.text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    try:
        with pytest.raises(TargetError, match="may not create tables") as info:
            check_target(base.set(username="jhmig_reader").render_as_string(hide_password=False))
        assert info.value.exit_code == 2 and "GRANT" in (info.value.hint or "")
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text("DROP OWNED BY jhmig_reader"))
            connection.execute(sa.text("DROP ROLE jhmig_reader"))
        admin.dispose()


def test_check_target_reads_the_schema_revision(sqlite_url: str) -> None:
    from jhmig.load import check_target, open_target

    first = check_target(sqlite_url)
    assert first.revision is None and first.needs_upgrade
    target = open_target(sqlite_url)
    target.upgrade()
    target.dispose()
    after = check_target(sqlite_url)
    assert after.revision == after.head and not after.needs_upgrade


# --------------------------------------------------------------------------
# the project file
# --------------------------------------------------------------------------


EXAMPLE_KEYS = ("lists:", "- folder:", "mapping:", "exclude:", "as_of:", "gate:", "no_errors_of:", "money_difference_cents:",
                "max_quarantine_percent:", "statistics:")


def uncommented(template: str) -> str:
    """The template with its commented examples switched on, as an operator would do it."""
    out = []
    for line in template.splitlines():
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        body = stripped[2:] if stripped.startswith("# ") else None
        if body is not None and body.lstrip().startswith(EXAMPLE_KEYS):
            out.append(indent + body)
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _without_list_entries(text: str) -> str:
    out, in_lists = [], False
    for line in text.splitlines():
        if line == "  lists:":
            out.append("  lists: []")
            in_lists = True
        elif in_lists and line.startswith("    "):
            out.append("#" + line)
        else:
            in_lists = False
            out.append(line)
    return "\n".join(out) + "\n"


def test_init_template_with_its_examples_uncommented_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JHMIG_DB_URL", raising=False)
    project = tmp_path / "projekt"
    code, _ = run_cli("init", str(project))
    assert code == 0
    text = uncommented((project / "jhmig.yaml").read_text(encoding="utf-8"))
    assert "\n  lists:\n" in text
    (project / "jhmig.yaml").write_text(text, encoding="utf-8")
    MiniExport().write(project / "export")
    (project / "listen").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # paths in the project file are relative to it, not to the working directory
    from jhmig.cli import build_run_options

    options = build_run_options(project / "jhmig.yaml", None, None, None, None, False, False, None)
    assert options.db_url == f"sqlite:///{(project / 'jhmig.sqlite').resolve()}"
    assert options.export_dir.resolve() == (project / "export").resolve()
    assert [m.stem for _, m in options.list_sources] == ["asd", "jgh"]
    assert options.list_excludes[project / "listen"] == ("Notizen*.xlsx",) and options.gate is not None
    assert set(options.list_as_of.values()) == {dt.date(2025, 3, 14)}
    text = _without_list_entries(text)  # the folder is empty: a run with the lists switched off again
    (project / "jhmig.yaml").write_text(text, encoding="utf-8")
    code, output = cli("run", "-p", str(project / "jhmig.yaml"), "--no-progress")
    assert code == 0, output
    assert (project / "jhmig.sqlite").exists() and not (elsewhere / "jhmig.sqlite").exists()
    assert any((project / "runs").iterdir())


def test_a_mistyped_key_gets_the_key_meant(tmp_path: Path) -> None:
    run_cli("init", str(tmp_path / "p"))
    path = tmp_path / "p" / "jhmig.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("output:", "ouptut:"), encoding="utf-8")
    code, output = cli("run", "-p", str(path), "--no-progress")
    assert code == 2
    assert "unknown key `ouptut` (did you mean `output`?)" in output and "Extra inputs" not in output


@pytest.mark.parametrize("where", ["file", "option"])
def test_an_unknown_department_is_refused(tmp_path: Path, where: str) -> None:
    run_cli("init", str(tmp_path / "p"))
    path = tmp_path / "p" / "jhmig.yaml"
    MiniExport().write(tmp_path / "p" / "export")
    extra: tuple[str, ...] = ()
    if where == "file":
        path.write_text(path.read_text(encoding="utf-8").replace("departments: []", "departments: [UV, WJX]"), encoding="utf-8")
    else:
        extra = ("--departments", "UV,WJX")
    code, output = cli("run", "-p", str(path), "--no-progress", *extra)
    assert code == 2
    assert "WJX" in output and "WJH" in output and not (tmp_path / "p" / "runs").exists()


def test_summary_options_hold_no_password(tmp_path: Path) -> None:
    """A refusal before the target is opened stores nothing; a run that completes stores the URL rebuilt."""
    from jhmig.dburl import safe_url

    shown = safe_url("sqlite:////tmp/x.sqlite")
    assert shown == "sqlite:////tmp/x.sqlite"
    summary_like = json.dumps({"db": safe_url("postgresql+psycopg://u:x%2Fy@h/db")})
    assert "x/y" not in summary_like and "x%2Fy" not in summary_like


# --------------------------------------------------------------------------
# failed and refused runs: marked, and no folder with personal data
# --------------------------------------------------------------------------


def test_a_refused_run_leaves_only_its_reason(tmp_path: Path, sqlite_url: str) -> None:
    folder = MiniExport(manifest_overrides={"BETEILIGTE.TXT": 7}).write(tmp_path / "x")
    code, _ = run(folder, sqlite_url, tmp_path / "runs")
    assert code == 2
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert sorted(p.name for p in run_dir.iterdir()) == ["FAILED", "summary.json"]
    record = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert record["status"] == "refused" and "BETEILIGTE.TXT" in record["reason"] and record["committed"] is False


def test_a_run_failing_after_the_reports_were_written_removes_them(tmp_path: Path, sqlite_url: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import jhmig.pipeline as pipeline
    from jhmig.errors import TargetError

    def fail_in_the_load(state, inputs, note):  # type: ignore[no-untyped-def]
        # as if the load failed after the record files (raw values) were written
        (state.run_dir / "quarantine.csv").write_text("person;Müller;03.05.1980\n", encoding="utf-8")
        raise TargetError("permission denied for table person", hint="GRANT INSERT ON person TO the user")

    monkeypatch.setattr(pipeline, "load_and_reconcile", fail_in_the_load)
    code, output = run(MiniExport().write(tmp_path / "x"), sqlite_url, tmp_path / "runs")
    assert code == 2 and "permission denied" in output
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert sorted(p.name for p in run_dir.iterdir()) == ["FAILED", "summary.json"]
    text = "".join(p.read_text(encoding="utf-8") for p in run_dir.iterdir())
    assert "Müller" not in text and "03.05.1980" not in text
    record = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert record["status"] == "refused" and "permission denied" in record["reason"]
    assert count(sqlite_url, "person") == 0


def test_an_internal_error_marks_the_run_failed_without_quoting_values(tmp_path: Path, sqlite_url: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import jhmig.pipeline as pipeline

    def bug(state, note):  # type: ignore[no-untyped-def]
        raise ValueError("cannot convert 'Müller'")

    monkeypatch.setattr(pipeline, "validate_sources", bug)
    code, output = run(MiniExport().write(tmp_path / "x"), sqlite_url, tmp_path / "runs")
    assert code == 3
    (run_dir,) = (tmp_path / "runs").iterdir()
    record = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert record["status"] == "failed" and "ValueError" in record["reason"] and "Müller" not in record["reason"]
    assert (run_dir / "FAILED").exists()


def test_a_number_beyond_int64_is_invalid_not_wrapped(tmp_path: Path, db_url: str) -> None:
    import pandas as pd

    from jhmig.values import parse_amount_cents, parse_int

    number, bad = parse_int(pd.Series(["99999999999999999999", "-42"], dtype="string"))
    assert bad.tolist() == [True, False] and pd.isna(number.iloc[0]) and number.iloc[1] == -42
    export = MiniExport()
    export.rows["LEISTUNGEN.TXT"][1] = export.rows["LEISTUNGEN.TXT"][1].replace("45,50", "99999999999999999,00")
    assert parse_amount_cents(pd.Series(["99999999999999999,00"], dtype="string"))[1].iloc[0]
    code, output = run(export.write(tmp_path / "x"), db_url, tmp_path / "runs")
    assert code == 0, output
    assert ("service", "LEISTUNGEN.TXT", 3, "value.invalid_amount") in quarantined(db_url)


@pytest.mark.postgres
def test_missing_table_rights_during_the_load_are_exit_2_not_an_internal_error(pg_url: str) -> None:
    from jhmig.errors import TargetError
    from jhmig.load import open_target
    from test_load import accept, sample_request

    owner = open_target(pg_url)
    owner.upgrade()
    owner.dispose()
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("DROP ROLE IF EXISTS jhmig_select"))
        connection.execute(sa.text("CREATE ROLE jhmig_select LOGIN"))
        connection.execute(sa.text("GRANT USAGE ON SCHEMA public TO jhmig_select"))
        connection.execute(sa.text("GRANT SELECT ON ALL TABLES IN SCHEMA public TO jhmig_select"))
    url = sa.make_url(pg_url).set(username="jhmig_select").render_as_string(hide_password=False)
    target = open_target(url)
    try:
        with pytest.raises(TargetError) as info:
            target.load(sample_request("r1"), accept)
        assert info.value.exit_code == 2 and "permission denied" in str(info.value) and "GRANT" in (info.value.hint or "")
    finally:
        target.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text("DROP OWNED BY jhmig_select"))
            connection.execute(sa.text("DROP ROLE jhmig_select"))
        admin.dispose()
    assert count(pg_url, "person") == 0
