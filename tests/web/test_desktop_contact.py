"""The agent sets the customer's contact preference from the desktop when the customer asks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.web.browser import CHROMIUM
from tests.web.desktop_support import _agent

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def _at(seconds_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()


def _post(base: str, path: str, body: Any = None) -> httpx.Response:
    response = httpx.post(f"{base}{path}", json=body, timeout=30)
    assert response.status_code in (200, 201), response.text
    return response


def test_the_agent_keeps_what_contact_the_customer_agrees_to(
    browser: Browser,
    server: str,
) -> None:
    page = _agent(browser, server)
    _post(server, "/v1/events", [
        {"type": "interaction.started", "event_id": "pref-s", "interaction_id": "pref-1",
         "occurred_at": _at(30), "channel": "chat", "queue": "travel",
         "identities": [{"kind": "phone", "value": "+14155550888"}]},
        {"type": "utterance", "event_id": "pref-u", "interaction_id": "pref-1",
         "occurred_at": _at(20), "speaker": "customer",
         "text": "Sort my refund, and please stop texting me about offers."},
    ])  # fmt: skip
    _post(server, "/v1/agents/agent-ava/next")
    page.goto("/interactions/pref-1")
    panel = page.locator("#panel-contact")
    expect(panel.get_by_test_id("contact-now")).to_contain_text("Proactive contact allowed")
    customer_id = httpx.get(f"{server}/v1/interactions/pref-1", timeout=10).json()["customer_id"]

    # The customer asks for no more texts.
    panel.get_by_label("Text message").check()
    panel.get_by_role("button", name="Save contact preference").click()
    expect(page.locator("#notices")).to_contain_text(
        "Contact preference saved: no proactive contact by sms"
    )
    expect(panel.get_by_test_id("contact-now")).to_contain_text("No proactive contact by sms")
    expect(panel.get_by_label("Text message")).to_be_checked()
    pref = httpx.get(f"{server}/v1/customers/{customer_id}/contact-preference", timeout=10).json()
    assert (pref["proactive"], pref["channels_off"]) == (True, ["sms"])
    assert (pref["source"], pref["updated_by"]) == ("desktop", "ava")

    # Then for nothing at all.
    panel.get_by_label("The customer asks not to be contacted at all").check()
    panel.get_by_role("button", name="Save contact preference").click()
    expect(panel.get_by_test_id("contact-now")).to_contain_text("No proactive contact")
    pref = httpx.get(f"{server}/v1/customers/{customer_id}/contact-preference", timeout=10).json()
    assert pref["proactive"] is False
    assert [e["source"] for e in pref["history"]] == ["desktop", "desktop"]
