"""The word-valence lexicons of German, French, Portuguese and Spanish turns (issue 14)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from kairos.detection import valence, valence_build
from kairos.detection.detector import MomentDetector

AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def mot(text: str) -> float:
    return MomentDetector(semantic=None).update_text(text, occurred_at=AT).mot_score


@pytest.mark.parametrize(
    ("text", "lang", "word"),
    [
        ("Produto horrível, chegou ontem", "pt", "horrível"),
        ("produto ruim, chegou ontem", "pt", "ruim"),
        ("Der Service war schlecht und die Antwort eine Frechheit", "de", "schlecht"),
        ("Service lamentable, je suis très déçu", "fr", "déçu"),
        ("Estoy muy triste con el servicio", "es", "triste"),
    ],
)
def test_a_negative_turn_reads_negative_with_its_word(text: str, lang: str, word: str) -> None:
    v = valence.read(text, lang)
    assert v is not None and v.value > 0.3
    assert text[v.start : v.end].lower() == word.lower()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Ótimo produto, chegou antes do prazo, recomendo", "pt"),
        ("Alles gut, vielen Dank, sehr freundlich", "de"),
        ("Service excellent, conseiller formidable", "fr"),
    ],
)
def test_praise_reads_positive(text: str, lang: str) -> None:
    v = valence.read(text, lang)
    assert v is not None and v.value < 0


def test_a_negator_turns_a_word_around() -> None:
    bad = valence.read("Das Essen war schlecht", "de")
    assert bad is not None and bad.value > 0
    not_bad = valence.read("Das Essen war nicht schlecht", "de")
    assert not_bad is None or not_bad.value < 0


def test_german_umlauts_are_not_folded_away() -> None:
    # "schön" folded would read "schon" (already) as praise.
    assert valence.read("Der Zug ist schon wieder weg", "de") is None
    assert "schon" not in valence.table("de") and "schön" in valence.table("de")
    assert valence.table("de").get("schoen") == valence.table("de")["schön"]


def test_english_and_italian_read_no_table() -> None:
    assert valence.read("This is terrible", "en") is None
    assert valence.read("Servizio pessimo", "it") is None
    assert valence.read("Produto péssimo", None) is None


def test_a_complaint_without_cues_scores_above_praise_with_evidence() -> None:
    complaint = "O produto veio com defeito, péssima qualidade, muito decepcionado com a loja"
    praise = "O produto chegou rápido, excelente qualidade, muito satisfeito com a loja"
    a = MomentDetector(semantic=None).update_text(complaint, occurred_at=AT)
    assert a.mot_score > mot(praise)
    lexicon = [r for r in a.reasons if r.kind == "emotion" and r.label == "valence"]
    assert lexicon and lexicon[0].text and lexicon[0].text.lower() in complaint.lower()


def test_praise_never_outweighs_a_complaint_cue() -> None:
    # "inadmissible" is a French anger cue; the praise words around it must not calm it.
    text = "Votre conseillère était aimable mais ce retard est inadmissible"
    calm = "Votre conseillère était aimable et le service excellent"
    assert mot(text) > mot(calm)


def test_the_shipped_table_is_what_the_build_derives_from_the_packages() -> None:
    rows = valence_build.table()
    with gzip.open(valence.DEFAULT_PATH, "rt", encoding="utf-8") as f:
        shipped = [line.rstrip("\n").split("\t") for line in f]
    assert [(lang, w, f"{v:.2f}") for lang, w, v in rows] == [tuple(r) for r in shipped]
    assert {lang for lang, _, _ in rows} == {"de", "fr", "pt"}
