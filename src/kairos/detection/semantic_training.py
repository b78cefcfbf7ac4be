"""Fine-tune the semantic tier: a MiniLM sentence encoder with one logistic head per target.

Self-contained on purpose: it needs only NumPy, PyTorch, ``transformers`` and ``safetensors`` and
imports nothing of Kairos but ``semantic_export`` beside it (the encoder plumbing and the ONNX
export, as self-contained), so the same two files train on a laptop (``kairos train-semantic``,
about an hour on two cores) or on a GPU machine that has PyTorch but not Kairos' service
dependencies (``python semantic_training.py --examples ... --base ... --out ...``: run by its
path, this file imports the other from its own folder).

The examples come as JSON lines (gzip) that ``kairos train-semantic --export`` writes from
``kairos.detection.datasets``: ``{"source", "id", "text", "split", "lang", "y"}`` with ``y`` one
value (0, 1 or null: not labeled) per entry of ``TARGETS``. Only the ``train`` split is learned
from; ``dev`` and ``test`` rows are scored for calibration and evaluation.

Recipe (fixed before any result was seen): mean-pooled MiniLM-L6 + a linear layer to five
logits, masked binary cross-entropy, every source weighted by the square root of its size with its
positives and negatives given half of that weight each, one epoch, AdamW (lr 5e-5 for the
encoder, 1e-3 for the heads, 6% linear warm-up then linear decay), batch 64 of length-bucketed
rows truncated at 128 tokens, seed 0. ``--loso`` repeats the same recipe once per source with that
source's rows left out and records every fold's scores of the left-out source's test split.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
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
except ImportError:  # run by its path where Kairos is not installed: the file beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    _export = importlib.import_module("semantic_export")

# The encoder plumbing and the export, from ``semantic_export``; importable from here as well.
_torch = _export._torch
tokenizer = _export.tokenizer
encode = _export.encode
_batches = _export._batches
_pad = _export._pad
frozen_embeddings = _export.frozen_embeddings
export_onnx = _export.export_onnx


TARGETS: tuple[str, ...] = ("mot", "emotion", "stakes", "churn", "dissatisfaction")
MAX_TOKENS = _export.MAX_TOKENS
BATCH = 64
EPOCHS = 1
LR_ENCODER = 5e-5
LR_HEAD = 1e-3
WARMUP = 0.06
SEED = 0

Row = dict[str, Any]
Log = Callable[[str], None]


def read_examples(path: Path) -> list[Row]:
    """The rows of an examples file (JSON lines, gzip)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_examples(rows: Sequence[Row], path: Path) -> None:
    """Write rows as ``read_examples`` reads them (byte-identical for identical rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as raw:
        for row in rows:
            raw.write((json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode())


def balanced_weights(sources: Sequence[str], labels: Sequence[int]) -> npt.NDArray[np.float64]:
    """Per row: sqrt(its set's size), shared equally by the set's classes (-1: unlabeled).

    Rows sum to the number of rows; used for the encoder's loss and the combiner's fit alike.
    """
    by_group: dict[tuple[str, int], int] = {}
    by_source: dict[str, int] = {}
    for source, label in zip(sources, labels, strict=True):
        by_group[(source, label)] = by_group.get((source, label), 0) + 1
        by_source[source] = by_source.get(source, 0) + 1
    classes: dict[str, int] = {}
    for source, _ in by_group:
        classes[source] = classes.get(source, 0) + 1
    w = np.array(
        [
            math.sqrt(by_source[s]) / (classes[s] * by_group[(s, label)])
            for s, label in zip(sources, labels, strict=True)
        ]
    )
    result: npt.NDArray[np.float64] = w * (len(w) / float(w.sum()))
    return result


def sample_weights(rows: Sequence[Row]) -> npt.NDArray[np.float32]:
    """``balanced_weights`` over the rows' sets and MoT labels (unlabeled rows a class)."""
    labels = [-1 if r["y"][0] is None else int(r["y"][0]) for r in rows]
    return balanced_weights([r["source"] for r in rows], labels).astype(np.float32)


def build_model(base: Path) -> Any:
    """The encoder loaded from ``base`` (a BERT checkpoint folder) with a fresh head."""
    torch = _torch()
    from transformers import AutoModel

    class Semantic(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base), dtype=torch.float32)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, len(TARGETS))

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(pooled)

    return Semantic()


def fit(
    rows: Sequence[Row],
    base: Path,
    *,
    seed: int = SEED,
    device: str = "cpu",
    log: Log = print,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Fine-tune a fresh model on the ``train`` rows; returns it in eval mode."""
    torch = _torch()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    train = [r for r in rows if r["split"] == "train"]
    tok = tokenizer(base)
    ids = encode(tok, [r["text"] for r in train])
    y = np.array([[-1 if v is None else v for v in r["y"]] for r in train], dtype=np.float32)
    w = sample_weights(train)
    model = build_model(base).to(device)
    model.train()
    head_params = list(model.head.parameters())
    enc_params = list(model.encoder.parameters())
    opt = torch.optim.AdamW(
        [{"params": enc_params, "lr": LR_ENCODER}, {"params": head_params, "lr": LR_HEAD}],
        weight_decay=0.01,
    )
    rng = random.Random(seed)
    plan = [b for _ in range(EPOCHS) for b in _batches([len(x) for x in ids], BATCH, rng)]
    total = len(plan)
    warm = max(1, int(WARMUP * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    use_bf16 = device.startswith("cuda")
    started = time.perf_counter()
    for step, batch in enumerate(plan):
        input_ids, mask = _pad([ids[i] for i in batch], device)
        target = torch.from_numpy(y[batch]).to(device)
        weight = torch.from_numpy(w[batch]).to(device).unsqueeze(1)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_bf16):
            logits = model(input_ids, mask)
        labeled = (target >= 0).float()
        loss_each = torch.nn.functional.binary_cross_entropy_with_logits(
            logits.float(), target.clamp(min=0.0), reduction="none"
        )
        loss = (loss_each * labeled * weight).sum() / labeled.sum().clamp(min=1.0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if progress is not None:
            progress(step + 1, total)
        if step % 500 == 0:
            log(f"step {step}/{total} loss {float(loss):.4f} {time.perf_counter() - started:.0f}s")
    model.eval()
    return model


def predict(
    model: Any, base: Path, texts: Sequence[str], *, device: str = "cpu", batch: int = 256
) -> npt.NDArray[np.float32]:
    """The model's logits for texts, shape (n, len(TARGETS))."""
    torch = _torch()
    tok = tokenizer(base)
    ids = encode(tok, texts)
    out = np.zeros((len(texts), len(TARGETS)), dtype=np.float32)
    with torch.no_grad():
        for b in _batches([len(x) for x in ids], batch, None):
            input_ids, mask = _pad([ids[i] for i in b], device)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):
                logits = model(input_ids, mask)
            out[b] = logits.float().cpu().numpy()
    return out


def save_weights(model: Any, path: Path, *, chunk_mb: float = 15.0) -> list[Path]:
    """The fine-tuned weights as float16 safetensors, in files of at most ``chunk_mb``.

    A tensor larger than a file is cut along its first axis into parts named ``name@@k``.
    """
    from safetensors.numpy import save_file

    pieces: list[tuple[str, npt.NDArray[np.float16]]] = []
    for name, value in sorted(model.state_dict().items()):
        arr = value.detach().float().cpu().numpy().astype(np.float16)
        if arr.nbytes / 1e6 <= chunk_mb:
            pieces.append((name, arr))
            continue
        n = math.ceil(arr.nbytes / 1e6 / chunk_mb) + 1
        for k, part in enumerate(np.array_split(arr, n, axis=0)):
            pieces.append((f"{name}@@{k}", np.ascontiguousarray(part)))
    files: list[Path] = []
    bundle: dict[str, npt.NDArray[np.float16]] = {}
    size = 0.0
    for name, arr in pieces:
        if bundle and size + arr.nbytes / 1e6 > chunk_mb:
            files.append(path.with_suffix(f".{len(files)}.safetensors"))
            save_file(bundle, str(files[-1]))
            bundle, size = {}, 0.0
        bundle[name] = arr
        size += arr.nbytes / 1e6
    files.append(path.with_suffix(f".{len(files)}.safetensors"))
    save_file(bundle, str(files[-1]))
    return files


def load_state(files: Sequence[Path]) -> dict[str, npt.NDArray[np.float32]]:
    """The float32 state dict ``save_weights`` wrote (parts joined again)."""
    from safetensors.numpy import load_file

    flat: dict[str, npt.NDArray[np.float16]] = {}
    for f in files:
        flat.update(load_file(str(f)))
    parts: dict[str, list[tuple[int, npt.NDArray[np.float16]]]] = {}
    state: dict[str, npt.NDArray[np.float32]] = {}
    for key, arr in flat.items():
        if "@@" in key:
            name, k = key.rsplit("@@", 1)
            parts.setdefault(name, []).append((int(k), arr))
        else:
            state[key] = arr.astype(np.float32)
    for name, pieces in parts.items():
        state[name] = np.concatenate([a for _, a in sorted(pieces, key=lambda p: p[0])]).astype(
            np.float32
        )
    return state


def load_weights(base: Path, files: Sequence[Path]) -> Any:
    """A model with the weights ``save_weights`` wrote (float32 again)."""
    torch = _torch()
    model = build_model(base)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in load_state(files).items()})
    model.eval()
    return model


def _scored(rows: Sequence[Row]) -> list[int]:
    return [i for i, r in enumerate(rows) if r["split"] in ("dev", "test")]


def main(argv: Sequence[str] | None = None) -> None:
    """Train the final model and, with ``--loso``, every leave-one-source-out fold."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=Path, required=True)
    ap.add_argument("--base", type=Path, required=True, help="the base encoder's folder")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--loso", action="store_true", help="also every leave-one-source-out fold")
    ap.add_argument("--no-final", action="store_true")
    ap.add_argument("--folds", default="", help="comma-separated sources (default: every one)")
    ap.add_argument("--limit", type=int, default=0, help="rows per source and split (tests)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = read_examples(args.examples)
    if args.limit:
        kept: dict[tuple[str, str], int] = {}
        small = []
        for r in rows:
            k = (r["source"], r["split"])
            if kept.get(k, 0) < args.limit:
                kept[k] = kept.get(k, 0) + 1
                small.append(r)
        rows = small
    logf = (args.out / "train.log").open("a", encoding="utf-8")

    def log(msg: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    scored = _scored(rows)
    ids = np.array([f"{rows[i]['source']}\t{rows[i]['id']}\t{rows[i]['split']}" for i in scored])
    texts = [rows[i]["text"] for i in scored]
    if not args.no_final:
        t = time.perf_counter()
        model = fit(rows, args.base, seed=args.seed, device=args.device, log=log)
        log(f"final model trained in {time.perf_counter() - t:.0f}s")
        save_weights(model, args.out / "semantic")
        logits = predict(model, args.base, texts, device=args.device)
        np.savez_compressed(
            args.out / "final_scores.npz", ids=ids, logits=logits.astype(np.float16)
        )
        log("final scores written")
        del model
    if args.loso:
        from sklearn.linear_model import LogisticRegression

        sources = sorted({r["source"] for r in rows})
        if args.folds:
            sources = [s for s in args.folds.split(",") if s in sources]
        # The frozen baseline: base-encoder embeddings + logistic regression on the same rows.
        emb = frozen_embeddings(args.base, [r["text"] for r in rows], device=args.device)
        log("frozen embeddings done")
        fold_scores: dict[str, Any] = {}
        for held in sources:
            t = time.perf_counter()
            train_rows = [r for r in rows if r["source"] != held]
            model = fit(train_rows, args.base, seed=args.seed, device=args.device, log=log)
            logits = predict(model, args.base, texts, device=args.device)
            del model
            tr = [
                i
                for i, r in enumerate(rows)
                if r["source"] != held and r["split"] == "train" and r["y"][0] is not None
            ]
            clf = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
            clf.fit(emb[tr], np.array([rows[i]["y"][0] for i in tr]))
            frozen = clf.decision_function(emb[scored]).astype(np.float32)
            fold_scores[f"logits__{held}"] = logits.astype(np.float16)
            fold_scores[f"frozen__{held}"] = frozen.astype(np.float16)
            np.savez_compressed(args.out / "loso_scores.npz", ids=ids, **fold_scores)
            log(f"fold {held}: {time.perf_counter() - t:.0f}s")
    logf.close()


if __name__ == "__main__":
    main()
