"""``kairos plan``: forecast contacts per cube cell and the agents needed, per interval of a day."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:  # the planning stack (pyworkforce, SQLAlchemy) loads when the command runs
    from rich.table import Table

    from kairos.planning.schemas import Plan
    from kairos.planning.service import PlanOptions


def _fail(console: Console, message: str, code: int = 1) -> typer.Exit:
    console.print(f"[red]{escape(message)}[/]", soft_wrap=True)
    return typer.Exit(code)


def _options(
    console: Console,
    *,
    day: str | None,
    interval: int,
    timezone: str,
    patience_seconds: float,
    target: dict[str, Any],
    mot_target: dict[str, Any],
    per_channel: dict[str, dict[str, Any]],
) -> PlanOptions:
    from kairos.planning.pools import channel_targets
    from kairos.planning.service import PlanOptions
    from kairos.planning.staffing import ServiceTarget

    try:
        parsed = date.fromisoformat(day) if day else None
    except ValueError:
        raise _fail(console, f"--date {day!r} is not YYYY-MM-DD", 2) from None
    if interval <= 0 or 1440 % interval:
        raise _fail(console, f"--interval {interval} must divide a day (15, 30, 60)", 2)
    if patience_seconds <= 0:
        raise _fail(console, "--patience-seconds must be positive", 2)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(console, f"--timezone {timezone!r} is not an IANA timezone", 2) from None
    try:
        return PlanOptions(
            day=parsed,
            interval_minutes=interval,
            target=ServiceTarget(**{k: v for k, v in target.items() if v is not None}),
            targets=channel_targets(per_channel, **target),
            mot_target=ServiceTarget(**mot_target),
            patience_seconds=patience_seconds,
            timezone=timezone,
        )
    except ValueError as exc:
        raise _fail(console, f"bad target: {exc}", 2) from None


def _table(plan: Plan) -> Table:
    from kairos.cli import tables

    mot = plan.mot_target
    table = tables.table(
        "interval",
        "contacts",
        "MoT",
        "AHT s",
        "Erlang C",
        "Erlang A",
        "abandon A",
        "certified",
        right=("contacts", "MoT", "AHT s", "Erlang C", "Erlang A", "abandon A", "certified"),
        title=f"plan for {plan.day.isoformat()} ({plan.timezone}), {plan.interval_minutes}-minute "
        f"intervals; MoT {mot.service_level:.0%} in {mot.answer_seconds:g} s",
    )
    quiet = 0
    # On a day the clocks change, a wall-clock time may come twice: name the offset too.
    clock = "%H:%M" if len(plan.intervals) * plan.interval_minutes == 1440 else "%H:%M %Z"
    for row in plan.intervals:
        if row.contacts <= 0 and row.agents_erlang_c == 0:
            quiet += 1
            continue
        workload = sum(c.contacts * c.aht_seconds for c in row.channels)
        abandon = sum(c.contacts * c.erlang_a.abandonment for c in row.channels)
        table.add_row(
            row.start.strftime(clock),
            f"{row.contacts:.1f}",
            f"{row.mot_contacts:.1f}",
            f"{workload / row.contacts:.0f}" if row.contacts else "",
            str(row.agents_erlang_c),
            str(row.agents_erlang_a),
            f"{abandon / row.contacts:.1%}" if row.contacts else "",
            str(row.certified_agents),
        )
    table.add_section()
    table.add_row(
        "day",
        f"{plan.contacts:.0f}",
        f"{plan.mot_contacts:.0f}",
        "",
        f"{plan.agent_hours('agents_erlang_c'):.0f} h",
        f"{plan.agent_hours('agents_erlang_a'):.0f} h",
        "",
        f"{plan.agent_hours('certified_agents'):.0f} h",
    )
    if quiet:
        table.caption = f"{quiet} interval(s) with no contacts forecast left out"
    return table


def _cells_table(plan: Plan) -> Table:
    """Staff per cube cell over the day: each channel's Erlang C heads shared by workload."""
    from kairos.cli import tables

    table = tables.table(
        "cube cell",
        "contacts",
        "Erlang C",
        "share",
        right=("contacts", "Erlang C", "share"),
        title="staff per cube cell (each channel's Erlang C heads shared by workload)",
    )
    hours = plan.cell_agent_hours()
    total = sum(hours.values())
    for cube, per_interval in plan.cells.items():
        contacts = sum(per_interval)
        if contacts <= 0 and hours.get(cube, 0.0) <= 0:
            continue
        table.add_row(cube, f"{contacts:.0f}", f"{hours.get(cube, 0.0):.1f} h",
                      f"{hours.get(cube, 0.0) / total:.0%}" if total else "")  # fmt: skip
    table.caption = (
        "workload: contacts × the cell's handle time from history (the channel's default on a "
        "backlog); the cells' heads sum to the channel's, which are one pool: a cell staffed "
        "alone would need more"
    )
    return table


def _heads(plan: Plan) -> str:
    """What the agent counts are: heads to schedule, with the shrinkage and occupancy they
    assume, per channel where the channels differ."""
    limits = {
        channel: f"{t.shrinkage:.0%} shrinkage, occupancy at most {t.max_occupancy:.0%}"
        for channel, t in plan.targets.items()
    }
    said = (
        next(iter(limits.values()))
        if len(set(limits.values())) == 1
        else "; ".join(f"{channel} {words}" for channel, words in limits.items())
    )
    return (
        "agents: heads to schedule, productive agents ÷ (1 − shrinkage), rounded up per "
        "channel and interval (email and social: whole heads where work falls due, each doing "
        f"its occupancy less shrinkage): {said}"
    )


def _summary(console: Console, plan: Plan) -> None:
    console.print(
        f"history: {plan.history_contacts} contacts, {plan.history_first_day} to "
        f"{plan.history_last_day}\nforecast: {plan.method}\n"
        f"staffing: Erlang A with mean patience {plan.patience_seconds:g} s; moments of truth "
        f"(score ≥ {plan.mot_threshold:g}) staffed apart with certified agents by Erlang C\n"
        "targets: "
        + "; ".join(f"{channel} {target.describe()}" for channel, target in plan.targets.items())
        + "\n"
        + _heads(plan)
    )
    bt = plan.backtest
    if bt is None:
        console.print(
            "[yellow]backtest: not enough history (needs two full weeks); "
            "the forecast's error is unknown[/]"
        )
        return
    mape = f"{bt.mape:.1%}" if bt.mape is not None else "n/a"
    ratio = f", {bt.wape / bt.naive_wape:.2f}×" if bt.naive_wape > 0 else ""
    console.print(
        f"backtest, held-out week {bt.first_day} to {bt.last_day} ({bt.actual_contacts:.0f} "
        f"contacts): WAPE {bt.wape:.1%} per channel and interval (seasonal naive "
        f"{bt.naive_wape:.1%}{ratio}), MAPE {mape}; per cube cell WAPE {bt.wape_cells:.1%} "
        f"(naive {bt.naive_wape_cells:.1%})"
    )


def _read_plan(err: Console, database_url: str, options: PlanOptions) -> Plan:
    """The plan from the stored history; a clear exit when there is none or it cannot be read."""
    from sqlalchemy.exc import SQLAlchemyError

    from kairos.cli.database import problem
    from kairos.db import Database
    from kairos.planning.service import NoHistory, get_plan

    why = problem(database_url)
    if why is not None:
        raise _fail(err, f"kairos: {why}")
    db = Database(database_url)
    try:
        with db.session() as session:
            result = get_plan(session=session, options=options)
    except NoHistory as exc:
        raise _fail(err, f"no history to plan from: {exc}") from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or type(exc).__name__)
        raise _fail(
            err,
            f"cannot read the history ({reason}); is the database migrated (kairos db upgrade)?",
        ) from None
    finally:
        db.dispose()
    return result


def plan(
    day: str | None = typer.Option(
        None, "--date", help="day to plan, YYYY-MM-DD (default: the day after the newest history)"
    ),
    interval: int = typer.Option(30, help="interval length in minutes: 15, 30 or 60"),
    service_level: float | None = typer.Option(
        None, help="share of contacts answered in time, every channel (default: its own target)"
    ),
    answer_seconds: float | None = typer.Option(
        None, help="... within this many seconds (default: each channel's, see the docs)"
    ),
    patience_seconds: float = typer.Option(
        180.0, help="customers' mean patience before hanging up (Erlang A)"
    ),
    shrinkage: float | None = typer.Option(None, help="share of paid time off the phones (0.3)"),
    max_occupancy: float | None = typer.Option(
        None, help="highest share of time agents are busy (0.85)"
    ),
    mot_service_level: float = typer.Option(0.9, help="moments of truth answered in time"),
    mot_answer_seconds: float = typer.Option(10.0, help="... within this many seconds"),
    timezone: str = typer.Option(
        None,
        help="the centre's IANA timezone (KAIROS_CENTRE_TIMEZONE, else KAIROS_DEFAULT_TIMEZONE)",
    ),
    as_json: bool = typer.Option(False, "--json", help="print the plan as JSON, not a table"),
    chart: Path | None = typer.Option(None, help="write a self-contained HTML chart here"),
    csv_path: Path | None = typer.Option(
        None, "--csv", help="write every interval and channel as CSV here (for a WFM tool)"
    ),
) -> None:
    """Forecast contacts per cube cell and interval, and the agents needed (Erlang C and A)."""

    from kairos.config import get_settings

    err = Console(stderr=True)
    settings = get_settings()
    options = _options(
        err,
        day=day,
        interval=interval,
        timezone=timezone or settings.centre_or_default_timezone,
        patience_seconds=patience_seconds,
        target={
            "service_level": service_level,
            "answer_seconds": answer_seconds,
            "shrinkage": shrinkage,
            "max_occupancy": max_occupancy,
        },
        mot_target={
            "service_level": mot_service_level,
            "answer_seconds": mot_answer_seconds,
            "shrinkage": 0.3 if shrinkage is None else shrinkage,
            "max_occupancy": 0.85 if max_occupancy is None else max_occupancy,
        },
        per_channel={c: t.model_dump() for c, t in settings.service_targets.items()},
    )
    result = _read_plan(err, settings.database_url, options)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        out = Console()
        out.print(_table(result))
        out.print(_cells_table(result))
        _summary(out, result)
    if chart is not None:
        from kairos.planning.chart import write_chart

        write_chart(result, chart)
        err.print(f"[green]wrote {chart}[/]")
    if csv_path is not None:
        from kairos.planning.export import write_csv

        write_csv(result, csv_path)
        err.print(f"[green]wrote {csv_path}[/]")
