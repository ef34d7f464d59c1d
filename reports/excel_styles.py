"""Look of the work list ``fehlerliste.xlsx``: header fonts and fills, severities in German and their order.

Shared by the overview (:mod:`.excel_report`) and the rule sheets (:mod:`.excel_rule_sheet`).
"""

from __future__ import annotations

from openpyxl.styles import Font, PatternFill

__all__ = ["HEAD_FILL", "HEAD_FONT", "SEVERITY_DE", "SEVERITY_ORDER", "STEWARD_FILL"]

SEVERITY_DE = {"error": "Fehler", "warning": "Warnung", "info": "Hinweis"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
STEWARD_FILL = PatternFill("solid", fgColor="FFF2CC")  # "fill in here"
