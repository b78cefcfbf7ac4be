"""The semantic tier's encoder plumbing: tokenising, length-bucketed batches and padding, the frozen
encoder's sentence embeddings (the baseline of ``--loso``), and the ONNX export of a trained
model (int8 by default).

Self-contained like ``semantic_training`` beside it (NumPy, PyTorch, ``tokenizers``,
``transformers``, ``onnxruntime``; nothing else of Kairos), which imports it, also when that file
is run by its path on a machine without Kairos.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

#: Longest input in tokens; longer texts are truncated (the recipe of ``semantic_training``).
MAX_TOKENS = 128


def _torch() -> Any:
    import torch

    return torch


def tokenizer(base: Path) -> Any:
    """The fast tokenizer of ``base`` (its ``tokenizer.json``)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.enable_truncation(MAX_TOKENS)
    tok.no_padding()
    return tok


def encode(tok: Any, texts: Sequence[str]) -> list[list[int]]:
    """Token ids of each text, truncated to ``MAX_TOKENS``."""
    return [e.ids for e in tok.encode_batch(list(texts))]


def _batches(lengths: Sequence[int], batch: int, rng: random.Random | None) -> list[list[int]]:
    """Row indices in batches of similar length (shuffled buckets when ``rng`` is given)."""
    order = list(range(len(lengths)))
    if rng is None:
        order.sort(key=lambda i: lengths[i])
        return [order[i : i + batch] for i in range(0, len(order), batch)]
    rng.shuffle(order)
    out: list[list[int]] = []
    chunk = batch * 50
    for s in range(0, len(order), chunk):
        part = sorted(order[s : s + chunk], key=lambda i: lengths[i])
        out.extend(part[i : i + batch] for i in range(0, len(part), batch))
    rng.shuffle(out)
    return out


def _pad(ids: Sequence[Sequence[int]], device: Any) -> tuple[Any, Any]:
    torch = _torch()
    width = max(len(x) for x in ids)
    arr = np.zeros((len(ids), width), dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for i, x in enumerate(ids):
        arr[i, : len(x)] = x
        mask[i, : len(x)] = 1
    return torch.from_numpy(arr).to(device), torch.from_numpy(mask).to(device)


def frozen_embeddings(
    base: Path, texts: Sequence[str], *, device: str = "cpu", batch: int = 256
) -> npt.NDArray[np.float32]:
    """The base encoder's mean-pooled, L2-normalised sentence embeddings (the frozen baseline)."""
    torch = _torch()
    from transformers import AutoModel

    enc = AutoModel.from_pretrained(str(base), dtype=torch.float32).to(device).eval()
    tok = tokenizer(base)
    ids = encode(tok, texts)
    out = np.zeros((len(texts), enc.config.hidden_size), dtype=np.float32)
    with torch.no_grad():
        for b in _batches([len(x) for x in ids], batch, None):
            input_ids, mask = _pad([ids[i] for i in b], device)
            hidden = enc(input_ids=input_ids, attention_mask=mask)[0].float()
            m = mask.unsqueeze(-1).float()
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
            pooled = torch.nn.functional.normalize(pooled, dim=1)
            out[b] = pooled.cpu().numpy()
    return out


def export_onnx(model: Any, path: Path, *, quantize: bool = True) -> Path:
    """Write the model as ONNX (ids and mask in, the heads' logits out); int8 when ``quantize``.

    The int8 file quantizes every matrix product and the embedding table (dynamic, per
    channel), which keeps it under 30 MB; the float file is written beside it first.
    """
    torch = _torch()
    path.parent.mkdir(parents=True, exist_ok=True)
    float_path = path.with_suffix(".f32.onnx")
    ids = torch.ones((2, 8), dtype=torch.int64)
    mask = torch.ones((2, 8), dtype=torch.int64)
    model = model.float().eval()
    torch.onnx.export(
        model,
        (ids, mask),
        str(float_path),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "logits": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    if not quantize:
        float_path.replace(path)
        return path
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(float_path),
        str(path),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gather", "Gemm"],
    )
    float_path.unlink()
    return path
