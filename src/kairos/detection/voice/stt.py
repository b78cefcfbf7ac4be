"""Speech to text for calls whose platform sends no transcript: one interface, two engines.

- ``PocketSphinxStt``: CMU PocketSphinx with the US English model that ships inside the
  ``pocketsphinx`` package, so it runs offline (and in CI). Telephone audio is resampled from
  8 kHz to the model's 16 kHz.
- ``FasterWhisperStt``: faster-whisper (the ``whisper`` extra) from a local CTranslate2 model
  directory (``KAIROS_STT_MODEL_DIR``); a missing directory or package is a clear
  ``SttUnavailable``, never a download.

``UtteranceChunker`` cuts the customer's audio into utterances (speech up to a 0.6 s pause, at most
15 s) as it streams; each finished utterance is transcribed and becomes an ``utterance`` event
with the channel's speaker (``kairos.detection.voice.leg``). Only final results are emitted.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from kairos.detection.voice.codecs import FloatArray, pcm16_encode
from kairos.detection.voice.segment import Segment
from kairos.detection.voice.vad import Segmenter

STT_RATE = 16000
_SILENT = 10 ** (-60 / 20)  # a peak under -60 dBFS holds no words


class SttUnavailable(RuntimeError):
    """The configured speech-to-text engine cannot run here; the message says what is missing."""


class SpeechToText(Protocol):
    """Transcribes one utterance."""

    name: str

    def transcribe(self, samples: FloatArray, sample_rate: int) -> str:
        """The words of one utterance (float32 samples in [-1, 1]); "" when none were heard."""
        ...


def _resample(samples: FloatArray, rate: int, to: int) -> FloatArray:
    if rate == to:
        return samples
    import parselmouth

    sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64), float(rate))
    return np.asarray(sound.resample(float(to)).values[0], dtype=np.float32)


class PocketSphinxStt:
    """PocketSphinx with its packaged US English model (see the module docstring)."""

    name = "pocketsphinx"

    def __init__(self) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError:
            raise SttUnavailable(
                "pocketsphinx is not installed: pip install 'kairos[stt]'"
            ) from None
        self._decoder = Decoder(loglevel="FATAL")
        self._lock = threading.Lock()  # one decoder, one utterance at a time

    def transcribe(self, samples: FloatArray, sample_rate: int) -> str:
        """The best hypothesis for the utterance ("" for silence, which it would fill)."""
        if not np.any(np.abs(samples) > _SILENT):
            return ""
        audio = pcm16_encode(_resample(samples, sample_rate, STT_RATE))
        with self._lock:
            decoder = self._decoder
            decoder.start_utt()
            decoder.process_raw(audio, full_utt=True)
            decoder.end_utt()
            hyp = decoder.hyp()
            return str(hyp.hypstr).strip() if hyp is not None else ""


class FasterWhisperStt:
    """faster-whisper from a local model directory (see the module docstring)."""

    name = "faster-whisper"

    def __init__(self, model_dir: Path | None) -> None:
        if model_dir is None or not (Path(model_dir) / "model.bin").is_file():
            raise SttUnavailable(
                f"no faster-whisper model at {model_dir}: set KAIROS_STT_MODEL_DIR to a local "
                "CTranslate2 model directory (holding model.bin); Kairos never downloads one"
            )
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise SttUnavailable(
                "faster-whisper is not installed: pip install 'kairos[whisper]'"
            ) from None
        self._model = WhisperModel(str(model_dir), device="cpu", compute_type="int8")

    def transcribe(self, samples: FloatArray, sample_rate: int) -> str:
        """The utterance's segments' text, joined."""
        audio = _resample(samples, sample_rate, STT_RATE)
        segments, _ = self._model.transcribe(audio, beam_size=1, vad_filter=False)
        return " ".join(s.text.strip() for s in segments).strip()


def load_stt(engine: str, model_dir: Path | None = None) -> SpeechToText | None:
    """The engine named in settings (``none``, ``pocketsphinx``, ``faster-whisper``)."""
    if engine == "none":
        return None
    if engine == "pocketsphinx":
        return PocketSphinxStt()
    if engine == "faster-whisper":
        return FasterWhisperStt(model_dir)
    raise SttUnavailable(f"speech-to-text engine {engine!r}: none, pocketsphinx or faster-whisper")


@dataclass(frozen=True, slots=True)
class SpeechChunk:
    """One finished utterance of a stream: its audio and where it lies, in seconds."""

    samples: FloatArray
    sample_rate: int
    start_s: float
    end_s: float


class UtteranceChunker:
    """The stream's utterances as they finish: speech up to a 0.6 s pause, at most 15 s."""

    __slots__ = ("segmenter",)

    def __init__(self, sample_rate: int) -> None:
        self.segmenter = Segmenter(sample_rate, max_seconds=15.0, min_voiced=0.3, pause_seconds=0.6)

    def feed(self, samples: FloatArray) -> list[SpeechChunk]:
        """Add samples; the utterances that finished."""
        return [self._chunk(s) for s in self.segmenter.feed(samples)]

    def flush(self) -> list[SpeechChunk]:
        """The utterance open at the end of the stream."""
        return [self._chunk(s) for s in self.segmenter.flush()]

    @staticmethod
    def _chunk(seg: Segment) -> SpeechChunk:
        return SpeechChunk(seg.samples, seg.sample_rate, seg.start_s, seg.end_s)
