"""``kairos analyze``: the whole review chain over an archive of past interactions, no server.

Two formats: JSON lines as ``kairos score`` reads them (``id``, ``text``, optional ``speaker``,
``occurred_at``, ``interaction_id``: lines sharing an interaction id are one conversation, in
order), and the airline-support threads CSV (``.csv`` or ``.csv.bz2``) of the shared data. Every
conversation is reviewed as :mod:`kairos.outcomes.review` defines; "live" stands for what the
detector saw before the first answer (what routing would have had), and nothing in an archive was
handled as a moment of truth, since the centre had no Kairos.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kairos.detection.batch import LineError, read_line
from kairos.outcomes.review import Known, Turn, review


@dataclass
class Conversation:
    """One archived conversation."""

    id: str
    turns: list[Turn]
    reason: str | None = None
    channel: str | None = None
    agent_id: str | None = None


@dataclass
class Row:
    """One reviewed conversation, as the report aggregates it."""

    id: str
    reason: str | None
    channel: str | None
    agent_id: str | None
    status: str
    missed: bool
    mot_live: bool
    mot_hindsight: bool
    live_score: float | None
    hindsight_score: float
    resolved: bool | None
    ended_well: bool | None
    sentiment_start: float | None
    sentiment_end: float | None
    recovery: float | None
    csat: int | None
    reask_count: int
    cube: str
    stakes: list[str]
    behaviours: list[dict[str, Any]]
    why: list[str]
    evidence: list[dict[str, Any]]
    customer_value: float | None = None
    handle_seconds: float | None = None
    started_at: datetime | None = None
    turns: list[tuple[str, str, str | None]] = field(default_factory=list)
    agent_turns: int = 0
    customer_id: int | None = None


def review_conversation(conversation: Conversation, *, keep_turns: bool = False) -> Row:
    """Review one archived conversation."""
    result = review(conversation.turns, known=Known(live_is_first_reply=True))
    keep = keep_turns or result.missed
    return Row(
        id=conversation.id,
        reason=conversation.reason,
        channel=conversation.channel,
        agent_id=conversation.agent_id,
        status=result.status,
        missed=result.missed,
        mot_live=result.mot_live,
        mot_hindsight=result.mot_hindsight,
        live_score=result.live_score,
        hindsight_score=result.hindsight_score,
        resolved=result.resolved,
        ended_well=result.ended_well,
        sentiment_start=result.sentiment_start,
        sentiment_end=result.sentiment_end,
        recovery=result.recovery,
        csat=None,
        reask_count=result.reask_count,
        cube=result.cube,
        stakes=result.stakes,
        behaviours=result.behaviours,
        why=result.why,
        evidence=result.reasons,
        turns=[(t.speaker, t.text, t.event_id) for t in conversation.turns] if keep else [],
        agent_turns=sum(t.speaker == "agent" for t in conversation.turns),
        started_at=next((t.occurred_at for t in conversation.turns if t.occurred_at), None),
    )


# -- reading ------------------------------------------------------------------------------------


class ArchiveError(ValueError):
    """An archive that cannot be read."""


def _is_threads(path: Path) -> bool:
    return path.name.endswith((".csv", ".csv.bz2"))


def read_threads_csv(path: Path, *, limit: int | None = None) -> Iterator[Conversation]:
    """Conversations from the airline-support threads CSV (``airline_threads`` format)."""
    from kairos.replay import read_threads

    for thread in read_threads(path, limit=limit):
        turns = [
            Turn(turn.speaker, turn.text, event_id=f"{thread.thread_id}:{i}")
            for i, turn in enumerate(thread.turns, start=1)
        ]
        yield Conversation(id=thread.thread_id, turns=turns, reason=thread.reason, channel="social")


def _time(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def read_json_lines(
    path: Path, *, limit: int | None = None
) -> tuple[list[Conversation], list[tuple[int, str]]]:
    """Conversations from JSON lines (the ``kairos score`` format, checked as ``kairos score``
    checks it), and each line that could not be read: its number and what to fix."""
    conversations: dict[str, Conversation] = {}
    bad: list[tuple[int, str]] = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, raw_line in enumerate(handle, start=1):
            if not raw_line.strip():
                continue
            try:
                line = read_line(raw_line)
            except LineError as exc:
                bad.append((number, str(exc)))
                continue
            item = line.item
            key = str(item.get("interaction_id") or f"line-{line.id}")
            conversation = conversations.get(key)
            if conversation is None:
                if limit is not None and len(conversations) >= limit:
                    continue
                conversation = conversations[key] = Conversation(
                    id=key, turns=[], channel=line.channel, reason=item.get("reason")
                )
            conversation.turns.append(
                Turn(
                    line.speaker,
                    line.text,
                    event_id=str(line.id),
                    occurred_at=_time(item.get("occurred_at")),
                )
            )
            if line.speaker == "agent" and item.get("agent_id") and conversation.agent_id is None:
                conversation.agent_id = str(item["agent_id"])
    return list(conversations.values()), bad


def read_archive(
    path: Path, *, limit: int | None = None
) -> tuple[list[Conversation], list[tuple[int, str]]]:
    """Every conversation of an archive file, and the lines that could not be read (number,
    what to fix)."""
    if not path.is_file():
        raise ArchiveError(f"no such file: {path}")
    if _is_threads(path):
        return list(read_threads_csv(path, limit=limit)), []
    return read_json_lines(path, limit=limit)


# -- running ------------------------------------------------------------------------------------


def _review_chunk(chunk: list[Conversation]) -> list[Row]:
    return [review_conversation(c) for c in chunk]


def analyze(
    conversations: list[Conversation],
    *,
    workers: int | None = None,
    chunk_size: int = 400,
    on_progress: Callable[[int], None] | None = None,
) -> list[Row]:
    """Review every conversation, in order, on ``workers`` processes (default: every core)."""
    workers = workers or os.cpu_count() or 1
    chunks = [conversations[i : i + chunk_size] for i in range(0, len(conversations), chunk_size)]
    rows: list[Row] = []
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            rows.extend(_review_chunk(chunk))
            if on_progress:
                on_progress(len(chunk))
        return rows
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for chunk, result in zip(chunks, pool.map(_review_chunk, chunks), strict=True):
            rows.extend(result)
            if on_progress:
                on_progress(len(chunk))
    return rows
