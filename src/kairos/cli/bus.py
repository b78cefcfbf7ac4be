"""``kairos bus``: what the Redis bus holds for operators (the dead letters)."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from kairos.bus.dead_letters import DeadLetter

bus_app = typer.Typer(
    help="The Redis bus (KAIROS_REDIS_URL): its dead letters.", no_args_is_help=True
)
console = Console()


@bus_app.command("dead-letters")
def dead_letters(
    topic: str | None = typer.Option(None, "--topic", help="only this topic's dead letters"),
    replay: list[str] = typer.Option(
        [], "--replay", help="give this dead letter (its id) to its group again; repeatable"
    ),
    replay_all: bool = typer.Option(False, "--replay-all", help="give every one listed again"),
    drop: list[str] = typer.Option(
        [], "--drop", help="remove this dead letter for good; repeatable"
    ),
    as_json: bool = typer.Option(False, "--json", help="list as JSON lines, one per letter"),
) -> None:
    """List the bus messages a listener group gave up on (after KAIROS_BUS_MAX_ATTEMPTS
    deliveries), replay them to that group once the cause is fixed, or drop them."""
    from kairos.bus import dead_letters as dead
    from kairos.config import get_settings

    url = get_settings().redis_url
    if not url:
        console.print("[red]KAIROS_REDIS_URL is not set: only the Redis bus keeps dead letters[/]")
        raise typer.Exit(2)
    letters = dead.list_dead(url, topic=topic)
    by_id = {letter.id: letter for letter in letters}
    unknown = [i for i in [*replay, *drop] if i not in by_id]
    if unknown:
        console.print(f"[red]no dead letter {', '.join(unknown)}[/] (see kairos bus dead-letters)")
        raise typer.Exit(2)
    if replay or replay_all:
        chosen = letters if replay_all else [by_id[i] for i in replay]
        console.print(f"replayed {dead.replay(url, chosen)} dead letters to their groups")
    if drop:
        console.print(f"dropped {dead.drop(url, [by_id[i] for i in drop])} dead letters")
    if replay or replay_all or drop:
        return
    if as_json:
        for letter in letters:
            typer.echo(json.dumps({**dataclasses.asdict(letter), "at": letter.at.isoformat()}))
        return
    _table(letters)


def _table(letters: list[DeadLetter]) -> None:
    from rich.table import Table

    table = Table("id", "topic", "group", "attempts", "at (UTC)", "error", "message")
    for letter in letters:
        table.add_row(
            letter.id, letter.topic, letter.group, str(letter.attempts),
            letter.at.strftime("%Y-%m-%d %H:%M:%S"), letter.error[:60], letter.message[:80],
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(letters)} dead letters")
