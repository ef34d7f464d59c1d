"""Shared fixtures.

PostgreSQL tests read the server URL from ``JHMIG_TEST_PG_URL`` (``scripts/test.sh``
starts a throwaway PostgreSQL 15 and sets it). Without it they skip - except in
CI (``CI=true``), where a missing server is a failure, not a skip.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# the console speaks the locale's language; the tests read its English words unless a test asks for German
os.environ.setdefault("JHMIG_LANG", "en")


def pytest_configure(config: pytest.Config) -> None:
    # The stage folders must only be imported as jhmig.<stage>: a second import
    # as a top-level module would create separate copies of registries.
    for name in ("core", "extract", "transform", "load", "validation", "reports", "mappings"):
        mod = sys.modules.get(name)
        if mod is not None and str(REPO) in str(getattr(mod, "__file__", "") or ""):
            raise RuntimeError(f"stage folder imported as top-level module {name!r}; import jhmig.{name} instead")


@pytest.fixture(autouse=True, scope="session")
def _full_contracts() -> Iterator[None]:
    """Every run of the suite checks the full contracts between the steps (jhmig.contracts), not only the cheap ones."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JHMIG_FULL_CONTRACTS", "1")
        yield


@pytest.fixture(autouse=True, scope="session")
def _pseudonym_key_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Pseudonym keys of test runs go to a temporary folder, never into the tester's ~/.config."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JHMIG_KEY_DIR", str(tmp_path_factory.mktemp("jhmig-keys")))
        yield


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    url = os.environ.get("JHMIG_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("JHMIG_TEST_PG_URL is not set in CI: scripts/test.sh should have started PostgreSQL")
        pytest.skip("no PostgreSQL server (set JHMIG_TEST_PG_URL or run scripts/test.sh)")
    return url


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server; dropped afterwards."""
    import sqlalchemy as sa

    name = "jhmig_t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'target.sqlite'}"
