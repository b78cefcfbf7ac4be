"""A dead letter stays in Redis for weeks (up to 10,000 a topic) and is read by an admin: its
``error`` names the error by class, never the driver's message, which may quote a customer's
words or number (a trigger's text, a constraint's ``DETAIL``). A letter written before kept that
message; an erasure scrubs it, whoever it is about, since nothing in it says whose words it
quotes. A real redis-server, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.privacy.conftest import ERASED, KEPT, redis_client
from tests.security.conftest import bearer
from tests.servers import REDIS_SERVER

from kairos.bus import BusMessage, RedisBus
from kairos.bus.dead_letters import list_dead
from kairos.db import Database
from kairos.runtime import Runtime

pytestmark = [
    pytest.mark.skipif(
        REDIS_SERVER is None, reason="no redis-server binary (apt-get install redis-server)"
    ),
    pytest.mark.redis_bus,
]

WORDS = "my parrot Marmaduke Fizzwhistle missed the flight"


@pytest.fixture
def refusing(database_url: str) -> Iterator[Database]:
    """A database with a table whose trigger refuses every row, quoting it as a constraint's
    ``DETAIL`` quotes the value it refused (SQLite's trigger can only say fixed words)."""
    db = Database(database_url)
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
        if db.is_sqlite:
            connection.execute(text(
                "CREATE TRIGGER refuse_notes BEFORE INSERT ON notes "
                f"BEGIN SELECT RAISE(ABORT, 'refused: {WORDS}'); END"
            ))  # fmt: skip
        else:
            connection.execute(text(
                "CREATE FUNCTION refuse_notes() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused: %', NEW.body; END $$ LANGUAGE plpgsql"
            ))  # fmt: skip
            connection.execute(text(
                "CREATE TRIGGER refuse_notes BEFORE INSERT ON notes "
                "FOR EACH ROW EXECUTE FUNCTION refuse_notes()"
            ))  # fmt: skip
    yield db
    db.dispose()


def test_a_dead_letter_names_a_database_error_by_class(refusing: Database, redis_url: str) -> None:
    def store(topic: str, message: BusMessage) -> None:
        with refusing.engine.begin() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": message["n"]})

    bus = RedisBus(redis_url, block_ms=100, claim_idle_ms=200, max_attempts=2)
    try:
        bus.listen(store, "orders", group="notes")
        bus.publish("orders", {"n": WORDS})
        deadline = time.monotonic() + 20
        while not list_dead(redis_url) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        bus.close()
    [letter] = list_dead(redis_url)
    assert "INSERT INTO notes" in letter.error, letter.error  # which statement failed, and
    kind, driver = letter.error.split()[:2]  # how: SQLAlchemy's class, then the driver's
    assert kind.endswith("Error") and driver.startswith("("), letter.error
    assert "Fizzwhistle" not in letter.error and "refused" not in letter.error
    assert json.loads(letter.message) == {"n": WORDS}  # the message itself, to replay


def test_an_erasure_scrubs_the_errors_dead_letters_kept_before(
    secured: TestClient,
    tokens: dict[str, str],
    runtime: Runtime,
    two_customers: int,
    redis_url: str,
) -> None:
    # As the dead letters were written before: the error's message, here quoting the erased
    # customer's number in a letter about the other customer's contact (a duplicate identity).
    about_kept = {"type": "event.applied", "interaction_id": KEPT["interaction"]}
    old = {
        "m": json.dumps(about_kept), "group": "outcomes", "topic": "events", "entry": "1-0",
        "attempts": "5", "at": "1796000000.0",
        "error": "IntegrityError: (psycopg.errors.UniqueViolation) duplicate key value violates "
        f"unique constraint\nDETAIL:  Key (kind, value)=(phone, {ERASED['phone']}) already exists.",
    }  # fmt: skip
    # Written now: by class already, left as it is (same id).
    new = {**old, "error": "ValueError at outcomes.py:12 in handle", "error_form": "class"}
    with redis_client(redis_url) as client:
        client.xadd("kairos:dead:events", old)  # type: ignore[arg-type]
        new_id = client.xadd("kairos:dead:events", new)  # type: ignore[arg-type]
    response = secured.post(
        f"/v1/customers/{two_customers}/erasure", headers=bearer(tokens["root"])
    )
    assert response.status_code == 200, response.text
    with redis_client(redis_url) as client:
        left = {entry_id: fields for entry_id, fields in client.xrange("kairos:dead:events")}
    assert len(left) == 2 and left[new_id] == new
    [(scrubbed_id, scrubbed)] = [(i, f) for i, f in left.items() if i != new_id]
    assert scrubbed == {
        **old, "error": "IntegrityError (its message removed by an erasure)", "error_form": "class"
    }  # fmt: skip
    assert all(ERASED["phone"] not in value for value in scrubbed.values())
    [listed] = [d for d in list_dead(redis_url) if d.id == scrubbed_id]
    assert json.loads(listed.message) == about_kept  # still there to replay
