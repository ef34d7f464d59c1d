"""Database URLs as they may be shown or stored: without the password."""

from __future__ import annotations

import re


def safe_url(url: str) -> str:
    """The URL without its password, for the run record and the console."""
    return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)
