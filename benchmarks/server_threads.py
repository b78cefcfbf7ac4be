"""Where one request's time went, read from outside the server: each server thread's CPU time
and run-queue wait (runnable, waiting for a CPU) from ``/proc/PID/task/*/schedstat`` (Linux),
and the client's own. Read between requests, while the server's threads sleep (their figures
are then current), so the server runs no extra code and takes no extra lock.

The client and the server run at once on two CPUs (the server finishes a request's work after
its answer is sent), so the columns do not add up to the wall time; what they tell is who ran
and who waited. A request whose server threads neither ran nor waited for a CPU waited on the
network, the disk or a lock; one held up by the GIL shows another server thread's CPU.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table


def _schedstat(path: Path) -> tuple[int, int]:
    cpu, runqueue, _ = path.read_text().split()
    return int(cpu), int(runqueue)


def threads_of(pid: int) -> dict[int, tuple[int, int]]:
    """Each thread of ``pid``: (CPU ns, run-queue wait ns) so far."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out[int(task.name)] = _schedstat(task / "schedstat")
        except (OSError, ValueError):  # a thread that ended meanwhile
            continue
    return out


@dataclass
class Spent:
    """One request, in milliseconds."""

    wall: float
    main_cpu: float  # the server's main thread (its event loop)
    other_cpu: float  # the server's other threads (a worker thread, background work)
    others: int  # how many of those ran at all
    server_waiting: float  # the server's threads runnable, waiting for a CPU
    client_cpu: float
    client_waiting: float


class Watch:
    """Per-request accounting of server process ``pid`` from the calling (client) thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._me = Path(f"/proc/self/task/{threading.get_native_id()}/schedstat")
        self._server: dict[int, tuple[int, int]] = {}
        self._client = (0, 0.0)
        self.spent: list[Spent] = []

    def before(self) -> None:
        """Just before the request is sent."""
        self._server = threads_of(self.pid)
        self._client = (_schedstat(self._me)[1], time.thread_time())

    def after(self, wall_s: float) -> None:
        """Just after its answer was read, given its wall time."""
        client_waiting = _schedstat(self._me)[1] - self._client[0]
        client_cpu = time.thread_time() - self._client[1]
        now = threads_of(self.pid)
        main = other = waiting = 0
        others = 0
        for tid, (cpu, runqueue) in now.items():
            cpu0, runqueue0 = self._server.get(tid, (0, 0))
            waiting += runqueue - runqueue0
            if tid == self.pid:
                main = cpu - cpu0
            elif cpu > cpu0:
                other += cpu - cpu0
                others += 1
        self.spent.append(Spent(wall_s * 1e3, main / 1e6, other / 1e6, others,
                                waiting / 1e6, client_cpu * 1e3, client_waiting / 1e6))  # fmt: skip


def slowest(title: str, spent: list[Spent], share: float = 0.01) -> Table:
    """The slowest ``share`` of the requests (the p99 and above), and the median one."""
    table = Table(title=title)
    columns = ("request", "wall ms", "server main thread CPU", "other threads CPU (how many)",
               "server waiting for a CPU", "client CPU", "client waiting for a CPU")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    ranked = sorted(spent, key=lambda s: s.wall)
    if not ranked:
        return table
    n = max(1, round(len(ranked) * share) + 1)
    median = ranked[len(ranked) // 2]
    rows = [("median", median)] + [(f"#{i + 1} slowest", s) for i, s in enumerate(ranked[::-1][:n])]
    for name, s in rows:
        cells = (s.wall, s.main_cpu, s.other_cpu, s.server_waiting, s.client_cpu, s.client_waiting)
        text = [f"{v:.2f}" for v in cells]
        text[2] += f" ({s.others})"
        table.add_row(name, *text)
    cpu = statistics.median(s.main_cpu + s.other_cpu for s in spent)
    table.caption = f"{len(spent)} requests; the server's CPU per request: median {cpu:.2f} ms"
    return table
