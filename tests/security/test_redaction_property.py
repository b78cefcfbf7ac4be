"""Property: a card number sent in any inbound field of any endpoint or adapter, written any
way (Luhn-valid numbers generated with any separators, between any digits or words), is held in
clear by no table, API answer, bus message or log line (issue 18).

Hypothesis generates the numbers and their surroundings. One unit property runs the redactor
alone over many cases; one structural test checks that every model a route reads a body into
inherits the redaction choke point (``kairos.redaction.inbound.Inbound``), so a field added
later is redacted too; and one end-to-end property sends generated numbers through every
free-text and identity field of every endpoint and adapter, then reads back every table, every
answer, every bus message and every log line.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from tests.channels.webhook_support import database_text, sign, twilio_form
from tests.factories import at, started
from tests.security.conftest import bearer

from kairos import events
from kairos.bus import MemoryBus
from kairos.channels.chat import ChatWebhook
from kairos.channels.social import SocialPost
from kairos.channels.voice import VoiceWebhook
from kairos.config import Settings
from kairos.main import create_app
from kairos.redaction import redact_secrets
from kairos.redaction.inbound import Inbound
from kairos.runtime import Runtime

# -- generated card numbers ---------------------------------------------------------------------


def _check_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:  # the check digit will sit to the right: these are doubled
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return str((10 - total % 10) % 10)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """A Luhn-valid number of 13 to 19 digits, any first digit."""
    length = draw(st.integers(min_value=13, max_value=19))
    body = draw(
        st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1).filter(
            lambda b: len(set(b)) >= 4  # no card is all zeros: such a run is in any id
        )
    )
    return body + _check_digit(body)


_SEPARATORS = [" ", "-", ".", "/", "_", "  ", "\u00a0", " - ", ""]


@st.composite
def written(draw: st.DrawFn, card: str) -> str:
    """The number as someone types it: grouped by any separator, or in one piece."""
    separator = draw(st.sampled_from(_SEPARATORS))
    groups: list[str] = []
    rest = card
    while rest:
        size = draw(st.integers(min_value=1, max_value=8)) if separator else len(rest)
        groups.append(rest[:size])
        rest = rest[size:]
    if draw(st.booleans()):  # the usual 4-4-4-4
        groups = [card[i : i + 4] for i in range(0, len(card), 4)]
    return separator.join(groups)


_BEFORE = ["", "my card is ", "qty 3 ", "order 12345 ", "call 555 1234 ", "ref-", "card: ", "x "]
_AFTER = ["", " 12 25", "-", ".", " thanks", " exp 12/28", " and cvv"]


@st.composite
def said(draw: st.DrawFn) -> tuple[str, str]:
    """(card, text holding it): the number written some way, between digits or words."""
    card = draw(card_numbers())
    text = draw(st.sampled_from(_BEFORE)) + draw(written(card)) + draw(st.sampled_from(_AFTER))
    return card, text


def clear_pattern(card: str) -> re.Pattern[str]:
    """The card's digits in order with any separators between them: the number in clear."""
    return re.compile(r"[^0-9A-Za-z]{0,3}".join(card))


def assert_clear_of(cards: list[str], blob: str, where: str) -> None:
    """No card of ``cards`` in clear in ``blob``."""
    for card in cards:
        match = clear_pattern(card).search(blob)
        assert match is None, (
            f"{card} in clear in {where}: {blob[max(0, match.start() - 60) : match.end() + 60]!r}"
        )


# -- the redactor alone -------------------------------------------------------------------------


@settings(max_examples=600, deadline=None, derandomize=True)
@given(said())
def test_no_card_number_survives_the_redactor(case: tuple[str, str]) -> None:
    card, text = case
    redacted = redact_secrets(text)
    assert clear_pattern(card).search(redacted) is None, (text, redacted)
    assert redact_secrets(redacted) == redacted  # a second pass changes nothing


#: (said, what must not remain, the mark that must) for each phrasing the review found.
PHRASINGS = [
    ("4704 7485 5946 1517 12 25", "4704 7485 5946 1517", "[card ••••1517]"),
    ("qty 3 4071116900160755", "4071116900160755", "[card ••••0755]"),
    ("order 12345 4071116900160755", "4071116900160755", "[card ••••0755]"),
    ("call 555 1234 4071116900160755", "4071116900160755", "[card ••••0755]"),
    ("4071.1169.0016.0755", "4071.1169", "[card ••••0755]"),
    ("4071/1169/0016/0755", "4071/1169", "[card ••••0755]"),
    ("4071_1169_0016_0755", "4071_1169", "[card ••••0755]"),
    ("4071  1169  0016  0755", "4071  1169", "[card ••••0755]"),
    ("4071\u00a01169\u00a00016\u00a00755", "4071\u00a01169", "[card ••••0755]"),
    ("ref-4071116900160755", "4071116900160755", "[card ••••0755]"),
    ("4071116900160755-", "4071116900160755", "[card ••••0755]"),
    ("the code on the back is 739", "739", "[cvv ••••]"),
    ("cvv is seven three nine", "seven three nine", "[cvv ••••]"),
    ("my PIN's 7314", "7314", "[pin ••••]"),
    ("pin: 58-91", "58-91", "[pin ••••]"),
    ("pw: Xk9#mq2", "Xk9#mq2", "[password ••••]"),
    ("pass: Xk9#mq3", "Xk9#mq3", "[password ••••]"),
    ("password hunter2d", "hunter2d", "[password ••••]"),
    ("my password's hunter2e", "hunter2e", "[password ••••]"),
    ("the password I use is hunter2f", "hunter2f", "[password ••••]"),
    ("my password is correct horse battery staple", "horse battery staple", "[password ••••]"),
    ("login: jsmith / hunter2h", "hunter2h", "[password ••••]"),
    ("my social is 536221908", "536221908", "[ssn ••••1908]"),
    ("536.22.1907", "536.22.1907", "[ssn ••••1907]"),
    ("JG-10-37-58-B", "JG-10-37-58-B", "[nino ••••]"),
]


@pytest.mark.parametrize(("text", "secret", "mark"), PHRASINGS)
def test_each_phrasing_the_review_found_is_redacted(text: str, secret: str, mark: str) -> None:
    redacted = redact_secrets(text)
    assert secret not in redacted and mark in redacted, redacted


@pytest.mark.parametrize(
    "text",
    ["I need a password reset link", "my password is wrong", "password issue",
     "my password is correct but it still fails", "pin the blame on nobody",
     "flight BA2490 on 2026-12-04, booking ref QX7T2P"],
)  # fmt: skip
def test_words_about_secrets_are_left_alone(text: str) -> None:
    assert redact_secrets(text) == text


# -- every model a route reads a body into ------------------------------------------------------


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # an included router, as newer FastAPI keeps it
            found += _api_routes(route.original_router.routes)
    return found


def _inbound_models() -> set[type[BaseModel]]:
    app = create_app(Settings(database_url="sqlite://"))
    found: set[type[BaseModel]] = set()
    for route in _api_routes(app.router.routes):
        for param in route.dependant.body_params:
            annotation = param.field_info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                found.add(annotation)
    return found


def test_every_body_model_and_event_inherits_the_choke_point() -> None:
    models = _inbound_models() | {ChatWebhook, VoiceWebhook, SocialPost, events.Identity}
    models |= {m for m in vars(events).values() if isinstance(m, type) and issubclass(m, Inbound)}
    assert len(models) > 20
    outside = sorted(m.__name__ for m in models if not issubclass(m, Inbound))
    assert outside == [], f"body models that skip redaction: {outside}"
    # A name kept verbatim is a field somewhere (the events share one list): no typo hides one.
    fields = {name for model in models for name in model.model_fields}
    for model in models:
        assert issubclass(model, Inbound)
        unknown = model.verbatim - fields
        assert not unknown, f"{model.__name__}.verbatim names no field: {unknown}"


# -- every inbound field of every endpoint and adapter, end to end ------------------------------

Send = Callable[[TestClient, dict[str, str], str, str], Any]


def _event(kind: str, iid: str, n: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "event_id": f"{iid}-{kind}-{n}", "interaction_id": iid,
            "occurred_at": at(5), **fields}  # fmt: skip


def _events(client: TestClient, tokens: dict[str, str], iid: str, *items: dict[str, Any]) -> Any:
    return client.post("/v1/events", json=list(items), headers=bearer(tokens["pbx"]))


def _start_then(*make: Callable[[str, str], dict[str, Any]]) -> Send:
    def send(client: TestClient, tokens: dict[str, str], iid: str, text: str) -> Any:
        first = started(iid, channel="chat")
        return _events(client, tokens, iid, first, *(m(iid, text) for m in make))

    return send


def _survey_link(client: TestClient, tokens: dict[str, str], iid: str, text: str) -> Any:
    _events(client, tokens, iid, started(iid, channel="chat"))
    link = client.get(f"/v1/interactions/{iid}/survey-link", headers=bearer(tokens["root"]))
    return client.post(f"/v1/surveys/{link.json()['token']}", json={"csat": 3, "text": text})


def _tomorrow() -> str:
    """A day from the clock's now: a key message must expire in the future, whatever the date."""
    return (datetime.now(UTC) + timedelta(days=1)).isoformat()


def _api(method: str, path: str, body: Callable[[str], Any], who: str = "root") -> Send:
    def send(client: TestClient, tokens: dict[str, str], iid: str, text: str) -> Any:
        _events(client, tokens, iid, started(iid, channel="chat"))
        return client.request(
            method, path.format(iid=iid), json=body(text), headers=bearer(tokens[who])
        )

    return send


def _email(client: TestClient, tokens: dict[str, str], iid: str, text: str) -> Any:
    raw = (
        f"From: jane@example.com\r\nMessage-ID: <{iid}@x>\r\nDate: Sun, 22 Nov 2026 14:00:00 "
        f"+0000\r\nSubject: {text}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()
    headers = {"Content-Type": "message/rfc822", **bearer(tokens["pbx"])}
    return client.post("/v1/channels/email", content=raw, headers=headers)


def _sms(client: TestClient, tokens: dict[str, str], iid: str, text: str) -> Any:
    sid = "SM" + hashlib.sha256(iid.encode()).hexdigest()[:32]
    form = twilio_form(sid, text)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **bearer(tokens["pbx"])}
    headers["X-Twilio-Signature"] = sign(form)
    return client.post("/v1/channels/sms", content=urlencode(form), headers=headers)


def _voice(item: Callable[[str], dict[str, Any]]) -> Send:
    def send(client: TestClient, tokens: dict[str, str], iid: str, text: str) -> Any:
        body = {"call_id": iid, "events": [{"id": "1", "type": "call.started"}, item(text)]}
        return client.post("/v1/channels/voice", json=body, headers=bearer(tokens["pbx"]))

    return send


def _chat(body: Callable[[str], dict[str, Any]]) -> Send:
    def send(client: TestClient, tokens: dict[str, str], iid: str, text: str) -> Any:
        payload = {"conversation_id": iid, **body(text)}
        return client.post("/v1/channels/chat", json=payload, headers=bearer(tokens["pbx"]))

    return send


def _social(client: TestClient, tokens: dict[str, str], iid: str, text: str) -> Any:
    post = {"platform": "x", "kind": "direct", "post_id": iid, "thread_id": iid,
            "handle": "@jane", "text": text}  # fmt: skip
    return client.post("/v1/channels/social", json=post, headers=bearer(tokens["pbx"]))


#: Every free-text and identity field a client can send, by where it enters.
FIELDS: dict[str, Send] = {
    "events utterance.text": _start_then(
        lambda i, t: _event("utterance", i, "u", speaker="customer", text=t)
    ),
    "events started.subject/reason": lambda c, k, i, t: _events(
        c, k, i, started(i, channel="email", subject=t, reason=t[:200])
    ),
    "events started.identities account": lambda c, k, i, t: _events(
        c, k, i, {**started(i), "identities": [{"kind": "account", "value": t[:320]}]}
    ),
    "events started.escalation.note": lambda c, k, i, t: (
        _events(c, k, i, started(f"{i}-from", channel="chat")),
        _events(c, k, i, started(i, escalation={"source": f"{i}-from", "note": t})),
    )[1],
    "events ivr.selection.label": _start_then(
        lambda i, t: _event("ivr.selection", i, "s", menu="main", option="1", label=t[:200])
    ),
    "events ivr.input.value": _start_then(
        lambda i, t: _event("ivr.input", i, "v", name="reference", value=t[:500])
    ),
    "events ivr.input pass_code/otp": _start_then(
        lambda i, t: _event("ivr.input", i, "p", name="pass_code", value=t[:500]),
        lambda i, t: _event("ivr.input", i, "o", name="otp", value=t[:500]),
    ),
    "events transfer.reason": _start_then(lambda i, t: _event("transfer", i, "t", reason=t)),
    "events ended.outcome": _start_then(
        lambda i, t: _event(
            "interaction.ended", i, "e", outcome={"note": t, "disposition": t[:100]}
        )
    ),
    "events survey.response.text": _start_then(
        lambda i, t: _event("survey.response", i, "r", csat=3, text=t)
    ),
    "events audio.segment.reasons": _start_then(
        lambda i, t: _event(
            "audio.segment",
            i,
            "a",
            start_s=0,
            end_s=1,
            stress=0.5,
            reasons=[{"feature": "pitch", "sd": 1.0, "text": t[:200]}],
        )
    ),
    "api survey": _api("POST", "/v1/interactions/{iid}/survey", lambda t: {"text": t}, "pbx"),
    "public survey link": _survey_link,
    "api wrap-up note": _api(
        "POST",
        "/v1/interactions/{iid}/wrap-up",
        lambda t: {"resolved": True, "confirmed_by_customer": True, "note": t},
    ),
    "api escalation note": _api(
        "POST", "/v1/interactions/{iid}/escalate", lambda t: {"phone": "+14155550100", "note": t}
    ),
    "api key message": _api(
        "POST",
        "/v1/messages",
        lambda t: {"title": t[:200], "body": t, "expires_at": _tomorrow()},
    ),
    "api coaching": _api("POST", "/v1/coaching", lambda t: {"text": t}),
    "chat message text": _chat(
        lambda t: {"visitor": {"id": "v"}, "messages": [{"id": "m", "role": "visitor", "text": t}]}
    ),
    "chat visitor.account and topic": _chat(
        lambda t: {"visitor": {"id": "v", "account": t[:320]}, "topic": t[:500]}
    ),
    "voice transcript": _voice(
        lambda t: {"id": "2", "type": "transcript", "speaker": "caller", "text": t}
    ),
    "voice account_number": _voice(
        lambda t: {"id": "2", "type": "ivr.input", "name": "account_number", "value": t[:500]}
    ),
    "voice call.ended note": _voice(lambda t: {"id": "2", "type": "call.ended", "note": t}),
    "social text": _social,
    "email subject and body": _email,
    "sms body": _sms,
}


@pytest.fixture
def secured_client(runtime: Runtime) -> TestClient:
    changed = runtime.settings.model_copy(update={"require_tokens": True})
    with TestClient(create_app(changed, runtime=runtime)) as client:
        yield client  # type: ignore[misc]


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_no_clear_card_number_anywhere_after_any_inbound_field(
    secured_client: TestClient,
    runtime: Runtime,
    tokens: dict[str, str],
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    field: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert isinstance(runtime.bus, MemoryBus)
    published: list[str] = []
    runtime.bus.listen(lambda topic, message: published.append(repr(message)))
    cards: list[str] = []
    answers: list[str] = []
    count = [0]

    @settings(max_examples=6, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
    @given(said())
    def send(case: tuple[str, str]) -> None:
        card, text = case
        count[0] += 1
        iid = f"p{count[0]}-{abs(hash(field)) % 10_000}"
        cards.append(card)
        answer = FIELDS[field](secured_client, tokens, iid, text)
        assert answer.status_code < 300, answer.text
        answers.append(answer.text)

    send()
    for item in secured_client.get("/v1/interactions", headers=bearer(tokens["root"])).json()[
        "items"
    ]:
        detail = secured_client.get(
            f"/v1/interactions/{item['id']}", headers=bearer(tokens["root"])
        )
        answers.append(detail.text)
    answers.append(secured_client.get("/v1/customers", headers=bearer(tokens["root"])).text)
    assert_clear_of(cards, database_text(database_url), "the database")
    assert_clear_of(cards, "\n".join(answers), "the API's answers")
    assert_clear_of(cards, "\n".join(published), "the bus messages")
    assert_clear_of(cards, "\n".join(r.getMessage() for r in caplog.records), "the log")
