"""The wallboard's day figures on a busy day: this tree against a baseline tree, alternated.

The figures strip is recomputed on every live refresh of every open wallboard, so its cost is
paid many times a minute. Runs ``kairos.outcomes.figures.day_figures`` (today, UTC) on a copy of
a database with a day of traffic (``kairos demo --pace 8`` for an hour makes ~5,000 contacts),
``--rounds`` times per tree, alternating the trees so both see the same machine load, and checks
that both trees give the same figures.

    python benchmarks/day_figures.py --database var/kairos.db --baseline-src /tmp/base/src
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console

PROBE = """
import json, statistics, sys, time
from kairos.db import Database
from kairos.outcomes import figures
db = Database("sqlite:///" + sys.argv[1])
times = []
with db.session() as session:
    for _ in range(int(sys.argv[2])):
        started = time.perf_counter()
        found = figures.day_figures(session=session)
        times.append(time.perf_counter() - started)
out = found.model_dump(mode="json")
out.pop("timezone", None)
print(json.dumps({"median_s": statistics.median(times), "figures": out}))
"""


def _run(src: str, database: Path, calls: int) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(database), str(calls)],
        env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Time both trees, alternating, and print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=Path("var/kairos.db"))
    parser.add_argument("--baseline-src", required=True, help="the old tree's src folder")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=8)
    args = parser.parse_args()
    console = Console()
    here = str(Path(__file__).resolve().parents[1] / "src")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "snapshot.db"  # a still copy: a running demo keeps writing its own
        shutil.copyfile(args.database, copy)
        medians: dict[str, list[float]] = {"baseline": [], "this tree": []}
        answers: dict[str, object] = {}
        for _ in range(args.rounds):
            for name, src in (("baseline", args.baseline_src), ("this tree", here)):
                result = _run(src, copy, args.calls)
                medians[name].append(float(str(result["median_s"])))
                answers[name] = result["figures"]
    for name, values in medians.items():
        console.print(f"{name}: median {1000 * statistics.median(values):.1f} ms per call")
    ratio = statistics.median(medians["baseline"]) / statistics.median(medians["this tree"])
    same = len({json.dumps(answer, sort_keys=True) for answer in answers.values()}) == 1
    console.print(f"baseline / this tree: {ratio:.1f}x; same figures: {same}")
    console.print(f"the figures: {answers['this tree']}")


if __name__ == "__main__":
    main()
