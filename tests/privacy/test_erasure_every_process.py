"""An erasure reaches every process: two runtimes share a real redis-server (as two API
processes, or an API process and a worker, do); the one that did not erase drops its live
detectors of the erased customer's contacts too, and keeps the other customer's. A process that
may have missed an erasure drops every detector and empties its memos of what was said."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pydantic import TypeAdapter
from tests.factories import ended, started, utterance
from tests.privacy.conftest import customer_of, stream_entries
from tests.servers import RedisServer

from kairos.config import Settings
from kairos.detection.detector_contracts import default_semantic
from kairos.detection.semantic_memo import SemanticMemo
from kairos.events import Event
from kairos.interactions import ingesting
from kairos.privacy import flows
from kairos.runtime import Runtime

EVENTS: TypeAdapter[list[Event]] = TypeAdapter(list[Event])
SAID = "My refund for the cancelled flight never arrived"


@pytest.fixture
def two_processes(migrated_url: str, redis_url: str) -> Iterator[tuple[Runtime, Runtime]]:
    """Two runtimes on one database and one Redis bus, each with its own detectors."""
    settings = Settings(database_url=migrated_url, redis_url=redis_url)
    first = Runtime.build(settings)
    second = Runtime.build(settings)
    yield first, second
    second.close()
    first.close()


def _contact(runtime: Runtime, interaction_id: str, phone: str) -> None:
    events = [
        started(interaction_id, phone=phone),
        utterance(interaction_id, SAID, seconds=5),
        ended(interaction_id, resolved=False),
    ]
    ingesting.ingest(runtime, EVENTS.validate_python(events))


def _held(runtime: Runtime, interaction_id: str) -> bool:
    return runtime.detectors.get(interaction_id) is not None


def test_an_erasure_in_one_process_drops_the_detectors_another_holds(
    two_processes: tuple[Runtime, Runtime], redis_url: str
) -> None:
    erasing, other = two_processes
    _contact(other, "gone-1", "+14155550931")
    _contact(other, "gone-2", "+14155550931")
    _contact(other, "kept-1", "+14155550932")
    assert all(_held(other, i) for i in ("gone-1", "gone-2", "kept-1"))
    assert not _held(erasing, "gone-1")  # the erasing process never saw these contacts

    flows.erase_customer(
        db=erasing.db, bus=erasing.bus, detectors=erasing.detectors,
        customer_id=customer_of(erasing.db, "+14155550931"), erased_by="dpo",
    )  # fmt: skip

    deadline = time.monotonic() + 10
    while _held(other, "gone-1") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _held(other, "gone-1") and not _held(other, "gone-2")
    assert _held(other, "kept-1")  # the other customer's contact is untouched
    # The message that reached it names neither contact nor customer.
    told = [f["m"] for f in stream_entries(redis_url, "kairos:stream:privacy")]
    assert len(told) == 1 and "gone-" not in told[0] and "customer_id" not in told[0]


def test_a_process_that_may_have_missed_an_erasure_drops_every_detector(
    two_processes: tuple[Runtime, Runtime], redis_server: RedisServer
) -> None:
    """Redis away and back empty: an erasure told meanwhile is lost, so nothing is kept."""
    _, other = two_processes
    _contact(other, "held-1", "+14155550933")
    assert _held(other, "held-1")
    semantic = default_semantic()
    assert isinstance(semantic, SemanticMemo) and (SAID,) in semantic.memo
    memo = semantic.memo
    redis_server.stop()
    time.sleep(1)
    redis_server.start()
    deadline = time.monotonic() + 20
    while _held(other, "held-1") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _held(other, "held-1")
    # The memos of what was said (which know no one) are emptied too.
    assert (SAID,) not in memo and len(memo) == 0
