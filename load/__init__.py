"""Load stage: writes a run's frames into the target database in one transaction.

Public API::

    check_target(url)                  # before a run: URL, connection, schema revision, rights (exit 2)
    target = open_target(url)          # sqlite:///file or postgresql+psycopg://...
    target.upgrade()                   # Alembic upgrade head
    result = target.load(request, before_commit, progress)
    target.runs(); target.dispose()
"""

from jhmig.load.api import BeforeCommit, EntityLoadStats, LoadRequest, LoadResult, Progress, RunVerdict
from jhmig.load.check import TargetCheck, check_target, connect_hint
from jhmig.load.errors import (
    FrameContractError,
    LoadError,
    SchemaNotCurrentError,
    TargetPermissionError,
    TargetUnreachableError,
    UnresolvedReferenceError,
    UnsupportedTargetError,
)
from jhmig.load.target import Target, open_target

__all__ = [
    "BeforeCommit",
    "EntityLoadStats",
    "FrameContractError",
    "LoadError",
    "LoadRequest",
    "LoadResult",
    "Progress",
    "RunVerdict",
    "SchemaNotCurrentError",
    "Target",
    "TargetCheck",
    "TargetPermissionError",
    "TargetUnreachableError",
    "UnresolvedReferenceError",
    "UnsupportedTargetError",
    "check_target",
    "connect_hint",
    "open_target",
]
