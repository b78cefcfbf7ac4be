"""The media server's shared live analysis: blocks that become whole within the window are
judged in one pass, each stream gets its own events, and a lone stream is a batch of one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import numpy as np
from tests.detection.voice_support import vowel

from kairos.channels.live_analysis import LiveAnalysis
from kairos.detection.voice.codecs import mulaw_encode
from kairos.detection.voice.leg import CallLeg, LegBatch
from kairos.events import AudioSegment

AT = datetime(2026, 12, 5, tzinfo=UTC)


def _leg(name: str) -> CallLeg:
    return CallLeg(interaction_id=f"i-{name}", stream_id=name, speaker="customer",
                   sample_rate=8000, started_at=AT, coded=True)  # fmt: skip


def _wire(f0: float, lead: float) -> bytes:
    """A caller's μ-law: silence, two vowels with a pause between, silence."""
    quiet = np.zeros(int(lead * 8000), np.float32)
    gap = np.zeros(4000, np.float32)
    return mulaw_encode(np.concatenate([quiet, vowel(0.6, f0), gap, vowel(0.7, f0 * 1.3), gap]))


Heard = list[list[dict[str, object]]]


async def _together(live: LiveAnalysis, wires: list[bytes], name: str) -> Heard:
    """Each wire streamed 20 ms at a time as a server receives them, all through ``live``."""
    legs = [_leg(f"{name}{i}") for i in range(len(wires))]
    heard: Heard = [[] for _ in wires]

    async def stream(i: int) -> None:
        for at in range(0, len(wires[i]), 160):
            events = legs[i].feed_mulaw(wires[i][at : at + 160], live.batch)
            events += await live.settle(legs[i])
            heard[i] += [e.model_dump() for e in events]
            await asyncio.sleep(0)
        heard[i] += [e.model_dump() for e in legs[i].finish()]

    await asyncio.gather(*(stream(i) for i in range(len(wires))))
    return heard


def _alone(wires: list[bytes], name: str) -> Heard:
    """Each wire's events when its leg judges every block itself."""
    alone = []
    for i, wire in enumerate(wires):
        leg = _leg(f"{name}{i}")
        events = [e for at in range(0, len(wire), 160) for e in leg.feed_mulaw(wire[at : at + 160])]
        alone.append([e.model_dump() for e in events + leg.finish()])
    return alone


def test_streams_whose_blocks_close_in_one_window_are_judged_in_one_pass() -> None:
    """Three streams send 20 ms frames as a server receives them; whatever blocks wait when the
    window ends are judged in one ``LegBatch.run``: each stream gets what it gets alone."""
    wires = [_wire(140.0, 0.1), _wire(210.0, 0.13), _wire(120.0, 0.3)]
    passes: list[int] = []

    class Counting(LegBatch):
        def run(self) -> list[tuple[CallLeg, list[AudioSegment]]]:
            passes.append(len(self))
            return super().run()

    async def serve() -> Heard:
        live = LiveAnalysis(window=0.02)
        live.batch = Counting()
        return await _together(live, wires, "s")

    heard = asyncio.run(serve())
    alone = _alone(wires, "s")
    assert heard == alone
    assert all(found for found in alone)
    assert max(passes) >= 2  # blocks of different streams shared a pass


def test_a_lone_stream_is_a_batch_of_one() -> None:
    """With nothing else waiting, the block is judged when the window ends, alone."""
    wire = _wire(160.0, 0.0)

    async def serve() -> list[AudioSegment]:
        live = LiveAnalysis(window=0.001)
        leg = _leg("solo")
        found: list[AudioSegment] = []
        for at in range(0, len(wire), 160):
            found += leg.feed_mulaw(wire[at : at + 160], live.batch)
            found += await live.settle(leg)
            assert not leg.queued and len(live.batch) == 0
        return found + leg.finish()

    found = asyncio.run(serve())
    leg = _leg("solo")
    alone = [e for at in range(0, len(wire), 160) for e in leg.feed_mulaw(wire[at : at + 160])]
    assert [e.model_dump() for e in found] == [e.model_dump() for e in alone + leg.finish()]
    assert found


def test_a_busy_server_waits_the_longer_window_and_streams_get_what_they_get_alone() -> None:
    """When a pass's blocks, at the rate they came, would fill ``busy_window`` with
    ``busy_blocks``, the next window is ``busy_window``; else it is the short one again. Either
    way each stream's events are its own."""
    wires = [_wire(140.0, 0.1), _wire(210.0, 0.12), _wire(120.0, 0.3), _wire(180.0, 0.05)]
    windows: list[tuple[int, float]] = []

    async def serve() -> Heard:
        # Two blocks in 2 ms would make 30 in 30 ms: busy; in 30 ms it takes 20.
        live = LiveAnalysis(window=0.002, busy_window=0.03, busy_blocks=20)
        assert live.window_now == 0.002

        class Noting(LegBatch):
            def run(self) -> list[tuple[CallLeg, list[AudioSegment]]]:
                # ``LiveAnalysis`` has chosen the next window by the time it runs the pass.
                windows.append((len(self), live.window_now))
                return super().run()

        live.batch = Noting()
        return await _together(live, wires, "b")

    heard = asyncio.run(serve())
    alone = _alone(wires, "b")
    assert heard == alone
    assert all(found for found in alone)
    before = 0.002
    for blocks, after in windows:
        assert after == (0.03 if blocks * 0.03 >= 20 * before else 0.002)
        before = after
    chosen = [after for _, after in windows]
    assert 0.03 in chosen  # it became busy
    assert 0.002 in chosen[chosen.index(0.03) :]  # and went back
