"""Intent-first IVR: the menu definition, with reasons prone to moments of truth offered first.

A menu is a JSON or YAML file (``KAIROS_IVR_MENU_PATH``; unset, the one shipped in
``channels/data/ivr_menu.json``)::

    {
      "menu": "main",
      "prompt": "Tell us in a few words why you are calling, or choose from the menu.",
      "options": [
        {"digits": "1", "reason": "claim", "mot_prone": true, "stakes": "insurance_claim",
         "label": "Report an accident, theft or damage, or make an insurance claim"},
        {"digits": "7", "reason": "billing", "label": "Billing and payments"}
      ]
    }

``digits`` is what the caller keys (1 to 4 of ``0-9*#``), unique in the menu; ``reason`` is the
interaction's reason once chosen, unique too; ``label`` is what the caller hears and what the
detector reads (so a claim, a cancelled flight or a fraud reads as what is at stake);
``mot_prone`` marks reasons where moments of truth happen (claims, cancellations, outages,
fraud, travel disruption); ``stakes`` names the stakes category, for the menu's designers.

:meth:`IvrMenu.ordered` offers the moment-of-truth-prone reasons first, in file order, then the
rest: callers with the most at stake hear their option first and key it sooner.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kairos.detection.assessment import STAKES

DEFAULT_MENU_PATH = Path(__file__).parent / "data" / "ivr_menu.json"

_Text = Annotated[str, Field(min_length=1, max_length=200)]


class IvrMenuError(ValueError):
    """The IVR menu file cannot be read or is not a valid menu; the message says where and why."""


class IvrOption(BaseModel):
    """One choice of the menu."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    digits: Annotated[str, Field(pattern=r"^[0-9*#]{1,4}$")]
    reason: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s]+$")]
    label: _Text
    mot_prone: bool = False
    stakes: str | None = None

    @field_validator("stakes")
    @classmethod
    def _known_stakes(cls, value: str | None) -> str | None:
        if value is not None and value not in STAKES:
            raise ValueError(f"unknown stakes {value!r}; known: {', '.join(STAKES)}")
        return value


class IvrMenu(BaseModel):
    """A menu: its name as the telephony platform reports it, a prompt, and its options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    menu: _Text = "main"
    prompt: Annotated[str, Field(max_length=1000)] | None = None
    options: Annotated[list[IvrOption], Field(min_length=1, max_length=20)]

    @model_validator(mode="after")
    def _unique(self) -> IvrMenu:
        for field in ("digits", "reason"):
            seen: set[str] = set()
            for option in self.options:
                value = str(getattr(option, field)).lower()
                if value in seen:
                    raise ValueError(f"two options have {field} {value!r}; each must be unique")
                seen.add(value)
        return self

    def ordered(self) -> list[IvrOption]:
        """The options as offered: moment-of-truth-prone reasons first, each group in file order."""
        return sorted(self.options, key=lambda o: not o.mot_prone)

    def option_for(self, choice: str) -> IvrOption | None:
        """The option keyed (``"1"``) or named (``"claim"``, from a speech IVR), if any."""
        wanted = choice.strip().lower()
        for option in self.options:
            if option.digits == wanted or option.reason.lower() == wanted:
                return option
        return None


def _parse(path: Path, text: str) -> Any:
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml  # type: ignore[import-untyped,unused-ignore]

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise IvrMenuError(f"IVR menu {path}: not valid YAML: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise IvrMenuError(f"IVR menu {path}: not valid JSON: {exc}") from None


def read_menu(path: Path) -> IvrMenu:
    """The menu in ``path`` (JSON, or YAML for ``.yaml``/``.yml``), or an ``IvrMenuError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IvrMenuError(f"IVR menu {path}: cannot be read: {exc}") from None
    raw = _parse(path, text)
    if not isinstance(raw, dict):
        raise IvrMenuError(f"IVR menu {path}: expected an object with 'options'")
    try:
        return IvrMenu.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(menu)'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        raise IvrMenuError(f"IVR menu {path}: {problems}") from None


_cache: dict[Path, tuple[tuple[int, int], IvrMenu]] = {}
_lock = threading.Lock()


def load_menu(path: Path | None = None) -> IvrMenu:
    """The menu at ``path`` (the shipped one when None), re-read when the file changes."""
    path = (path or DEFAULT_MENU_PATH).expanduser().resolve()
    try:
        stat = path.stat()
        version = (stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        raise IvrMenuError(f"IVR menu {path}: cannot be read: {exc}") from None
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == version:
            return cached[1]
    menu = read_menu(path)
    with _lock:
        _cache[path] = (version, menu)
    return menu
