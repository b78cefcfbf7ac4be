"""The lexical tier in Spanish, German, French, Portuguese and Italian, and language detection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kairos.assist.coaching import coach
from kairos.detection import cues
from kairos.detection.detector import MomentDetector
from kairos.detection.language import LANGUAGES, LanguageVote, detect_language

AT = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)  # a Thursday noon

# An angry customer in each language, with the cue families each message must show as evidence.
ANGRY: dict[str, tuple[str, set[str]]] = {
    "es": (
        "Es la tercera vez que llamo y nadie me ayuda. Mi vuelo fue cancelado y estoy furioso, "
        "es inaceptable. Si no lo solucionan hoy me doy de baja.",
        {"emotion", "stakes", "complexity", "churn"},
    ),
    "de": (
        "Zum dritten Mal rufe ich an! Mein Zug ist ausgefallen, ich habe meinen Anschluss "
        "verpasst und bin wütend. Das ist eine Frechheit, ich kündige.",
        {"emotion", "stakes", "complexity", "churn"},
    ),
    "fr": (
        "C'est la troisième fois que j'appelle ! Mon vol a été annulé, je suis furieux, c'est "
        "inadmissible. Je vais résilier mon abonnement.",
        {"emotion", "stakes", "complexity", "churn"},
    ),
    "pt": (
        "É a terceira vez que ligo! Paguei e não recebi o produto, estou revoltado, um absurdo. "
        "Vou cancelar e reclamar no Procon.",
        {"emotion", "stakes", "complexity", "churn"},
    ),
    "it": (
        "È la terza volta che chiamo! Il mio volo è stato cancellato, sono furioso, è "
        "inaccettabile. Disdico il contratto.",
        {"emotion", "stakes", "complexity", "churn"},
    ),
}

ROUTINE: dict[str, str] = {
    "es": "Hola, ¿cuál es el horario de atención al cliente?",
    "de": "Guten Tag, wie kann ich meine Adresse im Kundenkonto ändern?",
    "fr": "Bonjour, pourriez-vous m'envoyer une copie de ma facture ?",
    "pt": "Olá, gostaria de saber como atualizar o meu endereço de cobrança.",
    "it": "Buongiorno, vorrei sapere come cambiare l'indirizzo di fatturazione.",
}

# What an agent must not say, in each language, and one word the suggestion uses in it.
AGENT_BLAME: dict[str, tuple[str, str]] = {
    "es": ("Lo siento, pero es su culpa, tendría que haber leído las condiciones.", "Siento"),
    "de": ("Das ist Ihre Schuld, da kann ich leider nichts machen.", "leid"),
    "fr": ("C'est votre faute, vous auriez dû lire les conditions.", "désolé"),
    "pt": ("A culpa é sua, não podemos fazer nada.", "Sinto"),
    "it": ("È colpa sua, non possiamo fare niente.", "dispiace"),
}


@pytest.mark.parametrize("lang", sorted(ANGRY))
def test_an_angry_customer_scores_high_with_evidence(lang: str) -> None:
    text, families = ANGRY[lang]
    d = MomentDetector()
    a = d.update_text(text, occurred_at=AT)
    assert a.language == lang == d.language
    assert a.mot_score >= 0.8
    assert a.emotion >= 0.6 and a.churn_risk >= 0.5
    assert a.stakes
    evidence = {r.kind for r in a.reasons if r.text and r.start is not None}
    assert families <= evidence
    # Each span is the customer's own words, accents and capitals as typed.
    for r in a.reasons:
        if r.text and r.start is not None and r.end is not None:
            assert text[r.start : r.end] == r.text


@pytest.mark.parametrize("lang", sorted(ROUTINE))
def test_a_routine_question_stays_low(lang: str) -> None:
    a = MomentDetector().update_text(ROUTINE[lang], occurred_at=AT)
    assert a.language == lang
    assert a.mot_score < 0.3
    assert not a.stakes


@pytest.mark.parametrize("lang", sorted(AGENT_BLAME))
def test_agent_blame_gets_a_nudge_in_the_agents_language(lang: str) -> None:
    text, word = AGENT_BLAME[lang]
    nudges = coach(text)
    assert nudges and nudges[0].kind == "blame"
    assert text[nudges[0].start : nudges[0].end] == nudges[0].span
    assert word in nudges[0].suggestion
    # The interaction's language can be passed instead of detected.
    assert [n.rule for n in coach(text, language=lang)] == [n.rule for n in nudges]


@pytest.mark.parametrize("lang", sorted(AGENT_BLAME))
def test_agent_blame_moves_the_stance_in_each_language(lang: str) -> None:
    d = MomentDetector(model=None)
    d.update_text(ANGRY[lang][0], occurred_at=AT)
    before = d.assessment.emotion
    a = d.update_text(AGENT_BLAME[lang][0], speaker="agent", occurred_at=AT)
    assert any(r.kind == "agent" and r.label == "blame" for r in a.reasons)
    assert a.emotion >= before


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("No es urgente", "es"),
        ("Es ist nicht dringend", "de"),
        ("Ce n'est pas urgent", "fr"),
        ("Não é urgente", "pt"),
        ("Non è urgente", "it"),
    ],
)
def test_negation_in_each_language_switches_a_cue_off(text: str, lang: str) -> None:
    hits = cues.scan(text, cues.customer_families(lang))
    assert not [h for h in hits if h.family == "urgency" and h.weight > 0]
    assert any(h.labels == ("calm",) for h in hits)


def test_a_word_two_languages_share_is_one_cue() -> None:
    hits = cues.scan("Estoy en el hospital", cues.customer_families("es"))
    assert [(h.family, h.labels) for h in hits] == [("stakes", ("health",))]


def test_english_stays_on_for_other_languages() -> None:
    hits = cues.scan("Quiero un refund, es urgente", cues.customer_families("es"))
    assert {h.text for h in hits} >= {"refund", "urgente"}


def _reference_scan(text: str, families: tuple[cues.CompiledFamily, ...]) -> list[cues.Hit]:
    """Every family's pattern run over the whole text: what the trigger index must reproduce."""
    low = cues.fold(text)
    out: list[cues.Hit] = []
    for fam in families:
        for m in fam.pattern.finditer(low):
            assert m.lastgroup is not None
            labels, weight = fam.entries[m.lastgroup]
            start, end = m.span()
            neg = fam.negation
            if neg is not None and weight > 0 and neg.search(low, max(0, start - 30), start):
                continue
            out.append(cues.Hit(fam.name, labels, weight, start, end, text[start:end]))
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_trigger_index_finds_what_a_full_scan_finds(lang: str) -> None:
    texts = [t for t, _ in ANGRY.values()] + list(ROUTINE.values())
    texts += [t for t, _ in AGENT_BLAME.values()]
    texts += [
        "My flight got cancelled, I'm furious and I want to cancel my account NOW!!",
        "I've called three times, this is the third time my order is lost",
        "great, another two hours on hold, just what I needed",
        "not urgent, whenever you can",
        "I don't recognise this transaction, someone has used my card",
    ]
    families = cues.BY_LANGUAGE[lang]
    for text in texts:
        assert cues.scan(text, families) == _reference_scan(text, families), text
    agent = (cues.AGENT_BY_LANGUAGE[lang],)
    for text in texts:
        assert cues.scan(text, agent) == _reference_scan(text, agent), text


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Mi vuelo fue cancelado y nadie me ayuda", "es"),
        ("Mein Zug ist ausgefallen, bitte helfen Sie", "de"),
        ("Mon colis n'est jamais arrivé", "fr"),
        ("Não recebi o meu pedido até hoje", "pt"),
        ("Il pacco non è ancora arrivato", "it"),
        ("My parcel never arrived and nobody answers", "en"),
    ],
)
def test_detect_language_on_short_texts(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_too_short_to_tell() -> None:
    assert detect_language("ok") is None
    assert detect_language("Gracias!") is None


def test_the_interaction_language_is_the_majority_of_the_first_turns() -> None:
    v = LanguageVote()
    assert v.add("ok") is None
    assert v.add("Hola, mi tarjeta no funciona en el cajero") == "es"
    v.add("I mean my card")  # one English turn does not flip it
    assert v.add("No puedo sacar dinero y lo necesito hoy") == "es"
    assert v.settled
    assert v.add("thanks, bye, see you later") == "es"  # settled: no more detection
