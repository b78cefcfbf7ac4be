"""The wallboard's contact drivers on a young database (contacts on three days, today
included: two whole days of history, today still running): no trend is claimed (it says why),
and each driver reads as the reason its contacts were given, not a fragment of their words (in
Chromium, against a real server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.clock import clear_of_midnight
from tests.web.browser import CHROMIUM
from tests.web.support import _wallboard

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

SAID = {
    "change of address": [
        "I've moved house and need to update my postal address on the account",
        "Please update my postal address, we moved last week",
        "We moved, can you change the address you send letters to?",
        "I need to update my postal address before the next bill",
    ],
    "lost card": [
        "I think I lost my debit card on the bus, can you block it",
        "My debit card is lost, I can't find it anywhere",
        "Lost my debit card yesterday, please cancel it and send a new one",
        "I lost my card at the supermarket, block it please",
    ],
}


#: The most a run needs from posting its contacts to reading the board (seconds): one that
#: starts closer to midnight (UTC, the test server's centre zone) waits for the new day first, or
#: it would read three whole days of history (the day it posted on ends before the board is
#: read), not two.
RUN_S = 180.0


def _contacts() -> list[dict[str, Any]]:
    """Contacts today, yesterday and the day before (UTC days): a few minutes ago, but never
    before today's midnight, so that a run just after midnight still has contacts on three days,
    two of them whole."""
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    events: list[dict[str, Any]] = []
    for reason, texts in SAID.items():
        for n, text in enumerate(texts * 2):
            iid = f"drv-{reason[:4]}-{n}"
            today = max(midnight, now - timedelta(minutes=5 + n))
            at = today - timedelta(days=2 if n < 3 else 1 if n < 6 else 0)
            events += [
                {"type": "interaction.started", "event_id": f"{iid}-s", "interaction_id": iid,
                 "occurred_at": at.isoformat(), "channel": "chat", "reason": reason},
                {"type": "utterance", "event_id": f"{iid}-u", "interaction_id": iid,
                 "occurred_at": (at + timedelta(seconds=5)).isoformat(), "speaker": "customer",
                 "text": text},
                {"type": "interaction.ended", "event_id": f"{iid}-e", "interaction_id": iid,
                 "occurred_at": (at + timedelta(seconds=60)).isoformat()},
            ]  # fmt: skip
    return events


def test_a_young_database_claims_no_trend_and_names_drivers_by_their_reason(
    browser: Browser,
    server: str,
) -> None:
    clear_of_midnight(RUN_S)
    response = httpx.post(f"{server}/v1/events", json=_contacts(), timeout=60)
    assert response.status_code == 200, response.text
    page = _wallboard(browser, server)
    drivers = page.get_by_test_id("drivers")
    for _ in range(30):  # worked out in the background: the board shows them on a later load
        if drivers.count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(drivers).to_be_visible()
    items = [t.strip() for t in drivers.locator("li").all_inner_texts()]
    names = [page.locator("[data-testid=drivers] li strong").nth(i).inner_text()
             for i in range(len(items))]  # fmt: skip
    assert sorted(names) == sorted(SAID), items
    for item in items:
        assert not any(t in item for t in ("RISING", "FALLING", "STEADY")), item
        assert "no trend yet (2 whole days of history)" in item, item
