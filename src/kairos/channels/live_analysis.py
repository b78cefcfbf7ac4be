"""Live call legs judged together: the blocks that become whole within a window share one pass.

Each media stream's VAD judges 400 ms at a time, and most of a lone block's cost is NumPy's fixed
cost per call on arrays of twenty rows. Every media WebSocket of a server (Twilio, raw PCM,
AudioHook) hands its whole blocks to the app's ``LiveAnalysis``; the first one starts a window of
``ANALYSIS_WINDOW`` seconds (``BUSY_WINDOW`` on a busy server), and when it ends every block
waiting is judged in one pass (``kairos.detection.voice.leg.LegBatch``), with the same events as
judging each alone. A stream alone waits the window and is a batch of one. The analysis runs on
the event loop, as it did stream by stream.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from kairos.detection.voice.leg import CallLeg, LegBatch
from kairos.events import AudioSegment

#: How long a whole block waits for other streams' (seconds). Blocks close 2.5 times a second
#: per stream, so 200 streams fill a 20 ms window with about ten; a segment's events come at
#: most this much later (the block itself has waited up to 380 ms).
ANALYSIS_WINDOW = 0.02
#: A busy server's window: when the last pass's blocks, at the rate they came, would fill this
#: window with ``BUSY_BLOCKS`` or more (about 107 live streams), the next window is this long.
#: 200 streams then share a pass thirty blocks at a time instead of ten, 1.1-1.2 times less CPU
#: per call-second (2026-12-05), for up to 40 ms more before a segment's events; a lone stream,
#: or a few dozen, keep ``ANALYSIS_WINDOW``.
BUSY_WINDOW = 0.06
BUSY_BLOCKS = 16


class LiveAnalysis:
    """The blocks of all live legs that become whole within ``window``, judged together."""

    def __init__(
        self,
        *,
        window: float = ANALYSIS_WINDOW,
        busy_window: float = BUSY_WINDOW,
        busy_blocks: int = BUSY_BLOCKS,
    ) -> None:
        self.window = window
        self.busy_window = busy_window
        self.busy_blocks = busy_blocks
        #: The window the next pass waits: ``busy_window`` when the last pass's blocks, at the
        #: rate they came in its window, would fill it with ``busy_blocks`` or more.
        self.window_now = window
        self.loop = asyncio.get_running_loop()
        self.batch = LegBatch()
        self._waiting: dict[int, asyncio.Future[list[AudioSegment]]] = {}
        self._timer: asyncio.TimerHandle | None = None

    async def settle(self, leg: CallLeg | None) -> list[AudioSegment]:
        """The events of the leg's waiting block, once judged (nothing when none waits)."""
        if leg is None or not leg.queued:
            return []
        done = self._waiting.get(id(leg))
        if done is None:
            done = self._waiting[id(leg)] = self.loop.create_future()
        if self._timer is None:
            self._timer = self.loop.call_later(self.window_now, self._run)
        return await done

    def _run(self) -> None:
        self._timer = None
        waiting, self._waiting = self._waiting, {}
        busy = len(self.batch) * self.busy_window >= self.busy_blocks * self.window_now
        self.window_now = self.busy_window if busy else self.window
        try:
            results = self.batch.run()
        except Exception as exc:  # each stream's own loop reports it and closes
            for done in waiting.values():
                if not done.done():
                    done.set_exception(exc)
            return
        for leg, events in results:
            mine = waiting.pop(id(leg), None)
            if mine is not None and not mine.done():
                mine.set_result(events)
        for done in waiting.values():  # finished meanwhile: ``CallLeg.finish`` analysed it
            if not done.done():
                done.set_result([])


def live_analysis(app: FastAPI) -> LiveAnalysis:
    """The app's shared analysis of live legs (one per event loop)."""
    live: LiveAnalysis | None = getattr(app.state, "media_live_analysis", None)
    if live is None or live.loop is not asyncio.get_running_loop():
        live = LiveAnalysis()
        app.state.media_live_analysis = live
    return live
