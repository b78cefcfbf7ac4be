"""AudioHook sessions that continue others: the caller's voice baseline carried to the new one.

When Genesys moves a call's audio to a new connection (after a server ``reconnect``, or on its
own) it opens a new session whose ``open`` names the earlier ones in ``continuedSessions``. The
interaction is the same (it is named by the conversation), and the segments each session
analysed are stored under their own stream. What would be lost is the caller's baseline: a new
leg learns it afresh, so the first seconds of the continued call would read against nothing.
:class:`Baselines` keeps each session's stress tracker for a while after the session ends, so
the session that continues it takes it over (as does a connection again under the same session
id, :func:`kairos.channels.audiohook.stream_name`). It lives in the serving process: a
continuation that reaches another process (another ``--workers`` worker) starts a baseline of
its own.

It also remembers, by session id, how the customer's audio of the first connection that opened
at ``PT0S`` began (a digest of it up to its first segment), so a client that connects again under
the same id and restarts its audio clock is told apart from one that sends the same audio again
(:func:`stream_name`). The digest is stored in the database
(``kairos.channels.audiohook_beginnings``) and kept here as a cache of what was read or stored:
a connection under an id this process has not seen reads it at ``open``, so other processes and
the server after a restart tell the two apart the same way.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from kairos.detection.live import erased_key
from kairos.detection.voice.leg import CallLeg
from kairos.detection.voice.tracker import StressTracker
from kairos.events import AudioSegment

#: How long a session's baseline waits for the session that continues it.
KEEP_S = 300.0
#: Most baselines kept (the oldest go first).
MOST = 10_000


class Baselines:
    """Callers' stress trackers by AudioHook session id, kept ``keep_s`` seconds after the end."""

    def __init__(
        self,
        *,
        keep_s: float = KEEP_S,
        most: int = MOST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keep_s = keep_s
        self.most = most
        self.clock = clock
        #: session id -> (kept until, the caller's tracker, the interaction)
        self._held: OrderedDict[str, tuple[float, StressTracker, str]] = OrderedDict()
        #: session id -> (how its first PT0S connection began, the interaction)
        self._began: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()  # the event loop's sessions, and the erasure listener

    def hold(self, session_id: str, tracker: StressTracker, interaction_id: str) -> None:
        """Keep ``tracker`` (of ``interaction_id``'s caller) for the session that may continue
        ``session_id``."""
        now = self.clock()
        with self._lock:
            self._held.pop(session_id, None)
            self._held[session_id] = (now + self.keep_s, tracker, interaction_id)
            while len(self._held) > self.most:
                self._held.popitem(last=False)
            while self._held:
                first = next(iter(self._held.values()))
                if first[0] > now:
                    break
                self._held.popitem(last=False)

    def take(self, session_ids: Iterable[str]) -> StressTracker | None:
        """The baseline of the last of ``session_ids`` still kept (None: none is)."""
        now = self.clock()
        found = None
        with self._lock:
            for session_id in session_ids:
                held = self._held.pop(session_id, None)
                if held is not None and held[0] > now:
                    found = held[1]
        return found

    def began(self, session_id: str) -> str | None:
        """How the first ``PT0S`` connection under ``session_id`` began (None: none is known)."""
        known = self._began.get(session_id)
        return None if known is None else known[0]

    def begin(self, session_id: str, digest: str, interaction_id: str) -> None:
        """Remember how the first ``PT0S`` connection under ``session_id`` (a connection of
        ``interaction_id``) began."""
        with self._lock:
            if session_id in self._began:
                return
            self._began[session_id] = (digest, interaction_id)
            while len(self._began) > self.most:
                self._began.popitem(last=False)

    def forget_erased(self, keys: frozenset[str]) -> None:
        """Drop the baselines and beginnings of the contacts named by :func:`erased_key` (their
        customer was erased): the caller's voice and a digest of their audio."""
        with self._lock:
            for held in (self._held, self._began):
                for session_id in [s for s, h in held.items() if erased_key(h[-1]) in keys]:
                    held.pop(session_id, None)

    def clear(self) -> None:
        """Drop everything (an erasure may have been missed): a continued session learns its
        caller's baseline afresh, a beginning is read from the database again."""
        with self._lock:
            self._held.clear()
            self._began.clear()


class Beginning:
    """A ``PT0S`` connection's customer audio until its first segment, naming its stream.

    The first such connection under a session id keeps ``audiohook-<id>``, and the digest of its
    audio up to its first segment is how the id began (claimed in the database by the view,
    which gives :meth:`settle` what the database kept); a later one whose audio began the same
    way is a resend (the same segment ids), one whose audio did not is a stream of its own,
    named after its digest (:func:`stream_name`).
    """

    def __init__(self, baselines: Baselines, session_id: str, interaction_id: str) -> None:
        self.baselines = baselines
        self.session_id = session_id
        self.interaction_id = interaction_id
        self.digest = hashlib.sha256()
        self.named = ""  # the digest the stream is named after so far
        self.first: str | None = None  # how the id's first connection began, when known
        self.settled = False

    def unknown(self) -> bool:
        """Whether this process knows no beginning for the id (the store may: read it, give
        it to :meth:`recalled`)."""
        return self.baselines.began(self.session_id) is None

    def recalled(self, first: str | None) -> None:
        """How the id's first ``PT0S`` connection began, as stored (None: none is)."""
        if first is not None:
            self.baselines.begin(self.session_id, first, self.interaction_id)

    def hear(self, leg: CallLeg, customer: bytes) -> None:
        """Name ``leg``'s stream after the audio so far (before it is fed, until its first
        segment)."""
        self.digest.update(customer)
        self.named = self.digest.hexdigest()[:16]
        self.first = self.baselines.began(self.session_id)
        plain = self.first in (None, self.named)
        leg.stream_id = stream_name(self.session_id, 0, None if plain else self.named)

    def to_claim(self, leg: CallLeg, *, final: bool = False) -> str | None:
        """Once ``leg`` made its first segment under ``audiohook-<id>`` with no beginning known
        (or, ``final``, at its end with none made): this one's digest, to claim as the id's in
        the store (then :meth:`settle`)."""
        if self.settled or not self.named or not (leg.segments or final):
            return None
        self.settled = self.first is not None  # a resend, or a stream of its own: named
        return None if self.settled else self.named

    def settle(self, leg: CallLeg, first: str, events: list[AudioSegment]) -> list[AudioSegment]:
        """Take ``first`` (what the store kept) as how the id began; ``events`` under the
        stream that made them."""
        self.settled = True
        self.baselines.begin(self.session_id, first, self.interaction_id)
        if first == self.named:
            return events
        # Another connection's audio began the id meanwhile (in another process): this one's
        # segments, named as the first's, are its own stream's.
        was, leg.stream_id = leg.stream_id, stream_name(self.session_id, 0, self.named)
        return [_renamed(e, was, leg.stream_id) for e in events]


def _renamed(event: AudioSegment, was: str, now: str) -> AudioSegment:
    """``event`` under the stream ``now`` when it was made under ``was``."""
    if event.stream_id != was:
        return event
    n = event.event_id.rpartition(":")[2]
    return event.model_copy(update={"stream_id": now, "event_id": f"audio:{now}:{n}"})


def stream_name(session_id: str, position_s: float, began: str | None = None) -> str:
    """The stream a connection's segments are stored under (their ids are ``audio:<it>:<n>``).

    A connection whose ``open`` is at the start of the audio is ``audiohook-<session id>``; one
    that opens further on (a client connecting again under the same session id, its ``position``
    carried on) adds where: ``audiohook-<session id>@12.34s``. One that opens at the start again
    with other audio than the first such connection under the id (its audio clock restarted)
    adds ``began``, a digest of its audio up to its first segment: ``audiohook-<id>~<digest>``.
    So a second connection's segments are its own, and the same audio sent again from the same
    position gives the same ids, which are not applied twice.
    """
    if position_s > 0:
        return f"audiohook-{session_id}@{f'{position_s:.3f}'.rstrip('0').rstrip('.')}s"
    if began is not None:
        return f"audiohook-{session_id}~{began}"
    return f"audiohook-{session_id}"
