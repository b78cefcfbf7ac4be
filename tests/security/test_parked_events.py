"""Listing the events that wait for their starts: an admin's, by API and by ``kairos``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from tests.factories import started, utterance
from tests.security.conftest import bearer
from typer.testing import CliRunner

from kairos.cli import app
from kairos.config import get_settings


def _park(client: TestClient, token: str, interaction_id: str, text: str, n: int) -> None:
    said = utterance(interaction_id, text, event_id=f"{interaction_id}-u{n}", seconds=n)
    answer = client.post("/v1/events", json=said, headers=bearer(token))
    assert answer.status_code == 202, answer.text


def test_an_admin_lists_what_waits_redacted_and_paged(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    pbx = tokens["pbx"]
    _park(secured, pbx, "early-a", "my card is 4111 1111 1111 1111, exp 12/29", 1)
    _park(secured, pbx, "early-b", "hello?", 2)
    _park(secured, pbx, "early-a", "are you there", 3)
    root = bearer(tokens["root"])
    first = secured.get("/v1/parked-events", params={"limit": 2}, headers=root)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["total"] == 3
    assert [i["event_id"] for i in body["items"]] == ["early-a-u1", "early-b-u2"]
    item = body["items"][0]
    assert item["interaction_id"] == "early-a" and item["type"] == "utterance"
    assert item["source"] == "pbx"
    assert "4111 1111 1111 1111" not in item["payload"]["text"]  # redacted as stored
    hold = timedelta(seconds=get_settings().early_event_hold_s)
    parked_at = datetime.fromisoformat(item["parked_at"])
    assert datetime.fromisoformat(item["expires_at"]) == parked_at + hold
    rest = secured.get("/v1/parked-events", params={"limit": 2, "offset": 2}, headers=root)
    assert [i["event_id"] for i in rest.json()["items"]] == ["early-a-u3"]
    only = secured.get("/v1/parked-events", params={"interaction_id": "early-b"}, headers=root)
    assert only.json()["total"] == 1
    # The start takes them off the list.
    assert (
        secured.post("/v1/events", json=started("early-a"), headers=bearer(pbx)).json()["released"]
        == 2
    )
    after = secured.get("/v1/parked-events", headers=root).json()
    assert [i["event_id"] for i in after["items"]] == ["early-b-u2"]


def test_only_an_admin_may_list_them(secured: TestClient, tokens: dict[str, str]) -> None:
    assert secured.get("/v1/parked-events").status_code == 401
    for name in ("sue", "ava", "pbx"):
        refused = secured.get("/v1/parked-events", headers=bearer(tokens[name]))
        assert refused.status_code == 403, (name, refused.text)
        assert refused.json()["error"] == "forbidden"
    bad = secured.get("/v1/parked-events", params={"limit": 0}, headers=bearer(tokens["root"]))
    assert bad.status_code == 422


def test_the_cli_lists_them(
    secured: TestClient, tokens: dict[str, str], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _park(secured, tokens["pbx"], "early-c", "my flight leaves at 6", 1)
    monkeypatch.setenv("KAIROS_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        table = CliRunner().invoke(app, ["parked-events"])
        lines = CliRunner().invoke(app, ["parked-events", "--json", "--source", "pbx"])
        none = CliRunner().invoke(app, ["parked-events", "--interaction", "nobody"])
    finally:
        get_settings.cache_clear()
    assert table.exit_code == 0, table.output
    assert "early-c" in table.stdout and "early-c-u1" in table.stdout and "1 of 1" in table.stdout
    assert lines.exit_code == 0, lines.output
    assert '"text":"my flight leaves at 6"' in lines.stdout
    assert none.exit_code == 0 and "0 of 0" in none.stdout
