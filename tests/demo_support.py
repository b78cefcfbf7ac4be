"""Sample webhooks of each channel the demo routes."""

from __future__ import annotations

CHAT = {
    "conversation_id": "web-1",
    "visitor": {"id": "v-1", "email": "kim@example.com"},
    "messages": [{"id": "m1", "role": "visitor", "text": "My order never arrived"}],
}

EMAIL = (
    b"From: Lee <lee@example.com>\r\nTo: help@acme.test\r\nSubject: Refund\r\n"
    b"Message-ID: <r1@example.com>\r\n\r\nI was charged twice for my plan.\r\n"
)

SMS = {
    "MessageSid": "SM-demo-1",
    "From": "+14155550111",
    "To": "+18005550199",
    "Body": "Can someone call me about my bill?",
}

SOCIAL = {
    "platform": "x",
    "post_id": "9001",
    "handle": "@sam",
    "text": "@Acme my flight was cancelled and I am stranded at the airport",
}
