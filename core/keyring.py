"""The project's secret key: pseudonyms in reports and the identity keys of list rows.

One key serves both: a keyed HMAC-SHA256 gives the same code for the same
value in every run (a steward follows a record across dry runs, a list row
keeps its id), and without the key nobody can test guesses (a birth date has
only ~36,500 candidates; a plain hash would be reversed in milliseconds). The
key comes from ``JHMIG_PSEUDONYM_KEY`` or, when that is unset, from a key file
created once with mode 0600 in ``$JHMIG_KEY_DIR`` (default ``~/.config/jhmig``) -
never in the output folder next to the reports it protects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from jhmig.errors import ConfigError

KEY_ENV = "JHMIG_PSEUDONYM_KEY"
KEY_DIR_ENV = "JHMIG_KEY_DIR"
KEY_FILE = "pseudonym-key"
OLD_KEY_FILE = ".pseudonym-key"  # where jhmig < 0.x kept it: inside the runs folder, next to the reports
MIN_KEY_CHARS = 16

def key_dir() -> Path:
    """Where the key file lives: ``$JHMIG_KEY_DIR``, else ``$XDG_CONFIG_HOME/jhmig`` (``~/.config/jhmig``).

    Never inside the output folder: whoever receives the reports must not
    receive the key that turns guesses into names with them.
    """
    explicit = os.environ.get(KEY_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "jhmig"


def key_path() -> Path:
    return key_dir() / KEY_FILE


def load_key(out_dir: Path | None = None) -> bytes:
    """The pseudonym key: the environment variable, else the key file (created on first use).

    A key left in the output folder by an older jhmig is moved to the key file
    (the pseudonyms stay the same) and removed from beside the reports.
    """
    env = os.environ.get(KEY_ENV)
    if env is not None:
        if len(env) < MIN_KEY_CHARS:
            raise ConfigError(f"{KEY_ENV} is shorter than {MIN_KEY_CHARS} characters",
                              hint="use a long random value, e.g. the output of: python3 -c 'import secrets; print(secrets.token_hex(32))'")
        return env.encode("utf-8")
    path = key_path()
    if out_dir is not None and out_dir.resolve() in (path.parent.resolve(), *path.parent.resolve().parents):
        raise ConfigError(f"the pseudonym key folder {path.parent} lies inside the output folder {out_dir}",
                          hint=f"set {KEY_DIR_ENV} to a folder outside the run folders")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    old = out_dir / OLD_KEY_FILE if out_dir is not None else None
    try:
        # O_EXCL: two runs starting together must not write two different keys
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)  # someone widened it; the key protects social data
        key = path.read_text(encoding="ascii").strip()
        if len(key) < MIN_KEY_CHARS:
            raise ConfigError(f"pseudonym key file {path} is empty or too short", hint=f"delete it (new pseudonyms) or set {KEY_ENV}") from None
        if old is not None:
            old.unlink(missing_ok=True)
        return key.encode("ascii")
    inherited = old.read_text(encoding="ascii").strip() if old is not None and old.is_file() else ""
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write((inherited if len(inherited) >= MIN_KEY_CHARS else secrets.token_hex(32)) + "\n")
    if old is not None:
        old.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip().encode("ascii")


def keyed_code(key: bytes, kind: str, text: str, chars: int = 8) -> str:
    """``chars`` base32 characters of HMAC-SHA256(key, kind + text): stable, and nothing of ``text`` readable."""
    digest = hmac.new(key, f"{kind}\x1f{text}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:chars]
