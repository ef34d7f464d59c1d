"""The data stewards' files of a run folder: validierung.html, fehlerliste.xlsx, korrekturen.csv.

Also decides how personal values leave the run: the HTML report always
hides them (masked, or pseudonymised with ``--pseudonymize``); the work list
and the CSV files show them in clear for the office's own stewards, unless the
run is pseudonymised, in which case every report file carries pseudonyms.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from jhmig.catalog import RuleCatalog
from jhmig.reports.excel_report import write_fehlerliste
from jhmig.reports.history import previous_summary
from jhmig.reports.html_report import ReportInputs, write_validierung
from jhmig.reports.masking import Hider, PersonalData, mask
from jhmig.reports.pseudonyms import Pseudonymizer

HTML_FILE = "validierung.html"
EXCEL_FILE = "fehlerliste.xlsx"
CORRECTIONS_FILE = "korrekturen.csv"


@dataclass
class StewardReports:
    run_dir: Path
    out_dir: Path  # holds the earlier run folders (trend)
    personal: PersonalData
    catalog: RuleCatalog  # the run's one rule catalog: the same titles and fixes in every report
    pseudonyms: Pseudonymizer | None = None

    @property
    def hider(self) -> Hider:
        """What reports for a wider audience show: masks, or pseudonyms when the run is pseudonymised."""
        return Hider(self.personal, self.pseudonyms or mask)

    def shareable(self, findings: pd.DataFrame, quarantine: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """findings.csv and quarantine.csv as they may be written: pseudonymised when asked, else as they are."""
        if self.pseudonyms is None:
            return findings, quarantine
        hider = self.hider
        return hider.findings(findings), hider.quarantine(quarantine)

    def write_worklist(self, findings: pd.DataFrame, *, status: pd.DataFrame, cells: pd.DataFrame, run_uid: str,
                       review: pd.DataFrame | None = None, review_in_clear: bool = False,
                       detached: pd.DataFrame | None = None, unknown: pd.DataFrame | None = None,
                       carried: pd.DataFrame | None = None) -> float:
        """fehlerliste.xlsx; it needs the findings only, not the load's counts. Returns seconds.

        ``review``: the matching's review band (sheet "Abgleich Personen"); its names are masked unless
        ``review_in_clear``, pseudonymised when the run is. ``detached``: records leaving an id an earlier run
        merged them under (sheet "Aufgehobene Zusammenführungen"), their names shown like the review sheet's."""
        stats = write_fehlerliste(self.run_dir / EXCEL_FILE, findings, status=status, cells=cells, catalog=self.catalog,
                                  run_uid=run_uid, hider=self.hider if self.pseudonyms else None, review=review,
                                  review_redact=self._review_redact(review_in_clear), detached=detached, unknown=unknown,
                                  carried=carried)
        return stats.seconds

    def _review_redact(self, in_clear: bool):  # type: ignore[no-untyped-def]
        return self.pseudonyms or (None if in_clear else mask)

    def fill_detached_ids(self, detached: pd.DataFrame, review_in_clear: bool = False) -> bool:
        """The work list's detached sheet again, with the ids the load gave (written before the load, without them)."""
        from jhmig.reports.detached_sheet import fill_new_ids

        return fill_new_ids(self.run_dir / EXCEL_FILE, detached, self._review_redact(review_in_clear))

    def write(self, summary: dict[str, Any], findings: pd.DataFrame, quarantine: pd.DataFrame, skipped: pd.DataFrame, *, status: pd.DataFrame,
              cells: pd.DataFrame, raw: dict[tuple[str, str], pd.DataFrame], corrections: pd.DataFrame | None,
              detached: pd.DataFrame | None = None) -> float:
        """validierung.html (it reports the load's counts) and korrekturen.csv; returns the seconds of the HTML file.

        ``detached``: the records leaving an id an earlier run merged them under; the HTML shows their source
        location, keys and ids, never their names or birth dates."""
        started = time.perf_counter()
        write_validierung(self.run_dir / HTML_FILE, ReportInputs(
            summary=summary, findings=findings, status=status, cells=cells, quarantine=quarantine, skipped=skipped, raw=raw, hider=self.hider,
            catalog=self.catalog, previous=previous_summary(self.out_dir, summary["run_uid"]), run_dir=self.run_dir,
            pseudonymized=self.pseudonyms is not None, detached=detached))
        seconds = time.perf_counter() - started
        if corrections is not None:
            table = corrections
            if self.pseudonyms is not None and len(table):
                hider = self.hider
                table = table.assign(source_value=hider.values(table["source_value"], table["field"]),
                                     corrected_value=hider.values(table["corrected_value"], table["field"]))
            table.to_csv(self.run_dir / CORRECTIONS_FILE, sep=";", index=False, encoding="utf-8-sig")
        return seconds
