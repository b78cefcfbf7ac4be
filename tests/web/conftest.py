"""A running app on a migrated database with a small floor of agents and users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web.floor import build_floor

from kairos.bus import MemoryBus
from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime


@pytest.fixture
def runtime(migrated_url: str) -> Iterator[Runtime]:
    rt = Runtime.build(Settings(database_url=migrated_url), bus=MemoryBus())
    build_floor(rt.db)
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        yield c
