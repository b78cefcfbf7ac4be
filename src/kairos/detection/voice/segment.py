"""A stretch of speech the VAD cut out (``Segment``), kept as the blocks it spans.

A live segment (up to 0.8 s) usually spans two or three of the 400 ms blocks the VAD judged.
It keeps their samples and analysed windows as parts (views of the blocks) and joins them only
when asked for ``samples`` or ``windows``: the features of a pass's segments read every part of
every segment in one join (``features.features_of_parts``), so a segment's blocks are not first
joined on their own and then again with the others'. A segment with windows still to analyse
(``frames.Plan.fill``) is joined when it is cut, as before.
"""

from __future__ import annotations

import numpy as np

from kairos.detection.voice.codecs import FloatArray
from kairos.detection.voice.frames import Windows


class Segment:
    """A stretch of speech: its samples and where it lies in the stream, in seconds."""

    __slots__ = ("end_s", "sample_parts", "sample_rate", "start_s", "voiced_s", "window_parts")

    def __init__(
        self,
        samples: FloatArray,
        sample_rate: int,
        start_s: float,
        end_s: float,
        voiced_s: float,
        windows: Windows | None = None,
    ) -> None:
        #: Its samples, as one or more arrays laid end to end (``samples`` joins them).
        self.sample_parts = [samples]
        #: Its 40 ms windows (each ending at one of its frames after the first), as the VAD
        #: analysed them, in one or more blocks (``windows`` joins them); None unless the stream
        #: is 8 kHz and judged by a ``VoicedGate``.
        self.window_parts = None if windows is None else [windows]
        self.sample_rate = sample_rate
        self.start_s = start_s
        self.end_s = end_s
        self.voiced_s = voiced_s

    @classmethod
    def of_parts(
        cls,
        sample_parts: list[FloatArray],
        window_parts: list[Windows] | None,
        sample_rate: int,
        start_s: float,
        end_s: float,
        voiced_s: float,
    ) -> Segment:
        """A segment from its blocks' samples and windows, laid end to end (not copied)."""
        seg = cls.__new__(cls)
        seg.sample_parts, seg.window_parts = sample_parts, window_parts
        seg.sample_rate, seg.start_s, seg.end_s, seg.voiced_s = (
            sample_rate,
            start_s,
            end_s,
            voiced_s,
        )
        return seg

    @property
    def samples(self) -> FloatArray:
        """Its samples, joined (once) when they lie in more than one block."""
        parts = self.sample_parts
        if len(parts) > 1:
            parts[:] = [np.concatenate(parts)]
        return parts[0]

    @property
    def windows(self) -> Windows | None:
        """Its windows, joined (once) when they lie in more than one block."""
        parts = self.window_parts
        if parts is None:
            return None
        if len(parts) > 1:
            parts[:] = [Windows.join(parts)]
        return parts[0]

    def __repr__(self) -> str:
        return (
            f"Segment({self.start_s:.2f}-{self.end_s:.2f} s, voiced {self.voiced_s:.2f} s, "
            f"{sum(len(x) for x in self.sample_parts)} samples at {self.sample_rate} Hz)"
        )
