"""Contact drivers: discovered from customers' first words in every channel, named by their
phrase, with volume, share of moments of truth and trend; served by the API and in the report."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from tests.clock import clear_of_midnight

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
    noon = datetime(2026, 11, 6, 12, tzinfo=UTC)  # contacts on the 5th and the 6th, at noon
    at = [noon - timedelta(days=n % 2, minutes=n) for n in range(8)]
    events = [e for n in range(8) for e in _contact(n, "chat", INVOICE[n % 4], at[n])]
    assert client.post("/v1/events", json=events).status_code == 200
    until = datetime(2026, 11, 7, tzinfo=UTC)  # the six whole days to the 6th, read on the 7th
    with runtime.db.session() as session:
        found = stored_drivers(session=session, since=until - timedelta(days=6), until=until,
                               now=until + timedelta(minutes=30))  # fmt: skip
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


def test_the_api_finds_the_drivers_of_every_channel_and_their_trends(client: TestClient) -> None:
    """The API reads the last seven days to the clock's today (UTC here, no centre's zone set):
    the contacts are placed on whole days before it, so the trends it reads are the ones meant,
    at any hour. (Posted "30 minutes ago", they fell on today or, after midnight, yesterday, and
    either way read as no trend.)"""
    clear_of_midnight(60)  # today stays today from posting to reading
    today = datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
    channels = ["chat", "email", "sms", "social", "call"]
    # Card thefts on days -4, -2, -1, -1 (a rise); invoices on -4, -4, -3, -1 (a fall).
    days_back = [4, 2, 1, 1, 4, 4, 3, 1]
    events = [
        e
        for n, text in enumerate(STOLEN + INVOICE)
        for e in _contact(n, channels[n % 5], text, today - timedelta(days=days_back[n], hours=-n))
    ]
    assert client.post("/v1/events", json=events).status_code == 200
    response = client.get("/v1/outcomes/drivers?days=7")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["since"] == (today - timedelta(days=6)).isoformat().replace("+00:00", "Z")
    assert body["contacts"] == 8
    by_name = {d["name"]: d for d in body["items"]}
    assert {"bank card", "last month's invoice"} <= set(by_name), by_name
    card, invoice = by_name["bank card"], by_name["last month's invoice"]
    assert card["per_day"] == [0, 0, 1, 0, 1, 2, 0] and card["trend"] == "rising"
    assert invoice["per_day"] == [0, 0, 2, 1, 0, 1, 0] and invoice["trend"] == "falling"
    for driver in body["items"]:
        assert len(driver["per_day"]) == 7 and sum(driver["per_day"]) == driver["volume"]
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


def _days_of(client: TestClient, per_day: list[int], first: datetime, hour: int = 12) -> None:
    """``per_day[i]`` invoice contacts on the ``i``-th day from ``first`` (at ``hour`` UTC)."""
    at = [first + timedelta(days=i, hours=hour, minutes=n)
          for i, count in enumerate(per_day) for n in range(count)]  # fmt: skip
    events = [e for n, t in enumerate(at)
              for e in _contact(int(t.timestamp()) // 60, "chat", INVOICE[n % 4], t)]  # fmt: skip
    assert client.post("/v1/events", json=events).status_code == 200


def _totals(found: list[Driver]) -> Driver:
    """All the drivers as one (the grouping may split a driver's texts), its trend read as
    theirs is."""
    assert found and len({(d.trend_from, d.trend_until) for d in found}) == 1
    per_day = [sum(day) for day in zip(*(d.per_day for d in found), strict=True)]
    return Driver("all", [], sum(per_day), 0, per_day, trend_from=found[0].trend_from,
                  trend_until=found[0].trend_until)  # fmt: skip


def test_the_trend_leaves_out_todays_unfinished_day(client: TestClient, runtime: Runtime) -> None:
    """At half past midnight today has barely begun: counted as a whole day, it read every
    steady driver as "FALLING" (on the wallboard, the API and the report)."""
    first = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday; today is Friday the 6th
    _days_of(client, [2, 2, 2, 2], first)
    today, now = first + timedelta(days=4), first + timedelta(days=4, minutes=30)
    with runtime.db.session() as session:
        found = stored_drivers(session=session, since=first, until=today + timedelta(days=1),
                               now=now)  # fmt: skip
    total = _totals(found)
    assert total.per_day == [2, 2, 2, 2, 0] and total.volume == 8  # today still shows
    assert (total.trend, total.trend_days) == ("steady", 4)
    # A day later, Friday is whole and read: a real fall over whole days still reads as one.
    with runtime.db.session() as session:
        found = stored_drivers(session=session, since=first, until=today + timedelta(days=1),
                               now=now + timedelta(days=1))  # fmt: skip
    assert (_totals(found).trend, _totals(found).trend_days) == ("falling", 5)


def test_a_rise_over_whole_days_still_reads_as_one(client: TestClient, runtime: Runtime) -> None:
    first = datetime(2026, 11, 2, tzinfo=UTC)
    _days_of(client, [1, 1, 3, 3, 1], first, hour=0)  # today's one contact at 00:00-00:01
    now = first + timedelta(days=4, minutes=30)
    with runtime.db.session() as session:
        found = stored_drivers(session=session, since=first, until=now, now=now)
    total = _totals(found)
    assert total.per_day == [1, 1, 3, 3, 1]
    assert (total.trend, total.trend_days) == ("rising", 4)


def test_a_rolling_week_leaves_out_its_part_read_first_day(
    client: TestClient, runtime: Runtime
) -> None:
    """The wallboard reads the seven days to the minute before ``now``: late in the evening its
    first day holds only the last hours of a day, and with today left out it read as a rise."""
    first = datetime(2026, 11, 3, tzinfo=UTC)
    _days_of(client, [1], first, hour=23)  # 23:00 to 23:01: the part of the day read
    _days_of(client, [4] * 7, first + timedelta(days=1))
    now = first + timedelta(days=7, hours=23)
    with runtime.db.session() as session:
        found = stored_drivers(session=session, since=now - timedelta(days=7), until=now, now=now)
    total = _totals(found)
    assert total.per_day == [1, 4, 4, 4, 4, 4, 4, 4]
    assert (total.trend, total.trend_days) == ("steady", 6)
