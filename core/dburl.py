"""Database URLs: parsed robustly, shown and stored only without their secrets.

An operator's URL may carry a password in the user part (with ``/``, ``@``,
``?`` or ``#`` in it, escaped or not) or as a query parameter
(``?password=...``). Everything that shows or stores a URL (console, log,
``summary.json``, ``mig_run``) uses :func:`safe_url`, which rebuilds the URL
from its parsed parts and leaves every secret out; it never edits the text
with a pattern, which misses forms nobody thought of.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    import sqlalchemy as sa

#: Query parameters that hold (or point to) a secret; dropped when shown.
_SECRET_QUERY = re.compile(r"pass|secret|token|key|cred", re.IGNORECASE)
# What may follow the '@' that ends the user part: host (or [IPv6]), port, then path and query.
_HOST_PART = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._%~-]*)(:\d*)?(/.*|\?.*)?$", re.DOTALL)
SHOWN_PASSWORD = "***"


class UrlSyntaxError(ValueError):
    """The text is no ``scheme://...`` URL."""


def split_url(text: str) -> tuple[str, str | None, str | None, str]:
    """``(scheme, user, password, rest)``: the user part ends at the LAST ``@`` that a host follows.

    ``postgresql://u:p@ss@host/db`` has the password ``p@ss``; a standard
    parser would take ``ss@host`` for the host and show ``ss``.
    """
    scheme, sep, rest = text.strip().partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+._-]*", scheme):
        raise UrlSyntaxError("not a URL of the form scheme://...")
    if rest.startswith("/"):  # no authority (sqlite:///path): an '@' belongs to the path
        return scheme, None, None, rest
    candidates = [m.start() for m in re.finditer("@", rest) if _HOST_PART.match(rest[m.start() + 1:])]
    # An '@' in a query value (?application_name=a@b) also looks like one: prefer a host followed by a path.
    with_path = [at for at in candidates if "/" in rest[at + 1:]]
    at = (with_path or candidates or [None])[-1]
    if at is None:
        return scheme, None, None, rest
    user, colon, password = rest[:at].partition(":")
    return scheme, unquote(user) or None, (unquote(password) if colon else None), rest[at + 1:]


def parse_db_url(text: str) -> sa.URL:
    """A SQLAlchemy URL whose user and password come from :func:`split_url` (any characters)."""
    import sqlalchemy as sa

    scheme, user, password, rest = split_url(text)
    try:
        parsed = sa.make_url(f"{scheme}://{rest}")
    except sa.exc.ArgumentError as exc:
        raise UrlSyntaxError(str(exc)) from None
    if user is not None or password is not None:
        parsed = parsed.set(username=user, password=password)
    return parsed


def safe_url(url: str | sa.URL) -> str:
    """The URL rebuilt from its parts without password or secret query values; ``***`` marks a password."""
    import sqlalchemy as sa

    if isinstance(url, str):
        try:
            parsed = parse_db_url(url)
        except UrlSyntaxError:
            scheme = url.partition("://")[0] if "://" in url else ""
            return f"{scheme}://(unparsable URL)" if re.fullmatch(r"[A-Za-z][A-Za-z0-9+._-]*", scheme) else "(unparsable URL)"
    else:
        parsed = url
    query = {k: v for k, v in parsed.query.items() if not _SECRET_QUERY.search(k)}
    dropped = [k for k in parsed.query if _SECRET_QUERY.search(k)]
    shown = sa.URL.create(
        drivername=parsed.drivername,
        username=parsed.username,
        password=SHOWN_PASSWORD if (parsed.password is not None or dropped) and parsed.username else None,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=query,
    )
    text = shown.render_as_string(hide_password=False).replace("%2A%2A%2A", SHOWN_PASSWORD)
    if dropped and not parsed.username:
        text += ("&" if query else "?") + "&".join(f"{k}={SHOWN_PASSWORD}" for k in dropped)
    return text


def secrets_of(url: str | sa.URL) -> list[str]:
    """The secret values of a URL (password, secret query values), to scrub them from driver messages."""
    try:
        parsed = parse_db_url(url) if isinstance(url, str) else url
    except UrlSyntaxError:
        return []
    found = [parsed.password] if parsed.password else []
    for key, value in parsed.query.items():
        if _SECRET_QUERY.search(key):
            found.extend([value] if isinstance(value, str) else list(value))
    return [s for s in found if s]


def scrub(text: str, url: str | sa.URL) -> str:
    """``text`` with every secret of ``url`` replaced by ``***`` (driver errors may quote the DSN)."""
    for secret in sorted(secrets_of(url), key=len, reverse=True):
        text = text.replace(str(secret), SHOWN_PASSWORD)
    return text
