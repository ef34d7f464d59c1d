"""Hooks that let tests interrupt a load at a defined point. Inert unless their variable is set."""

from __future__ import annotations

import os
import time

#: ``<entity>:<seconds>``, e.g. ``person:30``.
PAUSE_AFTER_ENTITY = "JHMIG_TEST_PAUSE_AFTER_ENTITY"


def pause_after_entity(entity: str) -> None:
    """Test hook: sleep after ``entity``'s rows were written, inside the open transaction.

    With ``JHMIG_TEST_PAUSE_AFTER_ENTITY=person:30`` a load sleeps 30 s right
    after writing the person rows (before committing anything), so that a test
    can SIGKILL the process mid-load and prove that the target is unchanged.
    Read from the environment on every call: no state is kept.
    """
    setting = os.environ.get(PAUSE_AFTER_ENTITY, "")
    name, _, seconds = setting.partition(":")
    if setting and name == entity:
        time.sleep(float(seconds or "0"))
