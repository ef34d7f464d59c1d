"""Synthetic test data: a legacy OK.JUG-style export and caseworkers' lists with known defects.

``generate`` writes ``<out>/legacy/`` (the nine files of the reference
layout), ``<out>/lists/`` (ASD and JGH Excel/CSV lists) and
``<out>/truth.json`` (what was planted, see docs/truth.md).
"""

from jhmig.synth.api import generate
from jhmig.synth.sizes import SIZES, SizeProfile

__all__ = ["SIZES", "SizeProfile", "generate"]
