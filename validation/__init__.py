"""Validation stage: column expectations (great-expectations) and domain rules -> findings.

Public API (GX is imported only when expectations actually run):

* :func:`validate` -> :class:`ValidationResult` (findings + the GX run summary)
* :func:`validate_batch` -> findings frame (thin wrapper, kept for the pipeline)
* :func:`export_date` -> the manifest's export date as ``as_of`` for the rules
* :func:`preload_expectations` -> starts importing GX in the background (call it before extract)
* :func:`rule_catalog` -> the run's :class:`jhmig.catalog.RuleCatalog` (every rule id with title and fix)

It never quarantines: the orchestrator hands the findings to :mod:`jhmig.quarantine`.
"""

from jhmig.catalog import RuleCatalog
from jhmig.validation.api import ValidationResult, export_date, validate, validate_batch
from jhmig.validation.gx_runner import preload_in_background as preload_expectations


def rule_catalog() -> RuleCatalog:
    """The run's rule catalog (imported here on use: ``python -m jhmig.validation.catalog`` runs that module)."""
    from jhmig.validation.catalog import rule_catalog as build

    return build()


__all__ = ["ValidationResult", "export_date", "preload_expectations", "rule_catalog", "validate", "validate_batch"]
