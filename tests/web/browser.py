"""What the pages' tests in a real browser share: Debian's Chromium (driven by Playwright), a
real ``kairos serve`` with the test floor, an agent or supervisor signed in, events sent in
through the JSON API as a contact-center platform sends them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tests import servers
from tests.web.floor import PASSWORD, build_floor, chat_events
from tests.web.live_ready import live_ready

from kairos import migrations
from kairos.db import Database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect, sync_playwright


@contextmanager
def serving(
    tmp_path: Path, *, env: dict[str, str] | None = None, cwd: Path | None = None, warm: bool = True
) -> Iterator[str]:
    """``kairos serve`` on a free port over a temporary SQLite database with the test floor;
    its base URL. ``env``: more settings; ``cwd``: its working folder (where ``.env`` is);
    ``warm``: the detector is loaded first, so the first timed moment measures the pages. Its
    output goes to ``serve.log`` in ``tmp_path``."""
    url = f"sqlite:///{tmp_path / 'kairos.db'}"
    migrations.upgrade(url)
    db = Database(url)
    build_floor(db)
    db.dispose()
    settings = {**os.environ, "KAIROS_DATABASE_URL": url, "KAIROS_ENVIRONMENT": "test",
                **(env or {})}  # fmt: skip
    with servers.serving(
        "--log-level", "warning", env=settings, log=tmp_path / "serve.log", timeout_s=60,
        cwd=cwd, stop_within_s=10,
    ) as base:  # fmt: skip
        if warm:
            warm_up = chat_events("warm-up", queue=None)
            api = httpx.post(f"{base}/v1/events", json=warm_up, timeout=60)  # a model load
            assert api.status_code == 200, api.text
        yield base


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium (Debian's), closed after."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def signed_in(browser: Browser, base: str, username: str, landing: str) -> Page:
    """A page of its own in ``browser`` with ``username`` signed in, on ``landing`` (where
    signing in leads them) once its live stream is connected."""
    page = browser.new_context(base_url=base, viewport={"width": 1400, "height": 1000}).new_page()
    page.goto("/")
    expect(page).to_have_url(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}{landing}")
    live_ready(page)
    return page


def ingest(base: str, events: list[dict[str, object]]) -> None:
    """Send ``events`` to the server at ``base`` as a platform does; they must be accepted."""
    response = httpx.post(f"{base}/v1/events", json=events, timeout=10)
    assert response.status_code == 200, response.text
