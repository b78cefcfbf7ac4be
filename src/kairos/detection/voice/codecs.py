"""Audio codecs the telephone world speaks: G.711 μ-law and 16-bit little-endian PCM, in NumPy.

The standard library's ``audioop`` is gone from Python 3.13, so μ-law is decoded here with a
256-entry table (ITU-T G.711: bias 0x84, sign bit 0x80, inverted bits on the wire).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

_BIAS = 0x84
_CLIP = 32635


def _mulaw_table() -> npt.NDArray[np.int16]:
    codes = np.arange(256, dtype=np.int32)
    u = ~codes & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


MULAW_TO_PCM16: npt.NDArray[np.int16] = _mulaw_table()
_MULAW_TO_FLOAT: FloatArray = (MULAW_TO_PCM16.astype(np.float32) / 32768.0).astype(np.float32)


def mulaw_decode(data: bytes) -> FloatArray:
    """μ-law bytes as float32 samples in [-1, 1] (a 256-entry table: ``take`` costs about
    two thirds of indexing it, 4.2 against 5.9 µs a 400 ms block)."""
    return _MULAW_TO_FLOAT.take(np.frombuffer(data, dtype=np.uint8))


def _encode_pcm(pcm: npt.NDArray[np.int32]) -> npt.NDArray[np.uint8]:
    sign = np.where(pcm < 0, 0x80, 0x00)
    magnitude = np.minimum(np.abs(pcm), _CLIP) + _BIAS
    # The exponent is the position of the highest set bit above bit 7 (0..7).
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    code = ~(sign | (exponent << 4) | mantissa) & 0xFF
    out: npt.NDArray[np.uint8] = np.asarray(code, dtype=np.uint8)
    return out


# Every 16-bit sample's code, so that encoding is one table lookup (64 KiB, built once).
_PCM16_TO_MULAW = _encode_pcm(np.arange(-32768, 32768, dtype=np.int32))


def mulaw_encode(samples: npt.ArrayLike) -> bytes:
    """Float samples in [-1, 1] as μ-law bytes (what a phone line carries)."""
    x = np.asarray(samples, dtype=np.float32)
    pcm = np.clip(np.rint(x * 32768.0), -32768, 32767).astype(np.int32)
    return bytes(_PCM16_TO_MULAW[pcm + 32768].tobytes())


def mulaw_round_trip(samples: FloatArray) -> FloatArray:
    """Float samples as a phone line gives them back: through μ-law and back (no bytes made)."""
    pcm = np.clip(np.rint(samples * 32768.0), -32768, 32767).astype(np.int32)
    pcm += 32768
    out: FloatArray = _MULAW_TO_FLOAT[_PCM16_TO_MULAW[pcm]]
    return out


def pcm16_decode(data: bytes) -> FloatArray:
    """16-bit little-endian PCM bytes as float32 samples in [-1, 1]; the length must be even."""
    if len(data) % 2:
        raise ValueError("16-bit PCM needs an even number of bytes")
    return (np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)


def pcm16_encode(samples: npt.ArrayLike) -> bytes:
    """Float samples in [-1, 1] as 16-bit little-endian PCM bytes."""
    x = np.asarray(samples, dtype=np.float64)
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2").tobytes()
