"""The contact summary (``kairos.outcomes.summary``) against human summaries, beside the
lead-sentences baseline, measured in the same run.

Usage: python benchmarks/summary.py [--split test] [--data-dir ../shared/data]

DialogSum (``dialogsum/{dev,test}.jsonl``): everyday two-person dialogues, each with three human
reference summaries on the test split (one on dev). ``#Person1#`` is read as the customer (they
open the conversation and ask) and ``#Person2#`` as the agent. Every system's summary is scored
with Google's ``rouge-score`` (ROUGE-1, ROUGE-2, ROUGE-L F1, Porter stemming) against each
reference; a dialogue's score is the best over its references, then averaged. The systems:

- Kairos: the extractive summary (what the customer needed, what was done, what was promised,
  what is still open; the ending unknown, so "still open" is kept);
- lead-2 and lead-3: the first two or three sentences said, the usual extractive baseline.

The references are abstractive and in the third person ("#Person1# asks Ms. Dawson to..."), so
no extractive system scores high; the comparison is what the figures are for.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

from kairos.outcomes.summary import Turn, lead, summarize

_LINE = re.compile(r"^#Person(\d)#:\s*(.*)$")
METRICS = ("rouge1", "rouge2", "rougeL")


def turns_of(dialogue: str) -> list[Turn]:
    """A DialogSum dialogue as turns: Person1 the customer, Person2 the agent."""
    out = []
    for n, line in enumerate(dialogue.splitlines()):
        match = _LINE.match(line.strip())
        if match:
            who = "customer" if match.group(1) == "1" else "agent"
            out.append(Turn(who, match.group(2), event_id=f"t{n}", seq=n))
    return out


def references(row: dict[str, str]) -> list[str]:
    return [row[k] for k in sorted(row) if k.startswith("summary") and row[k]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="test", choices=("test", "dev"))
    data_env = os.environ.get("KAIROS_DATA_DIR")
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    default_dir = Path(data_env) if data_env else shared
    parser.add_argument("--data-dir", type=Path, default=default_dir)
    args = parser.parse_args()
    path = args.data_dir / "dialogsum" / f"{args.split}.jsonl"
    if not path.exists():
        print(f"no DialogSum at {path}", file=sys.stderr)
        return 2
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    systems = {"Kairos summary": [], "lead-2": [], "lead-3": []}
    scores: dict[str, dict[str, list[float]]] = {s: {m: [] for m in METRICS} for s in systems}
    words: dict[str, list[int]] = {s: [] for s in systems}
    seconds = 0.0
    for row in track(
        rows, description=f"scoring {len(rows)} dialogues", console=Console(stderr=True)
    ):
        turns = turns_of(row["dialogue"])
        started = time.perf_counter()
        ours = summarize(turns).text
        seconds += time.perf_counter() - started
        outputs = {"Kairos summary": ours, "lead-2": lead(turns, 2), "lead-3": lead(turns, 3)}
        refs = references(row)
        for name, text in outputs.items():
            words[name].append(len(text.split()))
            for metric in METRICS:
                best = max(scorer.score(ref, text)[metric].fmeasure for ref in refs)
                scores[name][metric].append(best)
    table = Table(
        title=f"DialogSum {args.split}: {len(rows)} dialogues, ROUGE F1 (best of "
        f"{len(references(rows[0]))} references), mean"
    )
    table.add_column("system")
    for metric in METRICS:
        table.add_column(metric.upper().replace("ROUGE", "ROUGE-"), justify="right")
    table.add_column("words", justify="right")
    table.add_column("ROUGE-L vs lead-3", justify="right")
    base = statistics.fmean(scores["lead-3"]["rougeL"])
    for name in systems:
        means = [statistics.fmean(scores[name][m]) for m in METRICS]
        table.add_row(
            name,
            *(f"{100 * m:.1f}" for m in means),
            f"{statistics.fmean(words[name]):.0f}",
            f"{means[2] / base:.2f}×",
        )
    console = Console()
    console.print(table)
    console.print(
        f"Kairos summary: {1000 * seconds / len(rows):.2f} ms per dialogue "
        f"({len(rows) / seconds:,.0f} dialogues/s, one core, no model)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
