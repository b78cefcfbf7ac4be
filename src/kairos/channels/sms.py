"""SMS: Twilio's Messaging inbound webhook, with its request signature checked.

Twilio posts ``application/x-www-form-urlencoded`` fields (``MessageSid``, ``AccountSid``,
``From``, ``To``, ``Body``, ``NumMedia``, ...) and signs them: ``X-Twilio-Signature`` is
base64(HMAC-SHA1(auth token, the full webhook URL followed by every POST field, sorted by name,
as name then value)). With ``KAIROS_TWILIO_AUTH_TOKEN`` set, a missing or wrong signature is
refused with 403; ``KAIROS_TWILIO_WEBHOOK_URL`` names the URL Twilio was given when a proxy
makes the one Kairos sees differ.

Grouping: the messages between one ``From`` and one ``To`` form one interaction until they fall
silent for the idle gap (``KAIROS_SMS_IDLE_GAP_MINUTES``, 4 hours by default). The thread key is
``sms:`` and a hash of the pair; a new interaction is ``<key>:<MessageSid of its first message>``,
and the adapter asks its lookup for the newest open interaction under the key that was active
within the gap. Each message's event id is derived from its ``MessageSid``, so Twilio's retries
are acknowledged once. The answer to Twilio is empty TwiML: Kairos does not auto-reply, but to an
opt-out keyword Twilio leaves to it (:mod:`kairos.channels.sms_keywords`), which it confirms.

MMS: what came with a message (``NumMedia``, ``MediaContentType<N>``) is a marker after its text,
``[photo]``, ``[2 photos, video]``, so a photo-only message is a line the agent and the timeline
see rather than nothing. The media's URLs are not kept: they reach the customer's photos.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from kairos.channels.base import (
    BadSignature,
    ChannelAdapter,
    InteractionLookup,
    InvalidPayload,
    MalformedPayload,
    NoInteractions,
    clip,
    stable_id,
    started_event_id,
)
from kairos.events import Event, Identity, InteractionStarted, Utterance

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
_REQUIRED = ("MessageSid", "From", "To")
_DEFAULT_PORTS = {"https": 443, "http": 80}


def parse_form(payload: bytes) -> list[tuple[str, str]]:
    """The fields of a url-encoded form body, in order, blanks kept."""
    try:
        text = payload.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedPayload(f"the body is not a url-encoded form: {exc}") from None


def twilio_signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """The signature Twilio sends for a POST of ``params`` to ``url``."""
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    # Twilio may or may not have included the default port in the URL it signed.
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if default is None or not host:
        return [url]
    if parts.port in (None, default):
        with_port = urlunsplit(parts._replace(netloc=f"{host}:{default}"))
        without = urlunsplit(parts._replace(netloc=host))
        return [url, with_port, without]
    return [url]


def check_signature(
    *, auth_token: str, url: str, params: list[tuple[str, str]], signature: str | None
) -> None:
    """Raise ``BadSignature`` unless ``signature`` is Twilio's for this request."""
    if not signature:
        raise BadSignature("the X-Twilio-Signature header is missing")
    for candidate in _url_variants(url):
        expected = twilio_signature(auth_token, candidate, params)
        if hmac.compare_digest(expected.encode(), signature.strip().encode()):
            return
    raise BadSignature("the X-Twilio-Signature header does not match this request")


def thread_key(sender: str, recipient: str) -> str:
    """The id prefix shared by every interaction between these two numbers."""
    digest = hashlib.sha256(f"{sender}|{recipient}".encode()).hexdigest()[:20]
    return f"sms:{digest}"


#: What a media type is called in the marker, by its top-level type.
_MEDIA_WORDS = {"image": "photo", "video": "video", "audio": "voice message"}


def media_marker(fields: dict[str, str]) -> str:
    """``[photo]``, ``[2 photos, video]``: what came with the message (empty when nothing did).

    >>> media_marker({"NumMedia": "2", "MediaContentType0": "image/jpeg",
    ...               "MediaContentType1": "audio/amr"})
    '[photo, voice message]'
    """
    count = fields.get("NumMedia", "").strip()
    kinds: dict[str, int] = {}
    for n in range(min(int(count), 10) if count.isdigit() else 0):  # Twilio sends at most 10
        top = fields.get(f"MediaContentType{n}", "").split("/", 1)[0].strip().lower()
        word = _MEDIA_WORDS.get(top, "attachment")
        kinds[word] = kinds.get(word, 0) + 1
    parts = [word if k == 1 else f"{k} {word}s" for word, k in kinds.items()]
    return f"[{', '.join(parts)}]" if parts else ""


def phone_of(value: str) -> str:
    """The phone number of a sender (WhatsApp's prefix off)."""
    # WhatsApp through the same API sends "whatsapp:+1415...".
    return value.split(":", 1)[1] if value.startswith("whatsapp:") else value


class SmsAdapter(ChannelAdapter):
    """Inbound text messages: one interaction per sender and number, split by silence."""

    name = "sms"
    channel = "sms"

    def __init__(self, *, idle_gap: timedelta = timedelta(hours=4)) -> None:
        self.idle_gap = idle_gap
        self._parsed: tuple[bytes, list[tuple[str, str]]] | None = None

    def form(self, payload: bytes) -> list[tuple[str, str]]:
        """The payload's form fields, parsed once: the webhook's signature check, the thread
        lock and the conversion all read the same body (a per-request adapter keeps it)."""
        if self._parsed is None or self._parsed[0] is not payload:
            self._parsed = (payload, parse_form(payload))
        return self._parsed[1]

    def thread_of(self, payload: bytes) -> str | None:
        """The sender and number's thread key: two texts sent at once are one conversation."""
        fields = dict(self.form(payload))
        sender, recipient = fields.get("From", "").strip(), fields.get("To", "").strip()
        return thread_key(sender, recipient) if sender and recipient else None

    def to_events(
        self,
        payload: bytes,
        *,
        received_at: datetime,
        lookup: InteractionLookup | None = None,
    ) -> list[Event]:
        """The events of one inbound message."""
        return self.form_to_events(self.form(payload), received_at=received_at, lookup=lookup)

    def form_to_events(
        self,
        params: list[tuple[str, str]],
        *,
        received_at: datetime,
        lookup: InteractionLookup | None = None,
    ) -> list[Event]:
        """The events of one inbound message given as form fields."""
        lookup = lookup or NoInteractions()
        fields = dict(params)
        errors = [
            {"field": name, "message": "required"}
            for name in _REQUIRED
            if not fields.get(name, "").strip()
        ]
        if errors:
            raise InvalidPayload(
                "the message lacks required fields; nothing applied", errors=errors
            )
        sid, sender, recipient = (fields[name].strip() for name in _REQUIRED)
        key = thread_key(sender, recipient)
        iid = lookup.open_thread(key + ":", received_at - self.idle_gap) or stable_id(key, sid)
        events: list[Event] = []
        if not lookup.exists(iid):
            events.append(
                InteractionStarted(
                    event_id=started_event_id(iid),
                    interaction_id=iid,
                    occurred_at=received_at,
                    channel="sms",
                    identities=[Identity(kind="phone", value=phone_of(sender))],
                )
            )
        body = " ".join(p for p in (fields.get("Body", "").strip(), media_marker(fields)) if p)
        if body:
            events.append(
                Utterance(
                    event_id=stable_id("sms", sid),
                    interaction_id=iid,
                    occurred_at=received_at,
                    speaker="customer",
                    text=clip(body),
                )
            )
        return events
