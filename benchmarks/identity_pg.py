"""Identity resolution and fact extraction with a million customers in PostgreSQL.

Creates a scratch PostgreSQL database, migrates it, and bulk-loads ``--customers`` customers
(1,000,000 by default) with their identities through ``COPY``: a phone number (E.164), an email
and an account number each, and a social handle for three in ten. Then it times, one call at a
time as ingestion makes them:

- ``resolve`` of a known customer, the identities written as channels send them (a national
  phone format, a capitalised email, an account number), each in its own session (pool
  checkout, query, rollback), and inside one open transaction, as ingestion calls it;
- ``resolve`` of a new customer (two new identities), committed;
- the floor: one plain indexed ``SELECT`` on the identities table for one (kind, value);
- fact extraction (``extract_facts``), re-ask questions (``asked_facts``) and secret redaction
  (``redact_secrets``) per message, on the customers' own words from the airline threads in
  ``../shared/data`` (a built-in mix when the data is absent), with one compiled regular
  expression over the same messages as their floor.

The same run repeats the database half on SQLite (a file, ``--sqlite-customers`` customers,
the full count by default) and prints every figure with its ratio to the floor of its backend.

    python benchmarks/identity_pg.py [--customers 1000000] [--lookups 3000] [--new 1000]
        [--messages 20000] [--sqlite-customers N] [--postgres-url URL] [--keep]

The PostgreSQL URL is ``--postgres-url``, else ``KAIROS_BENCH_POSTGRES_URL``, else
``KAIROS_TEST_POSTGRES_URL``; the user must be allowed to create databases.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kairos import migrations
from kairos.customers import service as customer_service
from kairos.customers.facts import asked_facts, extract_facts
from kairos.customers.identity import canonical
from kairos.db import Database
from kairos.events import Identity
from kairos.redaction import redact_secrets
from kairos.replay import read_threads, threads_path

console = Console(width=120)

# Real US area codes; every exchange 200-999 of them is a valid number for ``phonenumbers``.
AREA_CODES = (212, 213, 305, 312, 404, 415, 503, 512, 617, 646, 702, 713, 718, 818, 917, 971)
SOCIAL_SHARE = 0.3
NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


def phone_of(n: int) -> tuple[str, str]:
    """Customer ``n``'s number, as stored (E.164) and as a caller's platform writes it."""
    area = AREA_CODES[n % len(AREA_CODES)]
    rest = n // len(AREA_CODES)
    exchange, line = 200 + rest // 10_000, rest % 10_000
    return f"+1{area}{exchange}{line:04d}", f"({area}) {exchange}-{line:04d}"


def identities_of(n: int) -> Iterator[tuple[str, str]]:
    """(kind, canonical value) of every identity customer ``n`` has."""
    yield "phone", phone_of(n)[0]
    yield "email", f"customer{n}@example.com"
    yield "account", f"ACC-{n:08d}"
    if n % 10 < SOCIAL_SHARE * 10:
        yield "social", f"x:customer_{n}"


@dataclass
class Timing:
    """Latencies of one operation, in seconds."""

    name: str
    backend: str
    seconds: list[float] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile in microseconds."""
        return statistics.quantiles(self.seconds, n=100)[int(q * 100) - 1] * 1e6

    @property
    def per_second(self) -> float:
        """Calls per second, one at a time."""
        return len(self.seconds) / sum(self.seconds)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


# -- loading ------------------------------------------------------------------------------------


def load_postgres(url: str, customers: int, chunk: int = 20_000) -> float:
    """Bulk-load through COPY with the identity index dropped, then rebuild it; seconds taken."""
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    created = NOW.isoformat()
    started = time.perf_counter()
    with psycopg.connect(dsn) as connection, _progress() as progress:
        cursor = connection.cursor()
        cursor.execute("ALTER TABLE customer_identities DROP CONSTRAINT uq_identity_kind_value")
        cursor.execute(
            "ALTER TABLE customer_identities "
            "DROP CONSTRAINT fk_customer_identities_customer_id_customers"
        )
        task = progress.add_task("PostgreSQL: COPY customers + identities", total=customers)
        for first in range(1, customers + 1, chunk):
            last = min(customers, first + chunk - 1)
            with cursor.copy(
                "COPY customers (id, display_name, value, created_at) FROM STDIN"
            ) as copy:
                for n in range(first, last + 1):
                    copy.write_row((n, f"Customer {n}", (n % 100) / 100, created))
            with cursor.copy(
                "COPY customer_identities (customer_id, kind, value, valid, created_at) FROM STDIN"
            ) as copy:
                for n in range(first, last + 1):
                    for kind, value in identities_of(n):
                        copy.write_row((n, kind, value, True, created))
            progress.update(task, completed=last)
        index = progress.add_task("PostgreSQL: build unique index + foreign key", total=3)
        cursor.execute(
            "ALTER TABLE customer_identities ADD CONSTRAINT uq_identity_kind_value "
            "UNIQUE (kind, value)"
        )
        progress.advance(index)
        cursor.execute(
            "ALTER TABLE customer_identities ADD CONSTRAINT "
            "fk_customer_identities_customer_id_customers FOREIGN KEY (customer_id) "
            "REFERENCES customers (id) ON DELETE CASCADE"
        )
        progress.advance(index)
        cursor.execute("SELECT setval('customers_id_seq', (SELECT max(id) FROM customers))")
        cursor.execute("ANALYZE customers")
        cursor.execute("ANALYZE customer_identities")
        progress.advance(index)
        connection.commit()
    return time.perf_counter() - started


def load_sqlite(url: str, customers: int, chunk: int = 20_000) -> float:
    """Bulk-load through executemany in one transaction per chunk; seconds taken."""
    engine = create_engine(url)
    created = NOW.isoformat(sep=" ").replace("+00:00", "")
    started = time.perf_counter()
    with engine.connect() as connection, _progress() as progress:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=OFF")
        task = progress.add_task("SQLite: executemany customers + identities", total=customers)
        for first in range(1, customers + 1, chunk):
            last = min(customers, first + chunk - 1)
            raw.executemany(
                "INSERT INTO customers (id, display_name, value, created_at) VALUES (?, ?, ?, ?)",
                ((n, f"Customer {n}", (n % 100) / 100, created) for n in range(first, last + 1)),
            )
            raw.executemany(
                "INSERT INTO customer_identities (customer_id, kind, value, valid, created_at) "
                "VALUES (?, ?, ?, 1, ?)",
                (
                    (n, kind, value, created)
                    for n in range(first, last + 1)
                    for kind, value in identities_of(n)
                ),
            )
            raw.commit()
            progress.update(task, completed=last)
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("ANALYZE")
        raw.commit()
    engine.dispose()
    return time.perf_counter() - started


# -- measuring ----------------------------------------------------------------------------------


def _known(rng: random.Random, customers: int) -> list[Identity]:
    """A known customer as a channel names them: national phone, capitalised email, account."""
    n = rng.randint(1, customers)
    pick = rng.random()
    if pick < 0.5:
        return [Identity(kind="phone", value=phone_of(n)[1])]
    if pick < 0.8:
        return [Identity(kind="email", value=f"Customer{n}@Example.COM")]
    return [
        Identity(kind="account", value=f"ACC-{n:08d}"),
        Identity(kind="phone", value=phone_of(n)[0]),
    ]


def measure_database(
    url: str, backend: str, customers: int, lookups: int, new: int, seed: int
) -> list[Timing]:
    """resolve() of known and new customers, and the plain SELECT floor, on one database."""
    rng = random.Random(seed)
    db = Database(url)
    known = Timing("resolve, known customer (own session)", backend)
    inside = Timing("resolve, known, in an open transaction", backend)
    fresh = Timing("resolve + commit, new customer", backend)
    floor = Timing("indexed SELECT on identities (floor)", backend)
    try:
        # Warm the pool and the caches a little, outside the timing.
        for _ in range(50):
            with db.session() as session:
                customer_service.resolve(session=session, identities=_known(rng, customers))
                session.rollback()
        with _progress() as progress:
            task = progress.add_task(f"{backend}: resolve known", total=lookups)
            for _ in range(lookups):
                identities = _known(rng, customers)
                started = time.perf_counter()
                with db.session() as session:
                    found = customer_service.resolve(session=session, identities=identities)
                    session.rollback()
                known.seconds.append(time.perf_counter() - started)
                assert found is not None
                progress.advance(task)
            # As ingestion calls it: inside the request's transaction, the query alone.
            task = progress.add_task(f"{backend}: resolve known in a transaction", total=lookups)
            with db.session() as session:
                for _ in range(lookups):
                    identities = _known(rng, customers)
                    started = time.perf_counter()
                    found = customer_service.resolve(session=session, identities=identities)
                    inside.seconds.append(time.perf_counter() - started)
                    assert found is not None
                    session.expunge_all()
                    progress.advance(task)
                session.rollback()
            task = progress.add_task(f"{backend}: resolve new", total=new)
            tag = uuid.uuid4().hex[:8]
            for i in range(new):
                identities = [
                    Identity(kind="email", value=f"new-{tag}-{i}@example.net"),
                    Identity(kind="social", value=f"x:new_{tag}_{i}"),
                ]
                started = time.perf_counter()
                with db.write_lock(), db.session() as session:
                    customer_service.resolve(session=session, identities=identities)
                    session.commit()
                fresh.seconds.append(time.perf_counter() - started)
                progress.advance(task)
            task = progress.add_task(f"{backend}: plain SELECT", total=lookups)
            query = text(
                "SELECT customer_id FROM customer_identities WHERE kind = :kind AND value = :value"
            )
            with db.engine.connect() as connection:
                for _ in range(lookups):
                    n = rng.randint(1, customers)
                    started = time.perf_counter()
                    row = connection.execute(
                        query, {"kind": "email", "value": f"customer{n}@example.com"}
                    ).first()
                    floor.seconds.append(time.perf_counter() - started)
                    assert row is not None and row[0] == n
                    progress.advance(task)
    finally:
        db.dispose()
    return [known, inside, fresh, floor]


_FALLBACK_MESSAGES = (
    "My Dell XPS 15 won't boot, service tag is 7XK2ABC, on Windows 11",
    "You cancelled flight BA283 and my daughter's recital is tonight. Booking ref QX7T2P",
    "hi, order number 88812-B never arrived, zip 94105",
    "Policy PX-99812: my car was towed after the accident on 12/03/2026",
    "Thanks, that's all I needed!",
    "my card 4111 1111 1111 1111 was charged twice, cvv 123 please help",
)


def messages(limit: int) -> tuple[list[str], str]:
    """Customers' own words: the shared airline threads, else a built-in mix."""
    path = threads_path()
    texts: list[str] = []
    if path is not None:
        for thread in read_threads(path):
            texts.extend(t.text for t in thread.turns if t.speaker == "customer")
            if len(texts) >= limit:
                break
    if texts:
        return texts[:limit], f"{path.name} (customer turns)" if path else ""
    repeated = (_FALLBACK_MESSAGES * (limit // len(_FALLBACK_MESSAGES) + 1))[:limit]
    return list(repeated), "built-in mix"


def measure_text(texts: list[str]) -> tuple[list[Timing], int]:
    """Per-message extraction, re-ask questions and redaction, with one regex as the floor."""
    one_regex = re.compile(r"\bservice\s*tag\b", re.IGNORECASE)
    timings: list[Timing] = []
    found = 0
    work: list[tuple[str, Callable[[str], object]]] = [
        ("extract_facts per message", extract_facts),
        ("asked_facts per message", asked_facts),
        ("redact_secrets per message", redact_secrets),
        ("one compiled regex search (floor)", one_regex.search),
    ]
    for name, function in work:
        timing = Timing(name, "text")
        for message in texts:
            started = time.perf_counter()
            result = function(message)
            timing.seconds.append(time.perf_counter() - started)
            if function is extract_facts and result:
                found += 1
        timings.append(timing)
    return timings, found


def check_phones(customers: int, sample: int = 2000) -> int:
    """How many sampled stored numbers are what resolve() makes of the caller's format."""
    rng = random.Random(1)
    same = 0
    for _ in range(sample):
        stored, written = phone_of(rng.randint(1, customers))
        same += canonical(Identity(kind="phone", value=written)).value == stored
    return same


def report(rows: list[Timing], floors: dict[str, float]) -> None:
    table = Table(title="Identity resolution and fact extraction, one call at a time")
    for column in ("backend", "operation", "n", "p50 µs", "p99 µs", "per second", "× floor p50"):
        table.add_column(column, justify="left" if column in ("backend", "operation") else "right")
    for row in rows:
        p50 = row.quantile(0.5)
        table.add_row(
            row.backend,
            row.name,
            f"{len(row.seconds):,}",
            f"{p50:,.1f}",
            f"{row.quantile(0.99):,.1f}",
            f"{row.per_second:,.0f}",
            f"{p50 / floors[row.backend]:.1f}",
        )
    console.print(table)


def _postgres_admin_url(given: str | None) -> str:
    url = (
        given
        or os.environ.get("KAIROS_BENCH_POSTGRES_URL")
        or os.environ.get("KAIROS_TEST_POSTGRES_URL")
    )
    if not url:
        raise SystemExit(
            "no PostgreSQL: pass --postgres-url or set KAIROS_BENCH_POSTGRES_URL "
            "(e.g. postgresql+psycopg://kairos:kairos@127.0.0.1:5432/postgres)"
        )
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--sqlite-customers", type=int, default=None)
    parser.add_argument("--lookups", type=int, default=3000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite peer run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    admin_url = _postgres_admin_url(args.postgres_url)
    name = f"kairos_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    pg_url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    rows: list[Timing] = []
    floors: dict[str, float] = {}
    try:
        migrations.upgrade(pg_url)
        seconds = load_postgres(pg_url, args.customers)
        identities = sum(1 for n in range(1, 11) for _ in identities_of(n)) / 10 * args.customers
        console.print(
            f"PostgreSQL: {args.customers:,} customers, ~{identities:,.0f} identities loaded "
            f"in {seconds:.1f} s ({args.customers / seconds:,.0f} customers/s)"
        )
        timings = measure_database(
            pg_url, "PostgreSQL", args.customers, args.lookups, args.new, args.seed
        )
        rows += timings
        floors["PostgreSQL"] = timings[-1].quantile(0.5)
    finally:
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            console.print(f"kept {pg_url}")
        admin.dispose()

    if not args.no_sqlite:
        count = args.sqlite_customers or args.customers
        with tempfile.TemporaryDirectory() as scratch:
            sqlite_url = f"sqlite:///{Path(scratch) / 'bench.db'}"
            migrations.upgrade(sqlite_url)
            seconds = load_sqlite(sqlite_url, count)
            console.print(f"SQLite: {count:,} customers loaded in {seconds:.1f} s")
            timings = measure_database(
                sqlite_url, "SQLite", count, args.lookups, args.new, args.seed
            )
            rows += timings
            floors["SQLite"] = timings[-1].quantile(0.5)

    texts, source = messages(args.messages)
    text_rows, with_facts = measure_text(texts)
    rows += text_rows
    floors["text"] = text_rows[-1].quantile(0.5)
    report(rows, floors)
    console.print(
        f"Messages: {len(texts):,} from {source}; {with_facts:,} "
        f"({with_facts / len(texts):.1%}) hold at least one fact. "
        f"Phones: {check_phones(args.customers)}/2000 sampled caller formats resolve to the "
        "stored E.164 number."
    )


if __name__ == "__main__":
    main()
