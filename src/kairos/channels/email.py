"""Email: raw RFC 5322 messages, threaded into one interaction per conversation.

``POST /v1/channels/email`` takes one raw message as the body (``message/rfc822`` or
``text/plain``), as a mail gateway or an IMAP poller hands it over. The thread's root Message-ID
is the first ``References`` entry, else ``In-Reply-To``, else the message's own ``Message-ID``;
the interaction id is ``email:`` and a hash of it, so every reply that carries its references
lands in the same interaction without any lookup. Mail clients that drop ``References`` and
answer a reply with only ``In-Reply-To`` start a new thread: a known limitation.

The message becomes one utterance: the ``text/plain`` part when there is one, else the HTML part
turned into text, with quoted history ("On … wrote:", ``>`` lines, "-----Original Message-----",
Outlook's header block) and the signature removed. The sender's address is the ``email``
identity and the Subject (without ``Re:``/``Fwd:``) the interaction's subject. Senders on one of
the adapter's ``agent_domains`` are agents. :func:`events_from_mbox` imports a whole mbox file.
"""

from __future__ import annotations

import hashlib
import mailbox
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

from kairos.channels.base import (
    ChannelAdapter,
    InteractionLookup,
    InvalidPayload,
    MalformedPayload,
    NoInteractions,
    SeenInteractions,
    clip,
    stable_id,
    started_event_id,
)
from kairos.events import Event, Identity, InteractionStarted, Utterance
from kairos.limits import in_window

_MSG_ID = re.compile(r"<([^<>\s]+)>")
_ESCAPED = re.compile("[\udc80-\udcff]")  # a raw 8-bit byte of a header, surrogate-escaped
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|tr)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r"^\s*(On|Le|Am|El|Il|Op)\b.*\b(wrote|écrit|schrieb|escribió|scritto|geschreven)\s*:\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^\s*(On|Le|Am|El|Il|Op)\s.*\d", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(
    r"(wrote|écrit|schrieb|escribió|scritto|geschreven)\s*:\s*$", re.IGNORECASE
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(Original Message|Forwarded message|Ursprüngliche Nachricht)\s*-{2,}",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_HEADER_FROM = re.compile(r"^\s*\*?(From|De|Von)\s*:\*?\s", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*\*?(Sent|Date|To|Subject|Envoyé|Gesendet)\s*:", re.IGNORECASE)
_BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr",
}  # fmt: skip
_VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}
_SKIP_TAGS = {"script", "style", "head", "title", "blockquote"}
_QUOTE_MARKERS = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "divrplyfwdmsg")


class _HtmlText(HTMLParser):
    """Text of an HTML body without scripts, styles and quoted replies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip:
            self.skip += tag not in _VOID_TAGS
            return
        marks = " ".join(v or "" for k, v in attrs if k in ("class", "id")).lower()
        if tag in _SKIP_TAGS or any(m in marks for m in _QUOTE_MARKERS):
            self.skip = 0 if tag in _VOID_TAGS else 1
            return
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML email body, quoted replies left out."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quoted(text: str) -> str:
    """The new part of a reply: quoted history, forwarded headers and the signature removed."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        following = lines[i + 1 : i + 5]
        if _ATTRIBUTION.match(line) or _ORIGINAL.match(line) or line == "-- ":
            break
        if (
            _ATTRIBUTION_START.match(line)
            and i + 1 < len(lines)
            and _ATTRIBUTION_END.search(lines[i + 1])
        ):
            break
        if _RULE.match(line) and following and _HEADER_FROM.match(following[0]):
            break
        if _HEADER_FROM.match(line) and any(_HEADER_NEXT.match(f) for f in following):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


#: Multipart containers one message may hold: mail clients nest a handful (mixed, alternative,
#: related); thousands only make the parser recurse until it fails.
MAX_MULTIPARTS = 100
MAX_MULTIPART_SCAN = 20 * 1024 * 1024
_MULTIPART = re.compile(rb"content-type:\s*multipart/", re.IGNORECASE)


def _message_ids(value: object) -> list[str]:
    return _MSG_ID.findall(str(value or ""))


def _recoded(raw: bytes) -> str:
    """Bytes of no known charset: UTF-8 when they are, else Windows-1252 (what undeclared 8-bit
    mail almost always is), else Latin-1; never a replacement character."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _subject(message: EmailMessage) -> str:
    """The Subject, its raw 8-bit bytes (no RFC 2047 encoding, no charset) read by
    :func:`_recoded`."""
    for name, value in message.raw_items():
        if name.lower() == "subject" and isinstance(value, str) and _ESCAPED.search(value):
            return " ".join(_recoded(value.encode("ascii", "surrogateescape")).split())
    return str(message.get("Subject", ""))


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content: object = None
    if part.get_content_charset() not in (None, "us-ascii", "ascii"):  # 8-bit bytes lie in ASCII
        try:
            content = part.get_content()
        except (LookupError, KeyError):  # a charset Python does not know
            content = None
    if content is None:
        raw = part.get_payload(decode=True)
        content = _recoded(raw) if isinstance(raw, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return strip_quoted(content)


def _sent_at(message: EmailMessage, fallback: datetime) -> datetime:
    raw = message.get("Date")
    if not raw:
        return fallback
    try:
        sent = parsedate_to_datetime(str(raw))
        sent = sent if sent.tzinfo else sent.replace(tzinfo=UTC)
        # The sender's clock writes Date: one outside 1970..ten years ahead ("9999") is not
        # believed, and the message keeps the time it reached us instead of being refused.
        return in_window(sent)
    except (TypeError, ValueError, IndexError, OverflowError):
        return fallback


def thread_root(message: EmailMessage, message_id: str) -> str:
    """The Message-ID the thread hangs from: first References entry, In-Reply-To, or its own."""
    references = _message_ids(message.get("References"))
    if references:
        return references[0]
    parents = _message_ids(message.get("In-Reply-To"))
    return parents[0] if parents else message_id


def interaction_id_for(root_message_id: str) -> str:
    """The interaction id of the thread rooted at this Message-ID."""
    return "email:" + hashlib.sha256(root_message_id.encode()).hexdigest()[:32]


class EmailAdapter(ChannelAdapter):
    """Email threads: one interaction per thread, one utterance per message."""

    name = "email"
    channel = "email"

    def __init__(self, *, agent_domains: Iterable[str] = ()) -> None:
        self.agent_domains = frozenset(d.lower().lstrip("@") for d in agent_domains)

    def to_events(
        self,
        payload: bytes,
        *,
        received_at: datetime,
        lookup: InteractionLookup | None = None,
    ) -> list[Event]:
        """The events of one raw RFC 5322 message."""
        if not payload.strip():
            raise MalformedPayload("the body is empty; expected a raw RFC 5322 message")
        if len(_MULTIPART.findall(payload, 0, MAX_MULTIPART_SCAN)) > MAX_MULTIPARTS:
            raise MalformedPayload(
                f"the message has more than {MAX_MULTIPARTS} multipart containers; "
                "no mail client nests that deep"
            )
        try:
            message = message_from_bytes(payload, policy=policy.default)
            if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default
                raise MalformedPayload("the body is not an email message")
            return self.message_to_events(
                message, raw=payload, received_at=received_at, lookup=lookup
            )
        except RecursionError:  # nesting the scan above did not see (encoded differently)
            raise MalformedPayload("the message nests its parts too deeply to read") from None

    def message_to_events(
        self,
        message: EmailMessage,
        *,
        raw: bytes,
        received_at: datetime,
        lookup: InteractionLookup | None = None,
    ) -> list[Event]:
        """The events of one parsed message; ``raw`` names it when it has no Message-ID."""
        lookup = lookup or NoInteractions()
        try:
            senders = getaddresses([str(message.get("From", ""))])
        except (TypeError, ValueError, IndexError):
            senders = []
        sender = next((addr.lower() for _, addr in senders if "@" in addr), None)
        if sender is None:
            raise InvalidPayload(
                "the message has no sender; nothing was applied",
                errors=[{"field": "From", "message": "a From header with an address is required"}],
            )
        own_ids = _message_ids(message.get("Message-ID"))
        # A message without a Message-ID is named by its content, so a redelivery still dedupes.
        message_id = own_ids[0] if own_ids else hashlib.sha256(raw).hexdigest() + "@kairos"
        iid = interaction_id_for(thread_root(message, message_id))
        sent_at = _sent_at(message, received_at)
        is_agent = sender.rsplit("@", 1)[-1] in self.agent_domains
        events: list[Event] = []
        if not lookup.exists(iid):
            subject = _SUBJECT_PREFIX.sub("", _subject(message)).strip()
            events.append(
                InteractionStarted(
                    event_id=started_event_id(iid),
                    interaction_id=iid,
                    occurred_at=sent_at,
                    channel="email",
                    identities=[] if is_agent else [Identity(kind="email", value=sender)],
                    subject=subject[:500] or None,
                )
            )
        text = _body_text(message)
        if text:
            events.append(
                Utterance(
                    event_id=stable_id("email", message_id),
                    interaction_id=iid,
                    occurred_at=sent_at,
                    speaker="agent" if is_agent else "customer",
                    text=clip(text),
                )
            )
        return events


def events_from_mbox(
    path: str | Path,
    *,
    received_at: datetime,
    lookup: InteractionLookup | None = None,
    adapter: EmailAdapter | None = None,
) -> list[Event]:
    """Every message of an mbox file as events, each thread started once, in file order."""
    adapter = adapter or EmailAdapter()
    seen = SeenInteractions(lookup)
    events: list[Event] = []
    box = mailbox.mbox(str(path), create=False)
    try:
        for key in box.iterkeys():
            raw = box.get_bytes(key)
            for event in adapter.to_events(raw, received_at=received_at, lookup=seen):
                seen.seen.add(event.interaction_id)
                events.append(event)
    finally:
        box.close()
    return events
