"""``kairos users create`` and ``kairos users list``."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kairos import migrations
from kairos.auth import service
from kairos.cli import app
from kairos.config import get_settings
from kairos.db import Database
from kairos.routing import service as routing_service
from kairos.routing.schemas import AgentCreate


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    migrations.upgrade(sqlite_url)
    monkeypatch.setenv("KAIROS_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def test_users_create_links_an_agent_and_hashes_the_password(database: str) -> None:
    db = Database(database)
    routing_service.create_agent(db=db, agent_in=AgentCreate(external_id="a-1", name="Ann Lee"))
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["users", "create", "ann", "--role", "agent", "--agent", "a-1", "--team", "north"],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert result.exit_code == 0, result.output
    with db.session() as session:
        user = service.get_by_username(session=session, username="ann")
        assert user is not None
        assert service.verify_password(user.password_hash, "s3cret-pass")
        out = service.user_out(session=session, user=user)
    assert (out.role, out.agent_id, out.teams, out.display_name) == (
        "agent",
        "a-1",
        ["north"],
        "Ann Lee",
    )
    listed = runner.invoke(app, ["users", "list"])
    assert listed.exit_code == 0
    assert "ann" in listed.output
    db.dispose()


def test_users_create_refuses_bad_input(database: str) -> None:
    runner = CliRunner()
    short = runner.invoke(app, ["users", "create", "bob", "--role", "admin", "--password", "short"])
    assert short.exit_code == 2
    no_agent = runner.invoke(
        app, ["users", "create", "bob", "--role", "agent", "--password", "long-enough"]
    )
    assert no_agent.exit_code == 1
    assert "routing agent" in no_agent.output
    bad_role = runner.invoke(
        app, ["users", "create", "bob", "--role", "boss", "--password", "long-enough"]
    )
    assert bad_role.exit_code == 2
    # A mistake in the arguments is said before the password is asked for, not after it was
    # typed twice.
    asked = runner.invoke(app, ["users", "create", "bob", "--role", "boss"], input="")
    assert asked.exit_code == 2
    assert "role" in asked.output and "Password" not in asked.output
    prompted = runner.invoke(
        app, ["users", "create", "cy", "--role", "admin"], input="long-enough\nlong-enough\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert "Password" in prompted.output and "created admin cy" in prompted.output
