"""Validation stage: column expectations (great-expectations) and domain rules -> findings.

Public API (GX is imported only when expectations actually run):

* :func:`validate` -> :class:`ValidationResult` (findings + the GX run summary)
* :func:`validate_batch` -> findings frame (thin wrapper, kept for the pipeline)
* :func:`export_date` -> the manifest's export date as ``as_of`` for the rules
* :func:`preload_expectations` -> starts importing GX in the background (call it before extract)
* :func:`jhmig.validation.integrity.quarantine_dangling` (referential integrity, after quarantine)
"""

from jhmig.validation.api import ValidationResult, export_date, validate, validate_batch
from jhmig.validation.gx_runner import preload_in_background as preload_expectations

__all__ = ["ValidationResult", "export_date", "preload_expectations", "validate", "validate_batch"]
