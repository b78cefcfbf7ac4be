"""AudioHook request signatures: HTTP Message Signatures (RFC 9421) with HMAC-SHA256.

Genesys Cloud signs the WebSocket upgrade request of an AudioHook session with the integration's
client secret (base64) and names the API key as the ``keyid``::

    X-API-KEY: <api key>
    Audiohook-Organization-Id / Audiohook-Session-Id / Audiohook-Correlation-Id: <uuids>
    Signature-Input: sig1=("@request-target" "@authority" "audiohook-organization-id"
        "audiohook-session-id" "audiohook-correlation-id" "x-api-key");keyid="<api key>";
        nonce="...";alg="hmac-sha256";created=1700000000;expires=1700000120
    Signature: sig1=:<base64 HMAC-SHA256 of the signature base>:

The signature base is one line per covered component, ``"name": value``, then
``"@signature-params": <the Signature-Input member's value>``, joined by newlines.
``verify_signature`` rebuilds it from the request and compares in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Components a signature must cover for Kairos to trust the session it opens.
REQUIRED = ("@authority", "audiohook-session-id", "x-api-key")
#: Clock difference tolerated on ``created``, in seconds.
MAX_SKEW_S = 300

_MEMBER = re.compile(r'^\s*([a-z0-9_.*-]+)=\(([^)]*)\)((?:;[a-z]+=(?:"[^"]*"|-?\d+))*)\s*$')
_PARAM = re.compile(r';([a-z]+)=("[^"]*"|-?\d+)')
_SIG = re.compile(r"^\s*([a-z0-9_.*-]+)=:([A-Za-z0-9+/=]*):\s*$")


class SignatureError(ValueError):
    """The request's signature is missing, malformed, stale or does not match."""


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What the signature covers: the upgrade request's path, query, host and headers."""

    method: str
    path: str
    query: str
    authority: str
    headers: Mapping[str, str]  # lower-case names

    def component(self, name: str) -> str:
        """One covered component's value, as RFC 9421 derives it."""
        target = self.path + (f"?{self.query}" if self.query else "")
        derived = {
            "@method": self.method.upper(),
            "@authority": self.authority.lower(),
            "@path": self.path,
            "@query": f"?{self.query}",
            "@request-target": target,
            "@target-uri": f"https://{self.authority.lower()}{target}",
            "@scheme": "https",
        }
        if name in derived:
            return derived[name]
        value = self.headers.get(name)
        if value is None:
            raise SignatureError(f"the signature covers {name!r}, which the request lacks")
        return value.strip()


def signature_base(request: SignedRequest, components: list[str], signature_params: str) -> bytes:
    """The bytes that are signed: each component's line, then ``@signature-params`` (the
    Signature-Input member's value as sent: the component list and its parameters)."""
    lines = [f'"{name}": {request.component(name)}' for name in components]
    lines.append(f'"@signature-params": {signature_params}')
    return "\n".join(lines).encode()


def verify_signature(
    request: SignedRequest, *, api_key: str | None, secret_b64: str, now: float
) -> None:
    """Raise ``SignatureError`` unless the request carries a good, fresh signature by ``secret``."""
    raw_input = request.headers.get("signature-input")
    raw_sig = request.headers.get("signature")
    if not raw_input or not raw_sig:
        raise SignatureError("the request is not signed: Signature-Input and Signature expected")
    member = _MEMBER.match(raw_input.split(",")[0])
    sig = _SIG.match(raw_sig.split(",")[0])
    if member is None or sig is None or member.group(1) != sig.group(1):
        raise SignatureError("Signature-Input or Signature is malformed")
    components = re.findall(r'"([^"]+)"', member.group(2))
    params = {k: v.strip('"') for k, v in _PARAM.findall(member.group(3))}
    missing = [c for c in REQUIRED if c not in components]
    if missing or not ({"@request-target", "@path"} & set(components)):
        raise SignatureError(f"the signature must cover {', '.join(missing) or '@request-target'}")
    if params.get("alg", "hmac-sha256") != "hmac-sha256":
        raise SignatureError(f"signature algorithm {params['alg']!r}: only hmac-sha256 is taken")
    header_key = request.headers.get("x-api-key")
    if api_key is not None and (header_key != api_key or params.get("keyid", api_key) != api_key):
        raise SignatureError("the X-API-KEY or the signature's keyid is not this integration's")
    created, expires = params.get("created"), params.get("expires")
    if created is None or not created.lstrip("-").isdigit():
        raise SignatureError("the signature has no created time")
    if int(created) > now + MAX_SKEW_S or int(created) < now - MAX_SKEW_S:
        raise SignatureError("the signature was not created now: replayed or a clock is wrong")
    if expires is not None and expires.lstrip("-").isdigit() and int(expires) < now:
        raise SignatureError("the signature has expired")
    try:
        given = base64.b64decode(sig.group(2), validate=True)
        key = base64.b64decode(secret_b64, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("the signature is not base64") from None
    signed = f"({member.group(2)}){member.group(3)}"
    expected = hmac.new(key, signature_base(request, components, signed), hashlib.sha256)
    if not hmac.compare_digest(given, expected.digest()):
        raise SignatureError("the signature does not match: wrong client secret or altered request")
