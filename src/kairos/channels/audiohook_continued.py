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
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

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
