"""``kairos calibrate``: the flag's precision and recall on reviewed contacts, and the
``KAIROS_MOT_BASE_RATE`` that would have made the flagged share match the truth."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from kairos.outcomes.base_rate import SETTING as _SETTING

if TYPE_CHECKING:
    from kairos.outcomes.verdict_schemas import CalibrationOut, Share


def _share(share: Share) -> str:
    if share.value is None:
        return "nothing to count"
    return (
        f"{share.value:.2f} (95% CI {share.low:.2f}-{share.high:.2f}; {share.hits} of {share.of})"
    )


def _rows(out: CalibrationOut) -> list[tuple[str, str]]:
    rec = out.recommended
    flagged = f"{out.flagged} ({out.current.flagged_share:.1%} at {out.current_base_rate})"
    estimated = "-"
    if out.estimated_moments is not None and out.target_share is not None:
        estimated = f"{out.estimated_moments} ({out.target_share:.1%})"
    recommended = "-"
    if rec is not None:
        recommended = f"{rec.base_rate} (would flag {rec.flagged}, {rec.flagged_share:.1%})"
    return [
        ("contacts assessed", str(out.contacts)),
        ("flagged at the set base rate", flagged),
        ("re-scorable (kept mot_logit)", str(out.rescorable)),
        ("assessed before mot_logit (stored flag)", str(out.stored_before_logit)),
        ("verdicts", str(out.verdicts)),
        ("flags reviewed", str(out.reviewed_flags)),
        ("unflagged with a known truth", str(out.reviewed_unflagged)),
        ("precision of the flag", _share(out.precision)),
        ("recall on known moments", _share(out.recall)),
        ("estimated moments of truth", estimated),
        ("recommended base rate", recommended),
    ]


def _show(console: Console, out: CalibrationOut, days: int) -> None:
    from kairos.cli import tables

    title = f"The flag over the last {days} days"
    table = tables.table("figure", "value", title=title, show_header=False)
    for name, value in _rows(out):
        table.add_row(name, value)
    console.print(table)


def calibrate(
    days: int = typer.Option(
        7, min=1, max=366, help="the window: contacts started in the last N days"
    ),
    apply: bool = typer.Option(
        False, "--apply", help=f"write the recommendation to {_SETTING} in --env-file"
    ),
    env_file: Path = typer.Option(Path(".env"), help="the settings file --apply writes"),
) -> None:
    """Precision and recall of the MoT flag on reviewed contacts, and the recommended base rate.

    Reads people's verdicts (wallboard, desktop, POST /v1/interactions/{id}/verdicts) and the
    after-contact reviews; refuses to recommend on too few reviewed contacts.
    """
    from kairos.cli.database import database
    from kairos.db import utcnow
    from kairos.detection.semantic import configured_base_rate
    from kairos.outcomes import verdicts
    from kairos.outcomes.base_rate import overridden, write_setting

    console = Console()
    with database(console) as db, db.session() as session:
        until = utcnow()
        out = verdicts.calibrate(
            session=session, since=until - timedelta(days=days), until=until,
            base_rate=configured_base_rate(),
        )  # fmt: skip
    _show(console, out, days)
    if out.recommended is None:
        console.print(f"[yellow]No recommendation: {out.refused}.[/]")
        raise typer.Exit(1 if apply else 0)
    rate = out.recommended.base_rate
    restart = "the server and workers restart"
    if not apply:
        console.print(f"To apply it, set {_SETTING}={rate} (or run with --apply); {restart}.")
        return
    write_setting(env_file, rate)
    console.print(f"Wrote {_SETTING}={rate} to {env_file}; it takes effect when {restart}.")
    if (set_there := overridden()) is not None:
        console.print(
            f"[yellow]{_SETTING} is also set in the environment ({set_there}), "
            f"which wins over {env_file}: change it there.[/]"
        )
