"""Delta run: `jhmig run --delta-since RUN` names what changed since that run and reconciles it with what was written."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from jhmig.cli import main
from minimal_export import MiniExport


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_delta_since_the_last_run_names_and_reconciles_the_changes(tmp_path: Path) -> None:
    db, out = f"sqlite:///{tmp_path / 't.sqlite'}", tmp_path / "runs"
    code, _ = run_cli("run", "--export", str(MiniExport().write(tmp_path / "a")), "--db", db, "--out", str(out), "--no-progress")
    assert code == 0
    first = sorted(out.glob("*/summary.json"))[-1].parent.name
    export = MiniExport()
    export.rows["LEISTUNGEN.TXT"][0] = export.rows["LEISTUNGEN.TXT"][0].replace("5.120,00", "5.200,00")  # changed
    export.rows["BETEILIGTE.TXT"].pop(2)  # gone
    export.payments.append((5, "51.3-UV-2019/00001", None, "UV", "20190401", "20190401", "20190430", 23000, "DE89370400440532013000", "A"))
    code, output = run_cli("run", "--export", str(export.write(tmp_path / "b")), "--db", db, "--out", str(out), "--no-progress",
                           "--delta-since", first)
    assert code == 0, output
    run_dir = sorted(out.glob("*/summary.json"))[-1].parent
    delta = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["signoff"]["delta"]
    assert delta["since"] == first and delta["consecutive"] and delta["ok"]
    changed = {(e, kind, tuple(v["records"][kind])) for e, v in delta["entities"].items() for kind in ("new", "changed", "gone") if v["records"][kind]}
    assert changed == {("service", "changed", ("100",)), ("participant", "gone", ("51.3-UV-2019/00001|1|U|**.**.2019",)),  # a key's date is masked in reports
                       ("payment", "new", ("5",))}
    assert delta["entities"]["service"]["updated"] == 1 and delta["entities"]["payment"]["inserted"] == 1
    assert delta["money"] == [{"year": 2019, "payment_type": "uvg", "count": 1, "cents": 23000}]
    assert 'data-delta="participant"' in (run_dir / "abgleich.html").read_text(encoding="utf-8")
