"""An alert's deadline on the wallboard reads on the centre's clock and counts down from now: the
alert's reasons carry the minutes of the last assessment, which stand still while the contact is
quiet (a supervisor read "deadline in 1959 min" long after it was true)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.web.floor import chat_events, login

from kairos.bus.messages import AlertReason
from kairos.web.alert_words import alert_reasons

REASONS = [
    AlertReason(factor="emotion", value=0.97),
    AlertReason(factor="minutes_to_deadline", value=230.0),  # when it was last assessed
]


def test_the_deadline_reads_on_the_centres_clock_counted_from_now() -> None:
    now = datetime(2026, 12, 6, 8, 30, tzinfo=UTC)
    deadline = now + timedelta(hours=1, minutes=5)
    chicago = alert_reasons(REASONS, deadline, now, "America/Chicago")
    assert chicago == "emotion 97%, deadline 03:35 CST, in 1 h 5 min"
    assert alert_reasons(REASONS, deadline, now, "Asia/Kolkata").endswith("15:05 IST, in 1 h 5 min")
    later = alert_reasons(REASONS, deadline, now + timedelta(hours=2), "America/Chicago")
    assert later == "emotion 97%, deadline 03:35 CST, passed 55 min ago"


def test_without_a_deadline_the_reasons_say_what_they_carry() -> None:
    assert alert_reasons(REASONS) == "emotion 97%, deadline in 3 h 50 min"
    passed = [AlertReason(factor="minutes_to_deadline", value=-185.0)]
    assert alert_reasons(passed) == "deadline passed 3 h 5 min ago"


def test_the_desktop_banner_counts_a_passed_deadline_from_now(client: TestClient) -> None:
    """The banner's countdown is the page's clock before its script ticks (or without it): it
    read the last assessment's minutes, "-16347 min" for a deadline passed days ago."""
    assert client.post("/v1/events", json=chat_events("banner-1")).status_code == 200
    login(client, "root")
    page = client.get("/interactions/banner-1").text
    shown = re.search(r'data-testid="deadline">.*?data-deadline="[^"]+">([^<]*)<', page, re.S)
    assert shown is not None
    assert re.fullmatch(r"PASSED \d+ h( \d+ min)? ago", shown.group(1)), shown.group(1)
