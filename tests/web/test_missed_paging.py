"""A busy centre misses more than a page of moments: the missed-moments page pages through them
all, with the total shown and its period kept from page to page, in a real browser; the API's
``limit`` and ``offset`` page the same list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tests.web.browser import CHROMIUM
from tests.web.support import _wallboard

from kairos.db import Database
from kairos.interactions.models import Interaction
from kairos.outcomes.models import InteractionReview

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

MISSED = 120


@pytest.fixture(autouse=True)
def centre(monkeypatch: pytest.MonkeyPatch) -> None:
    """A centre on Chicago's clocks (set before the server starts: autouse fixtures come first)."""
    monkeypatch.setenv("KAIROS_CENTRE_TIMEZONE", "America/Chicago")


def _seed_missed(database_url: str, count: int) -> None:
    """``count`` moments missed over the last days, each a reviewed contact (as the review
    worker stores them), the most valuable customers first."""
    now = datetime.now(UTC)
    db = Database(database_url)
    with db.session() as session:
        for n in range(count):
            started = now - timedelta(days=n % 5, minutes=30 + n)
            interaction = Interaction(
                external_id=f"missed-{n:03d}", channel="chat", state="ended",
                started_at=started, ended_at=started + timedelta(minutes=6),
                last_event_at=started + timedelta(minutes=6), reason="flight cancelled",
            )  # fmt: skip
            session.add(interaction)
            session.flush()
            review = InteractionReview(
                interaction_id=interaction.id, agent_id="agent-ava", started_at=started,
                ended_at=interaction.ended_at, hindsight_score=0.9, live_score=0.2,
                status="missed", missed=True, customer_value=1 - n / 1000,
                model_version="test", reason="flight cancelled",
            )  # fmt: skip
            session.add(review)
        session.commit()
    db.dispose()


def test_the_missed_moments_page_pages_through_them_all_keeping_its_period(
    browser: Browser,
    server: str,
    tmp_path: Path,
) -> None:
    _seed_missed(f"sqlite:///{tmp_path / 'kairos.db'}", MISSED)
    page = _wallboard(browser, server)
    page.goto("/wallboard/missed?days=7")
    shown = page.get_by_test_id("shown")
    expect(shown).to_have_text(f"(1–50 of {MISSED})")
    first_page = page.locator("article.missed-item h3 a").all_inner_texts()
    assert first_page == [f"missed-{n:03d}" for n in range(50)]  # most valuable first
    page.get_by_role("link", name="next ›").first.click()
    expect(shown).to_have_text(f"(51–100 of {MISSED})")
    assert "days=7" in page.url and "page=2" in page.url
    assert page.locator("article.missed-item h3 a").all_inner_texts() == [
        f"missed-{n:03d}" for n in range(50, 100)
    ]
    page.get_by_role("link", name="next ›").first.click()
    expect(shown).to_have_text(f"(101–120 of {MISSED})")
    expect(page.get_by_role("link", name="next ›")).to_have_count(0)
    pager = page.get_by_role("navigation", name="Pages of missed moments").first
    assert "page 3 of 3" in pager.inner_text()
    # The period is said in the centre's zone and kept: the week, not today.
    assert "America/Chicago" in page.get_by_test_id("period").inner_text()
    page.get_by_role("link", name="‹ previous").first.click()
    expect(shown).to_have_text(f"(51–100 of {MISSED})")
    # The API pages the same list.
    since = (datetime.now(UTC) - timedelta(days=6)).isoformat()
    api = httpx.get(f"{server}/v1/outcomes/missed",
                    params={"since": since, "limit": 50, "offset": 100}).json()  # fmt: skip
    assert api["total"] == MISSED
    assert [m["review"]["interaction_id"] for m in api["items"]] == [
        f"missed-{n:03d}" for n in range(100, MISSED)
    ]
