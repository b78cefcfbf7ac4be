"""Channel adapters as libraries: formats in, events out, no server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kairos.channels import (
    BadSignature,
    ChatAdapter,
    EmailAdapter,
    InvalidPayload,
    MalformedPayload,
    SmsAdapter,
    SocialAdapter,
    VoiceAdapter,
    events_from_mbox,
)
from kairos.channels.base import Said
from kairos.channels.email import html_to_text, strip_quoted
from kairos.channels.sms import check_signature
from kairos.events import InteractionStarted, IvrInput, Utterance

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


class FakeLookup:
    def __init__(self, existing: set[str] | None = None, open_id: str | None = None) -> None:
        self.existing = existing or set()
        self.open_id = open_id
        self.asked: list[tuple[str, datetime]] = []

    def exists(self, interaction_id: str) -> bool:
        return interaction_id in self.existing

    def open_thread(self, prefix: str, since: datetime) -> str | None:
        self.asked.append((prefix, since))
        return self.open_id if self.open_id and self.open_id.startswith(prefix) else None

    def said(self, event_id: str) -> Said | None:
        return None

    def started_at(self, interaction_id: str) -> datetime | None:
        return None

    def start_of(self, interaction_id: str) -> str | None:
        return None


def test_quoted_history_is_stripped() -> None:
    reply = (
        "Still no refund after two weeks.\n\nJane\n\n"
        "On Mon, 16 Nov 2026 at 09:12, Acme Support <help@acme.example>\nwrote:\n"
        "> We have opened a case.\n> Regards"
    )
    assert strip_quoted(reply) == "Still no refund after two weeks.\n\nJane"
    outlook = "Please call me.\n\n-----Original Message-----\nFrom: help@acme.example\nHi"
    assert strip_quoted(outlook) == "Please call me."
    header_block = "Thanks.\n________________________________\nFrom: Acme\nSent: Monday\nSubject: x"
    assert strip_quoted(header_block) == "Thanks."
    inline = "> earlier text\nMy answer\n-- \nJane Doe, 555-0100"
    assert strip_quoted(inline) == "My answer"


def test_html_is_turned_into_text_without_quotes() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>Hello&nbsp;there,</p>"
        "<div>my claim <b>CLM-1</b> is stuck<br>please help</div>"
        '<div class="gmail_quote"><p>On Monday you wrote:</p><blockquote>old</blockquote></div>'
        "<script>x()</script></body></html>"
    )
    assert html_to_text(html) == "Hello there,\n\nmy claim CLM-1 is stuck\nplease help"


def test_twilio_signature_is_checked() -> None:
    url = "https://kairos.example/v1/channels/sms"
    params = [("To", "+18005550199"), ("From", "+14155550100"), ("Body", "hi")]
    data = url + "BodyhiFrom+14155550100To+18005550199"
    good = base64.b64encode(hmac.new(b"secret", data.encode(), hashlib.sha1).digest()).decode()
    check_signature(auth_token="secret", url=url, params=params, signature=good)
    # Twilio may have signed the URL with the default port spelled out.
    check_signature(
        auth_token="secret",
        url="https://kairos.example:443/v1/channels/sms",
        params=params,
        signature=good,
    )
    for bad in (None, "", good[:-2] + "x=", base64.b64encode(b"nope").decode()):
        with pytest.raises(BadSignature):
            check_signature(auth_token="secret", url=url, params=params, signature=bad)
    with pytest.raises(BadSignature):
        check_signature(auth_token="other", url=url, params=params, signature=good)


def test_sms_groups_by_pair_within_the_idle_gap() -> None:
    adapter = SmsAdapter(idle_gap=timedelta(hours=4))
    body = b"MessageSid=SM1&From=%2B14155550100&To=%2B18005550199&Body=hello"
    first = adapter.to_events(body, received_at=NOW, lookup=FakeLookup())
    assert isinstance(first[0], InteractionStarted)
    iid = first[0].interaction_id
    assert iid.startswith("sms:") and iid.endswith(":SM1")
    assert [i.value for i in first[0].identities] == ["+14155550100"]
    lookup = FakeLookup(existing={iid}, open_id=iid)
    body2 = b"MessageSid=SM2&From=%2B14155550100&To=%2B18005550199&Body=still+there%3F"
    later = adapter.to_events(body2, received_at=NOW + timedelta(hours=1), lookup=lookup)
    assert [type(e) for e in later] == [Utterance]
    assert later[0].interaction_id == iid and later[0].event_id == "sms:SM2"
    assert lookup.asked == [(iid.rsplit(":", 1)[0] + ":", NOW - timedelta(hours=3))]
    other_pair = b"MessageSid=SM3&From=%2B14155550111&To=%2B18005550199&Body=hi"
    assert adapter.to_events(other_pair, received_at=NOW, lookup=lookup)[0].interaction_id != iid


def test_sms_missing_fields_are_named() -> None:
    with pytest.raises(InvalidPayload) as caught:
        SmsAdapter().to_events(b"Body=hi&From=", received_at=NOW)
    assert [e["field"] for e in caught.value.errors] == ["MessageSid", "From", "To"]


def test_voice_ivr_inputs_become_identities() -> None:
    payload = {
        "call_id": "CA-1",
        "events": [
            {"id": "1", "type": "call.started", "from": "+14155550100"},
            {"id": "2", "type": "ivr.input", "name": "policy_number", "value": "PX-1"},
            {"type": "transcript", "segment_id": "s1", "speaker": "caller", "text": "help"},
        ],
    }
    events = VoiceAdapter().to_events(json.dumps(payload).encode(), received_at=NOW)
    start, ivr, said = events
    assert isinstance(start, InteractionStarted) and isinstance(ivr, IvrInput)
    assert [(i.kind, i.value) for i in start.identities] == [
        ("phone", "+14155550100"),
        ("policy", "PX-1"),
    ]
    assert isinstance(said, Utterance) and said.speaker == "customer"
    assert said.event_id == "call:CA-1:s1" and said.occurred_at == NOW


def test_json_adapters_refuse_bad_bodies() -> None:
    for adapter in (VoiceAdapter(), ChatAdapter(), SocialAdapter()):
        with pytest.raises(MalformedPayload):
            adapter.to_events(b"{not json", received_at=NOW)
        with pytest.raises(MalformedPayload):
            adapter.to_events(b"[1, 2]", received_at=NOW)
    with pytest.raises(InvalidPayload) as caught:
        ChatAdapter().to_events(
            json.dumps({"messages": [{"id": "m1", "role": "visitor"}]}).encode(), received_at=NOW
        )
    fields = {e["field"] for e in caught.value.errors}
    assert fields == {"conversation_id", "messages.0.text"}
    with pytest.raises(InvalidPayload) as caught:
        ChatAdapter().to_events(
            json.dumps({"conversation_id": "c", "visitor": {"social": "jane"}}).encode(),
            received_at=NOW,
        )
    assert [e["field"] for e in caught.value.errors] == ["visitor.social"]


def test_a_chat_opened_from_a_social_profile_carries_the_handle() -> None:
    body = {"conversation_id": "c", "visitor": {"id": "v1", "social": "X:@Jane_Doe"}}
    [started] = ChatAdapter().to_events(json.dumps(body).encode(), received_at=NOW)
    assert isinstance(started, InteractionStarted)
    assert [(i.kind, i.value) for i in started.identities] == [
        ("chat", "v1"),
        ("social", "X:@Jane_Doe"),
    ]


def test_email_agent_domain_and_mbox_import(tmp_path: Path) -> None:
    path = tmp_path / "support.mbox"
    box = mailbox.mbox(str(path))
    box.add(
        b"From: Jane <jane@example.com>\r\nTo: help@acme.example\r\nSubject: Refund\r\n"
        b"Message-ID: <root@example.com>\r\nDate: Mon, 16 Nov 2026 09:00:00 +0000\r\n\r\n"
        b"Where is my refund?\r\n"
    )
    box.add(
        b"From: Acme <help@acme.example>\r\nTo: jane@example.com\r\nSubject: Re: Refund\r\n"
        b"Message-ID: <a1@acme.example>\r\nIn-Reply-To: <root@example.com>\r\n"
        b"References: <root@example.com>\r\nDate: Mon, 16 Nov 2026 10:00:00 +0000\r\n\r\n"
        b"It is on its way.\r\n\r\nOn Mon, 16 Nov 2026, Jane wrote:\r\n> Where is my refund?\r\n"
    )
    box.close()
    adapter = EmailAdapter(agent_domains=["acme.example"])
    events = events_from_mbox(path, received_at=NOW, adapter=adapter)
    assert [e.type for e in events] == ["interaction.started", "utterance", "utterance"]
    assert len({e.interaction_id for e in events}) == 1
    reply = events[2]
    assert isinstance(reply, Utterance)
    assert reply.speaker == "agent" and reply.text == "It is on its way."
