"""The label mapping and the frozen splits of the shared data sets."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kairos.detection import datasets


@pytest.fixture(scope="module")
def root() -> Path:
    found = datasets.data_dir()
    if found is None:
        pytest.skip("the shared data directory is not there (set KAIROS_DATA_DIR)")
    return found


def test_stable_bucket_is_fixed() -> None:
    # sha1-based, so the same on every run and machine (unlike hash()).
    assert datasets.stable_bucket("abc") == datasets.stable_bucket("abc")
    assert 0 <= datasets.stable_bucket("anything") < 1000
    buckets = Counter(datasets.hashed_split(str(i), has_test=False) for i in range(10_000))
    assert 800 < buckets["dev"] < 1200 and 800 < buckets["test"] < 1200


def test_hashed_split_never_test_when_set_has_one() -> None:
    assert all(datasets.hashed_split(str(i), has_test=True) != "test" for i in range(2000))


def test_missing_root_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        datasets.load("goemotions", root=tmp_path / "nowhere")


@pytest.mark.slow
def test_split_sizes_are_frozen(root: Path) -> None:
    sizes = {
        n: Counter(e.split for e in datasets.load(n, root=root, cap=None))
        for n in datasets.LABELED_SETS
    }
    assert sizes["goemotions"] == {"train": 43410, "dev": 5426, "test": 5427}
    assert sizes["banking77"]["test"] == 3080
    assert sizes["banking77"]["train"] + sizes["banking77"]["dev"] == 10003
    assert sizes["dreaddit"]["test"] == 715
    assert sum(sizes["offensive"].values()) == 24783
    assert sizes["banking77"] == {"train": 8984, "dev": 1019, "test": 3080}
    assert sizes["tweeteval"] == {"train": 3257, "dev": 374, "test": 1421}
    assert sizes["dailydialog"] == {"train": 87170, "dev": 8069, "test": 7740}
    assert sizes["germeval2017"]["test"] == 2095  # test_syn, relevant posts only
    assert sizes["b2w_reviews"]["test"] == 2000  # ratings 3 dropped
    assert sizes["emoevent_es"]["train"] == 5723
    capped = Counter(e.split for e in datasets.load("goemotions", root=root))
    assert capped == {"train": datasets.SOURCE_CAP, "dev": 5426, "test": 5427}


def test_airline_weak_label() -> None:
    assert datasets.airline_weak_label("so sorry to hear that. please dm your confirmation") == 1
    assert datasets.airline_weak_label("we'd like to help, please send us a dm") == 1
    assert datasets.airline_weak_label("glad to hear it! enjoy your flight") == 0
    assert datasets.airline_weak_label("the flight departs at 5 pm") is None


@pytest.mark.slow
@pytest.mark.parametrize("name", datasets.LABELED_SETS)
def test_no_id_in_two_splits(root: Path, name: str) -> None:
    seen: dict[str, str] = {}
    for e in datasets.load(name, root=root):
        assert seen.setdefault(e.id, e.split) == e.split, e.id
    assert {"train", "dev", "test"} <= set(seen.values())


@pytest.mark.slow
def test_user_satisfaction_dialogues_stay_in_one_split(root: Path) -> None:
    by_dialogue: dict[str, set[str]] = {}
    for e in datasets.load("user_satisfaction", root=root):
        by_dialogue.setdefault(e.id.rsplit(":", 1)[0], set()).add(e.split)
    assert len(by_dialogue) > 1900
    assert all(len(s) == 1 for s in by_dialogue.values())


@pytest.mark.slow
def test_label_mapping(root: Path) -> None:
    bank = datasets.load("banking77", root=root, split="test")
    stakes = [e for e in bank if e.labels["stakes"] == 1]
    churn = [e for e in bank if e.labels["churn"] == 1]
    assert stakes and churn
    assert all(e.labels["emotion"] is None and e.mot == 1 for e in stakes + churn)
    goemo = datasets.load("goemotions", root=root, split="dev")
    assert {e.labels["emotion"] for e in goemo} == {0, 1}
    assert all(e.labels["stakes"] is None for e in goemo)
    sat = datasets.load("user_satisfaction", root=root, split="dev")
    assert all(e.text != "OVERALL" for e in sat)
    assert {e.labels["dissatisfaction"] for e in sat} == {0, 1}


@pytest.mark.slow
def test_airline_first_utterances(root: Path) -> None:
    texts = datasets.airline_first_utterances(root, limit=50)
    assert len(texts) == 50
    assert all("<cust__" not in t and "__cust>" not in t for t in texts)
