"""``kairos users``: create and list the people who sign in to the pages."""

from __future__ import annotations

import typer
from rich.console import Console

users_app = typer.Typer(help="Users of the agent desktop and the wallboard.", no_args_is_help=True)
console = Console(stderr=True)


@users_app.command("create")
def create(
    username: str = typer.Argument(..., help="the name to sign in with"),
    role: str = typer.Option("agent", help="agent, supervisor or admin"),
    password: str | None = typer.Option(
        None, help="at least 8 characters (asked for, twice, when not given)"
    ),
    agent: str | None = typer.Option(
        None, "--agent", help="the routing agent's id (required for role agent)"
    ),
    team: list[str] = typer.Option([], "--team", help="a team to join (repeatable)"),
    name: str | None = typer.Option(None, help="display name (default: the agent's name)"),
) -> None:
    """Create a user; the database must be migrated (``kairos db upgrade``)."""
    from pydantic import ValidationError

    from kairos.auth import service
    from kairos.auth.schemas import UserCreate
    from kairos.cli.database import database

    def validated(secret: str) -> UserCreate:
        try:
            return UserCreate(
                username=username,
                password=secret,
                role=role,  # validated by the model
                agent_id=agent,
                teams=team,
                display_name=name,
            )
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                console.print(f"[red]{where}: {error['msg']}[/]")
            raise typer.Exit(2) from None

    if password is None:
        validated("x" * 8)  # the other arguments first: a typo is said before the prompt
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    user_in = validated(password)
    with database(console) as db:
        out = service.create(db=db, user_in=user_in)
    teams = f", teams {', '.join(out.teams)}" if out.teams else ""
    linked = f", agent {out.agent_id}" if out.agent_id else ""
    console.print(f"[green]created {out.role} {out.username}[/]{linked}{teams}")


@users_app.command("list")
def list_users() -> None:
    """Every user, with role, agent and teams."""
    from kairos.auth import service
    from kairos.cli import tables
    from kairos.cli.database import database

    with database(console) as db, db.session() as session:
        rows = [service.user_out(session=session, user=u) for u in service.get_all(session=session)]
    table = tables.table("username", "name", "role", "agent", "teams", "active")
    for u in rows:
        table.add_row(
            u.username, u.display_name, u.role, u.agent_id or "", ", ".join(u.teams), str(u.active)
        )
    Console().print(table)
