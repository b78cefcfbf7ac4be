"""``kairos calibrate`` measured on the demo's traffic (``kairos.demo.calibration``): the flagged
share and precision on a second week before and after applying the recommendation made from a
first week flagged at a mis-set base rate.

    PYTHONPATH=src python benchmarks/calibration.py [--contacts 1400] [--review 0.5] [--report 0.3]
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from kairos.demo.calibration import Measured, read_traffic, run


def main() -> None:
    """Print the before-and-after table for mis-set base rates, over two rounds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1400, help="contacts a week")
    parser.add_argument(
        "--review", type=float, default=0.5, help="share of flags and candidates reviewed"
    )
    parser.add_argument("--report", type=float, default=0.3, help="share of misses reported")
    args = parser.parse_args()
    console = Console()
    with Progress(console=console) as progress:
        weeks = [read_traffic(args.contacts, seed, progress) for seed in (1, 2, 3)]
    table = Table(
        title=f"{args.contacts} contacts a week; {args.review:.0%} of flags and candidates "
        f"reviewed, {args.report:.0%} of other misses reported"
    )
    for col in ("set", "week 1: flags reviewed, precision (95% CI)", "recommended",
                "week 2 at the set rate", "week 2 at the recommendation", "second round",
                "week 3"):  # fmt: skip
        table.add_column(col)
    for rate in (0.15, 0.05, 0.01):
        kw = {"review": args.review, "report": args.report}
        out, before, after = run(weeks[0], weeks[1], rate, **kw)
        first = out.recommended.base_rate if out.recommended else rate
        again, _, third = run(weeks[1], weeks[2], first, **kw)
        second = again.recommended.base_rate if again.recommended else again.refused
        p = out.precision
        table.add_row(
            f"{rate}", f"{out.reviewed_flags}, {p.value:.2f} ({p.low:.2f}-{p.high:.2f})",
            f"{out.recommended.base_rate if out.recommended else out.refused}",
            _fmt(before), _fmt(after), f"{second}", _fmt(third),
        )  # fmt: skip
    console.print(table)
    for n, week in enumerate(weeks, 1):
        truth = sum(r.truth for r in week) / len(week)
        console.print(f"week {n}: {truth:.1%} of contacts truly moments of truth")


def _fmt(m: Measured) -> str:
    return f"{m.flagged_share:.1%} at {m.precision:.2f}, recall {m.recall:.2f}"


if __name__ == "__main__":
    main()
