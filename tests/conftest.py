"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL when one is configured;
one running Kairos (``runtime``) and a client of its app (``client``) on it.

A test package changes what it needs by overriding the smaller fixture: ``settings`` for other
settings, ``bus`` for a recording bus, ``runtime`` (asking for the original) to add rows.

PostgreSQL tests run when ``KAIROS_TEST_POSTGRES_URL`` points at a server where the user may
create databases (``.ci/run`` starts one); without it they are skipped with that reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from tests.servers import REDIS_SERVER, RedisServer

from kairos import migrations
from kairos.bus import EventBus, MemoryBus
from kairos.config import Settings
from kairos.db import throwaway_database
from kairos.main import create_app
from kairos.runtime import Runtime

# The helpers the test modules share live in these modules (never imported from a test module):
# pytest rewrites their asserts as it does the tests', so that a failing one shows its values.
pytest.register_assert_rewrite(
    "tests.bus.support",
    "tests.channels.audiohook_support",
    "tests.channels.lens_support",
    "tests.channels.media_support",
    "tests.channels.webhook_support",
    "tests.detection.voice_support",
    "tests.interactions.support",
    "tests.outcomes.support",
    "tests.routing.support",
    "tests.scale.support",
    "tests.web.desktop_support",
    "tests.web.support",
)

POSTGRES_URL = os.environ.get("KAIROS_TEST_POSTGRES_URL")

# The tests' contacts are dated days back (tests.factories.T0): a runtime's idle sweep would end
# the open ones as timed out a minute into a long test. Tests of the sweep call it themselves
# (tests/interactions/test_idle.py), or set their own interval.
os.environ.setdefault("KAIROS_IDLE_END_INTERVAL_S", "3600")


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        try:
            shown = make_url(POSTGRES_URL).render_as_string()
        except Exception as exc:
            raise pytest.UsageError(
                f"KAIROS_TEST_POSTGRES_URL is not a database URL: {POSTGRES_URL!r}"
            ) from exc
        return f"PostgreSQL tests: on ({shown})"
    return "PostgreSQL tests: SKIPPED (set KAIROS_TEST_POSTGRES_URL to run them)"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A new, empty SQLite database file."""
    return f"sqlite:///{tmp_path / 'kairos.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("KAIROS_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    with throwaway_database(POSTGRES_URL, "kairos_test") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database on each backend."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """A database with every migration applied."""
    migrations.upgrade(database_url)
    return database_url


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A throwaway redis-server for the whole run (tests may stop and start it)."""
    if REDIS_SERVER is None:
        pytest.skip("no redis-server binary (apt-get install redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The URL of an empty Redis (started again if a test left it stopped)."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """Settings on a migrated database, on each backend."""
    return Settings(database_url=migrated_url)


@pytest.fixture
def bus() -> EventBus:
    """The in-process bus."""
    return MemoryBus()


@pytest.fixture
def runtime(settings: Settings, bus: EventBus) -> Iterator[Runtime]:
    """A running Kairos: services built and bus listeners wired, closed after the test."""
    rt = Runtime.build(settings, bus=bus)
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    """A client of the app on ``runtime``."""
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        yield c
