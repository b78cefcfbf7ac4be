"""An erasure that fails half-way leaves everything as it was, on SQLite and PostgreSQL: the
database itself refuses the last delete (a trigger), after every other table was touched."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from tests.privacy.conftest import every_text
from tests.security.conftest import bearer

from kairos.customers.models import Erasure
from kairos.db import Database, utcnow
from kairos.privacy import erasure
from kairos.runtime import Runtime


def refuse_customer_deletes(db: Database) -> None:
    """A trigger that fails any delete from ``customers`` (the erasure's last delete)."""
    with db.engine.begin() as connection:
        if db.is_sqlite:
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_delete BEFORE DELETE ON customers "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse_delete() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_delete BEFORE DELETE ON customers "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_delete()"
                )
            )


def test_a_failure_half_way_rolls_everything_back(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime, two_customers: int
) -> None:
    refuse_customer_deletes(runtime.db)
    before = every_text(runtime.db)
    with pytest.raises(DBAPIError, match="refused by the test"):
        erasure.erase(db=runtime.db, customer_id=two_customers, erased_by="root")
    assert sorted(every_text(runtime.db)) == sorted(before)
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Erasure)) == 0

    # With the trigger gone, the next try erases.
    with runtime.db.engine.begin() as connection:
        connection.execute(
            text("DROP TRIGGER refuse_delete" + ("" if runtime.db.is_sqlite else " ON customers"))
        )
    response = secured.post(
        f"/v1/customers/{two_customers}/erasure", headers=bearer(tokens["root"])
    )
    assert response.status_code == 200, response.text


def test_an_erasure_that_loses_a_race_answers_409(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime, two_customers: int
) -> None:
    """Another process's erasure of the same customer committed between this one's read and its
    write (SQLite's writer lock is per process): the unique erasure record refuses the second,
    which answers as one that came second, not with a 500, and changes nothing."""
    with runtime.db.session() as session:  # the other process's record, committed first
        session.add(
            Erasure(customer_id=two_customers, erased_by="other", counts={}, erased_at=utcnow())
        )
        session.commit()
    before = every_text(runtime.db)
    response = secured.post(
        f"/v1/customers/{two_customers}/erasure", headers=bearer(tokens["root"])
    )
    assert response.status_code == 409, response.text
    assert "already_erased" in response.text
    after = [row for row in every_text(runtime.db) if row[0] != "audit_log"]  # the 409's own row
    assert sorted(after) == sorted(row for row in before if row[0] != "audit_log")
