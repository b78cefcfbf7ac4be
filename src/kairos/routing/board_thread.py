"""The live routing board's thread and inbox: the bus listener queues each message that can move
the board and never blocks its publisher; one thread applies them as they come, then runs the
board's hooks (push offers and their time-outs). :class:`kairos.routing.live_board.LiveBoard`
extends it with what the board holds and how a message changes it."""

from __future__ import annotations

import abc
import logging
import threading
from collections import deque
from collections.abc import Callable

from kairos.bus import BusMessage
from kairos.bus.messages import Message, parse
from kairos.routing.board_inbox import inert

log = logging.getLogger(__name__)


class BoardThread(abc.ABC):
    """A board kept current by one thread of its own from the messages its listener queues."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.built = False
        #: bumped on every change applied from the bus (tests and benchmarks wait on it)
        self.applied = 0
        self._pending: deque[BusMessage] = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Called by the board thread after each pass (push offers, their timeouts).
        self.hooks: list[Callable[[], None]] = []

    @abc.abstractmethod
    def rebuild(self) -> None:
        """Read the whole site from the database."""

    @abc.abstractmethod
    def _apply(self, message: Message) -> None:
        """Apply one bus message to the board."""

    @abc.abstractmethod
    def _known(self, body: BusMessage) -> bool:
        """Whether the board holds what ``body`` says already (nothing queued before it)."""

    def __call__(self, topic: str, body: BusMessage) -> None:
        """The bus listener: queue the message for the board thread; never block the publisher.
        Dropped here (the board thread need not wake): when nothing is queued before it, what
        the board holds already (a decision it stored, its agent state) or a score of a contact
        not waiting; anywhere, an applied event that cannot move the board (a customer's words)."""
        if inert(body) or (not self._pending and self._known(body)):
            return
        self._pending.append(body)
        self._wake.set()

    def start(self) -> None:
        """Start the board thread that applies bus messages as they come."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="routing-board", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the board thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wake(self) -> None:
        """Make the board thread run a pass now."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=0.25)
            self._wake.clear()
            try:
                self.drain()
                for hook in self.hooks:
                    hook()
            except Exception:  # a bad message must not stop the board
                log.exception("routing board: applying bus messages failed")

    def drain(self) -> None:
        """Apply every queued bus message (builds the board first if needed)."""
        with self.lock:
            if not self.built:
                self.rebuild()
            while self._pending:
                message = parse(self._pending.popleft())
                if message is not None:
                    self._apply(message)
