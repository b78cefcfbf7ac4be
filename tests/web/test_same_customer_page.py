"""In Chromium against a real server: a customer in a live chat who calls is shown as the same
customer on the call's offer (the agent's desktop) and on the wallboard's moments list."""

from __future__ import annotations

import httpx
import pytest
from tests.web.browser import CHROMIUM, ingest, signed_in
from tests.web.floor import chat_events

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def test_the_offer_and_the_wallboard_name_the_customers_live_chat(
    browser: Browser,
    server: str,
) -> None:
    body = {"name": "phone", "channel": "call", "policy": "moments"}
    assert httpx.post(f"{server}/v1/queues", json=body, timeout=10).status_code == 201
    ingest(server, chat_events("chat-same"))  # the customer's chat, taken by Ben
    taken = httpx.post(f"{server}/v1/agents/agent-ben/next", timeout=10).json()["decision"]
    assert taken["interaction_id"] == "chat-same"
    desk = signed_in(browser, server, "ava", "/desktop")
    wallboard = signed_in(browser, server, "root", "/wallboard")
    call = chat_events("call-same", queue="phone")  # the same phone number, now calling
    call[0]["channel"] = "call"
    ingest(server, call)
    offer = desk.get_by_test_id("offer")
    expect(offer).to_contain_text("call-same")
    expect(desk.get_by_test_id("offer-same-customer")).to_contain_text(
        "Same customer: chat-same (chat, with agent-ben)"
    )
    row = wallboard.locator('[data-testid="moments"] tr[data-interaction="call-same"]')
    expect(row.get_by_test_id("same-customer").first).to_have_text(
        "same customer: chat-same (chat, with agent-ben)"
    )
    other = wallboard.locator('[data-testid="moments"] tr[data-interaction="chat-same"]')
    expect(other.get_by_test_id("same-customer").first).to_contain_text("call-same (call, waiting")
