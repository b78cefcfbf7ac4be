"""``kairos replay-contact-lens``: a file of Contact Lens real-time records into interactions."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from kairos.errors import ClientError

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
                        park=False,  # a line ahead of its STARTED is reported, not held
                    )
                except ClientError as exc:
                    failed += 1
                    console.print(f"line {number}: {_why(exc)}", style="red", markup=False)
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


def _why(exc: ClientError) -> str:
    """What was wrong with a line, naming the contact when the refusal is about one."""
    first = exc.errors[0] if exc.errors else {}
    if exc.code == "unknown_interaction" and "interaction_id" in first:
        return (
            f"{first['interaction_id']}: {first['message']} (the contact's STARTED record must "
            "come before its other records, in this file or an earlier one); nothing of it stored"
        )
    return f"{exc.message} (nothing of it stored)"
