"""Every odd real-world spreadsheet in ../shared/realworld-sheets is read, or refused in exactly one line.

One child Python profiles every file as ``jhmig profile`` does (and, when the
profile succeeds, extracts it with the profiler's suggested mapping), under a
wall-clock bound and an address-space limit: a hang, a memory blow-up or a
traceback on any file fails the test.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parents[2] / "shared" / "realworld-sheets"
WALL_CLOCK_S = 150  # a guard against a hang, not a speed figure: two test workers share the machine
ADDRESS_SPACE = 1536 * 2**20  # 1.5 GB for the whole profiler process and its reader children

DRIVER = r"""
import io, json, sys
from pathlib import Path

import yaml
from rich.console import Console

from jhmig.errors import SourceReadError
from jhmig.extract.excel_lists import extract_lists
from jhmig.extract.profile import profile_command, profile_workbook, suggest_mapping
from jhmig.extract.workbook import Limits
from jhmig.list_mapping import ListMapping

folder = Path(sys.argv[1])
limits = Limits(memory_bytes=1024 * 2**20, timeout_s=20)
for path in sorted(folder.iterdir()):
    if path.name in ("README.md", "MANIFEST.tsv"):
        continue
    out = io.StringIO()
    rc = profile_command(path, False, None, Console(file=out, width=80), limits=limits)
    result = {"file": path.name, "rc": rc, "output": out.getvalue()}
    if rc == 0:
        # the extractor reads it too, with the generic mapping the profiler suggests
        mapping = ListMapping.model_validate(yaml.safe_load(suggest_mapping([profile_workbook(path, limits=limits)])))
        try:
            extracted = extract_lists(folder, mapping.model_copy(update={"files": (path.name,)}), limits=limits)
        except SourceReadError as exc:
            result["extract_error"] = exc.message
        else:
            skipped = extracted.batch.outcome_frame("skipped")
            balance = []
            for read in extracted.batch.reads:
                mapped = sum(len(t.frame) for t in extracted.tables if t.src_sheet == read.src_sheet)
                gone = int((skipped["src_sheet"] == read.src_sheet).sum())
                balance.append([read.src_sheet, read.read, mapped, gone])
            result["balance"] = balance
    print(json.dumps(result), flush=True)
"""

# Files whose outcome is known; everything else must simply be read or refused cleanly.
EXPECTED_REFUSALS = {
    "poi__test-data__spreadsheet__poc-xmlbomb.xlsx": "XML bomb",
    "poi__test-data__spreadsheet__protected_passtika.xlsx": "password-protected",
    "python-calamine__tests__data__password.xlsx": "password-protected",
    "poi__test-data__spreadsheet__Simple.xlsb": "corrupt",
}
MUST_READ = {
    "poi__test-data__spreadsheet__testEXCEL_4.xls",  # BIFF4: xlrd
    "poi__test-data__spreadsheet__SampleSS.strict.xlsx",  # Strict OOXML: calamine
    "calamine__tests__strict_iso_paths.xlsx",
    "poi__test-data__spreadsheet__53105.xlsx",  # 16,384 columns
    "poi__test-data__spreadsheet__57893-many-merges.xlsx",
    "xlrd__tests__samples__corrupted_error.xls",  # xlrd refuses it, calamine reads it
    "readxl__tests__testthat__sheets__los-angeles-arrests-xlsx.xlsx",  # workbook part not under xl/
    "frictionless-py__data__issue-811.csv",
}


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.mark.slow
def test_every_realworld_sheet_is_read_or_refused_in_one_line() -> None:
    if not FOLDER.is_dir():
        pytest.skip(f"{FOLDER} is absent")
    files = sorted(p.name for p in FOLDER.iterdir() if p.name not in ("README.md", "MANIFEST.tsv"))
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "COLUMNS": "80"}
    try:
        done = subprocess.run([sys.executable, "-c", DRIVER, str(FOLDER)], capture_output=True, text=True,
                              timeout=WALL_CLOCK_S, preexec_fn=_limit_address_space, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"profiling the real-world sheets took longer than {WALL_CLOCK_S} s; last output: {str(exc.stdout)[-500:]}")
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-3000:]
    assert done.returncode == 0, done.stderr[-3000:]
    results = {r["file"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert sorted(results) == files

    for name, result in results.items():
        lines = [line for line in result["output"].splitlines() if line.strip()]
        if result["rc"] == 0:
            assert lines[0].startswith(f"{name}: "), result["output"][:500]
            assert "extract_error" not in result, result
            for sheet, read, mapped, skipped in result["balance"]:
                assert read == mapped + skipped, (name, sheet, read, mapped, skipped)
        else:
            assert result["rc"] == 2
            assert len(lines) == 1, result["output"]
            assert lines[0].startswith(f"error: {name}: "), lines[0]
            assert len(lines[0]) > len(f"error: {name}: ") + 10  # names a cause

    refused = {name: r["output"] for name, r in results.items() if r["rc"] != 0}
    for name, cause in EXPECTED_REFUSALS.items():
        if name in results:
            assert cause in refused.get(name, ""), (name, results[name]["output"][:300])
    assert not (MUST_READ & refused.keys()), {n: refused[n] for n in MUST_READ & refused.keys()}
    assert set(refused) <= set(EXPECTED_REFUSALS), refused
