"""A running app on a migrated database, with the bus the ingest publishes on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kairos.bus import MemoryBus
from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime


@pytest.fixture
def runtime(migrated_url: str) -> Iterator[Runtime]:
    rt = Runtime.build(Settings(database_url=migrated_url), bus=MemoryBus())
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        yield c
