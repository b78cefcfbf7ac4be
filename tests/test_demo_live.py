"""The demo's simulated contact center drives a real server: routing, conversations, ends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.servers import free_port

from kairos.demo import run_demo
from kairos.demo.arrivals import Arrivals
from kairos.demo.live import AGENTS

#: A customer every third of a second at any hour, so that a test's few contacts come at once.
BRISK = Arrivals(steady_gap_s=2.0 / 6)


def test_simulated_demo_routes_contacts_through_the_server(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    run_demo(
        host="127.0.0.1", port=free_port(), pace=6, max_threads=12, database=database,
        run_id="t", traffic="simulated", arrivals=BRISK,
    )  # fmt: skip
    with sqlite3.connect(database) as connection:
        states = dict(
            connection.execute("SELECT state, COUNT(*) FROM interactions GROUP BY state").fetchall()
        )
        agents = connection.execute("SELECT COUNT(*) FROM agents").fetchone()[0]
        decisions = connection.execute(
            "SELECT COUNT(*), COUNT(DISTINCT interaction_id) FROM routing_decisions"
        ).fetchone()
        agent_turns = connection.execute(
            "SELECT COUNT(*) FROM events e JOIN interactions i ON i.id = e.interaction_id "
            "WHERE e.type = 'utterance' AND json_extract(e.payload, '$.speaker') = 'agent' "
            "AND json_extract(e.payload, '$.agent_id') LIKE 'demo-%'"
        ).fetchone()[0]
        assessed = connection.execute(
            "SELECT COUNT(*) FROM interactions WHERE mot_score IS NOT NULL"
        ).fetchone()[0]
    assert states == {"ended": 12}  # every contact finished or hung up; none left open
    assert agents == len(AGENTS)
    assert decisions[0] >= 6 and decisions[1] >= 6  # most were routed by the server
    assert agent_turns > 0  # the routed agent speaks under their own id
    assert assessed == 12


def test_a_second_run_on_the_same_database_reuses_the_floor(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    for run_id in ("one", "two"):
        run_demo(
            host="127.0.0.1", port=free_port(), pace=6, max_threads=3, database=database,
            run_id=run_id, traffic="simulated", arrivals=BRISK,
        )  # fmt: skip
    with sqlite3.connect(database) as connection:
        total = connection.execute("SELECT COUNT(*) FROM interactions").fetchone()[0]
        queues = connection.execute("SELECT COUNT(*) FROM queues").fetchone()[0]
    assert total == 6
    assert queues == 56  # 50 of the demo floor, 6 of its queue mapping


def test_a_run_closes_the_contacts_a_killed_run_left_with_its_agents(tmp_path: Path) -> None:
    """A run killed mid-contact leaves contacts open with their agents, full for ever (the
    queue/agents view showed them at 1 / 1 and 3 / 3 with nothing to do); the next run ends them."""
    database = tmp_path / "demo.db"
    run_demo(host="127.0.0.1", port=free_port(), pace=6, max_threads=2, database=database,
             run_id="one", traffic="simulated", arrivals=BRISK)  # fmt: skip
    with sqlite3.connect(database) as connection:
        # As a kill leaves it: the contact still with the agent routing gave it.
        row_id, agent = connection.execute(
            "SELECT i.id, a.external_id FROM interactions i JOIN assignments s "
            "ON s.interaction_id = i.id JOIN agents a ON a.id = s.agent_id LIMIT 1"
        ).fetchone()
        connection.execute(
            "UPDATE interactions SET state = 'assigned', ended_at = NULL, agent_id = ? "
            "WHERE id = ?",
            (agent, row_id),
        )
    run_demo(host="127.0.0.1", port=free_port(), pace=6, max_threads=2, database=database,
             run_id="two", traffic="simulated", arrivals=BRISK)  # fmt: skip
    with sqlite3.connect(database) as connection:
        state, disposition = connection.execute(
            "SELECT state, json_extract(outcome, '$.disposition') FROM interactions WHERE id = ?",
            (row_id,),
        ).fetchone()
        still_open = connection.execute(
            "SELECT COUNT(*) FROM interactions WHERE state != 'ended'"
        ).fetchone()[0]
    assert (state, disposition) == ("ended", "closed by the demo")
    assert still_open == 0
