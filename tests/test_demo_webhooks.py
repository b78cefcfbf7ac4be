"""In the demo, contacts from every webhook are routed to an agent with no manual step: the
demo's queue mapping puts them in a queue and its agents take them through the routing API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlencode

import httpx
from tests.demo_support import CHAT, EMAIL, SMS, SOCIAL
from tests.servers import free_port

from kairos import migrations
from kairos.demo import _start_server
from kairos.demo.live import AGENTS, LiveCenter, LiveProgress
from kairos.demo.server import wait_healthy


async def _post_webhooks(client: httpx.AsyncClient) -> None:
    for response in (
        await client.post("/v1/channels/chat", json=CHAT),
        await client.post(
            "/v1/channels/email", content=EMAIL, headers={"Content-Type": "message/rfc822"}
        ),
        await client.post(
            "/v1/channels/sms",
            content=urlencode(SMS),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        await client.post("/v1/channels/social", json=SOCIAL),
    ):
        assert response.status_code == 200, response.text


async def _routed(client: httpx.AsyncClient, timeout_s: float = 30) -> dict[str, str | None]:
    """Each webhook channel's interaction and the agent routing gave it, once all have one."""
    seen: dict[str, str | None] = {}
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        items = (await client.get("/v1/interactions", params={"limit": 50})).json()["items"]
        seen = {i["channel"]: i["agent_id"] for i in items}
        if len(seen) == 4 and all(seen.values()):
            break
        await asyncio.sleep(0.2)
    return seen


async def _drive(base_url: str) -> dict[str, str | None]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        center = LiveCenter(client, pace=6, run_id="hooks", progress=LiveProgress())
        await center.setup()
        agents = [asyncio.create_task(center.agent(a[0])) for a in AGENTS]
        try:
            await _post_webhooks(client)
            return await _routed(client)
        finally:
            for task in agents:
                task.cancel()
            await asyncio.gather(*agents, return_exceptions=True)


def test_chat_email_sms_and_social_webhooks_are_routed_in_the_demo(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrations.upgrade(url)
    port = free_port()
    server = _start_server("127.0.0.1", port, url)
    try:
        wait_healthy(server, f"http://127.0.0.1:{port}")
        routed = asyncio.run(_drive(f"http://127.0.0.1:{port}"))
    finally:
        server.terminate()
        server.wait(timeout=20)
    demo_agents = {a[0] for a in AGENTS}
    assert set(routed) == {"chat", "email", "sms", "social"}
    assert all(agent in demo_agents for agent in routed.values()), routed
