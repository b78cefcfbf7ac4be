"""Reading recorded calls: WAV at 8 to 48 kHz, mono or stereo, and what else libsndfile reads."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import soundfile

from kairos.detection.voice.codecs import FloatArray

MIN_RATE = 8000
MAX_RATE = 48000


class AudioFormatError(ValueError):
    """The audio cannot be read, or is outside what the analysis takes."""


def read_audio(
    source: bytes | Path | str, *, channel: int | None = None
) -> tuple[FloatArray, int, int]:
    """Samples (float32 in [-1, 1], one channel), sample rate and the file's channel count.

    ``channel`` picks one channel of a multi-channel file. A multi-channel file without it is
    refused: a stereo call recording holds the agent on one side, and mixing the sides would
    analyse the agent's voice (EU AI Act, Article 5(1)(f)).
    """
    try:
        handle = io.BytesIO(source) if isinstance(source, bytes) else str(source)
        data, rate = soundfile.read(handle, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        why = getattr(exc, "error_string", None) or str(exc)
        raise AudioFormatError(
            f"not a sound file that can be read (WAV, FLAC, OGG...): {why}"
        ) from None
    rate = int(rate)
    channels = int(data.shape[1])
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioFormatError(f"sample rate {rate} Hz: only {MIN_RATE} to {MAX_RATE} Hz is taken")
    if len(data) == 0:
        raise AudioFormatError("the file holds no audio")
    if channel is None and channels > 1:
        raise AudioFormatError(
            f"the file has {channels} channels: one is the agent's, whose voice is not analysed; "
            "name the customer's channel (0 = left)"
        )
    if channel is None:
        mono = data[:, 0]
    elif 0 <= channel < channels:
        mono = data[:, channel]
    else:
        raise AudioFormatError(f"channel {channel} does not exist: the file has {channels}")
    return np.ascontiguousarray(mono, dtype=np.float32), rate, channels
