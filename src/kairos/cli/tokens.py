"""``kairos tokens`` (API tokens for event sources and users) and ``kairos audit``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer
from rich.console import Console

tokens_app = typer.Typer(
    help="API tokens: event sources send events with one, users read the API with one.",
    no_args_is_help=True,
)
console = Console(stderr=True)


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if at else ""


@tokens_app.command("create")
def create(
    source: str | None = typer.Option(
        None, "--source", help="an event source's token, by this name (a telephony platform...)"
    ),
    user: str | None = typer.Option(
        None, "--user", help="a token acting as this user (with the user's role)"
    ),
    name: str | None = typer.Option(
        None,
        help="the token's name (default: the username, or the source); to rotate a source's "
        "token, create one with the same --source and a new --name, then revoke the old one",
    ),
) -> None:
    """Create a token and print it once: only its SHA-256 is stored.

    A source token reaches the interactions its source started (and those no source started);
    tokens with the same --source share them.
    """
    from kairos.cli.database import database
    from kairos.security import tokens as token_service

    if (source is None) == (user is None):
        console.print("[red]give exactly one of --source NAME or --user USERNAME[/]")
        raise typer.Exit(2)
    with database(console) as db:
        if source is not None:
            created = token_service.create(db=db, name=name or source, kind="source", source=source)
        else:
            assert user is not None
            created = token_service.create(db=db, name=name or user, kind="user", username=user)
    acting = f" acting as {created.user}" if created.user else f" for source {created.source}"
    console.print(
        f"[green]created {created.kind} token {created.name}{acting}[/]; "
        "copy it now, it is not shown again:"
    )
    typer.echo(created.token)


@tokens_app.command("list")
def list_tokens() -> None:
    """Every token: name, kind, user or source, created, last used, revoked (never the token)."""
    from kairos.cli import tables
    from kairos.cli.database import database
    from kairos.security import tokens as token_service

    with database(console) as db, db.session() as session:
        rows = token_service.get_all(session=session)
    table = tables.table("name", "kind", "user or source", "created", "last used", "revoked")
    for t in rows:
        table.add_row(
            t.name,
            t.kind,
            t.user or t.source or "",
            _when(t.created_at),
            _when(t.last_used_at),
            _when(t.revoked_at),
        )
    Console().print(table)


@tokens_app.command("revoke")
def revoke(name: str = typer.Argument(..., help="the token's name")) -> None:
    """Revoke a token; servers refuse it once their cache forgets it (KAIROS_TOKEN_CACHE_S)."""
    from kairos.cli.database import database
    from kairos.config import get_settings
    from kairos.security import tokens as token_service

    settings = get_settings()
    with database(console) as db:
        out = token_service.revoke(db=db, name=name)
    console.print(
        f"[green]revoked {out.name}[/] at {_when(out.revoked_at)} UTC; refused everywhere within "
        f"{settings.token_cache_s:g} s"
    )


#: The widest window ``kairos audit --since-minutes`` reads: ten years (a date holds no more).
AUDIT_MOST_MINUTES = 10 * 366 * 24 * 60


def audit(
    actor: str | None = typer.Option(None, help="only this user or token name"),
    resource: str | None = typer.Option(
        None, help="KIND or KIND:ID, e.g. interaction:chat:42 or customer:7"
    ),
    action: str | None = typer.Option(None, help="read or change"),
    since_minutes: float | None = typer.Option(
        None,
        "--since-minutes",
        min=0,
        max=AUDIT_MOST_MINUTES,
        help="only the last N minutes (at most ten years)",
    ),
    limit: int = typer.Option(50, min=1, max=10_000, help="rows to show, newest first"),
) -> None:
    """Who read or changed what, newest first (the API has it too: GET /v1/audit)."""
    from kairos.cli import tables
    from kairos.cli.database import database
    from kairos.security import audit as audit_service

    if action not in (None, "read", "change"):
        console.print("[red]--action is read or change[/]")
        raise typer.Exit(2)
    if since_minutes is not None and since_minutes != since_minutes:  # NaN passes the range
        console.print("[red]--since-minutes is a number of minutes[/]")
        raise typer.Exit(2)
    kind, _, resource_id = (resource or "").partition(":")
    since = datetime.now(UTC) - timedelta(minutes=since_minutes) if since_minutes else None
    with database(console) as db, db.session() as session:
        total, rows = audit_service.get_all(
            session=session,
            actor=actor,
            action=action,
            resource_kind=kind or None,
            resource_id=resource_id or None,
            since=since,
            limit=limit,
        )
    table = tables.table(
        "at (UTC)", "actor", "action", "request", "resource", "status", "client",
        title=f"audit log: {len(rows)} of {total}, newest first", right=("status",),
    )  # fmt: skip
    for r in rows:
        what = f"{r.resource_kind}:{r.resource_id}" if r.resource_id else (r.resource_kind or "")
        who = r.actor if r.actor == r.actor_kind else f"{r.actor} ({r.actor_kind})"
        table.add_row(
            _when(r.at), who, r.action, f"{r.method} {r.path}", what,
            str(r.status), r.client or "",
        )  # fmt: skip
    Console().print(table)
