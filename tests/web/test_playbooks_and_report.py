"""The playbooks overview reads at a glance (nothing clipped) and opens an editor per playbook;
the after-the-contact report opens in a browser. Both are photographed for the manual."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.browser import CHROMIUM
from tests.web.figures import FIGURES
from tests.web.floor import MOT_TEXT, PASSWORD
from typer.testing import CliRunner

from kairos.cli import app
from kairos.config import get_settings

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect

#: Elements whose text is cut: wider content than box, with hidden overflow.
CLIPPED = """() => [...document.querySelectorAll('main *')].filter(el => {
  const style = getComputedStyle(el);
  return el.scrollWidth > el.clientWidth + 1 && style.overflowX === 'hidden'
    && el.textContent.trim().length > 0 && !el.closest('.visually-hidden');
}).length"""


def signed_in(chromium: Browser, base: str) -> Page:
    page = chromium.new_context(base_url=base, viewport={"width": 1400, "height": 900}).new_page()
    page.goto("/login")
    page.get_by_label("Username").fill("sue")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/wallboard")
    return page


def test_the_playbooks_overview_and_an_editor_per_playbook(
    browser: Browser,
    server: str,
) -> None:
    page = signed_in(browser, server)
    page.goto("/wallboard/playbooks")
    table = page.get_by_test_id("playbooks")
    rows = table.locator("tbody tr")
    assert rows.count() >= 5
    expect(page.locator("form")).to_have_count(1)  # sign out only: the overview is read only
    assert page.evaluate(CLIPPED) == 0
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 4000, height  # an overview, not 10,000 px of forms
    FIGURES.mkdir(exist_ok=True)
    page.screenshot(path=str(FIGURES / "playbooks.png"), full_page=True)
    first = rows.first.locator("th a")
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Edit: {title}")
    page.get_by_label("Summary").fill("Get them where they need to be, tonight.")
    page.get_by_role("button", name="Save playbook").click()
    expect(page.locator("#notices")).to_contain_text("saved (version")
    page.get_by_role("link", name="← All playbooks").click()
    expect(table).to_contain_text("Get them where they need to be, tonight.")


def _events(k: int, now: datetime) -> list[dict[str, Any]]:
    at = now - timedelta(hours=2, minutes=10 * k)
    iid = f"rep-{k}"
    return [
        {"type": "interaction.started", "event_id": f"{iid}-s", "interaction_id": iid,
         "occurred_at": at.isoformat(), "channel": "chat", "queue": "travel"},
        {"type": "utterance", "event_id": f"{iid}-u", "interaction_id": iid,
         "occurred_at": (at + timedelta(seconds=20)).isoformat(), "speaker": "customer",
         "text": MOT_TEXT if k % 2 else "When is my next bill due?"},
        {"type": "interaction.ended", "event_id": f"{iid}-e", "interaction_id": iid,
         "occurred_at": (at + timedelta(minutes=4)).isoformat(),
         "outcome": {"resolved": k % 3 != 0}},
    ]  # fmt: skip


def test_the_report_opens_in_a_browser(
    browser: Browser,
    server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = datetime.now(UTC)
    events = [e for k in range(8) for e in _events(k, now)]
    assert httpx.post(f"{server}/v1/events", json=events, timeout=30).status_code == 200
    monkeypatch.setenv("KAIROS_DATABASE_URL", f"sqlite:///{tmp_path / 'kairos.db'}")
    get_settings.cache_clear()
    try:
        out = tmp_path / "report.html"
        result = CliRunner().invoke(app, ["report", "-o", str(out)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(out.as_uri())
    expect(page.get_by_role("heading", level=1)).to_contain_text("After the contact")
    expect(page.locator("svg").first).to_be_visible()
    page.screenshot(path=str(FIGURES / "report.png"))
