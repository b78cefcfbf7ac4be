"""The ``kairos`` command: one module per command group, each command's heavy imports inside it,
so that ``kairos --help`` loads Typer and Rich and nothing of Kairos' own weight."""

from __future__ import annotations

import typer

from kairos.cli import (
    audio,
    bus,
    calibrate,
    contact_lens,
    detection,
    outcomes,
    parked,
    plan,
    privacy,
    semantic,
    server,
    settings,
    simulate,
    tokens,
    train,
    users,
)

app = typer.Typer(
    help="Kairos: recognise moments of truth while they happen, and win them.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _settings_first() -> None:
    """Kairos: recognise moments of truth while they happen, and win them."""
    settings.check()


app.add_typer(server.db_app, name="db")
app.add_typer(bus.bus_app, name="bus")
app.command()(server.serve)
app.command()(server.worker)
app.command()(server.demo)
app.command("score")(detection.score)
app.command("calibrate")(calibrate.calibrate)
app.command("train")(train.train)
app.command("train-semantic")(semantic.train_semantic)
app.command("simulate")(simulate.simulate)
app.add_typer(users.users_app, name="users")
app.add_typer(tokens.tokens_app, name="tokens")
app.command("audit")(tokens.audit)
app.command("parked-events")(parked.parked_events)
app.command("erase-customer")(privacy.erase_customer)
app.command("purge")(privacy.purge)
app.command("plan")(plan.plan)
app.command("analyze")(outcomes.analyze)
app.command("report")(outcomes.report)
app.command("send-outreach")(outcomes.send_outreach)
app.command("score-audio")(audio.score_audio)
app.command("train-voice")(audio.train_voice)
app.command("replay-contact-lens")(contact_lens.replay_contact_lens)
