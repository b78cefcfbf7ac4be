"""Detection by workers, in one process: catch-up assesses exactly what inline detection would,
once per event, whichever worker gets which message, and the sweep finds what the stream lost."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.factories import ended, started, utterance

from kairos.bus import MemoryBus
from kairos.config import Settings
from kairos.db import Database
from kairos.detection.live import DetectorCache, default_factory
from kairos.events import event_adapter
from kairos.interactions import service
from kairos.interactions.detecting import DetectionWorker, Sweeper, catch_up
from kairos.interactions.models import AssessmentRecord, EventRecord, Interaction
from kairos.runtime import Runtime

pytest.importorskip("kairos.detection.detector")

CONVERSATION = [
    ("customer", "My flight to Denver just got cancelled"),
    ("agent", "I'm sorry to hear that, let me look"),
    ("customer", "I have to be at my daughter's recital by 7 tonight, this is the third time"),
    ("agent", "I can see the cancellation on your booking"),
    ("customer", "If you can't fix this I'm cancelling my account, I'm furious"),
    ("agent", "I will rebook you on the 3pm flight and waive the fee"),
    ("customer", "ok thank you"),
]


def _events(interaction_id: str) -> list[dict[str, Any]]:
    events = [started(interaction_id, channel="chat", timezone="America/New_York")]
    events += [
        utterance(
            interaction_id, text, speaker=speaker, event_id=f"{interaction_id}-{n}", seconds=n
        )
        for n, (speaker, text) in enumerate(CONVERSATION, start=1)
    ]
    return [*events, ended(interaction_id)]


def _runtime(url: str, *, inline: bool, bus: MemoryBus | None = None) -> Runtime:
    return Runtime(
        settings=Settings(database_url=url),
        db=Database(url),
        bus=bus or MemoryBus(),
        detectors=DetectorCache(default_factory(), inline=inline, max_lag=1_000),
    )


def _ingest(rt: Runtime, events: list[dict[str, Any]]) -> None:
    service.ingest(
        db=rt.db,
        events=[event_adapter.validate_python(e) for e in events],
        bus=rt.bus,
        detectors=rt.detectors,
        metrics=rt.metrics,
    )


def _assessments(rt: Runtime) -> list[tuple[str, float, str]]:
    with rt.db.session() as session:
        rows = session.execute(
            select(
                AssessmentRecord.event_id, AssessmentRecord.mot_score, AssessmentRecord.cube
            ).order_by(AssessmentRecord.event_id)
        ).all()
    return [(e, round(s, 9), c) for e, s, c in rows]


@pytest.fixture
def urls(migrated_url: str, tmp_path: Any) -> Iterator[tuple[str, str]]:
    """Two databases: one for inline detection, one for workers."""
    from kairos import migrations

    other = f"sqlite:///{tmp_path / 'inline.db'}"
    migrations.upgrade(other)
    yield other, migrated_url


def test_workers_assess_exactly_what_inline_detection_does(urls: tuple[str, str]) -> None:
    inline = _runtime(urls[0], inline=True)
    # Two workers, each with its own detectors: they share the work event by event, so each
    # often finds its cached detector behind the database and rebuilds it.
    bus = MemoryBus()
    first, second = (
        _runtime(urls[1], inline=False, bus=bus),
        _runtime(urls[1], inline=False, bus=bus),
    )
    events = _events("c1")
    for n, event in enumerate(events):
        _ingest(inline, [event])
        _ingest(first, [event])
        if n % 3 != 2:  # sometimes two events arrive before any worker gets to them
            catch_up([first, second][n % 2], "c1")
    catch_up(second, "c1")
    expected = _assessments(inline)
    assert len(expected) == len(CONVERSATION)
    assert _assessments(first) == expected
    with first.db.session() as session:
        row = session.scalar(select(Interaction).where(Interaction.external_id == "c1"))
        assert row is not None and row.assessed_seq == row.event_count == len(events)
        with inline.db.session() as other:
            mine = other.scalar(select(Interaction).where(Interaction.external_id == "c1"))
            assert mine is not None
            assert row.mot_score == pytest.approx(mine.mot_score)
            assert row.cube == mine.cube
    assert first.metrics.detector_rebuilds.value() + second.metrics.detector_rebuilds.value() >= 2
    for rt in (inline, first, second):
        rt.db.dispose()


def test_an_edit_is_read_in_its_originals_place_by_workers_as_inline(
    urls: tuple[str, str],
) -> None:
    inline = _runtime(urls[0], inline=True)
    bus = MemoryBus()
    first, second = (
        _runtime(urls[1], inline=False, bus=bus),
        _runtime(urls[1], inline=False, bus=bus),
    )
    edit = utterance("c6", "no rush, next week is fine", event_id="c6-3-edit", seconds=3.5)
    events = _events("c6")
    events.insert(5, {**edit, "edit_of": "c6-3"})  # after the line with the recital deadline
    for n, event in enumerate(events):
        _ingest(inline, [event])
        _ingest(first, [event])
        catch_up([first, second][n % 2], "c6")  # the edit finds the other worker's detector
    expected = _assessments(inline)
    assert "c6-3-edit" in {e for e, _, _ in expected}
    assert _assessments(first) == expected
    for rt in (inline, first):
        with rt.db.session() as session:
            row = session.scalar(select(Interaction).where(Interaction.external_id == "c6"))
            assert row is not None and row.assessment is not None
            assert row.assessment["deadline"] is None  # "by 7 tonight" was edited away
    for rt in (inline, first, second):
        rt.db.dispose()


def test_a_redelivered_event_adds_no_second_assessment(migrated_url: str) -> None:
    bus = MemoryBus()
    rt = _runtime(migrated_url, inline=False, bus=bus)
    published: list[dict[str, Any]] = []
    bus.listen(lambda topic, message: published.append(message), "events")
    _ingest(rt, _events("c2"))
    assert _assessments(rt) == []  # the API process stored and published, nothing more
    applied = [m for m in published if m["type"] == "event.applied"]
    assert [m["seq"] for m in applied] == list(range(1, len(CONVERSATION) + 3))

    worker = DetectionWorker(rt)
    for _ in range(3):  # at-least-once: every message delivered three times, in reverse order
        for message in reversed(applied):
            worker("events", message)
    assert len(_assessments(rt)) == len(CONVERSATION)
    assert rt.metrics.events_assessed.value() == len(CONVERSATION) + 2
    assert catch_up(rt, "c2") == 0
    rt.db.dispose()


def test_the_sweep_catches_up_what_the_stream_lost(migrated_url: str) -> None:
    rt = _runtime(migrated_url, inline=False)
    _ingest(rt, _events("c3"))
    _ingest(rt, _events("c4")[:3])
    sweeper = Sweeper(rt, interval_s=60)
    assert sweeper.sweep_once() == 0  # first sight: a worker may be on it still
    assert set(sweeper.behind()) == {"c3", "c4"}
    assert sweeper.sweep_once() == 2  # still behind an interval later: caught up here
    assert sweeper.behind() == {}
    assert len(_assessments(rt)) == len(CONVERSATION) + 2
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(EventRecord)) == 9 + 3
    assert rt.metrics.interactions_swept.value() == 2
    rt.db.dispose()


def test_inline_detection_keeps_assessed_seq_current(migrated_url: str) -> None:
    rt = _runtime(migrated_url, inline=True)
    _ingest(rt, _events("c5"))
    assert Sweeper(rt, interval_s=60).behind() == {}
    assert catch_up(rt, "c5") == 0
    rt.db.dispose()
