"""The ``kairos`` command."""

from __future__ import annotations

import typer
from rich.console import Console

from kairos import migrations
from kairos.config import get_settings

app = typer.Typer(
    help="Kairos: recognise moments of truth while they happen, and win them.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console(stderr=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Apply database migrations (to the newest by default)."""
    settings = get_settings()
    migrations.upgrade(settings.database_url, revision)
    console.print(f"[green]database at {migrations.current(settings.database_url)}[/]")


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration revision."""
    console.print(migrations.current(get_settings().database_url) or "empty")


@app.command()
def serve(
    host: str = typer.Option(None, help="address to listen on (KAIROS_HOST)"),
    port: int = typer.Option(None, help="port (KAIROS_PORT)"),
    log_level: str = typer.Option("info"),
) -> None:
    """Run the API server; applies migrations on start."""
    import uvicorn

    from kairos.main import create_app

    settings = get_settings()
    uvicorn.run(
        create_app(settings, migrate=True),
        host=host or settings.host,
        port=port or settings.port,
        log_level=log_level,
        access_log=False,
    )


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    pace: float = typer.Option(1.0, help="speed of the traffic: 2 is twice as fast"),
    traffic: str = typer.Option(
        "simulated",
        help="simulated: a live contact center (customers and agents) driving the server; "
        "replay: real airline-support threads from the shared data",
    ),
    threads: int = typer.Option(
        0, help="stop after this many contacts (simulated) or threads (replay); 0: keep going"
    ),
    open_browser: bool = typer.Option(
        False, "--open", help="open the sign-in page (then the live wallboard) in a browser"
    ),
) -> None:
    """Start the server on SQLite and feed it live contact-center traffic."""
    from kairos.demo import run_demo

    run_demo(
        host=host,
        port=port,
        pace=pace,
        max_threads=threads or None,
        traffic=traffic,
        open_browser=open_browser,
    )


def _register_detection_commands() -> None:
    try:
        from kairos.cli_detection import score
    except ImportError:
        pass
    else:
        app.command("score")(score)
    try:
        from kairos.cli_train import train
    except ImportError:
        pass
    else:
        app.command("train")(train)
    try:
        from kairos.cli_simulate import simulate
    except ImportError:
        pass
    else:
        app.command("simulate")(simulate)
    try:
        from kairos.cli_users import users_app
    except ImportError:
        pass
    else:
        app.add_typer(users_app, name="users")
    try:
        from kairos.cli_plan import plan
    except ImportError:
        pass
    else:
        app.command("plan")(plan)
    try:
        from kairos.cli_outcomes import analyze, report
    except ImportError:
        pass
    else:
        app.command("analyze")(analyze)
        app.command("report")(report)

    try:
        from kairos.cli_audio import score_audio, train_voice
    except ImportError:
        pass
    else:
        app.command("score-audio")(score_audio)
        app.command("train-voice")(train_voice)


_register_detection_commands()

if __name__ == "__main__":
    app()
