"""Load stage: writes a run's frames into the target database in one transaction.

Public API::

    check_target(url)                  # before a run: URL, connection, schema revision, rights (exit 2)
    target = open_target(url)          # sqlite:///file or postgresql+psycopg://...
    target.upgrade()                   # Alembic upgrade head
    with target.begin_load(request, progress) as pending:   # one transaction
        ...                            # reconcile pending.result, then
        pending.decide(verdict)        # commit or roll back
    target.runs(); target.dispose()
"""

from jhmig.load.api import BeforeCommit, EntityLoadStats, LoadRequest, LoadResult, PendingLoad, Progress, RunVerdict
from jhmig.load.check import TargetCheck, check_target, connect_hint
from jhmig.load.errors import (
    FrameContractError,
    LoadError,
    MissingTargetError,
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
    "MissingTargetError",
    "LoadResult",
    "PendingLoad",
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
