"""Stable pseudonyms for personal values in reports (``--pseudonymize``).

A pseudonym is a keyed HMAC-SHA256 of the value: the same name gives the same
pseudonym in every run (stewards can follow a record across dry runs), and
without the key nobody can test guesses (a birth date has only ~36,500
candidates; a plain hash would be reversed in milliseconds). The key comes
from ``JHMIG_PSEUDONYM_KEY`` or, when that is unset, from a key file created
once in the output folder with mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import stat
import unicodedata
from pathlib import Path

from jhmig.errors import ConfigError

KEY_ENV = "JHMIG_PSEUDONYM_KEY"
KEY_FILE = ".pseudonym-key"
MIN_KEY_CHARS = 16
PREFIX = {"name": "NAME", "date": "DATUM", "street": "STRASSE", "line": "SATZ"}


def load_key(out_dir: Path) -> bytes:
    """The pseudonym key: the environment variable, else the output folder's key file (created on first use)."""
    env = os.environ.get(KEY_ENV)
    if env is not None:
        if len(env) < MIN_KEY_CHARS:
            raise ConfigError(f"{KEY_ENV} is shorter than {MIN_KEY_CHARS} characters",
                              hint="use a long random value, e.g. the output of: python3 -c 'import secrets; print(secrets.token_hex(32))'")
        return env.encode("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / KEY_FILE
    try:
        # O_EXCL: two runs starting together must not write two different keys
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)  # someone widened it; the key protects social data
        key = path.read_text(encoding="ascii").strip()
        if len(key) < MIN_KEY_CHARS:
            raise ConfigError(f"pseudonym key file {path} is empty or too short", hint=f"delete it (new pseudonyms) or set {KEY_ENV}") from None
        return key.encode("ascii")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return path.read_text(encoding="ascii").strip().encode("ascii")


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
