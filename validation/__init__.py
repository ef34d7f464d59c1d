"""Validation stage: domain rules (and, lazily, great-expectations) -> findings."""

from jhmig.validation.rules import validate_batch

__all__ = ["validate_batch"]
