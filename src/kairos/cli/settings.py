"""The settings, read before any command runs: a bad ``KAIROS_`` variable (in the environment
or ``.env``) is one line naming it and exit status 1, never a traceback."""

from __future__ import annotations

import re

import typer
from rich.console import Console
from rich.markup import escape

_WHERE = "(environment or .env)"


def _variable(field: object) -> str:
    return f"KAIROS_{str(field).upper()}"


def problems() -> list[str]:
    """What is wrong with the configured settings, a line each; empty when they read."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from kairos.config import get_settings

    try:
        get_settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            # A check across settings (workers without Redis) has no field: its message names them.
            named = f"{_variable(error['loc'][0])}: " if error["loc"] else ""
            lines.append(f"{named}{error['msg']} {_WHERE}")
        return lines
    except SettingsError as exc:  # a list or mapping setting that is not JSON
        field = re.search(r'field "(\w+)"', str(exc))
        name = _variable(field.group(1)) if field else "a KAIROS_ setting"
        reason = str(exc.__cause__ or exc).splitlines()[0]
        return [f"{name}: cannot be read as JSON ({reason}) {_WHERE}"]
    return []


def check() -> None:
    """Exit with status 1 and a line per problem when the settings do not read."""
    lines = problems()
    if lines:
        console = Console(stderr=True)
        for line in lines:
            console.print(f"[red]kairos: {escape(line)}[/]", soft_wrap=True)
        raise typer.Exit(1)
