"""Contact drivers: discovered from customers' first words in every channel, named by their
phrase, with volume, share of moments of truth and trend; served by the API and in the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from kairos.outcomes.drivers import Driver, find_drivers, phrase_of, stored_drivers
from kairos.runtime import Runtime

STOLEN = [
    "My wallet was stolen on the train and my bank card with it, please block it now",
    "Someone stole my bank card and is spending money, block it",
    "My bank card was stolen at the airport, I am stuck abroad",
    "bank card stolen, there are payments I did not make",
]
INVOICE = [
    "Could you send a copy of last month's invoice for my expenses?",
    "I need a copy of the invoice from last month",
    "Where can I download last month's invoice?",
    "Please email me the invoice copy for October",
]


def test_drivers_are_named_by_their_phrase_and_count_moments_and_trend() -> None:
    texts = STOLEN + INVOICE
    moments = [True] * 4 + [False] * 4
    days = [0, 0, 1, 1, 0, 0, 0, 1]
    found = find_drivers(texts, moments, days, days=2, k=2)
    by_name = {d.name: d for d in found}
    assert set(by_name) == {"bank card", "last month's invoice"}
    assert by_name["bank card"].volume == 4 and by_name["bank card"].mot_share == 1.0
    assert by_name["last month's invoice"].moments == 0
    assert by_name["last month's invoice"].per_day == [3, 1]
    assert by_name["last month's invoice"].trend == "unknown"  # two days are no trend
    assert Driver("x", [], 8, 0, [3, 3, 1, 1]).trend == "falling"
    assert Driver("x", [], 4, 0, [1, 1, 1, 1]).trend == "steady"
    assert phrase_of(["one thing", "another matter"]) is None  # no phrase shared: no name


def test_a_driver_is_named_by_the_reason_most_of_its_contacts_were_given() -> None:
    # A reason the platform gave names the driver where half its contacts share it; groups that
    # come out with one name are one driver; a mixed group keeps its phrase.
    texts = STOLEN + INVOICE
    reasons = ["lost_or_stolen_card", "Lost or stolen card", None, "lost or stolen card",
               "billing", None, None, "statement copy"]  # fmt: skip
    found = find_drivers(texts, [False] * 8, [0] * 8, days=1, k=3, reasons=reasons)
    names = [d.name for d in found]
    assert names[0] == "lost or stolen card" and found[0].volume == 4
    assert "last month's invoice" in names and len(names) == len(set(names))
    assert sum(d.volume for d in found) == 8


def test_no_trend_is_claimed_on_a_young_database(client: TestClient, runtime: Runtime) -> None:
    """Two days of history in a seven-day window read as a rise for every driver ("RISING" on
    the wallboard): the days before the first contact are no history."""
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    at = [now - timedelta(days=n % 2, minutes=n) for n in range(8)]
    events = [e for n in range(8) for e in _contact(n, "chat", INVOICE[n % 4], at[n])]
    assert client.post("/v1/events", json=events).status_code == 200
    with runtime.db.session() as session:
        found = stored_drivers(session=session, since=now - timedelta(days=6),
                               until=now + timedelta(hours=1))  # fmt: skip
    assert found and {(d.trend, d.trend_days) for d in found} == {("unknown", 2)}


def test_a_driver_is_named_as_its_customers_said_it() -> None:
    # Words are joined across at most two stop words and never across punctuation or a number,
    # and the name is the phrase as most of them said it (not "update postal", "payment comes").
    assert phrase_of(["Please update my postal address", "update my postal code now"]) == (
        "update my postal"
    )
    assert phrase_of(["My card. Payment failed", "card, payment is pending"]) is None
    assert phrase_of(["How do I top-up my card?", "top-up my card please"]) == "top-up my card"
    assert phrase_of(["não recebi o cartão", "ainda não recebi nada"]) == "não recebi"
    # A phrase most of its texts go on with (or lead into) is named whole, not cut in half.
    postal = ["Please update my postal address", "update my postal address now",
              "can you update my postal address?"]  # fmt: skip
    assert phrase_of(postal) == "update my postal address"
    assert phrase_of(["my boarding pass won't load", "the boarding pass won't load again"]) == (
        "boarding pass won't load"
    )


def _contact(n: int, channel: str, text: str, at: datetime) -> list[dict[str, Any]]:
    iid = f"drv-{n}"
    return [
        {"type": "interaction.started", "event_id": f"{iid}-s", "interaction_id": iid,
         "occurred_at": at.isoformat(), "channel": channel},
        {"type": "utterance", "event_id": f"{iid}-u", "interaction_id": iid,
         "occurred_at": (at + timedelta(seconds=5)).isoformat(), "speaker": "customer",
         "text": text},
    ]  # fmt: skip


def test_the_api_finds_the_drivers_of_every_channel(client: TestClient) -> None:
    now = datetime.now(UTC) - timedelta(minutes=30)
    channels = ["chat", "email", "sms", "social", "call"]
    events = [
        e
        for n, text in enumerate(STOLEN + INVOICE)
        for e in _contact(n, channels[n % 5], text, now - timedelta(minutes=n))
    ]
    assert client.post("/v1/events", json=events).status_code == 200
    response = client.get("/v1/outcomes/drivers?days=7")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["contacts"] == 8 and len(body["items"]) >= 2
    names = {d["name"] for d in body["items"]}
    assert "bank card" in names or "card stolen" in names
    for driver in body["items"]:
        assert len(driver["per_day"]) == 7 and sum(driver["per_day"]) == driver["volume"]
        assert driver["trend"] == "unknown"  # one day of history: no trend claimed
    assert client.get("/v1/outcomes/drivers?days=0").status_code == 422


def test_a_capped_read_takes_the_newest_contacts_and_their_full_days(
    client: TestClient, runtime: Runtime
) -> None:
    """The wallboard reads at most 1,500 contacts of its seven days: it read the oldest, so on a
    busy floor today's drivers never showed, and every driver read "RISING" or "FALLING" from
    days half read."""
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    old = [(n, INVOICE[n % 4], now - timedelta(days=4, minutes=n)) for n in range(8)]
    new = [(n + 8, STOLEN[n % 4], now - timedelta(days=d, minutes=n))
           for n, d in enumerate([3, 3, 2, 2, 1, 1, 0, 0])]  # fmt: skip
    events = [e for n, text, at in old + new for e in _contact(n, "chat", text, at)]
    assert client.post("/v1/events", json=events).status_code == 200
    with runtime.db.session() as session:
        found = stored_drivers(
            session=session, since=now - timedelta(days=6), until=now + timedelta(hours=1),
            most=9,
        )  # fmt: skip
    # The 9 newest: the 8 card thefts of the last four days and one invoice of day -4. The days
    # count from that day (not the empty ones before it), and the trends leave it out: read in
    # part, it would read as a rise.
    assert sum(d.volume for d in found) == 9
    for driver in found:
        assert sum(driver.per_day) == driver.volume and len(driver.per_day) == 5
    assert [sum(day) for day in zip(*(d.per_day for d in found), strict=True)] == [1, 2, 2, 2, 2]
    assert {d.trend_from for d in found} == {1}
    assert Driver("x", [], 9, 0, [1, 2, 2, 2, 2], trend_from=1).trend == "steady"
    assert Driver("x", [], 9, 0, [1, 2, 2, 2, 2]).trend == "rising"  # the part read, as a day
