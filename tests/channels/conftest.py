"""A Kairos app with channel webhooks, on a fresh database."""

from __future__ import annotations

import pytest

from kairos.config import Settings

AUTH_TOKEN = "twilio-test-token-0123456789"


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """Settings with a Twilio auth token, so that webhooks are signed."""
    return Settings(database_url=migrated_url, twilio_auth_token=AUTH_TOKEN)
