"""Applying a new ``KAIROS_MOT_BASE_RATE``: written into the ``.env`` the settings read (by
``kairos calibrate --apply`` and an admin on the calibration page), effective when the server and
workers restart."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

#: The variable (and ``.env`` key) of ``Settings.mot_base_rate``. This module imports nothing
#: heavy, so that ``kairos calibrate`` names it in its help without a fifth of a second of
#: imports; ``tests/outcomes/test_base_rate_setting.py`` holds it to the settings' own name.
SETTING = "KAIROS_MOT_BASE_RATE"
#: The settings file a running Kairos reads (``Settings.model_config``), in its working folder.
ENV_FILE = Path(".env")
#: A line of a ``.env`` that sets it, with the value it sets (quotes and a comment left out).
_LINE = re.compile(rf"^\s*(?:export\s+)?{SETTING}\s*=\s*['\"]?([^'\"\s#]*)")


def parse(text: str) -> float | None:
    """``text`` as a base rate a recommendation may be, else None.

    >>> parse("0.042"), parse("0.9"), parse("nan"), parse("1e-4"), parse("x")
    (0.042, None, None, None, None)
    """
    from kairos.outcomes.calibration import HIGHEST_RATE, LOWEST_RATE

    try:
        rate = float(text)
    except ValueError:
        return None
    return rate if math.isfinite(rate) and LOWEST_RATE <= rate <= HIGHEST_RATE else None


def write_setting(env_file: Path, rate: float) -> None:
    """Set ``KAIROS_MOT_BASE_RATE`` in ``env_file``, keeping every other line."""
    lines = env_file.read_text(encoding="utf-8").splitlines() if env_file.is_file() else []
    kept = [line for line in lines if not _LINE.match(line)]
    kept.append(f"{SETTING}={rate}")
    env_file.write_text("\n".join(kept) + "\n", encoding="utf-8")


def overridden() -> str | None:
    """The value the environment sets, which wins over ``.env`` (None when it sets none)."""
    return os.environ.get(SETTING) or None


def stored(env_file: Path) -> float | None:
    """The base rate ``env_file`` sets (the last line naming it wins, as the settings read it);
    None where it sets none or one that is no number."""
    if not env_file.is_file():
        return None
    found = None
    for line in env_file.read_text(encoding="utf-8").splitlines():
        if (match := _LINE.match(line)) is not None:
            found = match.group(1)
    try:
        rate = float(found) if found is not None else None
    except ValueError:
        return None
    return rate if rate is not None and math.isfinite(rate) else None


def applied(running: float, env_file: Path = ENV_FILE) -> float | None:
    """A rate applied since this process started (``.env`` sets another than ``running``, and
    the environment does not override it): it takes effect on restart. None otherwise."""
    rate = stored(env_file)
    if rate is None or overridden() is not None or math.isclose(rate, running):
        return None
    return rate
