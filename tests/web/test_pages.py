"""The desktop and wallboard pages and their forms, through a TestClient on a real app."""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.floor import MOT_TEXT, chat_events, login

from kairos.bus import BusMessage, MemoryBus
from kairos.messages.models import KeyMessage
from kairos.runtime import Runtime
from kairos.web import driver_cache


def _listen(runtime: Runtime) -> list[tuple[str, BusMessage]]:
    seen: list[tuple[str, BusMessage]] = []
    assert isinstance(runtime.bus, MemoryBus)
    runtime.bus.listen(lambda topic, message: seen.append((topic, message)))
    return seen


def _take(client: TestClient, token: str, interaction_id: str) -> None:
    assert client.post("/v1/events", json=chat_events(interaction_id)).status_code == 200
    response = client.post("/desktop/next", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == f"/interactions/{interaction_id}"


def _timeline(client: TestClient, interaction_id: str) -> list[dict[str, Any]]:
    timeline: list[dict[str, Any]] = client.get(f"/v1/interactions/{interaction_id}").json()[
        "timeline"
    ]
    return timeline


def test_the_agent_sets_their_state(client: TestClient, runtime: Runtime) -> None:
    seen = _listen(runtime)
    token = login(client, "ava")
    response = client.post("/desktop/state", data={"state": "away", "csrf_token": token})
    assert response.status_code == 200
    assert "You are away." in response.text
    assert client.get("/v1/agents/agent-ava").json()["state"] == "away"
    assert seen[-1] == ("agents", {**seen[-1][1], "type": "agent.state_changed", "state": "away"})
    bad = client.post("/desktop/state", data={"state": "asleep", "csrf_token": token})
    assert "Unknown state" in bad.text
    nothing = client.post("/desktop/next", data={"csrf_token": token})
    assert "only an available agent takes work" in nothing.text


def test_a_notice_echoing_a_huge_form_value_keeps_the_session_cookie_small(
    client: TestClient,
) -> None:
    """A notice is kept in the signed session cookie until the next page: one quoting a form
    value of 100,000 characters made a Set-Cookie header of 130 kB (browsers drop cookies over
    4 kB, servers and proxies refuse headers that long), so notices are clipped."""
    token = login(client, "ava")
    for n in range(6):  # more notices than are kept, none of them read yet
        huge = "x" * 100_000 if n % 2 else "\U0001f600" * 50_000  # an emoji is 12 bytes in JSON
        response = client.post(
            "/desktop/state",
            data={"state": huge, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert len(response.headers["set-cookie"]) < 4096
    page = client.get("/desktop").text
    assert "Unknown state" in page and "x" * 300 not in page


def test_taking_the_next_interaction_shows_it_with_its_reasons_facts_and_playbook(
    client: TestClient,
) -> None:
    token = login(client, "ava")
    _take(client, token, "chat-1")
    page = client.get("/interactions/chat-1").text
    assert "MOMENT OF TRUTH" in page
    assert "“recital”" in page
    assert "account number</strong>: AC-7731902" in page
    assert "from IVR" in page
    assert 'data-testid="playbook"' in page
    assert 'href="/interactions/chat-1" aria-current="page"' in page
    panels = client.get("/interactions/chat-1/panels").json()
    assert set(panels) >= {"panel-banner", "panel-facts", "panel-playbook", "panel-transcript"}
    assert "recital" in panels["panel-transcript"]


def test_nothing_to_take_says_why(client: TestClient) -> None:
    token = login(client, "ava")
    response = client.post("/desktop/next", data={"csrf_token": token})
    assert "Nothing to take" in response.text


def test_a_reply_is_ingested_as_the_agents_utterance(client: TestClient) -> None:
    token = login(client, "ava")
    _take(client, token, "chat-1")
    response = client.post(
        "/interactions/chat-1/reply",
        data={"text": "It's your fault for booking late.", "csrf_token": token},
        headers={"X-Kairos-Async": "1"},
    )
    assert response.status_code == 202
    last = _timeline(client, "chat-1")[-1]
    assert last["type"] == "utterance"
    assert last["body"]["speaker"] == "agent"
    assert last["body"]["agent_id"] == "agent-ava"
    # The coaching panel answers blame with better words.
    coaching = client.get("/interactions/chat-1/panels").json()["panel-coaching"]
    assert "BLAME" in coaching
    empty = client.post(
        "/interactions/chat-1/reply",
        data={"text": "  ", "csrf_token": token},
        headers={"X-Kairos-Async": "1"},
    )
    assert empty.status_code == 422


def test_transfer_carries_the_agents_note(client: TestClient) -> None:
    token = login(client, "ava")
    _take(client, token, "chat-1")
    response = client.post(
        "/interactions/chat-1/transfer",
        data={"queue": "claims", "note": "wants a refund, ID verified", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/desktop"
    last = _timeline(client, "chat-1")[-1]
    assert last["type"] == "transfer"
    assert last["body"]["to_queue"] == "claims"
    assert "wants a refund, ID verified" in last["body"]["reason"]
    detail = client.get("/v1/interactions/chat-1").json()
    assert (detail["queue"], detail["agent_id"]) == ("claims", None)
    # Transferred away: no longer hers.
    assert client.get("/interactions/chat-1").status_code == 403


def test_escalating_a_chat_makes_a_call_that_carries_it(client: TestClient) -> None:
    token = login(client, "ava")
    _take(client, token, "chat-1")
    response = client.post(
        "/interactions/chat-1/escalate",
        data={"phone": "", "note": "call her now", "csrf_token": token},
    )
    assert "Escalated: call" in response.text
    calls = client.get("/v1/interactions", params={"channel": "call"}).json()["items"]
    assert len(calls) == 1
    again = client.post(
        "/interactions/chat-1/escalate", data={"phone": "", "note": "", "csrf_token": token}
    )
    assert "Cannot escalate" in again.text


def test_wrap_up_ends_the_contact_and_records_the_outcome(
    client: TestClient, runtime: Runtime
) -> None:
    seen = _listen(runtime)
    token = login(client, "ava")
    _take(client, token, "chat-1")
    missing = client.post("/interactions/chat-1/wrap-up", data={"csrf_token": token})
    assert "Say whether the contact was resolved" in missing.text
    done = client.post(
        "/interactions/chat-1/wrap-up",
        data={"resolved": "no", "confirmed": "", "note": "airline offline", "csrf_token": token},
    )
    assert "Wrapped up chat-1: not resolved." in done.text
    detail = client.get("/v1/interactions/chat-1").json()
    assert detail["state"] == "ended"
    assert detail["outcome"]["resolved"] is False
    assert detail["outcome"]["customer_confirmed"] is False
    assert any(m["type"] == "interaction.wrapped_up" for _, m in seen)
    changed = client.post(
        "/interactions/chat-1/wrap-up",
        data={"resolved": "yes", "confirmed": "yes", "csrf_token": token},
    )
    assert "Cannot wrap up" in changed.text


def test_the_wallboard_shows_moments_queues_and_agents(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.post("/v1/events", json=chat_events("chat-1")).status_code == 200
    login(client, "sue")
    page = client.get("/wallboard").text
    assert 'tr data-interaction="chat-1"' in page
    assert "WAITING</strong> in travel" in page
    assert "family event" in page
    assert "Today, for customers" in page
    assert page.index("Moments of truth won") < page.index("Handle time (moments apart)")
    assert 'src="/static/vendor/plotly.min.js"' in page
    data = client.get("/wallboard/panels").json()
    assert set(data["panels"]) >= {"panel-moments", "panel-queues", "panel-alerts"}
    assert set(data["charts"]) == {"chart-arrivals", "chart-service", "chart-outcomes"}
    assert "Waiting by channel: chat 1." in data["panels"]["panel-queues"]
    assert "a moment of truth is waiting" in data["panels"]["panel-alerts"]
    # The contact drivers of the last 7 days are worked out in the background, then shown.
    recent = chat_events("chat-now")
    for event in recent:
        event["occurred_at"] = datetime.now(UTC).isoformat()
    assert client.post("/v1/events", json=recent).status_code == 200
    monkeypatch.setattr(driver_cache, "REFRESH_S", 0.0)  # recompute now, not in 5 minutes
    deadline = time.monotonic() + 20
    while 'data-testid="drivers"' not in data["panels"]["panel-keymessages"]:
        assert time.monotonic() < deadline, data["panels"]["panel-keymessages"]
        time.sleep(0.2)
        data = client.get("/wallboard/panels").json()
    assert "1 contacts" in data["panels"]["panel-keymessages"]


def test_plotly_is_served_from_the_installed_package(client: TestClient) -> None:
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert b"plotly" in response.content[:2000].lower()
    assert client.get("/static/kairos/kairos.js").status_code == 200


def test_a_supervisor_posts_and_expires_a_key_message(client: TestClient, runtime: Runtime) -> None:
    seen = _listen(runtime)
    assert client.post("/v1/events", json=chat_events("chat-1")).status_code == 200
    token = login(client, "sue")
    posted = client.post(
        "/wallboard/messages",
        data={
            "title": "Denver closed",
            "body": "Rebook via COS",
            "severity": "warning",
            "queues": "travel",
            "expires_in_minutes": "60",
            "csrf_token": token,
        },
    )
    assert "Key message “Denver closed” posted." in posted.text
    message = next(m for t, m in seen if m["type"] == "key_message.posted")
    assert message["interaction_ids"] == ["chat-1"]
    assert "Denver closed" in client.get("/interactions/chat-1").text
    with runtime.db.session() as session:
        message_id = session.scalars(select(KeyMessage.id)).one()
    expired = client.post(f"/wallboard/messages/{message_id}/expire", data={"csrf_token": token})
    assert "Key message expired." in expired.text
    bad = client.post(
        "/wallboard/messages",
        data={"title": "", "body": "x", "expires_in_minutes": "5", "csrf_token": token},
    )
    assert "Key message not posted" in bad.text
    # Numbers past what the database holds are a clear 422, not a server error.
    huge = client.post(f"/wallboard/messages/{2**63}/expire", data={"csrf_token": token})
    assert huge.status_code == 422
    forever = client.post(
        "/wallboard/messages",
        data={"title": "t", "body": "x", "expires_in_minutes": str(10**12), "csrf_token": token},
    )
    assert forever.status_code == 422
    assert (
        client.post(f"/wallboard/playbooks/{2**40}", data={"csrf_token": token}).status_code == 422
    )


def test_a_supervisor_edits_a_playbook(client: TestClient) -> None:
    token = login(client, "sue")
    page = client.get("/wallboard/playbooks").text
    assert "Save playbook" not in page  # the overview is read only
    playbook = client.get("/v1/playbooks").json()
    first = (playbook["items"] if isinstance(playbook, dict) else playbook)[0]
    assert f'href="/wallboard/playbooks/{first["id"]}"' in page
    for action in first["actions"]:
        assert action["action"] in html.unescape(page)
    editor = client.get(f"/wallboard/playbooks/{first['id']}").text
    assert "Save playbook" in editor and first["title"] in editor
    assert client.get("/wallboard/playbooks/999999").status_code == 404
    assert client.get(f"/wallboard/playbooks/{2**40}").status_code == 422  # past any row id
    form = {
        "title": "Travel, edited",
        "summary": "Get them moving.",
        "stakes": ["travel_disruption"],
        "reasons": "flight cancelled",
        "cube": "",
        "actions": "Rebook on a partner airline | any cabin\nBook a hotel",
        "steps": "Confirm the deadline",
        "wording": "Leave it with me.",
        "version": str(first["version"]),
        "csrf_token": token,
    }
    saved = client.post(f"/wallboard/playbooks/{first['id']}", data=form)
    assert "Playbook “Travel, edited” saved" in saved.text
    stale = client.post(f"/wallboard/playbooks/{first['id']}", data=form)
    assert "Playbook not saved" in stale.text
    no_actions = client.post(
        f"/wallboard/playbooks/{first['id']}", data={**form, "actions": "", "version": ""}
    )
    assert "Playbook not saved" in no_actions.text


def test_a_supervisor_takes_over_a_chat(client: TestClient) -> None:
    token = login(client, "ava")
    _take(client, token, "chat-1")
    client.cookies.clear()
    token = login(client, "sue")
    page = client.get("/interactions/chat-1").text
    assert "Take over: reply as the agent" in page
    client.post(
        "/interactions/chat-1/reply", data={"text": "Sue here, I'll help.", "csrf_token": token}
    )
    last = _timeline(client, "chat-1")[-1]
    assert (last["body"]["speaker"], last["body"]["agent_id"]) == ("agent", "sue")


def test_customer_words_are_escaped_on_the_page(client: TestClient) -> None:
    token = login(client, "ava")
    _take(client, token, "chat-1")
    hostile = {
        "type": "utterance",
        "event_id": "chat-1-hostile",
        "interaction_id": "chat-1",
        "occurred_at": "2026-11-22T14:00:30+00:00",
        "speaker": "customer",
        "text": "<script>alert('x')</script> help",
    }
    assert client.post("/v1/events", json=hostile).status_code == 200
    page = client.get("/interactions/chat-1").text
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;" in page


def test_the_callback_desktop_carries_the_source_thread_and_the_note(client: TestClient) -> None:
    token = login(client, "ava")
    _take(client, token, "chat-1")
    client.post(
        "/interactions/chat-1/escalate",
        data={"phone": "", "note": "call her before 6, she is at the airport", "csrf_token": token},
    )
    source = client.get("/v1/interactions/chat-1").json()
    assert source["state"] == "escalated"  # the thread goes on as the call: not waiting
    board = client.get("/wallboard").text
    assert "NOT QUEUED" not in board and "WAITING</strong> in travel" not in board
    call = client.get("/v1/interactions", params={"channel": "call"}).json()["items"][0]
    response = client.post("/desktop/next", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == f"/interactions/{call['id']}"
    page = client.get(f"/interactions/{call['id']}").text
    assert "Escalated from chat chat-1" in page
    assert "call her before 6, she is at the airport" in page
    assert "daughter&#39;s recital" in page  # the customer's words from the chat thread
    assert 'Why: <span data-testid="decision-summary">moment of truth: ' in page
    assert "; you: certified, empathy 0.5" in page


def test_a_contact_routed_as_routine_that_became_a_moment_says_so(client: TestClient) -> None:
    """The banner reads MOMENT OF TRUTH while routing's reason still says "routine": the page
    says that routing came before the moment was read, not that the moment is routine."""
    token = login(client, "ava")
    events = chat_events("late-moment", text="Hi, could you tell me when my next bill is due?")
    events[0]["reason"] = "billing"
    assert client.post("/v1/events", json=events).status_code == 200
    taken = client.post("/desktop/next", data={"csrf_token": token}, follow_redirects=False)
    assert taken.headers["location"] == "/interactions/late-moment"
    page = client.get("/interactions/late-moment").text
    assert "ROUTINE" in page and "before it was read as a moment of truth" not in page
    words = {
        "type": "utterance",
        "event_id": "late-moment-u9",
        "interaction_id": "late-moment",
        "occurred_at": datetime.now(UTC).isoformat(),
        "speaker": "customer",
        "text": MOT_TEXT,
    }
    assert client.post("/v1/events", json=[words]).status_code == 200
    banner = client.get("/interactions/late-moment/panels").json()["panel-banner"]
    assert "MOMENT OF TRUTH" in banner
    assert "routine" in banner  # routing's reason as it was ...
    assert "as routine, before it was read as a moment of truth" in banner  # ... and why


def test_the_customers_known_identities_are_already_known(client: TestClient) -> None:
    """A chat signed in with an account and an email: the agent should not ask for either, so
    the "Already known" panel lists them (it said "Nothing yet")."""
    token = login(client, "ava")
    events = chat_events("known-ids")
    events[0]["identities"] = [
        {"kind": "account", "value": "AC00003910"},
        {"kind": "email", "value": "rosa@example.com"},
        {"kind": "chat", "value": "visitor-03910"},
    ]
    events = [e for e in events if e["type"] != "ivr.input"]  # nothing keyed in the IVR
    assert client.post("/v1/events", json=events).status_code == 200
    taken = client.post("/desktop/next", data={"csrf_token": token}, follow_redirects=False)
    assert taken.headers["location"] == "/interactions/known-ids"
    facts = client.get("/interactions/known-ids/panels").json()["panel-facts"]
    assert "Nothing yet" not in facts
    assert "<strong>account number</strong>: AC00003910" in facts
    assert "<strong>email address</strong>: rosa@example.com" in facts
    assert "visitor-03910" not in facts  # a chat visitor id is no fact the customer gave
    assert "from the customer record" in facts
