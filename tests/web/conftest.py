"""A running app on a migrated database with a small floor of agents and users."""

from __future__ import annotations

import pytest
from tests.web.floor import build_floor

from kairos.runtime import Runtime


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    """The shared runtime with the floor's users, teams and agents."""
    build_floor(runtime.db)
    return runtime
