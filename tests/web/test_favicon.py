"""Every page names its icon, and the icon is served: no 404 for ``/favicon.ico`` on each page
load (log noise, a broken tab icon), in Chromium against a real server."""

from __future__ import annotations

import httpx
import pytest
from tests.web.browser import CHROMIUM
from tests.web.support import _wallboard

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Response


def test_no_page_load_asks_for_a_missing_icon(
    browser: Browser,
    server: str,
) -> None:
    page = _wallboard(browser, server)
    failed: list[str] = []

    def note(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    page.on("response", note)
    for path in ("/wallboard", "/wallboard/missed", "/wallboard/calibration",
                 "/wallboard/playbooks"):  # fmt: skip
        page.goto(path)
        page.wait_for_load_state("load")
    icon = page.evaluate("() => document.querySelector('link[rel=icon]')?.href ?? null")
    assert icon is not None, "the page names no icon"
    assert failed == []
    for url in (icon, f"{server}/favicon.ico"):  # browsers ask for /favicon.ico by themselves
        response = httpx.get(url, timeout=10)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("image/"), response.headers
