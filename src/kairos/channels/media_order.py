"""Twilio media chunks put back in their order, each heard once.

Twilio numbers a stream's ``media`` messages (``media.chunk``: 1, 2, 3...). A relay between
Twilio and Kairos that sends a chunk again, or one late, would otherwise have its audio analysed
twice or out of place: the caller's voice read as something it was not. :class:`ChunkOrder`
holds a chunk that comes early until the ones before it come (at most ``window`` chunks, 200 ms
of audio at Twilio's 20 ms), drops one already heard, and gives up on a chunk still missing when
the window is full (its audio is lost, as a dropped packet's is). A message without a chunk
number is taken as it comes.
"""

from __future__ import annotations

#: Chunks held while one before them is missing (20 ms each from Twilio).
WINDOW = 10


def chunk_number(value: object) -> int | None:
    """A ``media.chunk`` as a number (Twilio sends it as a string); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and 0 < len(value) <= 12 and value.isdigit():
        return int(value)
    return None


class ChunkOrder:
    """One stream's chunks in order (the module docstring): ``take`` each, ``rest`` at the end."""

    def __init__(self, *, window: int = WINDOW) -> None:
        self.window = window
        self.next = 1  # Twilio's first chunk
        self.held: dict[int, bytes] = {}
        self.repeats = 0  # chunks dropped as already heard (or given up on)

    def take(self, chunk: int | None, audio: bytes) -> list[bytes]:
        """The audio to analyse now, in order: this chunk's and any held behind it."""
        if chunk is None:
            return [audio]
        if chunk < self.next or chunk in self.held:
            self.repeats += 1
            return []
        self.held[chunk] = audio
        ready: list[bytes] = []
        while True:
            while self.next in self.held:
                ready.append(self.held.pop(self.next))
                self.next += 1
            if len(self.held) <= self.window:
                return ready
            self.next = min(self.held)  # the chunk missing this long is given up

    def rest(self) -> list[bytes]:
        """What is held at the end of the stream, in order (the missing chunks given up)."""
        ready = [self.held[c] for c in sorted(self.held)]
        self.held.clear()
        return ready
