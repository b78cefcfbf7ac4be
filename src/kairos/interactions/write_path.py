"""Ingest's per-event statements as driver SQL, compiled once per database.

Every ingested event runs the same few statements: the locked read of its interaction (with the
repeat check), the event's insert, the assessment's insert and the interaction's ``UPDATE``.
Through SQLAlchemy's expression layer each one compiles its cache key, looks its statement up,
builds an execution context and processes its parameters and rows: a one-row insert cost 22 µs
in a loop against 15 µs for the same SQL by ``exec_driver_sql``, and several times as much in
the server, where each request runs with caches the semantic model's reading just cleared.

Here each statement is compiled once per dialect from the same Core construct as before (the
models stay the schema) and run on the DBAPI cursor of the transaction's connection (through
``Connection.exec_driver_sql`` while anything listens for statements on the engine): the same
transaction and row lock, the driver's errors raised as SQLAlchemy raises them (``IntegrityError``
for the retry) and a lost connection invalidated. Values go through
each column's own bind and result processors (the ones SQLAlchemy applies: a SQLite timestamp's
stored text, an aware time in UTC, JSON encoded by the dialect's serializer), so the rows
written are the same as the Core statements wrote (``tests/interactions/test_write_path.py``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, exists, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, class_mapper, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from kairos.interactions.models import AssessmentRecord, EventRecord, Interaction

Processor = Callable[[Any], Any] | None


class _Compiled:
    """A statement's SQL for one dialect, and how to pass it a row's values."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, names: Sequence[str]) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=list(names)))
        self.sql = compiled.string
        self.positional = compiled.positional
        #: The parameters in the order the SQL takes them.
        self.order: tuple[str, ...] = (
            tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
        )
        binds = compiled.binds
        self.processors: tuple[Processor, ...] = tuple(
            binds[name].type._cached_bind_processor(dialect) for name in self.order
        )

    def params(self, row: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """A row's values as the driver takes them (a tuple for ``?``, a dict for ``%(name)s``)."""
        values = [
            row[name] if process is None or row[name] is None else process(row[name])
            for name, process in zip(self.order, self.processors, strict=True)
        ]
        return tuple(values) if self.positional else dict(zip(self.order, values, strict=True))

    def run(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> int:
        """Execute for one row, or for many as one ``executemany``; the rows it touched."""
        if len(rows) == 1:
            return _execute(connection, self.sql, self.params(rows[0]))[0]
        return _execute(connection, self.sql, [self.params(r) for r in rows], many=True)[0]


def _execute(
    connection: Connection, sql: str, params: Any, *, many: bool = False, fetch: bool = False
) -> tuple[int, Any, Any]:
    """Run ``sql`` in ``connection``'s transaction: the row count, the first row (``fetch``)
    and the cursor's description.

    On the DBAPI cursor itself (a driver statement through ``exec_driver_sql`` still builds a
    result's metadata from the description on every call: half a locked read's cost), with the
    driver's errors raised as SQLAlchemy raises them (``IntegrityError`` for ingest's retry, a
    lost connection invalidated). While anything listens for statements on the engine (a test
    counting them, an instrumentation) the statement goes through ``exec_driver_sql``, which
    tells them.
    """
    dispatch = connection.dispatch
    if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
        result = connection.exec_driver_sql(sql, params)
        described = result.cursor.description if fetch and result.cursor else None
        row = result.fetchone() if fetch else None
        count = result.rowcount
        result.close()
        return count, row, described
    dialect = connection.dialect
    pooled = connection.connection
    cursor = pooled.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
        return cursor.rowcount, cursor.fetchone() if fetch else None, cursor.description
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, pooled.dbapi_connection, cursor)
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(
            sql, params, exc, dialect.loaded_dbapi.Error,
            hide_parameters=connection.engine.hide_parameters,
            connection_invalidated=lost, dialect=dialect,
        ) from exc  # fmt: skip
    finally:
        cursor.close()


_EVENTS = cast(Table, EventRecord.__table__)
_ASSESSMENTS = cast(Table, AssessmentRecord.__table__)
_INTERACTIONS = cast(Table, Interaction.__table__)
#: No ``values()``: the SET clause is the parameters' columns (one compiled form per set).
_UPDATE = update(_INTERACTIONS).where(_INTERACTIONS.c.id == bindparam("row_id"))
#: One event about a stored interaction (nearly every request of a live source sends one): its
#: row but the latest assessment (ingest only replaces it; 2 kB of JSON to decode), locked, and
#: whether the event is stored already.
_READ_COLUMNS = tuple(c for c in _INTERACTIONS.columns if c.key != "assessment")
_LOCKED_ONE = (
    select(
        *_READ_COLUMNS,
        exists().where(_EVENTS.c.event_id == bindparam("event_id")).correlate(None).label("stored"),
    )
    .where(_INTERACTIONS.c.external_id == bindparam("interaction_id"))
    .with_for_update()
)
_EVENT_COLUMNS = ("event_id", "interaction_id", "seq", "type", "occurred_at", "received_at")
_MAPPER = class_mapper(Interaction)
_ASSESSMENT_COLUMNS = ("interaction_id", "event_id", "mot_score", "cube", "model_version")


class _Statements:
    """One dialect's compiled statements (built on first use, kept while its engine lives)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        # ``inline``: no RETURNING of the new id (nobody reads it back).
        self.insert_event = _Compiled(
            insert(_EVENTS).inline(), dialect, (*_EVENT_COLUMNS, "payload")
        )
        self.insert_assessment = _Compiled(
            insert(_ASSESSMENTS).inline(),
            dialect,
            (*_ASSESSMENT_COLUMNS, "payload", "created_at"),
        )
        self.updates: dict[tuple[str, ...], _Compiled] = {}
        self.locked_one = _LockedRead(dialect)

    def update(self, columns: tuple[str, ...]) -> _Compiled:
        """The ``UPDATE`` of these columns of one interaction, by its primary key."""
        found = self.updates.get(columns)
        if found is None:
            found = _Compiled(_UPDATE, self.dialect, (*columns, "row_id"))
            self.updates[columns] = found
        return found


_BY_DIALECT: weakref.WeakKeyDictionary[Dialect, _Statements] = weakref.WeakKeyDictionary()


def statements(connection: Connection) -> _Statements:
    """The compiled statements of ``connection``'s dialect."""
    dialect = connection.dialect
    found = _BY_DIALECT.get(dialect)
    if found is None:
        found = _BY_DIALECT[dialect] = _Statements(dialect)
    return found


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert event rows (the columns of ``EventRecord`` but its id) in one statement."""
    if rows:
        connection = session.connection()
        statements(connection).insert_event.run(connection, rows)


def insert_assessments(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert assessment rows (the columns of ``AssessmentRecord`` but its id) in one
    statement."""
    if rows:
        connection = session.connection()
        statements(connection).insert_assessment.run(connection, rows)


def update_interaction(session: Session, row_id: int, values: dict[str, Any]) -> None:
    """Set these columns of one interaction's row, which must exist."""
    connection = session.connection()
    columns = tuple(c.key for c in _INTERACTIONS.columns if c.key in values)
    count = statements(connection).update(columns).run(connection, [{**values, "row_id": row_id}])
    if count != 1:
        raise StaleDataError(f"UPDATE of interaction {row_id} matched {count} rows")


class _LockedRead:
    """The one read of one event about a stored interaction: its row (all but the latest
    assessment), row-locked, and whether the event is stored already."""

    def __init__(self, dialect: Dialect) -> None:
        self.statement = _Compiled(_LOCKED_ONE, dialect, ())
        self.keys = tuple(c.key for c in _READ_COLUMNS)
        self.processors: tuple[Processor, ...] | None = None

    @staticmethod
    def _processors(dialect: Dialect, description: Sequence[Any]) -> tuple[Processor, ...]:
        # The type codes of the driver's description, as SQLAlchemy passes them.
        return tuple(
            column.type._cached_result_processor(dialect, entry[1])
            for column, entry in zip(_READ_COLUMNS, description, strict=False)
        )

    def read(self, connection: Connection, event_id: str, interaction_id: str) -> Any:
        """The row's values by column key and the stored flag, or None when no such row."""
        given = self.statement.params({"event_id": event_id, "interaction_id": interaction_id})
        _, row, described = _execute(connection, self.statement.sql, given, fetch=True)
        if row is None:
            return None
        processors = self.processors
        if processors is None:
            processors = self.processors = self._processors(connection.dialect, described)
        values = {
            key: value if process is None or value is None else process(value)
            for key, value, process in zip(self.keys, row, processors, strict=False)
        }
        return values, bool(row[-1])


def locked_one(
    session: Session, event_id: str, interaction_id: str
) -> tuple[Interaction, bool] | None:
    """One event's interaction, locked, as a persistent object of ``session`` (its latest
    assessment not loaded), and whether the event is stored; None when there is no such
    interaction."""
    connection = session.connection()
    found = statements(connection).locked_one.read(connection, event_id, interaction_id)
    if found is None:
        return None
    values, stored = found
    existing = session.identity_map.get(_MAPPER.identity_key_from_primary_key((values["id"],)))
    if existing is not None:  # loaded before in this session: that object is the row
        return existing, stored
    interaction = _loaded(values)
    session.add(interaction)
    return interaction, stored


def _loaded(values: dict[str, Any]) -> Interaction:
    """An ``Interaction`` holding ``values`` as loaded from its row (no change to flush)."""
    interaction: Interaction = _MAPPER.class_manager.new_instance()
    instance_dict(interaction).update(values)
    # Detached with these values as its stored state; the columns not given (the latest
    # assessment) are expired: read if something asks for them, as a deferred column is.
    make_transient_to_detached(interaction)
    return interaction
