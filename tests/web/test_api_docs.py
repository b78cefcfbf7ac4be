"""``/docs`` (Swagger UI 5) renders Kairos' OpenAPI 3.1 in a real browser, with every request
outside the server refused: the page needs no CDN."""

from __future__ import annotations

import httpx
import pytest
from tests.web.browser import CHROMIUM

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, Route, expect


def _offline_page(chromium: Browser, base: str) -> tuple[Page, list[str]]:
    """A page that may reach the server and nothing else; the URLs it tried elsewhere."""
    page = chromium.new_context(base_url=base, viewport={"width": 1400, "height": 1000}).new_page()
    outside: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return page, outside


def test_swagger_ui_shows_the_operations_of_the_openapi_31_schema(
    browser: Browser,
    server: str,
) -> None:
    schema = httpx.get(f"{server}/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    page, outside = _offline_page(browser, server)
    page.goto("/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Unable to render this definition")).to_have_count(0)
    shown = operations.count()
    declared = sum(
        1
        for path in schema["paths"].values()
        for method in path
        if method in ("get", "post", "put", "patch", "delete")
    )
    assert shown == declared > 20
    events = page.locator(".opblock-post", has_text="Ingest one event or a batch").first
    expect(events.locator(".opblock-summary-path")).to_have_text("/v1/events")
    events.locator(".opblock-summary").click()  # open it: its body schema renders
    expect(events.get_by_text("Request body")).to_be_visible()
    assert outside == []
