"""``kairos replay-contact-lens``: a file of Contact Lens real-time records into interactions."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(stderr=True)


def replay_contact_lens(
    file: Path = typer.Argument(
        ...,
        help="JSON lines: each a Contact Lens event, a Kinesis record carrying one, or a list",
        exists=True,
        dir_okay=False,
    ),
) -> None:
    """Replay Amazon Connect Contact Lens real-time records into the database, line by line.

    Each line is applied all-or-nothing, in order (a contact's STARTED before its SEGMENTS); a
    line already applied is acknowledged, not applied twice. A bad line is reported with its
    number and reason, and nothing of it is stored; the others still are. Exit 1 if any failed.
    """
    from datetime import UTC, datetime

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from kairos.channels import service
    from kairos.channels.contact_lens import ContactLensAdapter
    from kairos.cli.database import problem, stop_if
    from kairos.config import get_settings
    from kairos.errors import ClientError
    from kairos.runtime import Runtime

    # Else every line fails on a missing table, behind a traceback.
    stop_if(problem(get_settings().database_url), console)
    lines = [(n, line) for n, line in enumerate(file.read_bytes().splitlines(), 1) if line.strip()]
    runtime = Runtime.build(get_settings())
    try:
        adapter = ContactLensAdapter()
        applied = duplicates = failed = 0
        with Progress(
            TextColumn("replaying Contact Lens records"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("replay", total=len(lines))
            for number, line in lines:
                try:
                    response = service.receive(
                        runtime=runtime,
                        adapter=adapter,
                        payload=line,
                        received_at=datetime.now(UTC),
                    )
                except ClientError as exc:
                    failed += 1
                    console.print(f"[red]line {number}: {exc.message}[/] (nothing of it stored)")
                else:
                    applied += response.applied
                    duplicates += response.duplicates
                progress.advance(task)
    finally:
        runtime.close()  # its routing board and lease threads end with the command
    console.print(
        f"{len(lines)} lines: {applied} events applied, {duplicates} already there, "
        f"{failed} lines refused"
    )
    if failed:
        raise typer.Exit(1)
