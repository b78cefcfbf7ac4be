"""A customer who told the centre to stop contacting them is not contacted: the follow-up, the
notice and the "you said, we did" are held back, counted, listed with why, and in the ledger."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.outcomes.conftest import enable_rules, post_events, recent
from tests.outcomes.support import _lost

from kairos.runtime import Runtime


def _customer_of(client: TestClient, interaction_id: str) -> int:
    return int(client.get(f"/v1/interactions/{interaction_id}").json()["customer_id"])


def _set(client: TestClient, customer_id: int, **body: Any) -> Any:
    response = client.put(f"/v1/customers/{customer_id}/contact-preference", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _tasks(client: TestClient, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/v1/outreach/tasks", params=params).json()["items"]
    return items


def test_an_opted_out_customer_gets_no_follow_up(client: TestClient, runtime: Runtime) -> None:
    enable_rules(client)
    # A first contact, put right: the customer asks the agent never to be called back.
    post_events(client, recent(_lost("first", reason="lost baggage", phone="+14155550601")))
    customer_id = _customer_of(client, "first")
    assert len(_tasks(client, kind="follow_up")) == 1  # before the opt-out: called back
    pref = _set(client, customer_id, proactive=False, updated_by="agent ana")
    assert (pref["proactive"], pref["source"], pref["updated_by"]) == (False, "api", "agent ana")
    # A second lost moment of theirs: no call is made, and the list says why.
    post_events(client, recent(_lost("second", reason="flight cancelled", phone="+14155550601")))
    held = _tasks(client, status="suppressed")
    # The first one, queued before the opt-out, was taken out of the queue by it; the second
    # was never made a call.
    seen = [
        (t["source_interaction_id"], t["result"], t["task_interaction_id"] is None) for t in held
    ]
    assert seen == [("second", "opted_out", True), ("first", "opted_out", False)]
    queued = [t["source_interaction_id"] for t in _tasks(client, kind="follow_up")]
    assert sorted(queued) == ["first", "second"]  # the suppressed ones are listed, not called
    assert client.get("/v1/interactions", params={"limit": 100}).json()["total"] == 3
    # Counted, and in the consent ledger with the task it held back.
    assert 'kairos_outreach_suppressed_total{kind="follow_up",reason="opted_out"} 2' in (
        client.get("/metrics").text
    )
    ledger = client.get(f"/v1/customers/{customer_id}/contact-preference").json()["history"]
    assert [e["action"] for e in ledger] == ["suppressed", "suppressed", "set"]
    assert f"task {held[0]['id']}" in ledger[0]["detail"]
    # The same review again (a late wrap-up) holds back nothing twice.
    client.post("/v1/interactions/second/wrap-up", json={"resolved": False})
    assert len(_tasks(client, status="suppressed")) == 2


def test_a_channel_opted_out_of_keeps_the_others(client: TestClient) -> None:
    enable_rules(client)
    post_events(client, recent(_lost("warm", reason="x", phone="+14155550602")[:1]))
    customer_id = _customer_of(client, "warm")
    _set(client, customer_id, channels_off=["sms"])
    # The follow-up rule calls (channel "call"): an SMS opt-out does not stop it.
    post_events(client, recent(_lost("lost", reason="refund", phone="+14155550602")))
    [task] = _tasks(client, kind="follow_up")
    assert task["status"] == "queued"
    # Moved to SMS, the rule is held back for this customer.
    rule = next(r for r in client.get("/v1/outreach/rules").json()["items"]
                if r["trigger"] == "moment_lost")  # fmt: skip
    client.patch(f"/v1/outreach/rules/{rule['id']}", json={"channel": "sms"})
    post_events(client, recent(_lost("lost2", reason="other", phone="+14155550602")))
    assert [t["result"] for t in _tasks(client, status="suppressed")] == ["opted_out_sms"]


def test_bad_preferences_are_refused_and_nothing_changes(client: TestClient) -> None:
    post_events(client, recent(_lost("c", reason="x", phone="+14155550603")[:1]))
    customer_id = _customer_of(client, "c")
    path = f"/v1/customers/{customer_id}/contact-preference"
    assert client.put(path, json={"channels_off": ["fax"]}).status_code == 422
    assert client.put(path, json={"proactive": "maybe"}).status_code == 422
    assert client.put(path, json={"colour": "red"}).status_code == 422
    assert client.put("/v1/customers/999999/contact-preference", json={}).status_code == 404
    assert client.get("/v1/customers/999999/contact-preference").status_code == 404
    pref = client.get(path).json()
    assert (pref["proactive"], pref["channels_off"], pref["history"]) == (True, [], [])


def test_a_merge_keeps_the_stricter_preference(client: TestClient) -> None:
    post_events(client, recent(_lost("p1", reason="x", phone="+14155550604")[:1]))
    post_events(client, recent(_lost("p2", reason="x", phone="+14155550605")[:1]))
    post_events(client, recent(_lost("p3", reason="x", phone="+14155550606")[:1]))
    a, b, c = (_customer_of(client, i) for i in ("p1", "p2", "p3"))
    _set(client, a, channels_off=["sms"])
    _set(client, b, proactive=False, channels_off=["email"])
    # The one merged away had opted out of everything: the one that remains now has too.
    assert client.post(f"/v1/customers/{a}/merge", json={"from_customer_id": b}).status_code == 200
    pref = client.get(f"/v1/customers/{a}/contact-preference").json()
    assert (pref["proactive"], pref["channels_off"], pref["source"]) == (
        False, ["email", "sms"], "merge")  # fmt: skip
    assert pref["history"][0]["action"] == "merged"
    # A customer who said nothing merged into one who opted out: still opted out.
    assert client.post(f"/v1/customers/{c}/merge", json={"from_customer_id": a}).status_code == 200
    assert client.get(f"/v1/customers/{c}/contact-preference").json()["proactive"] is False


def test_you_said_we_did_is_not_sent_to_who_opted_out(client: TestClient) -> None:
    from tests.outcomes.support import BAGS, _contact

    for n, text in enumerate(BAGS):
        _contact(client, f"b{n}", f"+1415555070{n}")
        client.post(f"/v1/interactions/b{n}/survey", json={"csat": 2, "text": text})
    _set(client, _customer_of(client, "b0"), proactive=False)
    [theme] = client.post("/v1/feedback/themes/rebuild").json()["items"]
    action = client.post("/v1/feedback/actions", json={
        "theme_id": theme["id"], "title": "Bag tracking", "owner": "ops"}).json()  # fmt: skip
    shipped = client.patch(f"/v1/feedback/actions/{action['id']}", json={"status": "shipped"})
    assert shipped.json()["customers_told"] == 2
    told = _tasks(client, kind="you_said")
    assert sorted((t["status"], t["result"]) for t in told if t["status"] != "queued") == [
        ("suppressed", "opted_out")
    ]
    assert 'kairos_outreach_suppressed_total{kind="you_said",reason="opted_out"} 1' in (
        client.get("/metrics").text
    )
