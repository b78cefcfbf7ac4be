"""Real customer-service threads turned into Kairos events, for the demo and the benchmarks.

The source is the Customer Support on Twitter airline threads in ``airline_threads/`` of the
shared data: one row per thread, ``first_utterance`` holds the customer's opening tweet and
``context`` the turns after it, each wrapped in ``<cust__ ... __cust>`` or ``<rep__ ... __rep>``.
Event ids are derived from the thread id (and an optional run id), so a replay is idempotent.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kairos.config import Settings, get_settings
from kairos.events import (
    Event,
    Identity,
    InteractionEnded,
    InteractionStarted,
    IvrInput,
    IvrSelection,
    Outcome,
    Speaker,
    Transfer,
    Utterance,
)

THREADS_FILE = Path("airline_threads") / "airlines_processed.csv.bz2"
SOCIAL_QUEUE = "airline-social"

# The data set's intent tags; UNK and OTHER say nothing about the reason.
REASONS: dict[str, str] = {
    "DELAY": "flight delay",
    "BAGGAGE": "baggage",
    "INFLIGHTENT": "in-flight entertainment",
    "INFLIGHTFACS": "in-flight facilities",
    "TERMOPS": "airport operations",
    "TERMFACS": "airport facilities",
    "FLIGHTSTAFF": "flight staff",
    "BOOKFLT": "booking",
    "CHGFLT": "flight change",
    "CHECKIN": "check-in",
    "CUSTSUPP": "customer support",
    "REWARDS": "rewards",
    "NEWFEAT": "new feature",
}

_TURN = re.compile(r"<(cust|rep)__(.*?)__(?:cust|rep)>", re.DOTALL)
# The data set's anonymisation placeholders, shown as readable stand-ins.
_PLACEHOLDERS: dict[str, str] = {
    "__num__": "#",
    "__airport_code__": "[airport]",
    "__money__": "[amount]",
    "__email__": "[email]",
    "__url__": "[link]",
    "__credit_card__": "[card]",
    "__twitter_at__": "@someone",
    "__twitter_tag__": "",
    "__company__": "@airline",
    "__cust__": "@customer",
    "__initials__": "",
}
_PLACEHOLDER = re.compile(r"_{2,}[a-z_]+?_{2,}")
# The text was tokenised ("do n't", "late ."); undo the most visible splits.
_DETOKENISE = (
    (re.compile(r" (n't|'s|'m|'re|'ve|'ll|'d)\b"), r"\1"),
    (re.compile(r" ([.,!?;:%)])"), r"\1"),
    (re.compile(r"([($]) "), r"\1"),
    (re.compile(r"`` | ''"), '"'),
    (re.compile(r"\s{2,}"), " "),
)


@dataclass(frozen=True)
class Turn:
    """One message in a thread, by the customer or the airline's agent."""

    speaker: Speaker
    text: str


@dataclass(frozen=True)
class Thread:
    """One customer-service thread: its id, intent tag and turns in order."""

    thread_id: str
    tag: str | None
    turns: tuple[Turn, ...]

    @property
    def reason(self) -> str | None:
        """The contact reason the tag names, if it names one."""
        return REASONS.get(self.tag or "")


def clean_text(raw: str) -> str:
    """A turn's text without the leading addressee, placeholders made readable."""
    text = raw.strip()
    # Every tweet starts by addressing the other side; the handle adds nothing to the text.
    text = re.sub(r"^(__company__|__cust__)\s*", "", text)
    text = _PLACEHOLDER.sub(lambda m: _PLACEHOLDERS.get(m.group(0), ""), text)
    for pattern, replacement in _DETOKENISE:
        text = pattern.sub(replacement, text)
    return text.strip(" #")


def parse_turns(text: str) -> list[Turn]:
    """The turns of a ``<cust__ ... __cust> <rep__ ... __rep>`` string, empty ones dropped."""
    turns: list[Turn] = []
    for side, body in _TURN.findall(text):
        cleaned = clean_text(body)
        if cleaned:
            turns.append(Turn(speaker="customer" if side == "cust" else "agent", text=cleaned))
    return turns


def parse_row(row: dict[str, str]) -> Thread | None:
    """A thread from one CSV row; None when the customer's opening has no text."""
    opening = parse_turns(row.get("first_utterance", ""))
    thread_id = (row.get("first_tweet_id") or "").strip()
    # An opening tweet that was only a picture or a tag leaves nothing to read or assess.
    if not opening or not thread_id:
        return None
    turns = opening + parse_turns(row.get("context", ""))
    tag = (row.get("tag") or "").strip() or None
    return Thread(thread_id=thread_id, tag=tag, turns=tuple(turns))


def threads_path(settings: Settings | None = None) -> Path | None:
    """Where the airline threads file is, or None when the shared data is absent."""
    data_dir = (settings or get_settings()).shared_data_dir()
    if data_dir is None:
        return None
    path = data_dir / THREADS_FILE
    return path if path.is_file() else None


def read_threads(path: Path, *, limit: int | None = None) -> Iterator[Thread]:
    """Threads streamed from the bz2 CSV, in file order, rows without an opening skipped."""
    count = 0
    with bz2.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if limit is not None and count >= limit:
                return
            thread = parse_row(row)
            if thread is not None:
                count += 1
                yield thread


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def interaction_id_for(thread: Thread, *, run_id: str = "") -> str:
    """The interaction id a thread gets; a run id makes a fresh interaction per run."""
    return f"tw-{run_id}-{thread.thread_id}" if run_id else f"tw-{thread.thread_id}"


def thread_events(thread: Thread, *, start: datetime, run_id: str = "") -> list[Event]:
    """The events of one social interaction replaying ``thread``, timed like a real thread."""
    interaction_id = interaction_id_for(thread, run_id=run_id)
    # Seeded by the thread so the timing, like the ids, is the same on every replay.
    rng = random.Random(_digest("timing", thread.thread_id))
    customer = f"cust-{_digest('customer', thread.thread_id)[:16]}"
    at = start
    first = thread.turns[0].text
    events: list[Event] = [
        InteractionStarted(
            event_id=f"{interaction_id}:0",
            interaction_id=interaction_id,
            occurred_at=at,
            channel="social",
            identities=[Identity(kind="social", value=customer)],
            reason=thread.reason,
            queue=SOCIAL_QUEUE,
            subject=first if len(first) <= 120 else first[:117] + "...",
        )
    ]
    previous: Speaker | None = None
    for index, turn in enumerate(thread.turns, start=1):
        if previous is not None:
            # Agents on social answer within minutes; customers come back more slowly.
            seconds = rng.uniform(60, 900) if turn.speaker == "agent" else rng.uniform(120, 1800)
            at += timedelta(seconds=seconds)
        previous = turn.speaker
        events.append(
            Utterance(
                event_id=f"{interaction_id}:{index}",
                interaction_id=interaction_id,
                occurred_at=at,
                speaker=turn.speaker,
                text=turn.text,
            )
        )
    events.append(
        InteractionEnded(
            event_id=f"{interaction_id}:end",
            interaction_id=interaction_id,
            occurred_at=at + timedelta(seconds=rng.uniform(300, 3600)),
            outcome=Outcome(disposition="thread closed"),
        )
    )
    return events


@dataclass(frozen=True)
class TextPool:
    """Real customer and agent turns to draw synthetic conversations from."""

    customer: tuple[str, ...]
    agent: tuple[str, ...]

    @classmethod
    def from_threads(cls, threads: Sequence[Thread]) -> TextPool:
        """The turns of ``threads``, split by speaker."""
        customer = tuple(t.text for th in threads for t in th.turns if t.speaker == "customer")
        agent = tuple(t.text for th in threads for t in th.turns if t.speaker == "agent")
        if not customer or not agent:
            raise ValueError("the threads need both customer and agent turns")
        return cls(customer=customer, agent=agent)


_IVR_OPTIONS = (
    ("1", "new booking"),
    ("2", "change or cancel a flight"),
    ("3", "baggage"),
    ("4", "rewards"),
    ("0", "other"),
)


def call_events(
    index: int, pool: TextPool, *, start: datetime, run_id: str = "", seed: int = 0
) -> list[Event]:
    """A synthetic call: phone identity, IVR menu and account number, 10-40 utterances, end."""
    rng = random.Random(f"{seed}:{index}")
    interaction_id = f"call-{run_id}-{index}" if run_id else f"call-{index}"
    # Ofcom's drama range: valid UK numbers that belong to nobody. A thousand callers, so
    # some call again and build a journey, as real callers do.
    phone = f"+44207946{rng.randrange(1000):04d}"
    option, label = rng.choice(_IVR_OPTIONS)
    at = start
    seq = 0

    def next_id() -> str:
        nonlocal seq
        seq += 1
        return f"{interaction_id}:{seq}"

    events: list[Event] = [
        InteractionStarted(
            event_id=next_id(),
            interaction_id=interaction_id,
            occurred_at=at,
            channel="call",
            identities=[Identity(kind="phone", value=phone)],
            queue="general",
            timezone="Europe/London",
        ),
        IvrSelection(
            event_id=next_id(),
            interaction_id=interaction_id,
            occurred_at=(at := at + timedelta(seconds=rng.uniform(5, 20))),
            menu="main",
            option=option,
            label=label,
        ),
        IvrInput(
            event_id=next_id(),
            interaction_id=interaction_id,
            occurred_at=(at := at + timedelta(seconds=rng.uniform(5, 20))),
            name="account_number",
            value=f"{rng.randrange(10**7, 10**8)}",
            verified=rng.random() < 0.8,
        ),
    ]
    utterances = rng.randint(10, 40)
    transfer_at = rng.randrange(utterances) if rng.random() < 0.2 else -1
    speaker: Speaker = "agent"
    for turn in range(utterances):
        at += timedelta(seconds=rng.uniform(3, 25))
        if turn == transfer_at:
            events.append(
                Transfer(
                    event_id=next_id(),
                    interaction_id=interaction_id,
                    occurred_at=at,
                    to_queue="retention",
                    reason="customer asked for a supervisor",
                )
            )
        events.append(
            Utterance(
                event_id=next_id(),
                interaction_id=interaction_id,
                occurred_at=at,
                speaker=speaker,
                text=rng.choice(pool.customer if speaker == "customer" else pool.agent),
            )
        )
        speaker = "customer" if speaker == "agent" else "agent"
    events.append(
        InteractionEnded(
            event_id=next_id(),
            interaction_id=interaction_id,
            occurred_at=at + timedelta(seconds=rng.uniform(2, 10)),
            outcome=Outcome(resolved=rng.random() < 0.7),
        )
    )
    return events


def now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)
