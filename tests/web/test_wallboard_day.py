"""The wallboard's "today" is the centre's day: the figures strip, the hour-by-hour charts and
``/v1/outcomes/today`` count the same moments won, lost and missed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from tests.web.floor import login
from tests.web.support import _moment_at

from kairos.config import get_settings


def _zone_and_edge(now: datetime) -> tuple[str, datetime]:
    """A centre zone whose today is not UTC's today, and a time on one day but not the other."""
    midnight = datetime.combine(now.date(), time(0), tzinfo=UTC)
    if now.hour < 12:  # UTC-12: the centre's today began at 12:00 UTC yesterday
        return "Etc/GMT+12", midnight - timedelta(minutes=40)
    return "Etc/GMT-14", midnight + timedelta(minutes=5)  # UTC+14: began at 10:00 UTC today


@pytest.fixture
def centre_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, datetime]]:
    """KAIROS_CENTRE_TIMEZONE set (before the app's settings are made) to a zone a day apart."""
    zone, edge = _zone_and_edge(datetime.now(UTC))
    monkeypatch.setenv("KAIROS_CENTRE_TIMEZONE", zone)
    get_settings.cache_clear()
    yield zone, edge
    get_settings.cache_clear()


def _strip(html: str) -> dict[str, int]:
    found = dict(
        re.findall(r"<dt>Moments (?:of truth )?(won|lost|missed)</dt><dd>(\d+)</dd>", html)
    )
    assert set(found) == {"won", "lost", "missed"}, html
    return {k: int(v) for k, v in found.items()}


def test_the_figures_strip_counts_the_centres_day_like_the_charts_and_the_api(
    centre_zone: tuple[str, datetime], client: TestClient
) -> None:
    zone, edge = centre_zone
    now = datetime.now(UTC)
    # One lost moment on the edge (today on one clock, yesterday on the other), one just now.
    for interaction_id, start in (("edge", edge), ("recent", now - timedelta(minutes=20))):
        response = client.post("/v1/events", json=_moment_at(interaction_id, start))
        assert response.status_code == 200, response.text
        assert client.get(f"/v1/interactions/{interaction_id}/review").status_code == 200

    login(client, "sue")
    board = client.get("/wallboard/panels").json()
    strip = _strip(board["panels"]["panel-figures"])
    charts = board["charts"]["chart-outcomes"]["data"]
    charted = {trace["name"]: sum(trace["y"]) for trace in charts}
    api = client.get("/v1/outcomes/today").json()
    assert strip == charted, (zone, strip, charted)
    assert strip == {k: api[k] for k in ("won", "lost", "missed")}, (zone, strip, api)
    local_today = now.astimezone(ZoneInfo(zone)).date()
    assert api["day"] == local_today.isoformat() and api["timezone"] == zone
    edge_today = edge.astimezone(ZoneInfo(zone)).date() == local_today
    assert sum(strip.values()) == 1 + edge_today


def test_the_strip_and_the_arrivals_chart_name_which_moments_they_count(
    client: TestClient,
) -> None:
    """The strip counts the day's reviewed moments (a review also finds moments in hindsight),
    the arrivals chart the contacts flagged live: two different numbers, each saying which."""
    response = client.post("/v1/events", json=_moment_at("named", datetime.now(UTC)))
    assert response.status_code == 200, response.text
    login(client, "sue")
    board = client.get("/wallboard/panels").json()
    api = client.get("/v1/outcomes/today").json()
    assert f"({api['moments_of_truth']} reviewed as moments)" in board["panels"]["panel-figures"]
    names = [t["name"] for t in board["charts"]["chart-arrivals"]["data"]]
    assert names == ["all contacts", "moments of truth, flagged live"]


@pytest.fixture
def past_midnight_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """KAIROS_CENTRE_TIMEZONE set (before the app) to a fixed-offset zone whose clock reads
    between 00:20 and 01:20 now."""
    now = datetime.now(UTC)
    wanted = 0 if now.minute >= 20 else 1
    offset = next(h for h in range(-12, 15) if (now.hour + h) % 24 == wanted)
    zone = f"Etc/GMT{-offset:+d}"  # Etc/GMT-14 is UTC+14
    monkeypatch.setenv("KAIROS_CENTRE_TIMEZONE", zone)
    get_settings.cache_clear()
    yield zone
    get_settings.cache_clear()


def test_a_moment_across_midnight_counts_on_the_day_it_started_in_the_strip_and_the_chart(
    past_midnight_zone: str, client: TestClient
) -> None:
    zone, now = past_midnight_zone, datetime.now(UTC)
    midnight = datetime.combine(now.astimezone(ZoneInfo(zone)).date(), time(0), ZoneInfo(zone))
    # Started at 23:52 yesterday (the centre's), ended at 00:10 today: yesterday's moment, as
    # the strip, the report, the missed list and /v1/outcomes/today count it.
    events = _moment_at("across", midnight - timedelta(minutes=8))
    events[-1]["occurred_at"] = (midnight + timedelta(minutes=10)).isoformat()
    response = client.post("/v1/events", json=events)
    assert response.status_code == 200, response.text
    assert client.get("/v1/interactions/across/review").json()["status"] in ("lost", "missed")
    login(client, "sue")
    board = client.get("/wallboard/panels").json()
    strip = _strip(board["panels"]["panel-figures"])
    charted = {t["name"]: sum(t["y"]) for t in board["charts"]["chart-outcomes"]["data"]}
    api = client.get("/v1/outcomes/today").json()
    assert strip == {k: api[k] for k in ("won", "lost", "missed")}, (zone, strip, api)
    assert strip == {"won": 0, "lost": 0, "missed": 0}, zone
    assert charted == strip, (zone, charted)
