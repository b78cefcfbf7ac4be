"""A Kairos app with channel webhooks, on a fresh database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.channels.audiohook_support import serving

from kairos.config import Settings

AUTH_TOKEN = "twilio-test-token-0123456789"


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """Settings with a Twilio auth token, so that webhooks are signed."""
    return Settings(database_url=migrated_url, twilio_auth_token=AUTH_TOKEN)


@pytest.fixture
def server(migrated_url: str, tmp_path: Path) -> Iterator[str]:
    """``kairos serve`` as an operator runs it, with the AudioHook integration's key and secret."""
    with serving(migrated_url, tmp_path / "serve.log", timeout_s=90) as base:
        yield base
