"""Email whose bytes do not say their charset: read as what they were written in."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.channels.webhook_support import post_email, timeline

from kairos.channels.email import interaction_id_for


def test_an_email_without_a_charset_is_read_in_what_it_was_written(client: TestClient) -> None:
    """8-bit text with no charset declared (older gateways, hand-made mail) is read as UTF-8
    when it is, else as Windows-1252, never with replacement characters: "ma�ana" would hide
    the customer's deadline from the detector."""
    for n, encoding in enumerate(("utf-8", "cp1252")):
        raw = (
            "From: José <jose@example.com>\r\n"
            "Subject: Reclamación urgente\r\n"
            f"Message-ID: <undeclared-{n}@mail.example.com>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Transfer-Encoding: 8bit\r\n"
            "\r\n"
            "Mi vuelo fue cancelado y necesito llegar mañana a Málaga.\r\n"
        ).encode(encoding)
        assert post_email(client, raw).status_code == 200
        iid = interaction_id_for(f"undeclared-{n}@mail.example.com")
        entries = timeline(client, iid)
        assert (
            entries[1]["body"]["text"]
            == "Mi vuelo fue cancelado y necesito llegar mañana a Málaga."
        )
        detail = client.get(f"/v1/interactions/{iid}").json()
        assert detail["subject"] == "Reclamación urgente", encoding
