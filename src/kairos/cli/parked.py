"""``kairos parked-events``: the events waiting for their interactions' starts."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.console import Console

console = Console(stderr=True)


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if at else "never"


def parked_events(
    interaction: str | None = typer.Option(None, help="only those waiting for this interaction"),
    source: str | None = typer.Option(None, help="only those this event source sent"),
    limit: int = typer.Option(50, min=1, max=10_000, help="rows to show, longest waiting first"),
    offset: int = typer.Option(0, min=0, help="rows to skip (the next page)"),
    as_json: bool = typer.Option(
        False, "--json", help="one JSON object a line, with the event as stored (redacted)"
    ),
) -> None:
    """Events that arrived before their interaction's start and wait for it, longest waiting
    first (the API has it too: GET /v1/parked-events)."""
    from kairos.cli import tables
    from kairos.cli.database import database
    from kairos.config import get_settings
    from kairos.interactions import parking

    hold_s = get_settings().early_event_hold_s
    with database(console) as db, db.session() as session:
        total, rows = parking.get_all(
            session=session, interaction_id=interaction, source=source, limit=limit, offset=offset
        )
        items = [parking.parked_out(r, hold_s=hold_s) for r in rows]
    if as_json:
        for item in items:
            typer.echo(item.model_dump_json())
        return
    table = tables.table(
        "parked (UTC)", "expires (UTC)", "interaction", "type", "event id", "source",
        title=f"parked events: {len(items)} of {total}, longest waiting first",
    )  # fmt: skip
    for item in items:
        table.add_row(
            _when(item.parked_at), _when(item.expires_at), item.interaction_id, item.type,
            item.event_id, item.source or "",
        )  # fmt: skip
    Console().print(table)
