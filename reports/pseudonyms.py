"""Stable pseudonyms for personal values in reports (``--pseudonymize``).

A pseudonym is a keyed HMAC-SHA256 of the value: the same name gives the same
pseudonym in every run (stewards can follow a record across dry runs), and
without the key nobody can test guesses (a birth date has only ~36,500
candidates; a plain hash would be reversed in milliseconds). The key comes
from ``JHMIG_PSEUDONYM_KEY`` or, when that is unset, from a key file created
once with mode 0600 in ``$JHMIG_KEY_DIR`` (default ``~/.config/jhmig``) -
never in the output folder next to the reports it protects (:mod:`jhmig.keyring`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from pathlib import Path

from jhmig.keyring import (  # noqa: F401 - the key's home is the core; re-exported for older imports
    KEY_DIR_ENV,
    KEY_ENV,
    KEY_FILE,
    MIN_KEY_CHARS,
    OLD_KEY_FILE,
    key_dir,
    key_path,
    load_key,
)

PREFIX = {"name": "NAME", "date": "DATUM", "street": "STRASSE", "line": "SATZ"}


class Pseudonymizer:
    """value, kind -> e.g. ``NAME-K7Q2M4XA``; the kind is part of the input, so a name and a street never collide."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, value: str, kind: str) -> str:
        text = " ".join(unicodedata.normalize("NFC", value).split())
        digest = hmac.new(self._key, f"{kind}\x1f{text}".encode(), hashlib.sha256).digest()
        code = base64.b32encode(digest[:5]).decode("ascii")  # 40 bits, 8 characters
        return f"{PREFIX.get(kind, 'PSEUDO')}-{code}"


def pseudonymizer(out_dir: Path) -> Pseudonymizer:
    return Pseudonymizer(load_key(out_dir))
