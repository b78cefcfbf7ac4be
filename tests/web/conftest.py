"""A running app on a migrated database with a small floor of agents and users; for the pages'
tests in Chromium, a real server (``server``) and the browser (``browser``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.web.browser import CHROMIUM, chromium, serving
from tests.web.floor import build_floor

from kairos.runtime import Runtime

if CHROMIUM.exists():
    from playwright.sync_api import Browser


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    """The shared runtime with the floor's users, teams and agents."""
    build_floor(runtime.db)
    return runtime


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A real Kairos server on a free port with the test floor; its base URL."""
    with serving(tmp_path) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, one per test module (each test opens its own context)."""
    with chromium() as launched:
        yield launched
