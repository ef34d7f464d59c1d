"""KJH statistics (issue 26): a service whose end date is unreadable is never counted as running."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from jhmig.cli import main
from jhmig.reports.statistics import END_UNREADABLE, YearRange, cell_members
from minimal_export import MiniExport


def test_unreadable_end_counts_in_a_row_of_its_own_never_as_running() -> None:
    services = pd.DataFrame({"legacy_key": ["a", "b"], "service_type": ["35a", "35a"],
                             "start_date": pd.to_datetime(["2014-03-01", "2014-03-01"]), "end_date": pd.to_datetime([None, None]),
                             "end_unreadable": [True, False]})
    members = cell_members(services, YearRange(2014, 2017))
    cells = members.groupby(["measure", "service_type", "year"])["legacy_key"].apply(sorted).to_dict()
    for year in range(2014, 2018):
        assert cells[("running", "35a", year)] == ["b"]  # open end: running
        assert cells[("running", END_UNREADABLE, year)] == ["a"]  # unreadable end: its own row
    assert cells[("begun", "35a", 2014)] == ["a", "b"]
    assert not any(m == "ended" for m, _, _ in cells)


def test_the_run_counts_a_service_ending_on_31_september_as_end_unreadable(tmp_path: Path) -> None:
    export = MiniExport()
    rows = export.rows["LEISTUNGEN.TXT"]
    rows[0] = rows[0].replace("15.01.2020;31.12.2021", "15.01.2020;31.09.2021")  # § 34, Heimerziehung
    folder = export.write(tmp_path / "export")
    result = CliRunner().invoke(main, ["run", "--export", str(folder), "--db", f"sqlite:///{tmp_path / 't.sqlite'}", "--out",
                                       str(tmp_path / "runs"), "--no-progress"], catch_exceptions=False)
    run_dir = max(p for p in (tmp_path / "runs").iterdir() if p.is_dir())
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    cells = {(c["measure"], c["service_type"], c["year"]): c for c in summary["signoff"]["statistics"]["cells"]}
    assert not [c for k, c in cells.items() if k[0] == "running" and k[1] == "34" and c["source"]], result.output
    unreadable = {k[2]: c for k, c in cells.items() if k[:2] == ("running", END_UNREADABLE)}
    assert sorted(unreadable) == [2020, 2021, 2022, 2023, 2024]
    assert all(c["source"] == 1 and c["target"] == 0 and c["explained"] for c in unreadable.values())
    assert unreadable[2020]["label"] == "Ende nicht lesbar (nicht als laufend gezählt)"
    html = (run_dir / "abgleich.html").read_text(encoding="utf-8")
    assert "Zählregeln" in html and "Ende nicht lesbar" in html and "unter ihrem Nachfolger" in html
