"""Batch scoring: the same streaming detector over lists of texts and JSON-lines files.

The JSON-lines contract (DESIGN.md, "Batch scoring CLI") is used by outside evaluation: keep the
field names stable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from kairos.detection.assessment import Assessment
from kairos.detection.detector import MomentDetector, Scores
from kairos.events import CHANNELS

_SPEAKERS = frozenset({"customer", "agent", "bot"})
_REASON_FIELDS = ("kind", "label", "weight", "text", "start", "end", "event_id", "feature", "value")


def score_texts(
    texts: Iterable[str], *, timezone: str = "UTC", now: datetime | None = None
) -> list[Assessment]:
    """Each text scored as a one-utterance customer contact, all at the same clock time."""
    at = now or datetime.now(UTC)
    results = []
    for text in texts:
        detector = MomentDetector(timezone=timezone)
        detector.observe_text(text, occurred_at=at)
        results.append(detector.scores().to_assessment())
    return results


def scores_to_json(line_id: Any, scores: Scores) -> dict[str, Any]:
    """The output line for one input line."""
    return {
        "id": line_id,
        "mot_score": round(scores.mot_score, 4),
        "emotion": round(scores.emotion, 4),
        "urgency": round(scores.urgency, 4),
        "complexity": round(scores.complexity, 4),
        "churn_risk": round(scores.churn_risk, 4),
        "stakes": list(scores.stakes),
        "deadline": scores.deadline.isoformat() if scores.deadline else None,
        "minutes_to_deadline": (
            round(scores.minutes_to_deadline, 1) if scores.minutes_to_deadline is not None else None
        ),
        "cube": scores.cube,
        "confidence": round(scores.confidence, 4),
        "reasons": [
            {k: v for k, v in zip(_REASON_FIELDS, row, strict=True) if v is not None}
            for row in scores.reasons
        ],
        "model_version": scores.model_version,
    }


class LineError(ValueError):
    """One input line that cannot be scored; ``line_id`` is its id when it had one."""

    def __init__(self, message: str, *, line_id: Any = None) -> None:
        super().__init__(message)
        self.line_id = line_id


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """One input line, checked: its id, text, speaker and channel, and the whole object."""

    id: str | int | float
    text: str
    speaker: str
    channel: str | None
    item: dict[str, Any]


def read_line(raw_line: str) -> ScoreLine:
    """One JSON line of the ``kairos score`` format (also ``kairos analyze``'s), checked; a
    :class:`LineError` says what to fix."""
    try:
        item = json.loads(raw_line)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON: {exc.msg}") from None
    if not isinstance(item, dict):
        raise LineError('each line must be a JSON object with "id" and "text"')
    line_id = item.get("id")
    if isinstance(line_id, bool) or not isinstance(line_id, str | int | float):
        raise LineError('"id" is required: a string or a number')
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LineError('"text" must be a non-empty string', line_id=line_id)
    speaker = item.get("speaker") or "customer"
    if speaker not in _SPEAKERS:
        raise LineError(
            f'"speaker" must be customer, agent or bot, not {speaker!r}', line_id=line_id
        )
    channel = item.get("channel")
    if channel is not None and channel not in CHANNELS:
        raise LineError(
            f'"channel" must be one of {", ".join(CHANNELS)}, not {channel!r}', line_id=line_id
        )
    return ScoreLine(line_id, text, speaker, channel, item)


def _parse_time(raw: Any) -> datetime | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise LineError("occurred_at must be an ISO 8601 string")
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise LineError(f"occurred_at is not an ISO 8601 time: {raw!r}") from None
    if at.tzinfo is None:
        raise LineError("occurred_at must carry a timezone offset")
    return at


@dataclass
class ScoreStats:
    """What a JSON-lines run did."""

    lines: int = 0
    scored: int = 0
    errors: int = 0


def score_lines(
    lines: Iterable[str],
    *,
    timezone: str | None = None,
    now: datetime | None = None,
    on_line: Callable[[int], None] | None = None,
    stats: ScoreStats | None = None,
) -> Iterator[dict[str, Any]]:
    """Score JSON lines in order; lines sharing ``interaction_id`` are one conversation.

    A bad line yields ``{"id", "line", "error"}`` and scoring goes on. Without ``timezone``, a
    conversation's first ``occurred_at`` offset stands for the customer's timezone (else UTC).
    """
    run_now = now or datetime.now(UTC)
    conversations: dict[str, MomentDetector] = {}
    stats = stats if stats is not None else ScoreStats()
    for number, raw_line in enumerate(lines, start=1):
        if on_line is not None:
            on_line(len(raw_line))
        if not raw_line.strip():
            continue
        stats.lines += 1
        line_id: Any = None
        try:
            line = read_line(raw_line)
            line_id, item = line.id, line.item
            occurred_at = _parse_time(item.get("occurred_at"))
            conversation = item.get("interaction_id")
            zone: str | tzinfo = timezone or (occurred_at.tzinfo if occurred_at else None) or "UTC"
            if conversation is None:
                detector = MomentDetector(timezone=zone)
            else:
                key = str(conversation)
                detector = conversations.get(key) or conversations.setdefault(
                    key, MomentDetector(interaction_id=key, timezone=zone)
                )
            if occurred_at is None and detector.scores().as_of is None:
                occurred_at = run_now
            detector.observe_text(line.text, speaker=line.speaker, occurred_at=occurred_at)
            out = scores_to_json(line_id, detector.scores())
        except LineError as exc:
            stats.errors += 1
            yield {
                "id": line_id if exc.line_id is None else exc.line_id,
                "line": number,
                "error": str(exc),
            }
            continue
        stats.scored += 1
        yield out
