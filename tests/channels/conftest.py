"""A Kairos app with channel webhooks, on a fresh database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime

AUTH_TOKEN = "twilio-test-token-0123456789"


@pytest.fixture
def runtime(migrated_url: str) -> Iterator[Runtime]:
    rt = Runtime.build(Settings(database_url=migrated_url, twilio_auth_token=AUTH_TOKEN))
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        yield c
