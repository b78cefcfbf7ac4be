"""A deadline said on a channel without a time zone is read where the customer is, never silently
in UTC, and its evidence names the zone and where it came from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import started, utterance

from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime

pytest.importorskip("kairos.detection.detector")

# Said at 14:00 UTC on Sunday 22 November 2026 (tests.factories.T0).
RECITAL = "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight"
SPANISH_MOBILE = "+34 612 34 56 78"


def _client(migrated_url: str, **settings: Any) -> Iterator[TestClient]:
    runtime = Runtime.build(Settings(database_url=migrated_url, **settings))
    try:
        with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
            yield client
    finally:
        runtime.close()


@pytest.fixture
def client(migrated_url: str) -> Iterator[TestClient]:
    yield from _client(migrated_url)


def _deadline(client: TestClient, interaction_id: str, **start: Any) -> tuple[str, str]:
    """The assessment's deadline and its evidence after the recital on a fresh interaction."""
    response = client.post(
        "/v1/events",
        json=[started(interaction_id, **start), utterance(interaction_id, RECITAL)],
    )
    assert response.status_code == 200, response.text
    assessment = client.get(f"/v1/interactions/{interaction_id}").json()["assessment"]
    [cue] = [r for r in assessment["reasons"] if r["label"] == "deadline"]
    assert cue["feature"] == "deadline:event"  # the recital: a named event with its time
    assert RECITAL[cue["start"] : cue["end"]] == "by 7 tonight"
    return assessment["deadline"], cue["text"]


def test_a_spanish_customer_without_a_channel_zone_gets_madrid(client: TestClient) -> None:
    deadline, evidence = _deadline(client, "z1", channel="chat", phone=SPANISH_MOBILE)
    assert deadline == "2026-11-22T19:00:00+01:00"
    assert "Europe/Madrid" in evidence and "+34, ES" in evidence
    assert "Atlantic/Canary" in evidence  # the other zone a Spanish mobile may be in, stated


def test_the_same_recital_shows_the_same_local_time_on_every_channel(client: TestClient) -> None:
    seen = {
        channel: _deadline(client, f"zc-{channel}", channel=channel, phone=SPANISH_MOBILE)[0]
        for channel in ("chat", "sms", "email", "social", "call")
    }
    assert set(seen.values()) == {"2026-11-22T19:00:00+01:00"}, seen


def test_the_customers_earlier_zone_comes_before_the_phone(client: TestClient) -> None:
    # The first contact came through an IVR that knew the zone (the customer lives on Tenerife).
    _deadline(client, "ze1", channel="call", phone=SPANISH_MOBILE, timezone="Atlantic/Canary")
    deadline, evidence = _deadline(client, "ze2", channel="chat", phone=SPANISH_MOBILE)
    assert deadline in ("2026-11-22T19:00:00+00:00", "2026-11-22T19:00:00Z")
    assert "Atlantic/Canary" in evidence and "earlier contacts" in evidence


def test_the_interaction_zone_wins(client: TestClient) -> None:
    deadline, evidence = _deadline(
        client, "zi", channel="call", phone=SPANISH_MOBILE, timezone="America/New_York"
    )
    assert deadline == "2026-11-22T19:00:00-05:00"
    assert "America/New_York (the interaction's zone)" in evidence


def test_the_configured_centre_zone_when_the_customer_gives_none(migrated_url: str) -> None:
    for client in _client(migrated_url, centre_timezone="America/Chicago"):
        deadline, evidence = _deadline(client, "zk", channel="chat", phone=None)
        assert deadline == "2026-11-22T19:00:00-06:00"
        assert "America/Chicago (the centre's zone)" in evidence


def test_utc_only_when_nothing_is_configured_and_the_evidence_says_so(client: TestClient) -> None:
    deadline, evidence = _deadline(client, "zu", channel="chat", phone=None)
    assert deadline in ("2026-11-22T19:00:00+00:00", "2026-11-22T19:00:00Z")
    assert evidence.endswith("UTC (centre default UTC)")
