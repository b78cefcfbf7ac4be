"""The queue mapping: which queue a new contact joins, from what is known of it.

A mapping file (``KAIROS_QUEUE_MAP``: TOML, JSON or YAML) declares the queues it needs and an
ordered list of rules; the first rule whose conditions all hold decides::

    [[queues]]
    name = "email"
    channel = "email"
    policy = "moments"

    [[rules]]
    match = { channel = ["call"], ivr = ["lost card"] }
    queue = "call-cards"

    [[rules]]
    match = { stakes = ["travel_disruption"], language = ["en"] }
    queue = "travel"

    [[rules]]
    match = { channel = ["email"] }
    queue = "email"

    [[rules]]
    match = { channel = ["social"] }
    unqueued = "public posts are answered by the social team's own tool"

Conditions: ``channel`` (one of), ``reason`` (the reason contains one of, any case), ``ivr``
(an IVR choice's option, label or reason is one of, any case), ``stakes`` (one of the
assessment's stakes), ``language`` (the language or its primary subtag is one of). A rule sends
the contact to ``queue``, or leaves it unqueued with the ``unqueued`` reason, which is stored on
the interaction and shown on the wallboard.

The mapping is checked when Kairos starts: every channel must end in a catch-all rule (a rule
with no condition but the channel), so no contact is ever left without a queue unless a rule
says so; every queue a rule names must be declared in the file or exist already.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kairos.events import CHANNELS, Channel
from kairos.routing.schemas import QueueCreate

_Words = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=1)]


class QueueMapError(ValueError):
    """The mapping file cannot be read or does not hold: Kairos refuses to start."""


class Match(BaseModel):
    """A rule's conditions; all that are given must hold (none: every contact)."""

    model_config = ConfigDict(extra="forbid")

    channel: Annotated[list[Channel], Field(min_length=1)] | None = None
    reason: _Words | None = None
    ivr: _Words | None = None
    stakes: _Words | None = None
    language: _Words | None = None

    def catches_all_of(self, channel: str) -> bool:
        """Whether this rule takes every contact on ``channel``."""
        others = (self.reason, self.ivr, self.stakes, self.language)
        return all(c is None for c in others) and (self.channel is None or channel in self.channel)


class Rule(BaseModel):
    """Where contacts that match go: a queue, or nowhere and why."""

    model_config = ConfigDict(extra="forbid")

    match: Match = Match()
    queue: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    unqueued: Annotated[str, Field(min_length=1, max_length=240)] | None = None

    @model_validator(mode="after")
    def _one_outcome(self) -> Rule:
        if (self.queue is None) == (self.unqueued is None):
            raise ValueError("give exactly one of queue (where it goes) or unqueued (why not)")
        return self


@dataclass(frozen=True, slots=True)
class Contact:
    """What the mapping may look at: known from the first event, the IVR and the assessment."""

    channel: str
    reason: str | None = None
    language: str | None = None
    ivr: tuple[str, ...] = ()
    stakes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Placement:
    """The mapping's answer: the queue (or None) and the note stored beside it."""

    queue: str | None
    note: str


def _lower(words: Iterable[str | None]) -> set[str]:
    return {w.strip().lower() for w in words if w}


def _matches(match: Match, contact: Contact) -> bool:
    if match.channel is not None and contact.channel not in match.channel:
        return False
    if match.reason is not None:
        reason = (contact.reason or "").lower()
        if not any(word.lower() in reason for word in match.reason):
            return False
    if match.ivr is not None and not _lower(match.ivr) & _lower(contact.ivr):
        return False
    if match.stakes is not None and not _lower(match.stakes) & _lower(contact.stakes):
        return False
    if match.language is not None:
        language = (contact.language or "").lower()
        if language not in _lower(match.language) and (
            language.split("-")[0] not in _lower(match.language)
        ):
            return False
    return True


def _describe(match: Match) -> str:
    parts = [
        f"{name} {', '.join(values)}"
        for name, values in match.model_dump(exclude_none=True).items()
    ]
    return "; ".join(parts) or "every contact"


class QueueMap(BaseModel):
    """The queues the mapping needs and its rules, first match wins."""

    model_config = ConfigDict(extra="forbid")

    queues: list[QueueCreate] = []
    rules: Annotated[list[Rule], Field(min_length=1)]

    @model_validator(mode="after")
    def _every_channel_covered(self) -> QueueMap:
        uncovered = [c for c in CHANNELS if not any(r.match.catches_all_of(c) for r in self.rules)]
        if uncovered:
            raise ValueError(
                f"no catch-all rule for {', '.join(uncovered)}: a contact there could be left "
                "without a queue; end with a rule matching only the channel, giving a queue or "
                "an unqueued reason"
            )
        names = [q.name for q in self.queues]
        if len(names) != len(set(names)):
            raise ValueError("a queue is declared twice")
        return self

    @property
    def uses_ivr(self) -> bool:
        """Whether an IVR choice can change the queue."""
        return any(r.match.ivr is not None for r in self.rules)

    @property
    def uses_stakes(self) -> bool:
        """Whether an assessment's stakes can change the queue."""
        return any(r.match.stakes is not None for r in self.rules)

    def queue_names(self) -> set[str]:
        """Every queue a rule sends contacts to."""
        return {r.queue for r in self.rules if r.queue is not None}

    def place(self, contact: Contact) -> Placement:
        """The first matching rule's queue, or why the contact stays unqueued."""
        for number, rule in enumerate(self.rules, 1):
            if _matches(rule.match, contact):
                why = f"rule {number} ({_describe(rule.match)})"
                if rule.queue is not None:
                    return Placement(rule.queue, f"queued by {why}")
                return Placement(None, f"not queued: {rule.unqueued} ({why})")
        # Unreachable for a validated map (every channel has a catch-all); kept as a guard.
        return Placement(
            None, f"not queued: no rule of the queue mapping matches {contact.channel}"
        )


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueueMapError(f"cannot read the queue mapping {path}: {exc}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix in (".yaml", ".yml"):
            import yaml  # type: ignore[import-untyped,unused-ignore]

            return yaml.safe_load(text)
        return json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise QueueMapError(f"the queue mapping {path} is not valid {suffix[1:]}: {exc}") from None
    except Exception as exc:  # yaml's own errors
        raise QueueMapError(f"the queue mapping {path} cannot be parsed: {exc}") from None


def load_queue_map(path: Path) -> QueueMap:
    """The mapping in ``path``, validated; a ``QueueMapError`` naming each problem."""
    raw = _read(path)
    try:
        return QueueMap.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        raise QueueMapError(f"the queue mapping {path} is wrong: {problems}") from None


def check_queues(queue_map: QueueMap, existing: Sequence[str]) -> None:
    """Refuse a mapping that sends contacts to a queue neither declared nor existing."""
    known = {q.name for q in queue_map.queues} | set(existing)
    missing = sorted(queue_map.queue_names() - known)
    if missing:
        raise QueueMapError(
            f"the queue mapping sends contacts to {', '.join(missing)}, which no [[queues]] "
            "entry declares and the database does not hold"
        )
