"""How often coaching fires on real agents' replies, and how often it is right.

Usage: python benchmarks/coaching.py [--threads 43072] [--sample 50] [--seed 5]

Reads every airline agent reply in ``airline_threads`` of the shared data (real customer-service
tweets by airline staff), runs :func:`kairos.assist.coaching.coach` on each and prints:

- the firing rate per nudge kind and per rule (replies with at least one nudge of that kind);
- the peer measured in the same run: the detector's own agent-stance lexicon (the ``blame`` cues
  of ``kairos.detection.lexicon.AGENT``, which mix blame and deflection), its firing rate as a
  ratio of coaching's blame + deflect rate, and how far the two agree;
- a fixed random sample of firings (seeded), each in its reply (the span in «»), and the
  verdict a person gave it by hand (``HAND_LABELS`` below, keyed by thread id and span);
  precision is computed over the labelled ones. A firing not yet labelled (after a rule
  changes) shows ``?`` and is left out of the precision, which says how many it rests on.

There are no labels for what coaching should have caught, so recall is not measured here.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from dataclasses import dataclass

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from kairos.assist.coaching import NUDGE_KINDS, Nudge, coach
from kairos.detection.cues import AGENT_FAMILY, scan
from kairos.replay import read_threads, threads_path

#: Hand verdicts on the seed-5 sample of the full run, given once, before any rule was changed
#: after seeing it: True = the span really blames the customer, hands the problem to someone else
#: (another team, company or channel), or closes early; False = a false alarm. Keyed by
#: (thread id, span start).
HAND_LABELS: dict[tuple[str, int], bool] = {
    ("985608", 33): True,
    ("1903973", 7): True,
    ("1897535", 37): True,
    ("1092676", 0): True,
    ("2681474", 12): False,  # advice for a future booking, no problem handed off
    ("915068", 14): True,
    (
        "1899481",
        41,
    ): False,  # a report with the airline itself, so it can help: a step, not a hand-off
    ("78360", 230): True,
    ("761407", 87): True,
    ("1960780", 115): True,
    ("2760668", 10): True,
    ("914926", 13): True,
    ("2031737", 32): True,
    ("3103", 0): True,
    ("557293", 9): True,
    ("536828", 10): True,
    ("2247973", 10): True,
    ("1168095", 57): True,
    ("232256", 13): True,
    ("2158270", 54): True,
    ("91226", 0): True,
    ("2472693", 28): True,
    ("2151504", 73): True,
    ("2491932", 159): True,
    ("1803451", 32): False,  # a claim with the airline's own specialists: a step, not a hand-off
    ("1980466", 46): False,  # a joke about a photo, not blame
    ("162302", 151): True,
    ("172583", 6): True,
    ("524106", 98): True,
    ("132244", 44): True,
    ("132698", 0): True,
    ("1315911", 75): True,
    ("1565714", 11): True,
    ("360371", 59): True,
    ("2583952", 59): False,  # explains how check-in works
    ("456390", 0): True,
    ("351346", 12): True,
    ("2039666", 56): True,
    ("1431155", 91): True,
    ("813390", 46): True,
    ("1907254", 11): True,
    ("2367151", 218): True,
    ("2748768", 49): True,
    ("1030357", 64): True,
    ("2342867", 32): True,
    ("1684734", 31): True,
    ("1495749", 74): True,
    ("163826", 0): True,
    ("1727810", 12): True,
    ("1550032", 175): True,
}


@dataclass(frozen=True)
class Firing:
    """One nudge on one reply."""

    thread_id: str
    reply: str
    nudge: Nudge


def _context(reply: str, nudge: Nudge, width: int = 90) -> str:
    start = max(0, nudge.start - width)
    end = min(len(reply), nudge.end + width)
    text = reply[start : nudge.start] + "«" + nudge.span + "»" + reply[nudge.end : end]
    return ("…" if start else "") + text + ("…" if end < len(reply) else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None, help="read at most this many")
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    console = Console()
    path = threads_path()
    if path is None:
        raise SystemExit("no airline_threads data: set KAIROS_DATA_DIR")

    replies = 0
    kinds: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    peer = peer_and_coach = coach_blame_deflect = 0
    firings: list[Firing] = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("coaching agent replies", total=args.threads or 43_072)
        for thread in read_threads(path, limit=args.threads):
            progress.advance(task)
            for turn in thread.turns:
                if turn.speaker != "agent":
                    continue
                replies += 1
                nudges = coach(turn.text)
                for kind in {n.kind for n in nudges}:
                    kinds[kind] += 1
                for rule in {n.rule for n in nudges}:
                    rules[rule] += 1
                firings.extend(Firing(thread.thread_id, turn.text, n) for n in nudges)
                ours = any(n.kind in ("blame", "deflect") for n in nudges)
                theirs = any(h.labels[0] == "blame" for h in scan(turn.text, (AGENT_FAMILY,)))
                coach_blame_deflect += ours
                peer += theirs
                peer_and_coach += ours and theirs

    console.print(f"[bold]{replies:,} agent replies[/] in airline_threads; {len(firings):,} nudges")
    table = Table(title="Replies with at least one nudge")
    table.add_column("kind")
    table.add_column("replies", justify="right")
    table.add_column("rate", justify="right")
    for kind in NUDGE_KINDS:
        table.add_row(kind, f"{kinds[kind]:,}", f"{kinds[kind] / max(replies, 1):.2%}")
    any_nudge = len({(f.thread_id, f.reply) for f in firings})
    table.add_row("any", f"{any_nudge:,}", f"{any_nudge / max(replies, 1):.2%}")
    console.print(table)
    by_rule = Table(title="By rule")
    by_rule.add_column("rule")
    by_rule.add_column("replies", justify="right")
    for rule, count in rules.most_common():
        by_rule.add_row(rule, f"{count:,}")
    console.print(by_rule)

    union = coach_blame_deflect + peer - peer_and_coach
    console.print(
        "[bold]Peer[/] (detector's agent-stance lexicon, blame cues): fires on "
        f"{peer:,} replies ({peer / max(replies, 1):.2%}), "
        f"{peer / max(coach_blame_deflect, 1):.2f}x coaching's blame+deflect "
        f"({coach_blame_deflect:,}); "
        f"both fire on {peer_and_coach:,} (Jaccard {peer_and_coach / max(union, 1):.2f})"
    )

    sample = random.Random(args.seed).sample(firings, min(args.sample, len(firings)))
    console.print(f"[bold]Sample of {len(sample)} firings (seed {args.seed})[/], span in «»:")
    right = labelled = 0
    for number, firing in enumerate(sample, 1):
        verdict = HAND_LABELS.get((firing.thread_id, firing.nudge.start))
        if verdict is not None:
            labelled += 1
            right += verdict
        mark = "?" if verdict is None else ("yes" if verdict else "NO")
        console.print(
            f"{number:>3} {mark:<3} {firing.nudge.kind}/{firing.nudge.rule} "
            f"({firing.thread_id}, {firing.nudge.start}): {_context(firing.reply, firing.nudge)}",
            markup=False,
            highlight=False,
        )
    if labelled:
        console.print(
            f"[bold]Hand-checked precision[/]: {right}/{labelled} = {right / labelled:.0%} "
            f"({len(sample) - labelled} of the sample not labelled)"
        )
    else:
        console.print("[bold]Hand-checked precision[/]: no labels for this sample")


if __name__ == "__main__":
    main()
