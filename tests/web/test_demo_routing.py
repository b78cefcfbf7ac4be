"""The demo's floor in headless Chromium: contacts from the chat, email, SMS and social webhooks
are pushed to the agents whose desktops are open, with nobody asking for work; a social
complaint escalated to a call is pushed to a call agent whose desktop shows the source thread and
the escalating agent's note, while the source reads ESCALATED, not waiting.

The server is ``kairos serve`` started as ``kairos demo`` starts it (the demo's queue mapping),
with the demo's queues, agents and sign-ins; the demo's simulated agents do not run, so the only
way a contact reaches an agent here is routing's own push.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from tests.demo_support import CHAT, EMAIL, SMS, SOCIAL
from tests.servers import free_port
from tests.web.browser import CHROMIUM
from tests.web.live_ready import live_ready

from kairos import migrations
from kairos.demo import _start_server
from kairos.demo.live import LiveCenter, LiveProgress
from kairos.demo.server import wait_healthy
from kairos.demo.users import DEMO_PASSWORD, create_demo_users

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect

COMPLAINT = {
    "platform": "x",
    "kind": "public",
    "post_id": "7001",
    "handle": "@rita",
    "text": "@Acme third time my internet is down this week and nobody calls back. I am done.",
}


async def _set_up_floor(base: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await LiveCenter(client, pace=6, run_id="push", progress=LiveProgress()).setup()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    """``kairos serve`` as the demo runs it, with the demo's floor and sign-ins; its base URL."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrations.upgrade(url)
    port = free_port()
    server = _start_server("127.0.0.1", port, url)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(server, base)
        # Playwright's sync API holds this thread's event loop: the setup runs in its own.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _set_up_floor(base)).result()
        create_demo_users(url, with_agents=True)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def _desk(chromium: Browser, base: str, username: str) -> Page:
    page = chromium.new_context(base_url=base, viewport={"width": 1400, "height": 1000}).new_page()
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/desktop")
    live_ready(page)
    return page


def _webhook(base: str, channel: str, body: object) -> None:
    if channel == "email":
        response = httpx.post(
            f"{base}/v1/channels/email",
            content=body,  # type: ignore[arg-type]
            headers={"Content-Type": "message/rfc822"},
        )
    elif channel == "sms":
        response = httpx.post(
            f"{base}/v1/channels/sms",
            content=urlencode(body),  # type: ignore[arg-type]
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    else:
        response = httpx.post(f"{base}/v1/channels/{channel}", json=body)
    assert response.status_code == 200, response.text


def _interactions(base: str, **params: str) -> list[dict[str, object]]:
    response = httpx.get(f"{base}/v1/interactions", params={"limit": 50, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def _accept_offer(page: Page, base: str) -> str:
    """Accept the offer showing on the page; the interaction it opened."""
    offer = page.get_by_test_id("offer")
    expect(offer).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("offer-summary")).not_to_be_empty()
    contact = page.locator("#offer-contact").inner_text()
    offer.get_by_role("button", name="Accept").click()
    expect(page.get_by_test_id("decision-summary")).to_be_visible()
    assert page.url.startswith(f"{base}/interactions/"), page.url
    return contact


def test_every_webhook_channel_is_pushed_to_an_open_desktop(
    demo: str,
    browser: Browser,
) -> None:
    desks = {"demo-hana": _desk(browser, demo, "hana"), "demo-ivo": _desk(browser, demo, "ivo")}
    for channel, body in (("chat", CHAT), ("email", EMAIL), ("sms", SMS), ("social", SOCIAL)):
        _webhook(demo, channel, body)

    accepted: dict[str, str] = {}
    deadline = time.monotonic() + 90
    while len(accepted) < 4 and time.monotonic() < deadline:
        for agent_id, page in desks.items():
            if page.get_by_test_id("offer").is_visible():
                accepted[_accept_offer(page, demo)] = agent_id
                page.goto("/desktop")  # back to the desktop, where the next offer shows
                live_ready(page)
        time.sleep(0.1)

    routed = {i["channel"]: (i["id"], i["agent_id"]) for i in _interactions(demo)}
    assert set(routed) == {"chat", "email", "sms", "social"}, routed
    for kind, (interaction_id, holder) in routed.items():
        # Each one reached the agent who accepted its offer on the desktop: no `next`, no pull.
        assert accepted.get(str(interaction_id)) == holder, (kind, routed, accepted)
    decisions = httpx.get(f"{demo}/v1/routing/decisions", params={"limit": 50}).json()["items"]
    assert sorted(d["interaction_id"] for d in decisions) == sorted(accepted)


def test_an_escalated_social_complaint_is_called_back_with_its_thread(
    demo: str,
    browser: Browser,
) -> None:
    social = _desk(browser, demo, "hana")
    _webhook(demo, "social", COMPLAINT)
    source_id = _accept_offer(social, demo)
    assert source_id.startswith("social:x:")

    note = "Rita's line has been down three times this week: call her before 6 pm"
    social.get_by_label("Number to call (blank: the one on record)").fill("+14155550188")
    social.get_by_label("Note for the calling agent").fill(note)
    social.get_by_role("button", name="Escalate to a call").click()
    # The source thread goes on as the call: ESCALATED, no longer waiting for an agent.
    expect(social.locator("#panel-meta")).to_contain_text("ESCALATED")
    source = httpx.get(f"{demo}/v1/interactions/{source_id}").json()
    assert source["state"] == "escalated"
    callback_id = source["escalated_to"]
    assert callback_id

    # A call agent with the desktop open is offered the callback, with nobody asking.
    caller = _desk(browser, demo, "ava")
    assert _accept_offer(caller, demo) == callback_id
    expect(caller).to_have_url(f"{demo}/interactions/{callback_id}")
    panel = caller.locator("#panel-escalation")
    expect(panel).to_contain_text(f"Escalated from social {source_id}")
    expect(panel).to_contain_text(note)
    expect(caller.get_by_test_id("source-thread")).to_contain_text(
        "third time my internet is down this week"
    )
    callback = httpx.get(f"{demo}/v1/interactions/{callback_id}").json()
    assert (callback["agent_id"], callback["escalated_from"]) == ("demo-ava", source_id)

    # The source is not a contact waiting anywhere: marked escalated on the pages.
    social.reload()
    expect(social.locator("#panel-meta")).to_contain_text("ESCALATED")
    expect(social.get_by_role("button", name="Escalate to a call")).to_have_count(0)
    expect(social.get_by_test_id("escalated-to")).to_contain_text(callback_id)
    # ("waiting" is no state: the list asked for it was always empty, now it is a 422.)
    waiting = [i["id"] for state in ("open", "queued") for i in _interactions(demo, state=state)]
    assert source_id not in waiting
