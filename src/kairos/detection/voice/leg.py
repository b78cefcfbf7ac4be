"""One call leg's live voice analysis: samples in, ``audio.segment`` events out.

The detector's state for a leg (the voice stream with its VAD and the caller's baseline) lives
here, not in the channel adapter that decodes the frames: the media WebSocket, a raw PCM stream
and an uploaded recording all feed a :class:`CallLeg`.

Many legs can share a :class:`LegBatch`: a leg whose VAD block is whole then waits in it, and
``LegBatch.run`` judges every waiting block in one pass (``batch.feed_together``), with the same
events as feeding each leg alone.

Only the customer's leg is analysed: a leg for the agent (or a bot) is refused with
``AgentVoiceRefused`` before a sample is read (``kairos.events.AGENT_VOICE_NOTICE``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from kairos.detection.voice.batch import feed_together
from kairos.detection.voice.codecs import FloatArray, mulaw_decode
from kairos.detection.voice.model import VoiceModel
from kairos.detection.voice.stress import (
    NO_SPEECH,
    TOO_LITTLE_VOICING,
    SegmentResult,
    VoiceStream,
)
from kairos.detection.voice.stt import SpeechChunk, UtteranceChunker
from kairos.errors import AgentVoiceRefused
from kairos.events import AGENT_VOICE_NOTICE, AudioSegment, Speaker, Utterance, VoiceReason


class CallLeg:
    """One call leg's audio tied to an interaction: samples in, ``audio.segment`` events out."""

    __slots__ = (
        "_coded",
        "_held",
        "_queued",
        "_seq",
        "_speech",
        "_utterances",
        "chunker",
        "interaction_id",
        "speaker",
        "started_at",
        "stream",
        "stream_id",
    )

    def __init__(
        self,
        *,
        interaction_id: str,
        stream_id: str,
        speaker: Speaker,
        sample_rate: int,
        started_at: datetime,
        model: VoiceModel | None = None,
        transcribe: bool = False,
        coded: bool = False,
    ) -> None:
        if speaker != "customer":
            raise AgentVoiceRefused(AGENT_VOICE_NOTICE)
        self.interaction_id = interaction_id
        self.stream_id = stream_id
        self.speaker: Speaker = speaker
        self.started_at = started_at
        self.stream = VoiceStream(sample_rate, model=model, coded=coded)
        self.chunker = UtteranceChunker(sample_rate) if transcribe else None
        self._coded = bytearray()  # μ-law bytes waiting for the VAD's next block
        self._held: list[FloatArray] = []  # samples waiting for it, fed to a batched leg
        self._queued: FloatArray | None = None  # a whole block waiting in a ``LegBatch``
        self._seq = 0
        self._utterances = 0
        self._speech: list[SpeechChunk] = []

    @property
    def segments(self) -> int:
        """How many segment events the leg has made."""
        return self._seq

    @property
    def queued(self) -> bool:
        """Whether a whole block waits in a ``LegBatch`` (its events come from ``run``)."""
        return self._queued is not None

    def feed(self, samples: FloatArray, batch: LegBatch | None = None) -> list[AudioSegment]:
        """Analyse new samples; the events of the segments that closed.

        With ``batch``, samples that make a whole block wait in it instead, and their events
        come from ``batch.run()``.
        """
        if self.chunker is not None:
            self._speech += self.chunker.feed(samples)
        if batch is None:
            return [self._event(r) for r in self.stream.feed(samples)]
        self._held.append(samples)
        if self._queued is None and sum(map(len, self._held)) >= self.stream.segmenter.wanted:
            held, self._held = self._held, []
            self._queued = held[0] if len(held) == 1 else np.concatenate(held)
            batch.add(self)
        return []

    def feed_mulaw(self, data: bytes, batch: LegBatch | None = None) -> list[AudioSegment]:
        """Analyse new 8 kHz μ-law bytes (a Twilio frame); the events of the segments that closed.

        The VAD judges 400 ms at a time, so the bytes wait here until a block is whole and are
        decoded in one go (one table lookup a block, not one a 20 ms frame): the samples, and
        when each segment closes, are those of decoding every frame as it came. With ``batch``,
        the whole block waits in it (``feed``).
        """
        if self.chunker is not None:
            return self.feed(mulaw_decode(data), batch)
        self._coded += data
        if len(self._coded) < self.stream.segmenter.wanted or self._queued is not None:
            return []
        samples = mulaw_decode(bytes(self._coded))
        self._coded.clear()
        return self.feed(samples, batch)

    def finish(self) -> list[AudioSegment]:
        """The events of what is left at the end of the stream (a block still waiting in a
        batch included: it is analysed here, and the batch skips it)."""
        events: list[AudioSegment] = []
        rest = [self._queued] if self._queued is not None else []
        rest += self._held
        if self._coded:
            rest.append(mulaw_decode(bytes(self._coded)))
        self._queued, self._held = None, []
        self._coded.clear()
        if rest:
            events += [self._event(r) for r in self.stream.feed(np.concatenate(rest))]
        if self.chunker is not None:
            self._speech += self.chunker.flush()
        return events + [self._event(r) for r in self.stream.flush()]

    def take_speech(self) -> list[SpeechChunk]:
        """The utterances finished since the last call, to transcribe (with ``transcribe``)."""
        speech, self._speech = self._speech, []
        return speech

    def utterance(self, chunk: SpeechChunk, text: str) -> Utterance | None:
        """The ``utterance`` event of a transcribed chunk, said by the leg's speaker."""
        if not text.strip():
            return None
        self._utterances += 1
        return Utterance(
            event_id=f"stt:{self.stream_id}:{self._utterances}",
            interaction_id=self.interaction_id,
            occurred_at=self.started_at + timedelta(seconds=chunk.end_s),
            speaker=self.speaker,
            text=text.strip()[:5000],
        )

    def _event(self, result: SegmentResult) -> AudioSegment:
        self._seq += 1
        return AudioSegment(
            event_id=f"audio:{self.stream_id}:{self._seq}",
            interaction_id=self.interaction_id,
            occurred_at=self.started_at + timedelta(seconds=result.end_s),
            speaker=self.speaker,
            stream_id=self.stream_id,
            start_s=round(result.start_s, 3),
            end_s=round(result.end_s, 3),
            features=result.features,
            stress=round(min(1.0, max(0.0, result.stress)), 4),
            segment_stress=round(min(1.0, max(0.0, result.segment_stress)), 4),
            baseline_weight=round(result.baseline_weight, 3),
            reasons=[VoiceReason(feature=c.feature, sd=c.sd, text=c.text) for c in result.cues],
            model_version=self.stream.tracker.model.version,
        )


class LegBatch:
    """Call legs with a whole block waiting, to be judged together: ``add`` them (``CallLeg.feed``
    does), then ``run``."""

    __slots__ = ("_legs",)

    def __init__(self) -> None:
        self._legs: list[CallLeg] = []

    def __len__(self) -> int:
        return len(self._legs)

    def add(self, leg: CallLeg) -> None:
        """Queue a leg whose block is whole."""
        self._legs.append(leg)

    def run(self) -> list[tuple[CallLeg, list[AudioSegment]]]:
        """Judge every waiting block in one pass; each leg with the events of its segments that
        closed (a leg finished meanwhile is skipped)."""
        legs, self._legs = self._legs, []
        taken: list[tuple[CallLeg, FloatArray]] = []
        for leg in legs:
            if leg._queued is not None:
                taken.append((leg, leg._queued))
                leg._queued = None
        results = feed_together([(leg.stream, samples) for leg, samples in taken])
        return [
            (leg, [leg._event(r) for r in found])
            for (leg, _), found in zip(taken, results, strict=True)
        ]


def recording_events(
    samples: FloatArray,
    sample_rate: int,
    *,
    interaction_id: str,
    recording_id: str,
    started_at: datetime,
    speaker: Speaker = "customer",
    model: VoiceModel | None = None,
) -> list[AudioSegment]:
    """A recorded call leg's ``audio.segment`` events, as if it had been streamed."""
    return analyse_recording(
        samples,
        sample_rate,
        interaction_id=interaction_id,
        recording_id=recording_id,
        started_at=started_at,
        speaker=speaker,
        model=model,
    )[0]


def analyse_recording(
    samples: FloatArray,
    sample_rate: int,
    *,
    interaction_id: str,
    recording_id: str,
    started_at: datetime,
    speaker: Speaker = "customer",
    model: VoiceModel | None = None,
) -> tuple[list[AudioSegment], str | None]:
    """The recording's events, and why there is no stress when there are none."""
    leg = CallLeg(
        interaction_id=interaction_id,
        stream_id=recording_id,
        speaker=speaker,
        sample_rate=sample_rate,
        started_at=started_at,
        model=model,
    )
    if not np.isfinite(samples).all():
        # A file's NaN or infinite samples carry no sound: heard as silence, never a crash.
        samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
    step = sample_rate * 10
    events: list[AudioSegment] = []
    for i in range(0, len(samples), step):
        events += leg.feed(samples[i : i + step])
    events += leg.finish()
    if events:
        return events, None
    return events, TOO_LITTLE_VOICING if leg.stream.speech_segments else NO_SPEECH
