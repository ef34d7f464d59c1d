"""Reports stage: reconciliation summary, run files, console tables."""

from jhmig.reports.run_files import write_refusal, write_run_files
from jhmig.reports.summary import build_summary

__all__ = ["build_summary", "write_refusal", "write_run_files"]
