"""One day everywhere: the missed-moments page, its API and its chart, the wallboard's strip and
its hour-by-hour chart all count a contact on the centre's day it started, so a moment that began
just before the centre's midnight and ended after it is yesterday's on every page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from tests.web.floor import login
from tests.web.support import _moment_at

from kairos.config import get_settings


def centre_zone_for(now: datetime) -> str:
    """A zone whose clocks read between 03:00 and 20:59 now (the brief's zones first): today
    there is long enough to hold a moment just now, and yesterday evening is within 24 hours."""
    zones = ["America/Chicago", "Asia/Kolkata"]
    zones += [f"Etc/GMT{-h:+d}" if h else "UTC" for h in range(-12, 15)]
    return next(z for z in zones if 3 <= now.astimezone(ZoneInfo(z)).hour <= 20)


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """KAIROS_CENTRE_TIMEZONE set before the app's settings are made."""
    found = centre_zone_for(datetime.now(UTC))
    monkeypatch.setenv("KAIROS_CENTRE_TIMEZONE", found)
    get_settings.cache_clear()
    yield found
    get_settings.cache_clear()


def _charts(html: str) -> dict[str, dict[str, list[object]]]:
    match = re.search(r'<script type="application/json" id="charts-data">(.*?)</script>', html)
    assert match, "no charts on the page"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_a_moment_across_the_centres_midnight_is_yesterdays_on_every_page(
    zone: str, client: TestClient
) -> None:
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(zone)).date()
    midnight = datetime.combine(today, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    # Its events span two minutes: started a minute before the centre's midnight, ended after.
    moments = {
        "across-midnight": midnight - timedelta(seconds=60),
        "yesterday-evening": midnight - timedelta(hours=2),
        "just-now": now - timedelta(minutes=20),
    }
    for interaction_id, start in moments.items():
        response = client.post("/v1/events", json=_moment_at(interaction_id, start))
        assert response.status_code == 200, response.text
        assert client.get(f"/v1/interactions/{interaction_id}/review").status_code == 200

    api = client.get("/v1/outcomes/missed").json()  # today, the centre's day, by default
    assert [m["review"]["interaction_id"] for m in api["items"]] == ["just-now"]
    assert api["total"] == 1
    login(client, "sue")
    page = client.get("/wallboard/missed").text
    assert 'href="/interactions/just-now"' in page
    assert 'href="/interactions/across-midnight"' not in page
    assert 'href="/interactions/yesterday-evening"' not in page
    period = re.search(r'data-testid="period">(.*?)</p>', page, re.S)
    assert period and "started today" in period.group(1) and zone in period.group(1)
    board = client.get("/wallboard/panels").json()
    charted = sum(sum(t["y"]) for t in board["charts"]["chart-outcomes"]["data"])
    today_api = client.get("/v1/outcomes/today").json()
    assert charted == today_api["won"] + today_api["lost"] + today_api["missed"] == 1
    # The week's chart puts the moment across midnight on the day it started.
    week = _charts(client.get("/wallboard/missed?days=7").text)["chart-missed-days"]["data"]
    per_day: dict[str, int] = {}
    for trace in week:
        for day, n in zip(trace["x"], trace["y"], strict=True):
            per_day[str(day)] = per_day.get(str(day), 0) + int(str(n))
    assert per_day[today.isoformat()] == 1
    assert per_day[(today - timedelta(days=1)).isoformat()] == 2
