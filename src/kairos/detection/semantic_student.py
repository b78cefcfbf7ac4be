"""Distil a smaller semantic encoder (a student) from the fine-tuned one (the teacher).

The student is the teacher's embeddings, some of its layers (``--layers 0,2,4``) and its five
heads, trained to the teacher's logits (mean squared error over the five heads, every row) plus
the hard labels (masked binary cross-entropy with ``semantic_training``'s sample weights), one
epoch, seeded, length-bucketed batches padded to their longest row, 128 tokens as shipped. The
word-embedding table is frozen (the teacher's, shared by both); the rest is trained.

Self-contained like ``semantic_training`` (NumPy, PyTorch, ``transformers``, ``tokenizers``,
``onnxruntime``): run by its path it imports that file from its own folder. The teacher is either
its fine-tuned weights (a folder of ``semantic.N.safetensors``, read with PyTorch) or its float
ONNX export (``.onnx``, read with onnxruntime: the same numbers, faster on a CPU); its logits are
computed once and cached beside the output.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

try:
    from kairos.detection import semantic_export as _export
    from kairos.detection import semantic_training as _training
except ImportError:  # run by its path where Kairos is not installed: the files beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    _export = importlib.import_module("semantic_export")
    _training = importlib.import_module("semantic_training")
Row = _training.Row
Log = _training.Log

LAYERS: tuple[int, ...] = (0, 2, 4)
LR_ENCODER = 1e-4
LR_HEAD = 1e-3
BATCH = 64
EPOCHS = 1.0
SEED = 0


def parse_layers(text: str) -> tuple[int, ...]:
    """``"0,2,4"`` -> ``(0, 2, 4)``; distinct, increasing layer indices.

    >>> parse_layers("1, 3,5")
    (1, 3, 5)
    """
    layers = tuple(int(x) for x in text.split(",") if x.strip())
    if not layers or list(layers) != sorted(set(layers)) or layers[0] < 0:
        raise ValueError(f"layers must be distinct increasing indices, got {text!r}")
    return layers


def sample(rows: Sequence[Row], n: int, seed: int) -> list[int]:
    """Indices of a seeded sample of ``n`` of the ``train`` rows (all of them when ``n`` is 0)."""
    train = [i for i, r in enumerate(rows) if r["split"] == "train"]
    if not n or n >= len(train):
        return train
    picked = sorted(random.Random(seed).sample(range(len(train)), n))
    return [train[i] for i in picked]


def teacher_files(teacher: Path) -> list[Path]:
    """The teacher's weight files in a folder (``semantic.N.safetensors``, in order)."""
    files = sorted(teacher.glob("semantic.*.safetensors"), key=lambda p: int(p.suffixes[0][1:]))
    if not files:
        raise FileNotFoundError(f"{teacher}: no semantic.N.safetensors")
    return files


def teacher_logits(
    teacher: Path, base: Path, texts: Sequence[str], *, threads: int = 2
) -> npt.NDArray[np.float32]:
    """The teacher's five logits for texts: its float ONNX file or its weights folder."""
    if teacher.is_dir():
        model = _training.load_weights(base, teacher_files(teacher))
        _export._torch().set_num_threads(threads)
        return _training.predict(model, base, texts, batch=64)
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    session = ort.InferenceSession(str(teacher), opts, providers=["CPUExecutionProvider"])
    ids = _export.encode(_export.tokenizer(base), texts)
    out = np.zeros((len(texts), len(_training.TARGETS)), dtype=np.float32)
    for b in _export._batches([len(x) for x in ids], 64, None):
        input_ids, mask = _export._pad([ids[i] for i in b], "cpu")
        feed = {"input_ids": input_ids.numpy(), "attention_mask": mask.numpy()}
        out[b] = session.run(["logits"], feed)[0]
    return out


def cached_teacher_logits(
    teacher: Path, base: Path, rows: Sequence[Row], picked: Sequence[int], cache: Path, log: Log
) -> npt.NDArray[np.float32]:
    """``teacher_logits`` of the picked rows, read from ``cache`` when it holds the same rows."""
    key = np.array([f"{rows[i]['source']}\t{rows[i]['id']}" for i in picked])
    if cache.is_file():
        with np.load(cache) as f:
            if f["key"].shape == key.shape and bool((f["key"] == key).all()):
                log(f"teacher logits from {cache}")
                return f["logits"].astype(np.float32)  # type: ignore[no-any-return]
    t = time.perf_counter()
    logits = teacher_logits(teacher, base, [rows[i]["text"] for i in picked])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, key=key, logits=logits)
    log(f"teacher logits of {len(picked):,} rows in {time.perf_counter() - t:.0f}s -> {cache}")
    return logits


def build_student(teacher: Any, layers: Sequence[int]) -> Any:
    """A copy of the teacher keeping its embeddings, the given layers and its heads."""
    torch = _export._torch()
    depth = len(teacher.encoder.encoder.layer)
    if any(i >= depth for i in layers):
        raise ValueError(f"the teacher has layers 0-{depth - 1}, asked for {list(layers)}")
    student = copy.deepcopy(teacher)
    kept = [student.encoder.encoder.layer[i] for i in layers]
    student.encoder.encoder.layer = torch.nn.ModuleList(kept)
    student.encoder.config.num_hidden_layers = len(kept)
    for p in student.encoder.embeddings.word_embeddings.parameters():
        p.requires_grad = False
    return student


def _loss(torch: Any, logits: Any, soft: Any, target: Any, weight: Any) -> Any:
    """MSE to the teacher's logits (every head, every row) + the weighted masked BCE."""
    mse = torch.nn.functional.mse_loss(logits, soft)
    labeled = (target >= 0).float()
    each = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, target.clamp(min=0.0), reduction="none"
    )
    bce = (each * labeled * weight).sum() / labeled.sum().clamp(min=1.0)
    return mse + bce


def distil(
    rows: Sequence[Row],
    picked: Sequence[int],
    soft: npt.NDArray[np.float32],
    teacher: Any,
    base: Path,
    layers: Sequence[int],
    *,
    seed: int = SEED,
    epochs: float = EPOCHS,
    log: Log = print,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Train a student on the picked rows toward ``soft`` (their teacher logits); eval mode.

    A fractional ``epochs`` ends the last pass early: its first batches only (shuffled).
    """
    torch = _export._torch()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    train = [rows[i] for i in picked]
    ids = _export.encode(_export.tokenizer(base), [r["text"] for r in train])
    y = np.array([[-1 if v is None else v for v in r["y"]] for r in train], dtype=np.float32)
    w = _training.sample_weights(train)
    model = build_student(teacher, layers)
    model.train()
    head = list(model.head.parameters())
    enc = [p for p in model.encoder.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        [{"params": enc, "lr": LR_ENCODER}, {"params": head, "lr": LR_HEAD}], weight_decay=0.01
    )
    rng = random.Random(seed)
    lengths = [len(x) for x in ids]
    plan = [b for _ in range(math.ceil(epochs)) for b in _export._batches(lengths, BATCH, rng)]
    plan = plan[: max(1, round(epochs * len(plan) / math.ceil(epochs)))]
    total = len(plan)
    warm = max(1, int(_training.WARMUP * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    started = time.perf_counter()
    for step, batch in enumerate(plan):
        input_ids, mask = _export._pad([ids[i] for i in batch], "cpu")
        loss = _loss(
            torch,
            model(input_ids, mask),
            torch.from_numpy(soft[batch]),
            torch.from_numpy(y[batch]),
            torch.from_numpy(w[batch]).unsqueeze(1),
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if progress is not None:
            progress(step + 1, total)
        if step % 100 == 0:
            log(f"step {step}/{total} loss {float(loss):.4f} {time.perf_counter() - started:.0f}s")
    model.eval()
    return model


def train_student(
    rows: Sequence[Row],
    base: Path,
    teacher: Path,
    weights: Path,
    layers: Sequence[int],
    *,
    n: int = 0,
    seed: int = SEED,
    epochs: float = EPOCHS,
    cache_dir: Path,
    log: Log = print,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """The whole recipe: sample, teacher logits (cached), distil; returns the student.

    ``teacher`` gives the logits (weights folder or float ONNX file), ``weights`` the folder of
    the teacher's fine-tuned weights the student is cut from.
    """
    picked = sample(rows, n, seed)
    cache = cache_dir / f"teacher_logits_{len(picked)}_{seed}.npz"
    soft = cached_teacher_logits(teacher, base, rows, picked, cache, log)
    model = _training.load_weights(base, teacher_files(weights))
    return distil(
        rows, picked, soft, model, base, layers, seed=seed, epochs=epochs, log=log,
        progress=progress,
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    """Distil a student and export it (int8 ONNX) to ``--out``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=Path, required=True)
    ap.add_argument("--base", type=Path, required=True, help="the base encoder's folder")
    ap.add_argument("--weights", type=Path, required=True, help="the teacher's weights folder")
    ap.add_argument("--teacher", type=Path, help="logits from: float ONNX (default: --weights)")
    ap.add_argument("--layers", default="0,2,4")
    ap.add_argument("--rows", type=int, default=0, help="train rows sampled (0: all)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--epochs", type=float, default=EPOCHS, help="passes (0.5: half of one)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, required=True, help="the student's ONNX file")
    args = ap.parse_args(argv)
    _export._torch().set_num_threads(args.threads)
    rows = _training.read_examples(args.examples)
    t = time.perf_counter()
    model = train_student(
        rows,
        args.base,
        args.teacher or args.weights,
        args.weights,
        parse_layers(args.layers),
        n=args.rows,
        seed=args.seed,
        epochs=args.epochs,
        cache_dir=args.out.parent,
    )
    print(f"student trained in {time.perf_counter() - t:.0f}s", flush=True)
    _training.save_weights(model, args.out.with_suffix(""))
    _export.export_onnx(model, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)", flush=True)


if __name__ == "__main__":
    main()
