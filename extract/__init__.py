"""Extract stage: read sources into raw string frames with lineage."""

from jhmig.extract.legacy_export import extract_export

__all__ = ["extract_export"]
