"""``kairos demo`` creates sign-ins: a supervisor, an admin, and one user per simulated agent."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.servers import free_port

from kairos import migrations
from kairos.auth import service as auth_service
from kairos.db import Database
from kairos.demo import run_demo
from kairos.demo.arrivals import Arrivals
from kairos.demo.live import AGENTS
from kairos.demo.users import DEMO_PASSWORD, create_demo_users

#: A customer every third of a second at any hour, so that a test's few contacts come at once.
BRISK = Arrivals(steady_gap_s=2.0 / 6)


def test_the_demo_maps_its_simulated_agents_to_users(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    run_demo(
        host="127.0.0.1", port=free_port(), pace=6, max_threads=2, database=database,
        run_id="t", traffic="simulated", arrivals=BRISK,
    )  # fmt: skip
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT u.username, u.role, a.external_id FROM users u "
            "LEFT JOIN agents a ON a.id = u.agent_id ORDER BY u.username"
        ).fetchall()
    users = {username: (role, agent) for username, role, agent in rows}
    assert users["supervisor"] == ("supervisor", None)
    assert users["admin"] == ("admin", None)
    for agent_id, *_ in AGENTS:
        assert users[agent_id.removeprefix("demo-")] == ("agent", agent_id)


def test_demo_users_are_kept_across_runs_and_sign_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrations.upgrade(url)
    first = create_demo_users(url, with_agents=False)
    again = create_demo_users(url, with_agents=False)
    assert first == again
    db = Database(url)
    try:
        assert auth_service.authenticate(db=db, username="supervisor", password=DEMO_PASSWORD)
        with db.session() as session:
            supervisor = auth_service.get_by_username(session=session, username="supervisor")
            assert supervisor is not None
            principal = auth_service.principal(session=session, user=supervisor)
        assert principal.teams == ("floor",)
    finally:
        db.dispose()
