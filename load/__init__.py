"""Load stage: writes a run's frames into the target database in one transaction.

Public API::

    target = open_target(url)          # sqlite:///file or postgresql+psycopg://...
    target.upgrade()                   # Alembic upgrade head
    result = target.load(request, before_commit, progress)
    target.runs(); target.dispose()
"""

from jhmig.load.api import BeforeCommit, EntityLoadStats, LoadRequest, LoadResult, Progress, RunVerdict
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
    "Progress",
    "RunVerdict",
    "SchemaNotCurrentError",
    "Target",
    "TargetUnreachableError",
    "UnresolvedReferenceError",
    "UnsupportedTargetError",
    "open_target",
]
