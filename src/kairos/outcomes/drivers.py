"""Contact drivers: what customers contact about, discovered from their own first words in every
channel (not only surveys), each named by its commonest phrase, with its volume, its share of
moments of truth and its trend over the period.

The grouping is :func:`kairos.outcomes.themes.group` (TF-IDF and k-means, deterministic); a
driver's name is the phrase most of its contacts share (two content words, at most two stop
words between them, as most of them said it), else its heaviest terms. ``benchmarks/drivers.py``
measures stability across samples, the match with banking77's intents and the names.

>>> texts = ["my card was stolen last night", "stolen card, please block it",
...          "card stolen at the station", "refund for my cancelled flight please",
...          "when do I get my refund for the cancelled flight", "cancelled flight refund?"]
>>> moments = [True, True, False, False, False, False]
>>> found = find_drivers(texts, moments, [0, 1, 1, 0, 1, 1], days=2, k=2)
>>> [(d.name, d.volume, d.moments) for d in found]
[('cancelled flight', 3, 0), ('card stolen', 3, 2)]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kairos.db import utcnow
from kairos.interactions.edits import in_place
from kairos.interactions.models import EventRecord, Interaction
from kairos.outcomes import themes
from kairos.routing.policies import MOT_THRESHOLD

# Words in any alphabet, with inner apostrophes and hyphens (month's, top-up, não); any other
# character that is not a space is a token of its own and breaks a phrase.
_WORD = re.compile(r"[^\W\d_](?:[\w'-]*\w)?")
_TOKEN = re.compile(r"[^\W\d_](?:[\w'-]*\w)?|[^\s]")
#: Words that never name a driver, besides the themes' stop words.
_PHRASE_STOP = themes.STOPWORDS | frozenset(
    """
    me my mine us to of in on at as or if so no is am be do an it up by tell send walk show
    like know help look check give let's i'd
    """.split()  # noqa: SIM905 - a word list reads better as text
)
#: A driver whose daily volume moved more than this (second half against first) is rising/falling.
TREND_CHANGE = 0.25
#: The fewest days of history a trend is read from: two against two, at the least. On a younger
#: database every driver read as rising against the empty days before its first contact.
TREND_MIN_DAYS = 4
#: The trend of a driver read over fewer than :data:`TREND_MIN_DAYS` days of history.
NO_TREND = "unknown"
#: The share of a driver's contacts that must give one reason for the reason to name it.
REASON_SHARE = 0.5


@dataclass
class Driver:
    """One contact driver over a period."""

    name: str
    phrases: list[str]
    volume: int
    moments: int
    per_day: list[int]
    examples: list[str] = field(default_factory=list)
    #: The first day of ``per_day`` the trend reads (1 when the first was read only in part).
    trend_from: int = 0
    #: The day of ``per_day`` the trend stops before (None: it reads to the last): today's
    #: unfinished day is no whole day, and would read as a fall.
    trend_until: int | None = None

    @property
    def mot_share(self) -> float:
        """The share of its contacts that were moments of truth."""
        return self.moments / self.volume if self.volume else 0.0

    @property
    def trend_days(self) -> int:
        """The whole days of history its trend reads."""
        return len(self.per_day[self.trend_from : self.trend_until])

    @property
    def trend(self) -> str:
        """rising, falling or steady: the second half of the period's whole days against the
        first; :data:`NO_TREND` on fewer than :data:`TREND_MIN_DAYS` days of history.

        >>> Driver("x", [], 8, 0, [2, 2, 2, 2, 0]).trend  # today, at half past midnight
        'falling'
        >>> Driver("x", [], 8, 0, [2, 2, 2, 2, 0], trend_until=4).trend
        'steady'
        """
        days = self.per_day[self.trend_from : self.trend_until]
        half = len(days) // 2
        if len(days) < TREND_MIN_DAYS:
            return NO_TREND
        first = sum(days[:half]) / half
        second = sum(days[half:]) / (len(days) - half)
        change = (second - first) / max(first, 1.0)
        return (
            "rising" if change > TREND_CHANGE else "falling" if change < -TREND_CHANGE else "steady"
        )


def _spans(text: str) -> dict[str, str]:
    """The text's phrases: two content words with at most two stop words between them and no
    punctuation, keyed by the two words (``delete account``) and as said (``delete my account``)."""
    tokens = _TOKEN.findall(text.lower())
    found: dict[str, str] = {}
    for i, word in enumerate(tokens):
        if not _content(word):
            continue
        for j in range(i + 1, min(i + 4, len(tokens))):
            if not _WORD.fullmatch(tokens[j]):
                break  # punctuation or a number ends the phrase
            if _content(tokens[j]):
                found.setdefault(f"{word} {tokens[j]}", " ".join(tokens[i : j + 1]))
                break
    return found


def _content(token: str) -> bool:
    return len(token) > 1 and _WORD.fullmatch(token) is not None and token not in _PHRASE_STOP


def phrase_of(texts: Sequence[str]) -> str | None:
    """The phrase most of these texts share (two content words, as most of them said it; the
    shortest way of saying it among as many), if two or more do."""
    said = [_spans(text) for text in texts]
    counts = Counter(key for phrases in said for key in phrases)
    if not counts:
        return None
    best, n = max(counts.items(), key=lambda item: (item[1], item[0]))
    if n < 2:
        return None
    forms = Counter(p[best] for p in said if best in p)
    form = max(forms, key=lambda form: (forms[form], -len(form), form))  # ties: the shortest
    holders = [t for t, p in zip(texts, said, strict=True) if p.get(best) == form]
    for _ in range(NAME_WORDS):  # grown a word or two at a time, while most still say it
        head, tail = _neighbours(form, holders)
        fits = [f for f in (f"{head} {form} {tail}", f"{head} {form}", f"{form} {tail}")
                if f.strip() != form and len(f.split()) <= NAME_WORDS]  # fmt: skip
        if not fits:
            break
        form = fits[0].strip()
    return form


#: The share of a phrase's texts that must say the same word next to it for the name to take it.
COMPLETE_SHARE = 2 / 3
#: The most words a driver's name grows to.
NAME_WORDS = 6


def _neighbours(form: str, texts: Sequence[str]) -> tuple[str, str]:
    """The content word most of the phrase's texts say right before it, and the one they say
    after it (with at most two stop words between), or "": "update my postal address", not
    half of it."""
    words = form.split()
    after: Counter[str] = Counter()
    before: Counter[str] = Counter()
    for text in texts:
        tokens = _TOKEN.findall(text.lower())
        at = next((i for i in range(len(tokens)) if tokens[i : i + len(words)] == words), None)
        if at is None:
            continue
        if at > 0 and _content(tokens[at - 1]):
            before[tokens[at - 1]] += 1
        for j in range(at + len(words), min(at + len(words) + 3, len(tokens))):
            if not _WORD.fullmatch(tokens[j]):
                break
            if _content(tokens[j]):
                after[" ".join(tokens[at + len(words) : j + 1])] += 1
                break
    need = max(2, COMPLETE_SHARE * len(texts))
    head = [w for w, n in before.most_common(1) if n >= need]
    tail = [w for w, n in after.most_common(1) if n >= need]
    return (head[0] if head else "", tail[0] if tail else "")


def reason_of(reasons: Sequence[str | None]) -> str | None:
    """The contact reason (as the platform gave it) that at least :data:`REASON_SHARE` of these
    contacts share, in words."""
    said = Counter(r.strip().replace("_", " ").lower() for r in reasons if r and r.strip())
    if not said:
        return None
    best, n = max(said.items(), key=lambda item: (item[1], item[0]))
    return best if n >= 2 and n >= REASON_SHARE * len(reasons) else None


def name_groups(
    texts: Sequence[str],
    groups: Sequence[themes.ThemeGroup],
    reasons: Sequence[str | None] | None = None,
) -> list[str]:
    """A name for each group of ``texts``: the reason most of its contacts were given (what a
    supervisor already calls it), else the phrase its texts share, else its heaviest terms."""
    return [
        (reason_of([reasons[i] for i in g.members]) if reasons is not None else None)
        or phrase_of([texts[i] for i in g.members])
        or g.label
        for g in groups
    ]


def find_drivers(
    texts: Sequence[str],
    moments: Sequence[bool],
    day_index: Sequence[int],
    *,
    days: int,
    k: int | None = None,
    trend_from: int = 0,
    trend_until: int | None = None,
    reasons: Sequence[str | None] | None = None,
) -> list[Driver]:
    """Drivers of these contacts (their first words; whether each was a moment; its day; the
    reason the platform gave, where it did); their trends read the days from ``trend_from``
    up to (not including) ``trend_until``.
    Groups that come out with the same name are one driver (a supervisor reads one line each)."""
    named: dict[str, Driver] = {}
    groups = themes.group(texts, k=k)
    for group, name in zip(groups, name_groups(texts, groups, reasons), strict=True):
        members = list(group.members)
        driver = named.setdefault(
            name,
            Driver(
                name, [], 0, 0, [0] * max(days, 1), trend_from=trend_from, trend_until=trend_until
            ),
        )
        for i in members:
            driver.per_day[min(max(day_index[i], 0), len(driver.per_day) - 1)] += 1
        words = [t for t in group.keywords if not t.startswith("stakes:")]
        new = [w for w in words[:5] if w not in driver.phrases]
        driver.phrases += new[: 5 - len(driver.phrases)]
        driver.volume += len(members)
        driver.moments += sum(bool(moments[i]) for i in members)
        driver.examples += [texts[i] for i in members[:3]][: 3 - len(driver.examples)]
    return sorted(named.values(), key=lambda d: (-d.volume, d.name))


def stored_drivers(
    *,
    session: Session,
    since: datetime,
    until: datetime,
    timezone: str = "UTC",
    most: int = 5000,
    now: datetime | None = None,
) -> list[Driver]:
    """Drivers of the interactions started in ``[since, until)``, every channel, from each
    one's first customer utterance; days counted in ``timezone``.

    At most the ``most`` newest contacts are read, today's included; when the period holds more,
    the days count from the oldest day read, and the trends leave that day out (it was read in
    part, and would read as a rise). The trends also leave out the days before the database's
    first contact: they are no history, and would read as a rise too. They read whole days
    only: a first day that ``since`` cuts, and the last day when it is still running at ``now``
    (default: the clock's) or ``until`` cuts it, are left out (today, at half past midnight,
    read every steady driver as a fall); the volumes and ``per_day`` count them.
    """
    first = (
        select(EventRecord.interaction_id, func.min(EventRecord.seq).label("seq"))
        .where(EventRecord.type == "utterance")
        .where(EventRecord.payload["speaker"].as_string() == "customer")
        .group_by(EventRecord.interaction_id)
        .subquery()
    )
    rows = session.execute(
        select(Interaction.started_at, Interaction.mot_score, EventRecord.payload)
        .add_columns(EventRecord.interaction_id, EventRecord.event_id, Interaction.reason)
        .join(first, first.c.interaction_id == Interaction.id)
        .join(
            EventRecord,
            (EventRecord.interaction_id == first.c.interaction_id)
            & (EventRecord.seq == first.c.seq),
        )
        .where(Interaction.started_at >= since, Interaction.started_at < until)
        .order_by(Interaction.started_at.desc())
        .limit(most)
    ).all()[::-1]
    tz = ZoneInfo(timezone)
    start_day = since.astimezone(tz).date()
    trend_from = int(since > datetime.combine(start_day, time(0), tzinfo=tz))  # cut: in part
    if len(rows) >= most > 0 and _day(rows[0][0], tz) < _day(rows[-1][0], tz):
        start_day, trend_from = max(start_day, _day(rows[0][0], tz)), 1
    days = max(1, ((until - timedelta(microseconds=1)).astimezone(tz).date() - start_day).days + 1)
    if rows:  # the days before the first contact read are no history
        trend_from = max(trend_from, (_day(rows[0][0], tz) - start_day).days)
    # The day that reading stops in, at ``until`` or ``now``, is no whole day (nor any after it).
    trend_until = min(days, max(0, (_day(min(until, now or utcnow()), tz) - start_day).days))
    edited = _edits(session, since, until)
    texts = [
        _as_edited(payload, event_id, edited.get(pk, [])) for _, _, payload, pk, event_id, _ in rows
    ]
    return find_drivers(
        texts,
        [score is not None and score >= MOT_THRESHOLD for _, score, *_ in rows],
        [(_day(at, tz) - start_day).days for at, *_ in rows],
        days=days,
        trend_from=trend_from,
        trend_until=trend_until,
        reasons=[reason for *_, reason in rows],
    )


def _day(at: datetime, tz: ZoneInfo) -> date:
    """The day of ``at`` on ``tz``'s clock (SQLite gives back naive UTC times)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz).date()


def _edits(
    session: Session, since: datetime, until: datetime
) -> dict[int, list[tuple[dict[str, Any], str]]]:
    """The utterance edits of the interactions started in ``[since, until)``, by interaction,
    in order (a second query, so that only the few edits come back, not every utterance)."""
    rows = session.execute(
        select(EventRecord.interaction_id, EventRecord.payload, EventRecord.event_id)
        .join(Interaction, Interaction.id == EventRecord.interaction_id)
        .where(Interaction.started_at >= since, Interaction.started_at < until)
        .where(EventRecord.type == "utterance")
        .where(EventRecord.payload["edit_of"].as_string().is_not(None))
        .order_by(EventRecord.seq)
    )
    out: dict[int, list[tuple[dict[str, Any], str]]] = {}
    for pk, payload, event_id in rows:
        out.setdefault(pk, []).append((payload, event_id))
    return out


def _as_edited(
    payload: dict[str, Any], event_id: str, edits: list[tuple[dict[str, Any], str]]
) -> str:
    """The first words' text, as the last edit of their message has it."""
    said = in_place(
        [(payload, event_id), *edits],
        event_id=lambda r: r[1],
        edit_of=lambda r: r[0].get("edit_of"),
    )
    return str(said[0][0].get("text", ""))
