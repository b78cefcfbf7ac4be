"""What ``kairos demo`` shows while its server starts: each step the server reaches, with the
seconds it has taken, and in a terminal a spinner line counting the seconds against the bound.

A first start on a slow machine takes minutes (Python loading Kairos, the migrations, Numba
compiling the voice analysis while the models load); the demo said "starting the server" and
then nothing until it ran or gave up.
"""

from __future__ import annotations

from rich.console import Console
from rich.status import Status

from kairos.readiness import STARTING

#: Seconds between the "still ..." lines where no spinner can show the time (output to a file).
STILL_EVERY_S = 30.0


class StartWatch:
    """Told the step the server is at and the seconds waited (``kairos.readiness.OnWait``)."""

    def __init__(self, console: Console, within_s: float) -> None:
        self.console, self.within_s = console, within_s
        self.stage: str | None = None
        self._said_at = 0.0
        self._status: Status | None = None

    def __enter__(self) -> StartWatch:
        if self.console.is_terminal:
            self._status = self.console.status(self._spinner(STARTING, 0.0))
            self._status.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._status is not None:
            self._status.stop()

    def __call__(self, stage: str, elapsed_s: float) -> None:
        if stage != self.stage:
            self.stage, self._said_at = stage, elapsed_s
            self.console.print(f"  [dim]{elapsed_s:5.1f} s[/]  {stage}", highlight=False)
        elif self._status is None and elapsed_s - self._said_at >= STILL_EVERY_S:
            self._said_at = elapsed_s
            self.console.print(
                f"  [dim]{elapsed_s:5.0f} s[/]  still {_step(stage)} "
                f"(gives up at {self.within_s:.0f} s: --start-timeout)",
                highlight=False,
            )
        if self._status is not None:
            self._status.update(self._spinner(stage, elapsed_s))

    def _spinner(self, stage: str, elapsed_s: float) -> str:
        return (
            f"waiting for the server: {_step(stage)}  [bold]{elapsed_s:.0f} s[/] "
            f"[dim](gives up at {self.within_s:.0f} s: --start-timeout)[/]"
        )


def _step(stage: str) -> str:
    """The step, without the explanation its first line gave."""
    return stage.split(" (", 1)[0]
