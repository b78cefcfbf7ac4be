"""Coaching skips the language detection when no language's own rule can match the words, and
remembers each text: the nudges are those of reading every text and detecting its language."""

from __future__ import annotations

import pytest

from kairos.assist.coaching import coach
from kairos.assist.coaching_local import _LOCAL_RULES
from kairos.detection.language import detect_language
from kairos.replay import read_threads, threads_path

# Each language's own phrases in a sentence of that language (the detector must call it that
# language for its rules to run), and English words around a foreign phrase.
LOCAL_SENTENCES = [
    "Lo siento, pero no podemos hacer nada más con su reserva, es su culpa.",
    "Usted tendría que haber leído las condiciones, tiene que llamar a la aerolínea.",
    "Das ist Ihre Schuld, da kann ich leider nichts machen, bleiben Sie ruhig.",
    "Ce n'est pas notre faute, vous devez appeler le service client demain.",
    "Não podemos fazer nada, a culpa é sua, vou encerrar o chamado agora.",
    "Non possiamo fare niente, è colpa sua, deve chiamare il servizio clienti.",
    "I told you, es su culpa, and there is nothing more we can do today.",
]


def _always_detected(text: str) -> list[object]:
    """The nudges as before: the language detected on every turn."""
    return list(coach(text, language=detect_language(text) if text else None))


@pytest.mark.parametrize("text", LOCAL_SENTENCES)
def test_foreign_phrases_still_get_their_language(text: str) -> None:
    assert coach(text) == _always_detected(text)


def test_the_languages_own_rules_still_fire() -> None:
    local = {lang: {rule[3] for rule in rules} for lang, rules in _LOCAL_RULES.items()}
    fired = {
        lang
        for text in LOCAL_SENTENCES
        if (lang := detect_language(text)) in local
        and any(n.suggestion in local[lang] for n in coach(text))
    }
    assert len(fired) >= 4, fired


def test_the_shortcut_changes_nothing_on_real_agent_turns() -> None:
    path = threads_path()
    if path is None:
        pytest.skip("the shared airline threads are absent (KAIROS_DATA_DIR)")
    turns = [
        u.text
        for thread in read_threads(path, limit=2000)
        for u in thread.turns
        if u.speaker == "agent"
    ]
    assert len(turns) > 1000
    for text in turns:
        assert coach(text) == _always_detected(text), text


def test_a_remembered_text_gives_the_same_nudges_in_a_list_of_its_own() -> None:
    text = "That's your fault, I'm afraid, and I'll close the ticket now."
    first = coach(text)
    assert len(first) == 2
    first.clear()  # a caller's list is its own
    again = coach(text)
    assert [n.rule for n in again] == [n.rule for n in coach(text + " ")]
    assert len(again) == 2 and again[0] is coach(text)[0]  # the frozen nudges are shared
