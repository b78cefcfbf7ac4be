"""Other exports of the same fine-tuned semantic model, measured beside the shipped int8 file.

Usage: python benchmarks/semantic_exports.py --f32 PATH [--examples PATH] [--n-test 3000]
       [--candidate OTHER.onnx ...] [--no-build]
`--f32` is the float ONNX export of the shipped weights (``semantic_export.export_onnx(...,
quantize=False)``, 90 MB, not in the repository); `--examples` the examples file that
``kairos train-semantic`` writes (var/semantic/examples.jsonl.gz). It builds, under var/:

- ``fused_dynamic``: each layer's attention replaced by onnxruntime's fused ``MultiHeadAttention``
  (the exported mask arithmetic hides the pattern from the optimizer), then onnxruntime's offline
  transformer optimizer (SkipLayerNorm, BiasGelu, EmbedLayerNorm), then dynamic int8 as shipped;
- ``static_qdq``: static int8 (QDQ, per-tensor activation scales calibrated on real training
  turns, per-channel weights) on every weight matrix product, the embedding table dynamic int8:
  fixed scales, so a turn's logits do not depend on the turns batched with it;
- ``static_qdq_fused``: the same on the attention-fused graph.

and reports, in the same run: the MoT logit's ROC AUC on test rows read one at a time and in
length-bucketed batches of 32, how far the two readings are apart, the file size, and single-turn
p50 / p99 and batched throughput on real customer turns, timed interleaved (every turn runs through
every model in turn, so machine load hits them alike) and given as ratios to the shipped model.
The shipped model truncated at 64 instead of 128 tokens is one more row. One thread throughout.
``--candidate`` adds another model file as a row (e.g. a distilled student, ``kairos
train-semantic --student-layers``; it must read the shipped tokenizer's ids); ``--no-build``
skips the three exports above (then ``--f32`` may be left out).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import track
from rich.table import Table
from semantic_speed import customer_turns  # the same real customer turns it times
from sklearn.metrics import roc_auc_score
from tokenizers import Tokenizer

from kairos.detection import semantic

VAR = Path("var") / "semantic" / "exports"


def fuse_attention(src: Path, dst: Path, heads: int = 12, hidden: int = 384) -> None:
    """Each layer's self-attention as one ``com.microsoft.MultiHeadAttention`` node."""
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(src))
    g = model.graph
    nodes = {n.name: n for n in g.node}
    new = [helper.make_node("Cast", ["attention_mask"], ["mask_i32"], to=TensorProto.INT32)]
    layer = 0
    while (p := f"/encoder/encoder/layer.{layer}/attention/") + "self/query/Add" in nodes:
        qkv = [nodes[f"{p}self/{x}/Add"].output[0] for x in ("query", "key", "value")]
        ctx = f"attention_{layer}"
        new.append(
            helper.make_node(
                "MultiHeadAttention", [*qkv, "", "mask_i32"], [ctx], domain="com.microsoft",
                num_heads=heads, name=ctx,
            )
        )  # fmt: skip
        nodes[f"{p}output/dense/MatMul"].input[0] = ctx
        g.value_info.append(
            helper.make_tensor_value_info(ctx, TensorProto.FLOAT, ["batch", "tokens", hidden])
        )
        layer += 1
    if not layer:
        raise SystemExit(f"{src}: no attention layer of the expected export found")
    every = [*g.node, *new]
    needed = {o.name for o in g.output}
    kept: set[int] = set()
    grew = True
    while grew:  # keep what the outputs need; the old attention arithmetic falls away
        grew = False
        for k, n in enumerate(every):
            if k not in kept and any(o in needed for o in n.output):
                kept.add(k)
                needed.update(i for i in n.input if i)
                grew = True
    ready = {i.name for i in g.input} | {t.name for t in g.initializer} | {""}
    pending, ordered = [n for k, n in enumerate(every) if k in kept], []
    while pending:  # topological order
        rest = [n for n in pending if not all(i in ready for i in n.input)]
        for n in pending:
            if n not in rest:
                ordered.append(n)
                ready.update(n.output)
        pending = rest
    del g.node[:]
    g.node.extend(ordered)
    inits = [t for t in g.initializer if t.name in needed]
    del g.initializer[:]
    g.initializer.extend(inits)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, str(dst))


def optimize(src: Path, dst: Path) -> None:
    """onnxruntime's offline transformer optimizer (model type bert, 12 heads, hidden 384)."""
    from onnxruntime.transformers.optimizer import optimize_model

    opt = optimize_model(str(src), model_type="bert", num_heads=12, hidden_size=384, opt_level=0)
    opt.save_model_to_file(str(dst))


def dynamic(src: Path, dst: Path, ops: list[str]) -> None:
    """Dynamic int8 (per-channel weights) of ``ops``, as ``semantic_export`` ships it."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True,
        op_types_to_quantize=ops, extra_options={"DefaultTensorType": 1},
    )  # fmt: skip


def static(src: Path, dst: Path, calib: list[list[int]]) -> None:
    """Static QDQ int8 of every weight matrix product, calibrated one turn at a time (min-max)."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    graph = onnx.load(str(src)).graph
    weights = {t.name for t in graph.initializer}
    matmuls = [
        n.name for n in graph.node if n.op_type == "MatMul" and any(i in weights for i in n.input)
    ]

    class Turns(CalibrationDataReader):
        def __init__(self) -> None:
            self.rows = iter(calib)

        def get_next(self) -> dict[str, np.ndarray] | None:
            row = next(self.rows, None)
            if row is None:
                return None
            ids = np.array([row], dtype=np.int64)
            return {"input_ids": ids, "attention_mask": np.ones_like(ids)}

    qdq = dst.with_suffix(".qdq.onnx")
    quantize_static(
        str(src), str(qdq), Turns(), quant_format=QuantFormat.QDQ, nodes_to_quantize=matmuls,
        per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax, extra_options={"DefaultTensorType": 1},
    )  # fmt: skip
    dynamic(qdq, dst, ["Gather"])  # the embedding table: int8, rows dequantized once gathered
    qdq.unlink()


def read_rows(path: Path, split: str, n: int, seed: int) -> list[dict[str, object]]:
    """``n`` rows of ``split`` with a MoT label, a seeded sample."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [r for line in f if (r := json.loads(line))["split"] == split]
    rows = [r for r in rows if r["y"][0] is not None]  # type: ignore[index]
    random.Random(seed).shuffle(rows)
    return rows[:n]


class Runner:
    """One onnxruntime session on one thread and the shipped model's tokenizer."""

    def __init__(self, path: Path, cap: int = semantic.MAX_TOKENS) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.tok = Tokenizer.from_file(str(semantic.DEFAULT_TOKENIZER))
        self.tok.enable_truncation(cap)
        self.tok.no_padding()
        self.size = path.stat().st_size / 1e6

    def ids(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tok.encode_batch(texts)]

    def run(self, rows: list[list[int]]) -> np.ndarray:
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        out: np.ndarray = self.session.run(["logits"], feed)[0]
        return out

    def each(self, rows: list[list[int]]) -> np.ndarray:
        return np.stack([self.run([r])[0] for r in rows])

    def many(self, rows: list[list[int]], batch: int = 32) -> np.ndarray:
        out = np.zeros((len(rows), len(semantic.TARGETS)), dtype=np.float32)
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        for s in range(0, len(order), batch):
            part = order[s : s + batch]
            out[part] = self.run([rows[i] for i in part])
        return out


def build(f32: Path, examples: Path, calib_n: int) -> dict[str, Path]:
    """The candidate files under ``VAR`` (rebuilt each run)."""
    VAR.mkdir(parents=True, exist_ok=True)
    calib_rows = read_rows(examples, "train", calib_n, seed=1)
    tok = Runner(semantic.DEFAULT_MODEL)
    calib = tok.ids([str(r["text"]) for r in calib_rows])
    fused, fused_opt = VAR / "fused.f32.onnx", VAR / "fused_opt.f32.onnx"
    out = {k: VAR / f"{k}.onnx" for k in ("fused_dynamic", "static_qdq", "static_qdq_fused")}
    fuse_attention(f32, fused)
    optimize(fused, fused_opt)
    ops = ["MatMul", "Gather", "Gemm", "EmbedLayerNormalization"]
    dynamic(fused_opt, out["fused_dynamic"], ops)
    static(f32, out["static_qdq"], calib)
    static(fused, out["static_qdq_fused"], calib)
    fused.unlink()
    fused_opt.unlink()
    return out


def speed(
    runners: dict[str, Runner], texts: list[str]
) -> dict[str, tuple[float, float, float, float]]:
    """p50 ms, p99 ms, utterances/s one at a time, utterances/s in bucketed batches of 32."""
    ids = {k: r.ids(texts) for k, r in runners.items()}
    for k, r in runners.items():  # warm-up outside the timing
        r.many(ids[k][:64])
    single: dict[str, list[float]] = {k: [] for k in runners}
    for i in track(range(len(texts)), description="one turn per call, interleaved"):
        for k, r in runners.items():
            t = time.perf_counter()
            r.run([ids[k][i]])
            single[k].append(time.perf_counter() - t)
    batched = dict.fromkeys(runners, 0.0)
    for _ in track(range(2), description="bucketed batches of 32, interleaved"):
        for k, r in runners.items():
            t = time.perf_counter()
            r.many(ids[k])
            batched[k] += time.perf_counter() - t
    out = {}
    for k, lat in single.items():
        ms = np.array(lat) * 1e3
        p50, p99 = np.percentile(ms, [50, 99])
        out[k] = (float(p50), float(p99), len(ms) / ms.sum() * 1e3, 2 * len(texts) / batched[k])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--f32", type=Path)
    parser.add_argument("--candidate", type=Path, action="append", default=[])
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--examples", type=Path, default=Path("var/semantic/examples.jsonl.gz"))
    parser.add_argument("--n-test", type=int, default=3000)
    parser.add_argument("--n-turns", type=int, default=1500)
    parser.add_argument("--calib", type=int, default=500)
    args = parser.parse_args()
    console = Console(width=200)  # the table is wide; a log file must not truncate it
    t0 = time.perf_counter()
    files = {"shipped (dynamic int8)": semantic.DEFAULT_MODEL}
    if not args.no_build:
        if args.f32 is None:
            parser.error("--f32 is needed unless --no-build")
        files |= {"float32": args.f32} | build(args.f32, args.examples, args.calib)
    files |= {f"candidate {p.name}": p for p in args.candidate}
    VAR.mkdir(parents=True, exist_ok=True)
    runners = {k: Runner(p) for k, p in files.items()}
    if not args.no_build:
        runners["shipped, 64-token cap"] = Runner(semantic.DEFAULT_MODEL, cap=64)
    test = read_rows(args.examples, "test", args.n_test, seed=0)
    y = np.array([r["y"][0] for r in test])  # type: ignore[index]
    texts = [str(r["text"]) for r in test]
    quality = {}
    for k, r in track(runners.items(), description="test rows, alone and batched"):
        ids = r.ids(texts)
        each, many = r.each(ids), r.many(ids)
        apart = np.abs(each - many)
        quality[k] = (roc_auc_score(y, each[:, 0]), roc_auc_score(y, many[:, 0]), apart.max())
    figures = speed(runners, customer_turns(args.n_turns))
    base = figures["shipped (dynamic int8)"]
    table = Table(title=f"Exports of one model: {len(test):,} test rows, {args.n_turns:,} turns")
    for col in ("export", "MB", "AUC alone", "AUC batched", "max |batched-alone|", "p50 ms",
                "p99 ms", "single /s", "batched /s", "p50 x", "p99 x", "batched x"):  # fmt: skip
        table.add_column(col, justify="right")
    for k, (p50, p99, rate, brate) in figures.items():
        a, b, apart = quality[k]
        table.add_row(
            k, f"{runners[k].size:.1f}", f"{a:.4f}", f"{b:.4f}", f"{apart:.3f}", f"{p50:.2f}",
            f"{p99:.2f}", f"{rate:,.0f}", f"{brate:,.0f}", f"{base[0] / p50:.2f}",
            f"{base[1] / p99:.2f}", f"{brate / base[3]:.2f}",
        )  # fmt: skip
    console.print(table)
    saved = {k: [*quality[k], *figures[k]] for k in figures}
    (VAR / "figures.json").write_text(json.dumps(saved, default=float, indent=1), encoding="utf-8")
    console.print(
        "ratios: shipped / export for latency, export / shipped for throughput (above 1: faster); "
        f"load average {os.getloadavg()[0]:.1f}; {time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()
