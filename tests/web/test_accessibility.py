"""Every control on the pages has a label, and levels are words, not only colours."""

from __future__ import annotations

from html.parser import HTMLParser

from fastapi.testclient import TestClient
from tests.web.floor import chat_events, login

CONTROLS = {"input", "select", "textarea"}


class _Controls(HTMLParser):
    """Collects form controls and which of them a label names or wraps."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if attributes.get("for"):
                self.labelled.add(str(attributes["for"]))
        elif tag in CONTROLS and attributes.get("type") != "hidden":
            self.controls.append({**attributes, "wrapped": "yes" if self.in_label else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label -= 1


def _unlabelled(html: str) -> list[dict[str, str | None]]:
    parser = _Controls()
    parser.feed(html)
    assert parser.controls, "no controls found"
    return [
        c
        for c in parser.controls
        if not c["wrapped"] and c.get("id") not in parser.labelled and not c.get("aria-label")
    ]


def test_every_control_on_every_page_has_a_label(client: TestClient) -> None:
    assert _unlabelled(client.get("/login").text) == []
    assert client.post("/v1/events", json=chat_events("chat-1")).status_code == 200
    token = login(client, "ava")
    assert _unlabelled(client.get("/desktop").text) == []
    client.post("/desktop/next", data={"csrf_token": token})
    page = client.get("/interactions/chat-1").text
    assert _unlabelled(page) == []
    assert 'aria-live="assertive"' in page  # nudges are announced
    assert "(VERY HIGH)" in page or "(HIGH)" in page  # the score's level in words
    client.cookies.clear()
    login(client, "sue")
    board = client.get("/wallboard").text
    assert _unlabelled(board) == []
    assert 'aria-live="assertive"' in board  # new alerts are announced
    first = client.get("/v1/playbooks").json()
    first = (first["items"] if isinstance(first, dict) else first)[0]
    assert _unlabelled(client.get(f"/wallboard/playbooks/{first['id']}").text) == []


def test_the_pages_start_with_a_skip_link(client: TestClient) -> None:
    login(client, "ava")
    page = client.get("/desktop").text
    assert '<a class="skip" href="#main">' in page
    assert '<main id="main"' in page
