"""A Genesys AudioHook client for the tests, written from the protocol's published specification.

It signs the upgrade request as Genesys does (HTTP Message Signatures, HMAC-SHA256 over
``@request-target``, ``@authority``, the three ``audiohook-*`` ids and ``x-api-key``) and speaks
protocol version 2: numbered messages carrying ``serverseq`` and ``position``, ``open`` with
media offers, ``ping``, ``update``, ``paused`` / ``resumed``, ``close``, and binary audio frames
with the channels interleaved. Nothing here comes from Kairos' own AudioHook code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any

import numpy as np

ORGANIZATION = "d7934305-0972-4844-938e-9060eef73d05"
STEREO_PCMU = {
    "type": "audio",
    "format": "PCMU",
    "channels": ["external", "internal"],
    "rate": 8000,
}
EXTERNAL_PCMU = {"type": "audio", "format": "PCMU", "channels": ["external"], "rate": 8000}
STEREO_L16 = {"type": "audio", "format": "L16", "channels": ["external", "internal"], "rate": 8000}
_COVERED = (
    "@request-target",
    "@authority",
    "audiohook-organization-id",
    "audiohook-session-id",
    "audiohook-correlation-id",
    "x-api-key",
)


def signed_headers(
    *,
    target: str,
    host: str,
    api_key: str,
    secret_b64: str,
    session_id: str,
    created: int | None = None,
) -> dict[str, str]:
    """The upgrade request's AudioHook headers, signed with the client secret."""
    created = int(time.time()) if created is None else created
    headers = {
        "audiohook-organization-id": ORGANIZATION,
        "audiohook-session-id": session_id,
        "audiohook-correlation-id": str(uuid.uuid4()),
        "x-api-key": api_key,
    }
    nonce = base64.b64encode(secrets.token_bytes(18)).decode()
    inner = " ".join(f'"{c}"' for c in _COVERED)
    params = (
        f'({inner});keyid="{api_key}";nonce="{nonce}";alg="hmac-sha256";'
        f"created={created};expires={created + 120}"
    )
    values = {"@request-target": target, "@authority": host, **headers}
    base = "\n".join(f'"{c}": {values[c]}' for c in _COVERED) + f'\n"@signature-params": {params}'
    mac = hmac.new(base64.b64decode(secret_b64), base.encode(), hashlib.sha256).digest()
    return {
        **headers,
        "signature-input": f"sig1={params}",
        "signature": f"sig1=:{base64.b64encode(mac).decode()}:",
    }


class AudioHookClient:
    """The client side of one session over a connected WebSocket (``send_text``, ``receive``)."""

    def __init__(self, ws: Any, session_id: str) -> None:
        self.ws = ws
        self.id = session_id
        self.seq = 0
        self.serverseq = 0
        self.samples = 0
        self.channels = 1

    def send(self, kind: str, parameters: dict[str, Any] | None = None) -> None:
        """Send a numbered control message."""
        self.seq += 1
        self.ws.send_text(
            json.dumps(
                {
                    "version": "2",
                    "id": self.id,
                    "type": kind,
                    "seq": self.seq,
                    "serverseq": self.serverseq,
                    "position": f"PT{self.samples / 8000:.2f}S",
                    "parameters": parameters or {},
                }
            )
        )

    def expect(self, kind: str) -> dict[str, Any]:
        """The next server message, which must be of ``kind``, numbered in order."""
        message = json.loads(self.ws.receive_text())
        assert message["type"] == kind, message
        assert message["version"] == "2" and message["id"] == self.id
        assert message["seq"] == self.serverseq + 1 and message["clientseq"] == self.seq
        self.serverseq = message["seq"]
        return message

    def open(
        self,
        conversation_id: str,
        media: list[dict[str, Any]],
        *,
        ani: str = "tel:+14155550100",
        language: str = "en-US",
    ) -> dict[str, Any]:
        """``open`` and its ``opened``; remember the chosen format's channel count."""
        self.send(
            "open",
            {
                "organizationId": ORGANIZATION,
                "conversationId": conversation_id,
                "participant": {
                    "id": str(uuid.uuid4()),
                    "ani": ani,
                    "aniName": "Caller",
                    "dnis": "+18005550199",
                },
                "media": media,
                "language": language,
            },
        )
        opened = self.expect("opened")
        chosen = opened["parameters"]["media"][0]
        self.channels = len(chosen["channels"])
        self.format = chosen["format"]
        return opened

    def audio(self, customer: np.ndarray, agent: np.ndarray | None = None) -> None:
        """One audio frame: the customer on channel 0 (left), the agent on channel 1 (right)."""
        sides = [customer] if self.channels == 1 else [customer, agent]
        if self.format == "PCMU":
            coded = [np.frombuffer(_mulaw(s), dtype=np.uint8) for s in sides]
            frame = np.stack(coded, axis=1).astype(np.uint8).tobytes()
        else:
            pcm = [np.clip(np.round(s * 32767), -32768, 32767).astype("<i2") for s in sides]
            frame = np.stack(pcm, axis=1).tobytes()
        self.ws.send_bytes(frame)
        self.samples += len(customer)


def _mulaw(samples: np.ndarray) -> bytes:
    """G.711 μ-law, from the standard's segment formula (bias 132, 8 segments, bits inverted)."""
    pcm = np.clip(np.round(np.asarray(samples, dtype=np.float64) * 32767), -32767, 32767)
    pcm = pcm.astype(np.int32)
    sign = (pcm < 0).astype(np.int32) << 7
    magnitude = np.minimum(np.abs(pcm), 32635) + 132
    exponent = np.floor(np.log2(magnitude)).astype(np.int32) - 7
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()
