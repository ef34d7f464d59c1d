"""Reports stage: reconciliation summary, run files, console tables."""

from jhmig.reports.run_files import write_record_files, write_summary_file
from jhmig.reports.summary import build_summary

__all__ = ["build_summary", "write_record_files", "write_summary_file"]
