"""Load stage: writes a run's frames into the target database in one transaction.

Public API::

    target = open_target(url)          # sqlite:///file or postgresql+psycopg://...
    target.upgrade()                   # Alembic upgrade head
    with target.begin_load(request, progress) as pending:   # one transaction
        ...                            # reconcile pending.result, then
        pending.decide(verdict)        # commit or roll back
    target.runs(); target.dispose()
"""

from jhmig.load.api import BeforeCommit, EntityLoadStats, LoadRequest, LoadResult, PendingLoad, Progress, RunVerdict
from jhmig.load.errors import (
    FrameContractError,
    LoadError,
    SchemaNotCurrentError,
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
    "PendingLoad",
    "Progress",
    "RunVerdict",
    "SchemaNotCurrentError",
    "Target",
    "TargetUnreachableError",
    "UnresolvedReferenceError",
    "UnsupportedTargetError",
    "open_target",
]
