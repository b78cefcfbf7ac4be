"""An erasure reaches what the process holds in memory, not only the database and the bus.

Each memory is filled through the real path (events ingested through the API, the wallboard
read by a signed-in supervisor), the customer is erased through the API, and what the memory
held of them is gone: by contact where the memory knows its contacts (the routing board), whole
where it holds words and knows nobody (the memos of the semantic tier and of coaching, the
wallboard's contact drivers). AudioHook callers' baselines: ``test_audiohook_beginnings.py``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from tests.privacy.conftest import customer_of
from tests.security.conftest import bearer
from tests.web.floor import chat_events, login

from kairos.assist import coaching
from kairos.bus import MemoryBus
from kairos.detection.detector_contracts import default_semantic
from kairos.detection.live import DetectorCache, default_factory
from kairos.detection.semantic_memo import SemanticMemo
from kairos.detection.text_memo import TextMemo
from kairos.events import Event
from kairos.interactions import ingesting
from kairos.runtime import Runtime
from kairos.services import Services
from kairos.web import driver_cache

EVENTS: TypeAdapter[list[Event]] = TypeAdapter(list[Event])
ERASED = {
    "id": "chat-mem-1",
    "phone": "+14155550461",
    "words": "the Quetzalcoatl Pinwheel refund for my cancelled flight never came",
    "agent": "that's not my department, Fizzbanger, you'll have to call the airline",
}
KEPT = {
    "id": "chat-mem-2",
    "phone": "+14155550462",
    "words": "my suitcase never came off the flight from Lisbon",
    "agent": "that's not my department, you'll have to call baggage services",
}


def _chat(who: dict[str, str], *, queue: str | None = "travel") -> list[dict[str, Any]]:
    """A chat from ``who`` now: their words, and the agent's (which coaching reads)."""
    events = chat_events(who["id"], text=who["words"], queue=queue)
    events[0]["identities"] = [{"kind": "phone", "value": who["phone"]}]
    now = datetime.now(UTC) - timedelta(seconds=30)
    for i, event in enumerate(events):
        event["occurred_at"] = (now + timedelta(seconds=i)).isoformat()
    agent = {**events[-1], "event_id": f"{who['id']}-a1", "speaker": "agent",
             "agent_id": "agent-ava", "text": who["agent"]}  # fmt: skip
    agent["occurred_at"] = (now + timedelta(seconds=5)).isoformat()
    return [*events, agent]


def _end(who: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "interaction.ended", "event_id": f"{who['id']}-end",
        "interaction_id": who["id"], "occurred_at": datetime.now(UTC).isoformat(),
    }  # fmt: skip


def _erase(client: TestClient, tokens: dict[str, str], runtime: Runtime, phone: str) -> None:
    customer_id = customer_of(runtime.db, phone)
    response = client.post(f"/v1/customers/{customer_id}/erasure", headers=bearer(tokens["root"]))
    assert response.status_code == 200, response.text


def _examples() -> list[str]:
    return [e for _, found in driver_cache._state.values() for d in found for e in d.examples]


def _drivers_shown(client: TestClient, words: str) -> None:
    """Read the wallboard until its contact drivers (worked out in the background) quote
    ``words``."""
    deadline = time.monotonic() + 30
    while not any(words in e for e in _examples()):
        assert time.monotonic() < deadline, _examples()
        assert client.get("/wallboard/panels").status_code == 200
        time.sleep(0.2)


def test_the_memos_of_words_and_the_wallboards_drivers_lose_the_erased_customer(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    pbx = bearer(tokens["pbx"])
    for who in (ERASED, KEPT):
        response = secured.post("/v1/events", json=_chat(who), headers=pbx)
        assert response.status_code == 200, response.text
        assert secured.post("/v1/events", json=[_end(who)], headers=pbx).status_code == 200
    semantic = default_semantic()
    assert isinstance(semantic, SemanticMemo)
    # The live coaching read each agent's words, the semantic tier each customer's.
    for who in (ERASED, KEPT):
        assert (who["agent"], None) in coaching._remembered
        assert (who["words"],) in semantic.memo
    login(secured, "sue")
    monkeypatch.setattr(driver_cache, "REFRESH_S", 0.0)  # worked out now, not in 5 minutes
    _drivers_shown(secured, ERASED["words"])

    _erase(secured, tokens, runtime, ERASED["phone"])

    assert (ERASED["agent"], None) not in coaching._remembered
    assert (ERASED["words"],) not in semantic.memo
    assert not any(ERASED["words"] in e for e in _examples())
    # These memos know no one, so they are emptied whole: the other customer's words are read
    # again when next needed, and the drivers worked out again from what the database holds.
    assert len(coaching._remembered) == 0 and len(semantic.memo) == 0
    assert coaching.coach(KEPT["agent"]) and (KEPT["agent"], None) in coaching._remembered
    _drivers_shown(secured, KEPT["words"])
    assert not any(ERASED["words"] in e for e in _examples())


def test_a_reading_under_way_when_a_memo_is_emptied_is_not_kept() -> None:
    """A turn read before the erasure (its reading finishing after) does not come back."""
    said = "read while the erasure empties the memo"
    memo: TextMemo[int] = TextMemo(lambda text: (memo.clear(), len(text))[1], maxsize=4)
    assert memo.get(said) == len(said) and len(memo) == 0
    kept: TextMemo[int] = TextMemo(len, maxsize=4)  # no erasure meanwhile: kept
    assert kept.get(said) == len(said) and (said,) in kept


def test_the_routing_board_drops_an_erased_contact_it_missed_the_end_of(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    """A contact ended where the board did not hear it (a stream entry the erasure deleted
    before the board read it: here, another process on a bus of its own) stays on the board
    until its customer's erasure drops it; the other customer's waiting contact stays."""
    board = runtime.routing_board
    assert board is not None
    pbx = bearer(tokens["pbx"])
    for who in (ERASED, KEPT):
        response = secured.post("/v1/events", json=_chat(who)[:3], headers=pbx)
        assert response.status_code == 200, response.text
    board.drain()
    assert {ERASED["id"], KEPT["id"]} <= set(board.waiting)
    elsewhere = Services(settings=runtime.settings, db=runtime.db, bus=MemoryBus(),
                         detectors=DetectorCache(default_factory()))  # fmt: skip
    ingesting.ingest(elsewhere, EVENTS.validate_python([_end(ERASED)]))
    board.drain()
    assert ERASED["id"] in board.waiting  # the board never heard the end

    _erase(secured, tokens, runtime, ERASED["phone"])

    board.drain()
    assert ERASED["id"] not in board.waiting and board.snapshot(ERASED["id"]) is None
    assert KEPT["id"] in board.waiting and board.snapshot(KEPT["id"]) is not None
