"""The traffic generator: valid Kairos events, in time order, the same for a seed."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest

from kairos.events import event_adapter
from kairos.simulation.scenario import CELLS, Scenario
from kairos.simulation.scripts import BY_CELL, SCRIPTS
from kairos.simulation.traffic import contacts, traffic

START = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_every_event_validates_and_the_stream_is_in_time_order() -> None:
    events = list(traffic(seed=1, start=START, contacts_count=200))
    for event in events:
        parsed = event_adapter.validate_json(event.model_dump_json())
        assert parsed == event
    times = [e.occurred_at for e in events]
    assert times == sorted(times) and times[0] == START
    assert len({e.event_id for e in events}) == len(events)
    kinds = {e.type for e in events}
    assert kinds >= {"interaction.started", "utterance", "ivr.selection", "ivr.input",
                     "interaction.ended", "survey.response", "transfer"}  # fmt: skip


def test_each_contact_starts_first_and_ends_before_its_survey() -> None:
    by_interaction: dict[str, list[str]] = defaultdict(list)
    for event in traffic(seed=2, start=START, contacts_count=100):
        by_interaction[event.interaction_id].append(event.type)
    assert len(by_interaction) == 100
    for types in by_interaction.values():
        assert types[0] == "interaction.started"
        assert types.count("interaction.ended") == 1
        assert types[-1] in ("interaction.ended", "survey.response")
        assert "utterance" in types


def test_the_same_seed_gives_the_same_events() -> None:
    first = [e.model_dump() for e in traffic(seed=7, start=START, contacts_count=50)]
    again = [e.model_dump() for e in traffic(seed=7, start=START, contacts_count=50)]
    other = [e.model_dump() for e in traffic(seed=8, start=START, contacts_count=50)]
    assert first == again
    assert first != other


def test_cells_follow_the_scenario_and_texts_are_filled_in() -> None:
    all_crisis = Scenario(cell_mix=(0, 0, 0, 0, 0, 0, 1, 1))
    drawn = list(contacts(seed=3, start=START, count=60, scenario=all_crisis))
    assert {c.cell for c in drawn} <= {CELLS[6], CELLS[7]}
    for contact in drawn:
        for event in contact.events:
            text = getattr(event, "text", None) or ""
            assert "{" not in text
    assert any(c.script.deadline_minutes for c in drawn)


def test_every_cell_has_several_scripts() -> None:
    assert set(BY_CELL) == set(CELLS)
    assert all(len(scripts) >= 3 for scripts in BY_CELL.values())
    assert len({s.reason for s in SCRIPTS}) == len(SCRIPTS)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next(traffic(seed=1, start=datetime(2026, 1, 1)))
