"""Customers replying under the brand's own public post are identified, one conversation each."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.channels.webhook_support import interactions, timeline

BRAND_POST = {
    "platform": "x",
    "post_id": "900",
    "handle": "@AcmeAir",
    "author_role": "agent",
    "agent_id": "social-team",
    "text": "Winter schedule is live! Tell us where you're flying.",
}


def reply(post_id: str, handle: str, text: str, to: str = "900", **extra: Any) -> dict[str, Any]:
    return {
        "platform": "x",
        "post_id": post_id,
        "thread_id": "900",
        "in_reply_to": to,
        "handle": handle,
        "text": text,
        **extra,
    }


def customer_of(client: TestClient, interaction_id: str) -> int | None:
    detail = client.get(f"/v1/interactions/{interaction_id}").json()
    customer: int | None = detail["customer_id"]
    return customer


def test_repliers_under_the_brands_post_are_each_a_known_customer(client: TestClient) -> None:
    assert client.post("/v1/channels/social", json=BRAND_POST).status_code == 200
    jane = reply("901", "@jane_doe", "My flight got cancelled and nobody answers the phone")
    bob = reply("902", "@bob", "Any flights to Lisbon in March?")
    assert client.post("/v1/channels/social", json=jane).json()["applied"] == 2
    assert client.post("/v1/channels/social", json=bob).json()["applied"] == 2
    ids = {i["id"] for i in interactions(client)}
    assert ids == {"social:x:900", "social:x:900:jane_doe", "social:x:900:bob"}
    jane_customer = customer_of(client, "social:x:900:jane_doe")
    bob_customer = customer_of(client, "social:x:900:bob")
    assert jane_customer is not None and bob_customer is not None
    assert jane_customer != bob_customer
    started = timeline(client, "social:x:900:jane_doe")[0]["body"]
    assert started["identities"] == [{"kind": "social", "value": "x:jane_doe"}]
    # The brand answers Jane under her reply: her conversation, not the post's or Bob's.
    answer = reply("903", "@AcmeAir", "So sorry Jane, DM us", to="901", author_role="agent")
    assert client.post("/v1/channels/social", json=answer).json()["applied"] == 1
    texts = [e["body"].get("text") for e in timeline(client, "social:x:900:jane_doe")]
    assert texts[-1] == "So sorry Jane, DM us"
    # Jane again under the brand's answer: still her conversation; a redelivery is a repeat.
    again = reply("904", "@jane_doe", "Done, sent you a DM", to="903")
    assert client.post("/v1/channels/social", json=again).json()["applied"] == 1
    assert client.post("/v1/channels/social", json=again).json()["applied"] == 0
    assert len(timeline(client, "social:x:900:jane_doe")) == 4
    assert len(timeline(client, "social:x:900")) == 2  # the brand's post alone


def test_a_customers_own_thread_keeps_its_repliers_in_it(client: TestClient) -> None:
    root = {**reply("800", "@carol", "Lost my bag"), "thread_id": None, "in_reply_to": None}
    assert client.post("/v1/channels/social", json=root).status_code == 200
    other = {**reply("801", "@dave", "Same here!", to="800"), "thread_id": "800"}
    assert client.post("/v1/channels/social", json=other).json()["applied"] == 1
    assert [i["id"] for i in interactions(client)] == ["social:x:800"]
