"""``kairos erase-customer`` (a customer's erasure on request) and ``kairos purge`` (retention)."""

from __future__ import annotations

import getpass

import typer
from rich.console import Console

console = Console(stderr=True)


def erase_customer(
    customer_id: int = typer.Argument(..., min=1, max=2**31 - 1, help="the customer's number"),
    yes: bool = typer.Option(False, "--yes", help="do not ask: erase"),
    reference: str | None = typer.Option(
        None, help="the request's case reference (letters, digits and ._:/- only)"
    ),
    by: str | None = typer.Option(None, help="who erases, for the record (default: your login)"),
) -> None:
    """Erase everything personal about a customer and their contacts, in one transaction (the
    API has it too: POST /v1/customers/{id}/erasure). Prints the receipt as JSON."""
    from pydantic import ValidationError

    from kairos.bus import EventBus, MemoryBus
    from kairos.cli.database import database, refuse
    from kairos.config import get_settings
    from kairos.privacy import flows
    from kairos.privacy.schemas import ErasureIn
    from kairos.redaction.inbound import configure_identity_key

    try:
        reference = ErasureIn(reference=reference).reference
    except ValidationError:
        refuse("--reference takes a case number: letters, digits and ._:/- only", console)
    if not yes and not typer.confirm(
        f"Erase customer {customer_id} and all their contacts? This cannot be undone", err=True
    ):
        raise typer.Exit(1)
    settings = get_settings()
    configure_identity_key(settings.secret_key)  # the hashes must match the servers'
    bus: EventBus = MemoryBus()
    if settings.redis_url:
        from kairos.bus.redis import RedisBus

        bus = RedisBus(settings.redis_url)
    with database(console) as db:
        try:
            receipt = flows.erase_customer(
                db=db, bus=bus, detectors=None, customer_id=customer_id,
                erased_by=by or f"cli:{getpass.getuser()}", reference=reference,
                record_audit=True,
            )  # fmt: skip
        finally:
            bus.close()
    typer.echo(receipt.model_dump_json(indent=2))
    if settings.redis_url and receipt.stream_entries is None:
        console.print("[yellow]Redis did not answer: its streams were not searched[/]")


def purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="count what would go, delete nothing"),
) -> None:
    """Delete what is older than its retention (KAIROS_RETENTION_EVENTS_DAYS,
    KAIROS_RETENTION_ASSESSMENTS_DAYS, KAIROS_RETENTION_AUDIT_DAYS); prints the counts as JSON."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from kairos.cli.database import database
    from kairos.config import get_settings
    from kairos.privacy import retention

    settings = get_settings()
    if not retention.cutoffs(settings):
        console.print("no retention is set: everything is kept (see docs/security.md)")
    with (
        database(console) as db,
        Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console) as bar,
    ):
        task = bar.add_task("purging", total=None)

        def shown(kind: str, n: int) -> None:
            bar.update(task, description=f"{kind}: {n:,} rows")

        report = retention.purge(db=db, settings=settings, dry_run=dry_run, progress=shown)
    typer.echo(report.model_dump_json(indent=2))
