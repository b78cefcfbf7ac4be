"""A customer who texts STOP (or its equivalents) is not texted again by outreach."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.channels.webhook_support import post_sms, sign, twilio_form

from kairos.channels.sms_keywords import keyword
from kairos.channels.views import _keep_word
from kairos.runtime import Runtime


def _customer(client: TestClient, phone: str) -> int:
    found = client.get("/v1/customers", params={"identity": f"phone:{phone}"})
    [customer] = found.json()["items"]
    return int(customer["id"])


def _preference(client: TestClient, customer_id: int) -> Any:
    response = client.get(f"/v1/customers/{customer_id}/contact-preference")
    assert response.status_code == 200, response.text
    return response.json()


def _text(client: TestClient, sid: str, body: str, sender: str, **extra: str) -> Any:
    form = {**twilio_form(sid, body, sender=sender), **extra}
    response = post_sms(client, form, sign(form))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return response


def test_stop_turns_sms_off_and_twilio_confirms_it(client: TestClient) -> None:
    phone = "+14155550111"
    _text(client, "SM" + "1" * 32, "My refund never came", phone)
    customer_id = _customer(client, phone)
    assert _preference(client, customer_id)["channels_off"] == []
    stop = _text(client, "SM" + "2" * 32, " Stop ", phone)
    # Twilio answers its own keywords, and would block a reply of ours: Kairos sends none.
    assert "<Response/>" in stop.text
    pref = _preference(client, customer_id)
    assert (pref["proactive"], pref["channels_off"], pref["source"]) == (
        True, ["sms"], "sms keyword")  # fmt: skip
    assert pref["history"][0]["action"] == "set" and "Stop" in pref["history"][0]["detail"]
    # START turns it on again.
    _text(client, "SM" + "3" * 32, "START", phone)
    assert _preference(client, customer_id)["channels_off"] == []


def test_keywords_twilio_leaves_alone_are_kept_and_confirmed_in_their_language(
    client: TestClient,
) -> None:
    cases = [
        ("BAJA", "+14155550121", "No recibirás más mensajes"),
        ("Arrêt", "+14155550122", "Vous ne recevrez plus de SMS"),
        ("stopp", "+14155550123", "Sie erhalten keine SMS mehr"),
        ("SAIR", "+14155550124", "Você não receberá mais mensagens"),
        ("Annulla", "+14155550125", "Non riceverai più messaggi"),
        ("Please stop texting me!", "+14155550126", "You will get no more texts from us"),
    ]
    for n, (word, phone, reply) in enumerate(cases):
        answer = _text(client, f"SM{n:032d}", word, phone)
        assert f"<Message>{reply}" in answer.text, answer.text
        assert _preference(client, _customer(client, phone))["channels_off"] == ["sms"]


def test_a_text_that_only_mentions_stop_changes_nothing(client: TestClient) -> None:
    phone = "+14155550131"
    answer = _text(client, "SM" + "4" * 32, "I can't stop worrying about my flight", phone)
    assert "<Response/>" in answer.text
    assert _preference(client, _customer(client, phone))["history"] == []


def test_twilio_advanced_opt_out_marks_are_kept(client: TestClient) -> None:
    phone = "+14155550141"
    # A keyword the centre added in Twilio's Advanced Opt-Out: Twilio says so and answers it.
    answer = _text(client, "SM" + "5" * 32, "NOMORE", phone, OptOutType="STOP")
    assert "<Response/>" in answer.text
    assert _preference(client, _customer(client, phone))["channels_off"] == ["sms"]


def test_a_stop_from_a_number_no_customer_has_holds_for_whoever_texts_from_it_later(
    client: TestClient, runtime: Runtime
) -> None:
    """The webhook's ingest resolves the sender before the keyword is kept, so this state is
    reached only when that ingest attached no customer: the keeper is called on its own."""
    phone = "+14155550188"
    assert client.get("/v1/customers", params={"identity": f"phone:{phone}"}).json()["total"] == 0
    said = keyword("STOP")
    assert said is not None
    _keep_word(runtime, {"From": phone, "Body": "STOP"}, said)
    customer_id = _customer(client, phone)
    pref = _preference(client, customer_id)
    assert (pref["proactive"], pref["channels_off"], pref["source"]) == (
        True, ["sms"], "sms keyword")  # fmt: skip
    assert pref["history"][0]["actor"] == "customer" and "STOP" in pref["history"][0]["detail"]
    # A later text from that number is that customer's contact, still opted out of SMS.
    _text(client, "SM" + "8" * 32, "Where is my refund?", phone)
    [customer] = client.get("/v1/customers", params={"identity": f"phone:{phone}"}).json()["items"]
    assert (customer["id"], customer["interaction_count"]) == (customer_id, 1)
    assert _preference(client, customer_id)["channels_off"] == ["sms"]
