"""Deadline extraction: real customer phrasings resolved against a fixed event time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tests.detection.deadline_table import CASES as TABLE
from tests.detection.deadline_table import HELD_OUT_FIRST, LANGUAGES, ZONES, DeadlineCase
from tests.detection.deadline_table_more import HELD_OUT_MORE, MORE

from kairos.detection.deadlines import DeadlineMatch, earliest_deadline, find_deadlines
from kairos.detection.detector import MomentDetector
from kairos.events import Utterance

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
KOLKATA = ZoneInfo("Asia/Kolkata")

# Wednesday 18 November 2026, 10:00 UTC: mid-morning on a working day.
WED = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def _utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


CASES: list[tuple[str, datetime, str, datetime | None]] = [
    # The issue's own phrasings.
    (
        "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight",
        WED, "UTC", _utc(18, 19),
    ),
    ("I need my laptop unlocked in two hours, I have a client presentation", WED, "UTC",
     _utc(18, 12)),
    ("Please rebook me now, I need to get there before my 6:40 flight", WED, "UTC",
     _utc(18, 18, 40)),
    ("can someone call me back tomorrow morning about the claim", WED, "UTC", _utc(19, 9)),
    ("I need the wire to go through by end of day Friday or I lose the house", WED, "UTC",
     _utc(20, 17)),
    ("my card was stolen and I need it blocked right now", WED, "UTC", WED),
    # Durations ahead, in digits and in words.
    ("the taxi comes in 45 minutes and I still have no boarding pass", WED, "UTC",
     _utc(18, 10, 45)),
    ("can you get someone to call me within half an hour", WED, "UTC", _utc(18, 10, 30)),
    ("my connection leaves in an hour and a half", WED, "UTC", _utc(18, 11, 30)),
    ("boarding in 20 minutes and they still haven't fixed my seat", WED, "UTC",
     _utc(18, 10, 20)),
    # Clock times.
    ("I need the refund confirmed by noon", WED, "UTC", _utc(18, 12)),
    ("the payment has to clear by midnight", WED, "UTC", _utc(19, 0)),
    ("the deposit has to be in by 12 tonight or the booking lapses", WED, "UTC", _utc(19, 0)),
    ("I have an interview at 3pm and my train is cancelled", WED, "UTC", _utc(18, 15)),
    ("can you call me back at 15:30", WED, "UTC", _utc(18, 15, 30)),
    ("the claim form needs to be in by 5:30 pm today", WED, "UTC", _utc(18, 17, 30)),
    ("my flight leaves at 6:40 and the line hasn't moved", WED, "UTC", _utc(18, 18, 40)),
    ("my meeting starts at 2 and my laptop won't boot", WED, "UTC", _utc(18, 14)),
    # Parts of days and days.
    ("is my bag going to arrive this afternoon?", WED, "UTC", _utc(18, 14)),
    ("I need my password reset this evening before the client demo", WED, "UTC", _utc(18, 18)),
    ("I fly out tonight and my passport hasn't come back", WED, "UTC", _utc(18, 20)),
    ("can I get the replacement card tomorrow", WED, "UTC", _utc(19, 9)),
    ("my surgery is tomorrow at 9 and the pre-authorization still isn't approved", WED, "UTC",
     _utc(19, 9)),
    ("I need the policy documents by Monday", WED, "UTC", _utc(23, 9)),
    ("we're moving on Friday and the internet install keeps getting pushed", WED, "UTC",
     _utc(20, 9)),
    ("I'm travelling next Tuesday and still have no card", WED, "UTC", _utc(24, 9)),
    ("I need the new VPN token by the end of the week", WED, "UTC", _utc(20, 17)),
    ("need this sorted EOD please", WED, "UTC", _utc(18, 17)),
    ("COB is when the closing needs the funds", WED, "UTC", _utc(18, 17)),
    ("the mortgage payment must land by close of business", WED, "UTC", _utc(18, 17)),
    ("my rent is due by the 25th, please release the hold", WED, "UTC", _utc(25, 9)),
    ("I need the travel insurance letter by Dec 3", WED, "UTC", _utc(3, 9, month=12)),
    ("please refund me asap", WED, "UTC", WED),
    ("the wedding is on Saturday and you lost my suit", WED, "UTC", _utc(21, 9)),
    # Customer timezones.
    ("I need to be at the airport by 7 tonight", _utc(18, 22), "America/New_York",
     datetime(2026, 11, 18, 19, 0, tzinfo=NY)),
    ("the car hire desk closes at 11 and my train is late", datetime(2026, 7, 1, 8, tzinfo=UTC),
     "Europe/London", datetime(2026, 7, 1, 11, 0, tzinfo=LONDON)),
    ("please transfer the funds by EOD", WED, "Asia/Kolkata",
     datetime(2026, 11, 18, 17, 0, tzinfo=KOLKATA)),
    # Across the US spring-forward (8 March 2026): 22:30 EST on the 7th, flight 09:00 EDT.
    ("my flight is tomorrow at 9am and the app won't let me check in",
     datetime(2026, 3, 8, 3, 30, tzinfo=UTC), "America/New_York",
     datetime(2026, 3, 8, 9, 0, tzinfo=NY)),
    # An hour from 01:30 EST on the DST night is 03:30 EDT: durations are absolute.
    ("the locksmith said he'd be here in an hour", datetime(2026, 3, 8, 6, 30, tzinfo=UTC),
     "America/New_York", datetime(2026, 3, 8, 3, 30, tzinfo=NY)),
    # Midnight rollover.
    ("I need a callback in two hours", _utc(18, 23, 30), "UTC", _utc(19, 1, 30)),
    # Not deadlines: urgency words, past times, durations, numbers, frequencies.
    ("I need this fixed urgently", WED, "UTC", None),
    ("I've been waiting 2 hours on this line", WED, "UTC", None),
    ("I called 3 days ago and nobody got back to me", WED, "UTC", None),
    ("I've been on hold for 45 minutes", WED, "UTC", None),
    ("the charge happened at 3pm yesterday", WED, "UTC", None),
    ("I was charged twice last Friday", WED, "UTC", None),
    ("my account number is 7 4 3 2", WED, "UTC", None),
    ("flight 640 to Denver is showing delayed", WED, "UTC", None),
    ("order #1530 never arrived", WED, "UTC", None),
    ("I checked 2 bags and only one came out", WED, "UTC", None),
    ("the app on version 2.0 keeps crashing", WED, "UTC", None),
    ("I cancelled my 24 hour fitness membership but you still charge me", WED, "UTC", None),
    ("I've been a customer for 17 years and this is how you treat me", WED, "UTC", None),
    ("this is the 3rd time I call about the same claim", WED, "UTC", None),
    ("my card got declined twice in 2 hours", WED, "UTC", None),
    ("how many disposable cards can I make in a day?", WED, "UTC", None),
    # Anchored to a day that has already passed: dropped, not rolled forward.
    ("I have to be at my daughter's recital by 7 tonight", _utc(18, 21), "UTC", None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "now", "tz", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_earliest_deadline_resolves_customer_phrasings(
    text: str, now: datetime, tz: str, expected: datetime | None
) -> None:
    found = earliest_deadline(text, now, tz)
    if expected is None:
        assert found is None, f"unexpected deadline {found}"
        return
    assert found is not None
    assert found.at == expected
    # Expressed in the customer's timezone, not merely the same instant.
    assert found.at.utcoffset() == expected.astimezone(ZoneInfo(tz)).utcoffset()
    assert 0.0 < found.confidence <= 1.0


def test_table_is_large_and_varied() -> None:
    assert len(CASES) >= 40
    assert sum(1 for c in CASES if c[3] is None) >= 10
    assert sum(1 for c in CASES if c[2] != "UTC") >= 3


@pytest.mark.parametrize(
    ("text", "span", "kind"),
    [
        ("My flight got cancelled and I need to be home by 7 tonight!", "by 7 tonight", "clock"),
        ("I'll miss it, boarding in 20 minutes", "in 20 minutes", "relative"),
        ("it has to be done before my 6:40 flight.", "before my 6:40 flight", "event"),
        ("Can you call me Tomorrow Morning?", "Tomorrow Morning", "day"),
        ("send it by end of day Friday please", "by end of day Friday", "day"),
        ("I need a new card RIGHT NOW", "RIGHT NOW", "immediate"),
        ("my surgery is tomorrow at 9 and", "tomorrow at 9", "event"),
        ("I'm off to the airport, I need it done at 9 tomorrow.", "at 9 tomorrow", "clock"),
    ],
)
def test_spans_point_at_the_words(text: str, span: str, kind: str) -> None:
    found = find_deadlines(text, WED, "UTC")
    assert len(found) == 1
    match = found[0]
    assert match.text == span
    assert text[match.start : match.end] == span
    assert match.kind == kind


def test_earliest_of_several_deadlines_wins() -> None:
    text = "I need the form by Friday but really my flight leaves in 3 hours"
    found = find_deadlines(text, WED, "UTC")
    assert [d.text for d in found] == ["by Friday", "in 3 hours"]
    best = earliest_deadline(text, WED, "UTC")
    assert best is not None
    assert best.text == "in 3 hours"
    assert best.at == WED + timedelta(hours=3)


def test_bare_clock_time_past_rolls_to_next_occurrence_with_less_confidence() -> None:
    evening = _utc(18, 20)
    rolled = earliest_deadline("can you call me back at 7", evening, "UTC")
    fresh = earliest_deadline("can you call me back at 7", WED, "UTC")
    assert rolled is not None and fresh is not None
    assert rolled.at == _utc(19, 7)
    assert fresh.at == _utc(18, 19)
    assert rolled.confidence < fresh.confidence


def test_unknown_timezone_falls_back_to_utc() -> None:
    found = earliest_deadline("I need it by noon", WED, "Mars/Olympus_Mons")
    assert found is not None
    assert found.at == _utc(18, 12)
    assert found.at.utcoffset() == timedelta(0)


def test_tzinfo_object_is_accepted() -> None:
    found = earliest_deadline("I need it by noon", WED, KOLKATA)
    assert found is not None
    # 10:00 UTC is 15:30 in Kolkata: noon has gone, so "by noon" rolls to the next day.
    assert found.at == datetime(2026, 11, 19, 12, 0, tzinfo=KOLKATA)


def test_text_without_time_words_yields_nothing() -> None:
    assert find_deadlines("Your agent was rude and I want to speak to a manager", WED) == []
    assert find_deadlines("", WED) == []


def test_past_tense_day_mention_has_lower_confidence() -> None:
    told = find_deadlines("tonight I was reminded why I fly with you", WED, "UTC")
    awaited = find_deadlines("I need to fly home tonight", WED, "UTC")
    assert told and awaited
    assert told[0].confidence < awaited[0].confidence


def test_matches_are_immutable() -> None:
    found = find_deadlines("by noon", WED)
    assert isinstance(found[0], DeadlineMatch)
    with pytest.raises(AttributeError):
        found[0].confidence = 1.0  # type: ignore[misc]


_EN = TABLE


@pytest.mark.parametrize("case", _EN, ids=[f"{c.lang}:{c.text[:45]}" for c in _EN])
def test_phrasing_table(case: DeadlineCase) -> None:
    found = earliest_deadline(case.text, case.now, case.tz)
    if case.expected is None:
        assert found is None, f"unexpected deadline {found}"
        return
    assert found is not None, "no deadline found"
    assert found.at == case.expected
    assert found.at.utcoffset() == case.expected.utcoffset()
    assert case.text[found.start : found.end] == found.text


def test_phrasing_table_covers_every_language() -> None:
    assert len(TABLE) >= 320
    for lang in LANGUAGES[1:]:  # the common phrasings added per language: 15 or more each
        assert sum(c.lang == lang for c in MORE) >= 15, lang
    for lang in LANGUAGES:
        rows = [c for c in TABLE if c.lang == lang]
        assert len(rows) >= 20, lang
        assert sum(c.expected is None for c in rows) >= 5, lang


def test_language_hint_limits_the_patterns() -> None:
    madrid = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    said = "necesito el reembolso antes de las 7 de la tarde"
    assert earliest_deadline(said, madrid, "Europe/Madrid", "en") is None
    for hint in ("es", "es-MX", None):
        found = earliest_deadline(said, madrid, "Europe/Madrid", hint)
        assert found is not None and found.at.hour == 19, hint
    # A hinted language still reads English: customers mix them.
    found = earliest_deadline("I need it by 7pm, por favor", madrid, "Europe/Madrid", "es")
    assert found is not None and found.at.hour == 19


def _right(case: DeadlineCase) -> bool:
    found = earliest_deadline(case.text, case.now, case.tz)
    if case.expected is None or found is None:
        return case.expected is None and found is None
    if case.day_only:
        return found.at.date() == case.expected.date()
    return found.at == case.expected


def test_held_out_rows_keep_their_first_score() -> None:
    # Written after the finder and run once: 61 of 68 right (docs/deadlines.md lists the misses);
    # 62 since Italian "tra un'ora", one of the misses, was fixed after being seen. The 35 rows
    # added with the per-language development rows were committed before those fixes and first
    # run after them: 32 of 35. A guard against regressions, not a target to tune to.
    assert len(HELD_OUT_FIRST) == 68
    assert sum(_right(c) for c in HELD_OUT_FIRST) >= 62
    assert len(HELD_OUT_MORE) == 35
    assert sum(_right(c) for c in HELD_OUT_MORE) >= 32


@pytest.mark.parametrize(
    ("lang", "said", "local"),
    [
        ("es", "¡Me han cancelado el vuelo y tengo que estar en Sevilla antes de las 7 de la "
               "tarde para la boda de mi hermana!", (19, 0)),
        ("de", "Mein Flug wurde gestrichen und ich muss bis heute Abend um 19 Uhr in München "
               "sein, die Hochzeit meiner Schwester!", (19, 0)),
        ("fr", "Mon vol est annulé et je dois être à Lyon avant 19h pour le mariage de ma soeur, "
               "c'est inadmissible !", (19, 0)),
        ("pt", "Cancelaram meu voo e eu preciso estar em Recife até às 19h para o casamento da "
               "minha irmã!", (19, 0)),
        ("it", "Mi avete cancellato il volo e devo essere a Milano entro le 19 per il matrimonio "
               "di mia sorella!", (19, 0)),
    ],
)  # fmt: skip
def test_an_angry_customer_in_each_language_gets_the_deadline(
    lang: str, said: str, local: tuple[int, int]
) -> None:

    zone = ZoneInfo(ZONES[lang])
    detector = MomentDetector(timezone=zone, timezone_source="a test", model=None)
    at = datetime(2026, 11, 18, 10, 0, tzinfo=zone)
    scores = detector.update(
        Utterance(event_id="e1", interaction_id="i1", occurred_at=at, speaker="customer", text=said)
    )
    assert scores.deadline == datetime(2026, 11, 18, *local, tzinfo=zone)
    [cue] = [r for r in scores.reasons if r.label == "deadline"]
    assert cue.start is not None and cue.end is not None
    assert ZONES[lang] in (cue.text or "") and "a test" in (cue.text or "")
    assert cue.feature is not None and cue.feature.startswith("deadline:")


def test_a_language_without_patterns_tries_them_all() -> None:
    # A Spanish customer whose first turns were voted Catalan still has Spanish deadlines read.
    madrid = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    found = earliest_deadline("necesito el coche mañana a las 9", madrid, "Europe/Madrid", "ca")
    assert found is not None and found.at == datetime(2026, 11, 19, 9, 0, tzinfo=madrid.tzinfo)


# The same duration said in each language: English and the others share one builder, so one
# bound (two weeks ahead at the most) and one confidence.
_DURATIONS = {
    "en": "I need the part in {n} hours",
    "es": "necesito la pieza en {n} horas",
    "de": "ich brauche das Teil in {n} Stunden",
    "fr": "il me faut la pièce dans {n} heures",
    "pt": "preciso da peça daqui a {n} horas",
    "it": "mi serve il pezzo tra {n} ore",
}


@pytest.mark.parametrize("lang", sorted(_DURATIONS))
def test_a_duration_ahead_is_bounded_alike_in_every_language(lang: str) -> None:
    madrid = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    two_weeks = _DURATIONS[lang].format(n=14 * 24)
    [found] = find_deadlines(two_weeks, madrid, "Europe/Madrid", lang)
    assert (found.kind, found.at, found.confidence) == (
        "relative",
        madrid + timedelta(days=14),
        0.8,
    )
    # The span runs from the preposition to the unit, the end of the sentence.
    assert found.text == two_weeks[found.start :] and found.text.startswith(
        ("in", "en", "dans", "daqui", "tra")
    )
    assert (
        find_deadlines(_DURATIONS[lang].format(n=14 * 24 + 1), madrid, "Europe/Madrid", lang) == []
    )


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "call me back in an hour"),
        ("es", "llámeme en una hora"),
        ("de", "rufen Sie mich in einer Stunde zurück"),
        ("fr", "rappelez-moi dans une heure"),
        ("pt", "me liga daqui a uma hora"),
    ],
)
def test_an_hour_ahead_in_the_hour_the_clock_goes_back(lang: str, said: str) -> None:
    # Madrid, 25 October 2026, 02:30 summer time: an hour on is 02:30 again, winter time.
    now = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    [found] = find_deadlines(said, now, "Europe/Madrid", lang)
    # (compared in UTC: a time in the repeated hour never equals one of another zone, PEP 495)
    assert found.at.astimezone(UTC) == now + timedelta(hours=1)
    assert found.at.utcoffset() == timedelta(hours=1)
