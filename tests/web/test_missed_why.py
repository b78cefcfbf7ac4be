"""Each moment on the missed page says each of its reasons once, in order: what was missed about
the moment, how it ended, what the agent said. Until 2026-12-07 an agent who deflected twice in a
sentence read "deflection: deflect, deflection: deflect" on the turn, and the behaviours line
tagged DEFLECTION four times and EMPATHY twice for one contact."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from tests.factories import ended, started, utterance
from tests.outcomes.conftest import post_events, recent
from tests.web.floor import login

SAID = [
    ("customer", "My flight was cancelled and my daughter's recital is at 7 tonight, I am "
                 "desperate, please help me"),
    ("agent", "I'm sorry. Can you give me your booking reference?"),
    ("customer", "It's ABC123. The flight was cancelled, I am desperate, I'll miss the recital"),
    ("agent", "I'm sorry, that's not my department, you'll have to call the airline."),
    ("customer", "My flight was cancelled and I am desperate. This is useless."),
    ("agent", "That's not my department, you'll need to contact the airline. Anything else?"),
    ("customer", "This is useless. I'm done with you."),
]  # fmt: skip


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_each_reason_and_tag_of_a_missed_moment_shows_once_in_order(client: TestClient) -> None:
    events = [started("rep-1", channel="chat", queue="travel", reason="flight cancelled")]
    events += [utterance("rep-1", text, speaker=who, seconds=20 * n)
               for n, (who, text) in enumerate(SAID, start=1)]  # fmt: skip
    post_events(client, recent([*events, {**ended("rep-1"), "outcome": {"resolved": False}}]))
    review = client.get("/v1/interactions/rep-1/review").json()
    assert review["status"] == "missed", review
    assert [b["kind"] for b in review["behaviours"]].count("deflection") == 4
    login(client, "sue")
    page = client.get("/wallboard/missed?days=7").text
    behaviours = _text(re.search(r"Agent behaviours: (.*?)</p>", page, re.S)[1])
    # Each kind once, with how often and each distinct phrase once.
    assert behaviours.count("DEFLECTION") == 1 and behaviours.count("EMPATHY") == 1, behaviours
    assert "DEFLECTION ×4" in behaviours and "EMPATHY ×2 “I'm sorry”;" in behaviours, behaviours
    assert behaviours.lower().count("that's not my department") == 1, behaviours
    turn_marks = r'</strong>[^<]*<span class="small"[^>]*>(.*?)</span>'
    marks = [_text(m).lstrip("— ").split(", ") for m in re.findall(turn_marks, page, re.S)]
    assert marks and all(len(turn) == len(set(turn)) for turn in marks), marks
    assert ["deflection: deflect"] in marks and ["empathy"] in marks, marks  # not twice each
    listed = re.search(r"</form>\s*<ul[^>]*>(.*?)</ul>", page, re.S)
    assert listed is not None
    why = [_text(li) for li in re.findall(r"<li>(.*?)</li>", listed[1])]
    assert len(why) == len(set(why)), why
    # What was missed about the moment, then how it ended, then the agent's words.
    starts = ("handled as routine", "not resolved", "agent: deflection ×4")
    order = [next(i for i, w in enumerate(why) if w.startswith(start)) for start in starts]
    assert order == sorted(order), why
