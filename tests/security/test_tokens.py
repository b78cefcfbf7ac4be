"""API tokens: random, shown once, only a SHA-256 at rest; revoked within the cache's TTL."""

from __future__ import annotations

import hashlib
import time

import pytest
from tests.channels.webhook_support import database_text
from tests.security.conftest import AppFactory, bearer
from tests.web.floor import build_floor
from typer.testing import CliRunner

from kairos import migrations
from kairos.cli import app
from kairos.config import get_settings
from kairos.db import Database
from kairos.errors import Conflict, NotFound
from kairos.runtime import Runtime
from kairos.security import tokens as token_service
from kairos.security.tokens import InvalidTokenRequest


def test_a_token_is_stored_only_as_its_sha256(
    runtime: Runtime, tokens: dict[str, str], database_url: str
) -> None:
    stored = database_text(database_url)
    for token in tokens.values():
        assert token.startswith("krs_") and len(token) >= 40
        assert token not in stored
        assert token[4:] not in stored
        assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert len(set(tokens.values())) == len(tokens)


def test_names_are_unique_and_users_must_exist(runtime: Runtime) -> None:
    token_service.create(db=runtime.db, name="crm", kind="source")
    with pytest.raises(Conflict):
        token_service.create(db=runtime.db, name="crm", kind="source")
    with pytest.raises(NotFound):
        token_service.create(db=runtime.db, name="x", kind="user", username="nobody")
    with pytest.raises(InvalidTokenRequest):
        token_service.create(db=runtime.db, name="y", kind="user")
    with pytest.raises(InvalidTokenRequest):
        token_service.create(db=runtime.db, name=" ", kind="source")
    with pytest.raises(NotFound):
        token_service.revoke(db=runtime.db, name="never-made")


def test_a_revoked_token_is_refused_once_the_cache_forgets_it(
    app_client: AppFactory, runtime: Runtime, tokens: dict[str, str]
) -> None:
    with app_client(require_tokens=True, token_cache_s=0.3) as client:
        sue = bearer(tokens["sue"])
        assert client.get("/v1/interactions", headers=sue).status_code == 200
        revoked = token_service.revoke(db=runtime.db, name="sue")
        assert revoked.revoked_at is not None
        deadline = time.monotonic() + 5
        while client.get("/v1/interactions", headers=sue).status_code == 200:
            assert time.monotonic() < deadline, "the revoked token still works after 5 s"
            time.sleep(0.05)
        assert client.get("/v1/interactions", headers=sue).status_code == 401
        # Revoking again changes nothing; other tokens still work.
        assert token_service.revoke(db=runtime.db, name="sue").revoked_at == revoked.revoked_at
        assert client.get("/v1/interactions", headers=bearer(tokens["root"])).status_code == 200


def test_last_use_is_recorded_lazily(
    app_client: AppFactory, runtime: Runtime, tokens: dict[str, str]
) -> None:
    with app_client(require_tokens=True) as client:
        for _ in range(3):
            assert client.get("/v1/messages", headers=bearer(tokens["ava"])).status_code == 200
        with runtime.db.session() as session:
            # Not on every request: queued in memory.
            assert token_service.get_by_name(session=session, name="ava").last_used_at is None  # type: ignore[union-attr]
    # Written on shutdown (and every 30 s while running).
    with runtime.db.session() as session:
        listed = {t.name: t for t in token_service.get_all(session=session)}
    assert listed["ava"].last_used_at is not None
    assert listed["ben"].last_used_at is None


@pytest.fixture
def cli_database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    migrations.upgrade(sqlite_url)
    db = Database(sqlite_url)
    build_floor(db)
    db.dispose()
    monkeypatch.setenv("KAIROS_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def test_the_cli_creates_lists_and_revokes(cli_database: str) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["tokens", "create", "--source", "genesys"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("krs_")
    user = runner.invoke(app, ["tokens", "create", "--user", "sue"])
    assert user.exit_code == 0, user.output
    listed = runner.invoke(app, ["tokens", "list"])
    assert listed.exit_code == 0
    assert "genesys" in listed.stdout and "source" in listed.stdout and "sue" in listed.stdout
    assert token not in listed.stdout and token[4:20] not in listed.stdout
    assert runner.invoke(app, ["tokens", "revoke", "genesys"]).exit_code == 0
    unknown = runner.invoke(app, ["tokens", "revoke", "nope"])
    assert unknown.exit_code == 1 and "nope" in unknown.output  # one red line, no traceback
    assert isinstance(unknown.exception, SystemExit)
    assert runner.invoke(app, ["tokens", "create"]).exit_code == 2
    assert runner.invoke(app, ["tokens", "create", "--source", "genesys"]).exit_code == 1
    assert runner.invoke(app, ["tokens", "create", "--user", "nobody"]).exit_code == 1
    db = Database(cli_database)
    with db.session() as session:
        caller = token_service.lookup(session=session, token_hash=token_service.hash_token(token))
    db.dispose()
    assert caller is None  # revoked


def test_the_cli_rotates_a_source_token_under_the_same_source(cli_database: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["tokens", "create", "--source", "genesys"]).exit_code == 0
    made = runner.invoke(app, ["tokens", "create", "--source", "genesys", "--name", "genesys-2"])
    assert made.exit_code == 0, made.output
    assert "genesys-2" in made.output and "for source genesys" in made.output
    token = made.stdout.strip().splitlines()[-1]
    assert runner.invoke(app, ["tokens", "revoke", "genesys"]).exit_code == 0
    db = Database(cli_database)
    with db.session() as session:
        caller = token_service.lookup(session=session, token_hash=token_service.hash_token(token))
    db.dispose()
    assert caller is not None and caller.name == "genesys-2" and caller.source == "genesys"
