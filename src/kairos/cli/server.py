"""``kairos serve``, ``kairos worker``, ``kairos demo`` and ``kairos db``: running Kairos."""

from __future__ import annotations

import errno
import signal
import socket
from types import FrameType

import typer
from rich.console import Console

from kairos.demo_defaults import PER_DAY, START_TIMEOUT_S

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
console = Console(stderr=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Apply database migrations (to the newest by default)."""
    from sqlalchemy.exc import SQLAlchemyError

    from kairos import migrations
    from kairos.cli.database import cannot_open, refuse, upgraded
    from kairos.config import get_settings

    url = get_settings().database_url
    upgraded(url, console, revision)
    try:
        console.print(f"[green]database at {migrations.current(url)}[/]")
    except SQLAlchemyError as exc:
        refuse(cannot_open(url, exc), console)


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration revision."""
    from sqlalchemy.exc import SQLAlchemyError

    from kairos import migrations
    from kairos.cli.database import cannot_open, missing, not_a_url, refuse, stop_if
    from kairos.config import get_settings

    url = get_settings().database_url
    stop_if(not_a_url(url) or missing(url), console)
    try:
        console.print(migrations.current(url) or "empty")
    except SQLAlchemyError as exc:
        refuse(cannot_open(url, exc), console)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through ``finally``, as a Ctrl-C does


def port_refusal(host: str, port: int) -> str | None:
    """Why ``kairos serve`` cannot listen on ``host``:``port``, in one line; None if it can.

    Bound and let go as uvicorn binds it (``SO_REUSEADDR``), before the migrations and the
    app's start: a port taken otherwise surfaced only after both, as uvicorn's traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {host} is taken: another server (another Kairos?) listens "
                    "there; stop it, or start on another port with --port or KAIROS_PORT"
                )
            return f"cannot listen on {host} port {port}: {exc.strerror or exc}"
    return None


def serve(
    host: str = typer.Option(None, help="address to listen on (KAIROS_HOST)"),
    port: int = typer.Option(None, min=1, max=65535, help="port (KAIROS_PORT)"),
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

    from kairos.cli.database import stop_if, upgraded
    from kairos.config import get_settings
    from kairos.main import create_app
    from kairos.parent_watch import as_parent, watch_parent
    from kairos.workers import WorkerPool

    watch_parent()  # started by the demo: stop with it, even after its kill -9
    settings = get_settings()
    if workers:
        if not settings.redis_url:
            console.print("[red]--workers needs KAIROS_REDIS_URL (the workers read a Redis stream)")
            raise typer.Exit(2)
        os.environ["KAIROS_DETECTION"] = "workers"  # for the API processes and the workers
        settings = settings.model_copy(update={"detection": "workers"})
    if processes > 1 and not settings.redis_url and settings.routing_board == "auto":
        # Without a shared bus no process's live board would hear the others' decisions.
        os.environ["KAIROS_ROUTING_BOARD"] = "database"
        settings = settings.model_copy(update={"routing_board": "database"})
    host, port = host or settings.host, port or settings.port
    stop_if(port_refusal(host, port), console)  # said before anything is migrated or started
    upgraded(settings.database_url, console)
    pool = WorkerPool(workers, log_level=log_level) if workers else None
    if pool is not None:
        # Uvicorn raises the SIGTERM it caught again once it has shut down: by default that kills
        # this process before ``finally`` stops the workers, which would run on, orphaned.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        pool.start()
        console.print(f"{workers} detector workers started")
    if processes > 1:
        # Uvicorn's API processes inherit the environment: each watches this process
        # (``app_from_env``) and stops once it is gone, even after its kill -9.
        os.environ.update(as_parent())
    app_target = "kairos.main:app_from_env" if processes > 1 else create_app(settings)
    try:
        uvicorn.run(
            app_target,
            factory=processes > 1,
            workers=processes if processes > 1 else None,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            # X-Forwarded-For is believed only from the proxies named in KAIROS_TRUSTED_PROXIES
            # (none by default, loopback included): each client keeps its own rate-limit bucket.
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=",".join(settings.trusted_proxies) or "",
            # Open live pages (server-sent events) never end by themselves: a stop waits this
            # long for them, then closes them.
            timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_s)),
        )
    finally:
        if pool is not None:
            pool.close()


def worker(log_level: str = typer.Option("info")) -> None:
    """Run one detector worker (KAIROS_DETECTION=workers): assesses from the Redis stream, runs
    the bus listeners, sweeps for interactions left behind; stops on SIGTERM."""
    import logging

    from kairos.config import get_settings
    from kairos.parent_watch import watch_parent
    from kairos.workers import run_worker

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = get_settings()
    if settings.detection != "workers":
        console.print("[red]kairos worker needs KAIROS_DETECTION=workers and KAIROS_REDIS_URL")
        raise typer.Exit(2)
    watch_parent()  # started by kairos serve --workers: stop with it, even after its kill -9
    run_worker(settings)


def demo(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000, min=1, max=65535),
    pace: float = typer.Option(1.0, help="speed of the traffic: 2 is twice as fast"),
    traffic: str = typer.Option(
        "simulated",
        help="simulated: a live contact center (customers and agents) driving the server; "
        "replay: real airline-support threads from the shared data",
    ),
    threads: int = typer.Option(
        0,
        min=0,
        help="stop after this many contacts (simulated) or threads (replay); 0: keep going",
    ),
    open_browser: bool = typer.Option(
        False, "--open", help="open the sign-in page (then the live wallboard) in a browser"
    ),
    history_days: int = typer.Option(
        21,
        min=0,
        max=120,
        help="days of simulated history to seed first when the database has none (so kairos "
        "plan, the report and the missed moments have weeks to read); 0: none",
    ),
    per_day: float = typer.Option(
        PER_DAY,
        min=1.0,
        max=20_000.0,
        help="customers a day (a weekday; Mondays more, weekends fewer), live and in the "
        "history alike; more makes a busier floor and a longer seeding",
    ),
    start_timeout: float = typer.Option(
        START_TIMEOUT_S,
        "--start-timeout",
        min=1.0,
        max=3600.0,
        help="seconds to wait for the server to come up before giving up (a first start on a "
        "slow machine takes minutes: Numba compiles the voice analysis once)",
    ),
) -> None:
    """Start the server (on KAIROS_DATABASE_URL, default var/kairos.db, the database the other
    commands read) and feed it live contact-center traffic."""
    from kairos.cli.database import not_a_url, stop_if
    from kairos.config import get_settings
    from kairos.demo import run_demo

    # The server would refuse it too, after the demo said it was starting.
    stop_if(not_a_url(get_settings().database_url), console)
    run_demo(
        host=host,
        port=port,
        pace=pace,
        max_threads=threads or None,
        traffic=traffic,
        open_browser=open_browser,
        history_days=history_days,
        per_day=per_day,
        start_timeout_s=start_timeout,
    )
