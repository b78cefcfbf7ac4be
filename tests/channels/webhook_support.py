"""What the channel webhook tests share: signed Twilio forms, posted messages, the interactions
they made and the database's text."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from tests.channels.conftest import AUTH_TOKEN

SMS_URL = "http://testserver/v1/channels/sms"


def interactions(client: TestClient) -> list[dict[str, Any]]:
    body = client.get("/v1/interactions").json()
    items: list[dict[str, Any]] = body["items"]
    return items


def timeline(client: TestClient, interaction_id: str) -> list[dict[str, Any]]:
    detail = client.get(f"/v1/interactions/{interaction_id}")
    assert detail.status_code == 200, detail.text
    entries: list[dict[str, Any]] = detail.json()["timeline"]
    return entries


def sign(params: dict[str, str], url: str = SMS_URL, token: str = AUTH_TOKEN) -> str:
    """Twilio's signature, computed here independently of the adapter."""
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_form(sid: str, body: str, sender: str = "+14155550100") -> dict[str, str]:
    return {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "SAN FRANCISCO",
        "FromZip": "94105",
        "SmsSid": sid,
        "FromState": "CA",
        "SmsStatus": "received",
        "FromCity": "SAN FRANCISCO",
        "Body": body,
        "FromCountry": "US",
        "To": "+18005550199",
        "ToZip": "94016",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def post_sms(client: TestClient, params: dict[str, str], signature: str | None) -> Any:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return client.post("/v1/channels/sms", content=urlencode(params), headers=headers)


def post_email(client: TestClient, raw: bytes, content_type: str = "message/rfc822") -> Any:
    return client.post("/v1/channels/email", content=raw, headers={"Content-Type": content_type})


def database_text(url: str) -> str:
    """Every value of every row of every table, as one string."""
    engine = create_engine(url)
    parts: list[str] = []
    try:
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                    parts.extend(str(value) for value in row)
    finally:
        engine.dispose()
    return "\n".join(parts)
