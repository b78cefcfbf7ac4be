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
    workers: int = typer.Option(
        0,
        min=0,
        help="detector worker processes to start and look after (sets KAIROS_DETECTION=workers; "
        "needs KAIROS_REDIS_URL)",
    ),
    processes: int = typer.Option(1, min=1, help="API processes sharing the port"),
    log_level: str = typer.Option("info"),
) -> None:
    """Run the API server; applies migrations on start."""
    import os

    import uvicorn

    from kairos.main import create_app
    from kairos.workers import WorkerPool

    settings = get_settings()
    if workers:
        if not settings.redis_url:
            console.print("[red]--workers needs KAIROS_REDIS_URL (the workers read a Redis stream)")
            raise typer.Exit(2)
        os.environ["KAIROS_DETECTION"] = "workers"  # for the API processes and the workers
        settings = settings.model_copy(update={"detection": "workers"})
    migrations.upgrade(settings.database_url)
    pool = WorkerPool(workers, log_level=log_level) if workers else None
    if pool is not None:
        pool.start()
        console.print(f"{workers} detector workers started")
    app_target = "kairos.main:app_from_env" if processes > 1 else create_app(settings)
    try:
        uvicorn.run(
            app_target,
            factory=processes > 1,
            workers=processes if processes > 1 else None,
            host=host or settings.host,
            port=port or settings.port,
            log_level=log_level,
            access_log=False,
        )
    finally:
        if pool is not None:
            pool.close()


@app.command()
def worker(log_level: str = typer.Option("info")) -> None:
    """Run one detector worker (KAIROS_DETECTION=workers): assesses from the Redis stream, runs
    the bus listeners, sweeps for interactions left behind; stops on SIGTERM."""
    import logging

    from kairos.workers import run_worker

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = get_settings()
    if settings.detection != "workers":
        console.print("[red]kairos worker needs KAIROS_DETECTION=workers and KAIROS_REDIS_URL")
        raise typer.Exit(2)
    run_worker(settings)


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


def _register_commands() -> None:
    """Add the commands kept in ``cli_*`` modules; an import error there is a bug and shows."""
    from kairos.cli_audio import score_audio, train_voice
    from kairos.cli_detection import score
    from kairos.cli_outcomes import analyze, report
    from kairos.cli_plan import plan
    from kairos.cli_simulate import simulate
    from kairos.cli_tokens import audit, tokens_app
    from kairos.cli_train import train
    from kairos.cli_users import users_app

    app.command("score")(score)
    app.command("train")(train)
    app.command("simulate")(simulate)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.command("audit")(audit)
    app.command("plan")(plan)
    app.command("analyze")(analyze)
    app.command("report")(report)
    app.command("score-audio")(score_audio)
    app.command("train-voice")(train_voice)


_register_commands()

if __name__ == "__main__":
    app()
