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

It also remembers, by session id, how the customer's audio of a connection that opened at
``PT0S`` began (a digest of it up to its first segment), so a client that connects again under
the same id and restarts its audio clock is told apart from one that sends the same audio again
(:func:`stream_name`).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from kairos.detection.voice.leg import CallLeg
from kairos.detection.voice.tracker import StressTracker

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
        self._held: OrderedDict[str, tuple[float, StressTracker]] = OrderedDict()
        self._began: OrderedDict[str, str] = OrderedDict()

    def hold(self, session_id: str, tracker: StressTracker) -> None:
        """Keep ``tracker`` for the session that may continue ``session_id``."""
        now = self.clock()
        self._held.pop(session_id, None)
        self._held[session_id] = (now + self.keep_s, tracker)
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
        for session_id in session_ids:
            held = self._held.pop(session_id, None)
            if held is not None and held[0] > now:
                found = held[1]
        return found

    def began(self, session_id: str) -> str | None:
        """How the first ``PT0S`` connection under ``session_id`` began (None: none is known)."""
        return self._began.get(session_id)

    def begin(self, session_id: str, digest: str) -> None:
        """Remember how the first ``PT0S`` connection under ``session_id`` began."""
        if session_id in self._began:
            return
        self._began[session_id] = digest
        while len(self._began) > self.most:
            self._began.popitem(last=False)


class Beginning:
    """A ``PT0S`` connection's customer audio until its first segment, naming its stream.

    The first such connection under a session id keeps ``audiohook-<id>`` and leaves in
    ``baselines`` the digest of its audio up to its first segment; a later one whose audio began
    the same way is a resend (the same segment ids), one whose audio did not is a stream of its
    own, named after its digest (:func:`stream_name`).
    """

    def __init__(self, baselines: Baselines, session_id: str) -> None:
        self.baselines = baselines
        self.session_id = session_id
        self.digest = hashlib.sha256()
        self.named = ""  # the digest the stream is named after so far

    def hear(self, leg: CallLeg, customer: bytes) -> bool:
        """Name ``leg``'s stream after the audio so far (before it is fed); False once named."""
        if leg.segments:  # named for good by its first segment
            self.baselines.begin(self.session_id, self.named)
            return False
        self.digest.update(customer)
        now = self.digest.hexdigest()[:16]
        first = self.baselines.began(self.session_id)
        leg.stream_id = stream_name(self.session_id, 0, None if first in (None, now) else now)
        self.named = now
        return True


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
