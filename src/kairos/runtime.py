"""The long-lived parts of a running Kairos: settings, database, bus, detectors, metrics."""

from __future__ import annotations

import gc
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from kairos.assist.live import CoachingListener
from kairos.bus import BusMessage, EventBus, MemoryBus
from kairos.bus.messages import CustomerErased, parse
from kairos.config import Settings
from kairos.db import Database, background, utcnow
from kairos.db_faults import lock_wait_expired
from kairos.detection.live import DetectorCache, default_factory, warm
from kairos.detection.text_memo import forget_every_text
from kairos.interactions import parking
from kairos.interactions.models import UNASSESSED, Interaction
from kairos.interactions.service import DETECTORS_GROUP
from kairos.periodic import Periodic
from kairos.redaction.inbound import configure_identity_key
from kairos.routing import queueing
from kairos.routing.live_board import TOPICS as BOARD_TOPICS
from kairos.routing.live_board import LiveBoard
from kairos.routing.offers import OfferBook
from kairos.routing.ownership import BoardOwner
from kairos.routing.passes import forget_spent
from kairos.routing.queue_map import QueueMap, load_queue_map
from kairos.routing.queueing import QueuePlacer
from kairos.routing.supervision import AlertLog, Supervisor
from kairos.services import Services
from kairos.web import driver_cache

Role = Literal["api", "worker"]
#: The prefix of a worker's reported ingest-to-assessment histogram figures.
LATENCY_FIGURES = "assessment_latency"
log = logging.getLogger(__name__)


def board_mode(settings: Settings, db: Database) -> Literal["memory", "database", "lease"]:
    """Where ``next`` decides (``KAIROS_ROUTING_BOARD``). ``auto``: on PostgreSQL a live board
    under the site's lease (one process decides; with Redis the others hand over to it); on
    SQLite a board in the process, or the database path when processes share a Redis bus."""
    if settings.routing_board != "auto":
        return settings.routing_board
    if not db.is_sqlite:
        return "lease"
    return "database" if settings.redis_url else "memory"


# The bus listeners, by consumer group (shared by every process that runs them), and their topics.
LISTENER_GROUPS: dict[str, tuple[str, ...]] = {
    DETECTORS_GROUP: ("events",),  # detection by workers only
    "supervisor": ("assessments",),
    "coaching": ("events",),
    "outcomes": ("events", "outcomes", "messages", "customers"),
    "alert-log": ("supervision", "events"),
    "queueing": ("events", "assessments"),
}


@dataclass
class Runtime(Services):
    """The composition root of one process: builds the services and wires the bus listeners."""

    _stops: list[Callable[[], None]] = field(default_factory=list)
    #: The queue mapping (``KAIROS_QUEUE_MAP``), checked at start; None: not configured.
    queue_map: QueueMap | None = None
    #: The live routing board of this process (``KAIROS_ROUTING_BOARD``); None: the database path.
    routing_board: LiveBoard | None = None
    #: Push offers on that board (agents with a desktop open).
    routing_offers: OfferBook | None = None
    #: With ``KAIROS_ROUTING_BOARD=lease``: the lease on the site's board and the hand-over.
    routing_owner: BoardOwner | None = None

    @classmethod
    def build(
        cls, settings: Settings, *, bus: EventBus | None = None, role: Role = "api"
    ) -> Runtime:
        """A runtime for ``settings``; the Redis bus if ``redis_url`` is set, else in-process.

        ``role``: ``api`` (a process serving HTTP) or ``worker`` (``kairos worker``). With inline
        detection the API process also runs the bus listeners; with detection by workers the
        listeners, the detector and the sweep run in the worker processes only.
        """
        configure_identity_key(settings.secret_key)  # card identities hash alike everywhere
        if bus is None and settings.redis_url:
            from kairos.bus.redis import RedisBus  # the `redis` extra

            bus = RedisBus(
                settings.redis_url,
                claim_idle_ms=settings.redis_claim_idle_ms,
                max_attempts=settings.bus_max_attempts,
            )
        bus = bus or MemoryBus()
        inline = settings.detection == "inline"
        runtime = cls(
            settings=settings,
            db=Database(settings.database_url, pool_timeout_s=settings.database_pool_timeout_s),
            bus=bus,
            detectors=DetectorCache(
                default_factory(),
                inline=inline,
                max_lag=settings.max_detection_lag,
                centre_timezone=settings.centre_zone,
                phone_region=settings.default_phone_region,
            ),
        )
        if settings.queue_map is not None:
            # Checked before anything listens: a wrong mapping stops the start, saying why.
            runtime.queue_map = load_queue_map(settings.queue_map)
            queueing.prepare(runtime.db, runtime.queue_map)
        if not inline and role == "api":
            # Create the workers' groups now: a group keeps what is published from its
            # creation on, so events ingested before the first worker starts still reach it.
            for group, topics in LISTENER_GROUPS.items():
                if group == "queueing" and runtime.queue_map is None:
                    continue  # no worker would read it: its lag would only grow on /metrics
                for topic in topics:
                    bus.ensure_group(topic, group)
        runtime._listen_erasures()
        if inline or role == "worker":
            runtime._listen()
            # This process assesses: what the first customer turn would load (about a second),
            # loaded now in the background instead of in that contact's assessment.
            threading.Thread(target=_warm, name="kairos-warm", daemon=True).start()
        # A bus that calls no listeners (a recording stand-in) cannot keep a board current.
        listens = type(bus).listen is not EventBus.listen
        mode = board_mode(settings, runtime.db)
        if role == "api" and listens and mode == "lease":
            runtime._start_owned_board()
        elif role == "api" and listens and mode == "memory":
            runtime._start_board()
        if role == "api" and settings.purge_interval_s:
            from kairos.privacy.retention import purger

            purging = purger(runtime.db, settings)
            purging.start()
            runtime._stops.append(purging.close)
        return runtime

    def _start_owned_board(self) -> None:
        """A board in every API process, deciding only while this process holds the lease (and
        making push offers then); without Redis a process that does not own it answers 503."""
        board = self.routing_board = self._new_board()
        owner = self.routing_owner = BoardOwner(
            board, self.db, self.bus, self.settings.redis_url, self.settings.routing_lease_ttl_s
        )
        self.routing_offers = OfferBook(
            board, self.db, self.bus, timeout_s=self.settings.offer_timeout_s,
            deciding=lambda: owner.owning,
        )  # fmt: skip
        owner.start()
        board.start()
        self._stops += [board.close, owner.close]

    def _start_board(self) -> None:
        """Run the live routing board in this process, current with the bus from now on."""
        board = self.routing_board = self._new_board()
        try:
            board.rebuild()
        except (OperationalError, ProgrammingError):
            log.info("routing board: no tables yet; it is built on first use")
        self.routing_offers = OfferBook(
            board, self.db, self.bus, timeout_s=self.settings.offer_timeout_s
        )
        board.start()
        self._stops.append(board.close)

    def _new_board(self) -> LiveBoard:
        """A live board with this process's routing settings, kept current from the bus. Every
        board hears every message: a group of its own (the in-process bus has none). Messages
        the bus may have lost (Redis away or restarted empty: a contact that started meanwhile)
        make the board read the site from the database again, on its own thread, before it
        decides next."""
        board = LiveBoard(self.db)
        board.passes.return_after_s = self.settings.return_after_pass_s
        board.first.wait_s = self.settings.routing_assessment_wait_s

        def reread() -> None:
            board.built = False
            board.wake()

        group = f"routing-board-{uuid.uuid4().hex[:12]}"
        self.bus.listen(board, *BOARD_TOPICS, group=group, on_gap=reread, per_process=True)
        self.forgetting.add(board.forget_erased, reread)
        return board

    def _listen_erasures(self) -> None:
        """Drop what this process holds in memory about an erased customer's contacts, whichever
        process erased them: every process hears every erasure (a group of its own). Held by
        contact (dropped for those contacts): the live detectors, the routing board's contacts,
        AudioHook callers' baselines; held by text, whoever said it (emptied whole): the memos
        of the semantic tier and of coaching, the wallboard's contact drivers. After a gap (an
        erasure may have been missed) everything is dropped, each rebuilt from the database
        when next needed, where the erased contacts are gone."""
        forgetting = self.forgetting
        forgetting.add(self.detectors.forget_erased, self.detectors.clear)
        forgetting.add(lambda keys: _forget_texts(), _forget_texts)

        def erased(topic: str, body: BusMessage) -> None:
            message = parse(body)
            if isinstance(message, CustomerErased):
                forgetting.erased(message.contacts)

        group = f"erasures-{uuid.uuid4().hex[:12]}"
        self.bus.listen(erased, "privacy", group=group, on_gap=forgetting.gap, per_process=True)

    def _listen(self) -> None:
        """Register the bus listeners: in-process on the memory bus, consumer groups on Redis."""
        from kairos.interactions.detecting import DetectionWorker, Sweeper
        from kairos.outcomes.worker import OutcomesWorker

        bus, groups = self.bus, LISTENER_GROUPS
        outcomes = OutcomesWorker(self)
        if not self.detectors.inline:
            worker = DetectionWorker(self)
            bus.listen(worker, *groups[DETECTORS_GROUP], group=DETECTORS_GROUP)
            sweeper = Sweeper(
                self, interval_s=self.settings.sweep_interval_s, also=[outcomes.sweep]
            )
            sweeper.start()
            self._stops += [worker.stop.set, outcomes.stop.set, sweeper.close]
        if self.queue_map is not None:
            placer = QueuePlacer(self.db, bus, self.queue_map)
            bus.listen(placer, *groups["queueing"], group="queueing")
        # Supervisor alerts follow every assessment of an interaction in progress; after a bus
        # gap they are raised (and cleared) from the stored assessments.
        supervisor = Supervisor(bus, self.db)
        bus.listen(
            supervisor, *groups["supervisor"], group="supervisor", on_gap=supervisor.catch_up
        )
        # A quiet contact sends no assessment while its deadline draws near or passes the grace
        # window: every so often the alerts are read again against the clock, and an action
        # that changed is raised (a routed contact's too, which no assessment follows).
        recheck = Periodic(
            supervisor.catch_up, interval_s=self.settings.alert_recheck_s, name="alert-recheck"
        )
        recheck.start()
        self._stops.append(recheck.close)
        # ... and are stored, closed when they clear or the interaction ends.
        bus.listen(AlertLog(self.db), *groups["alert-log"], group="alert-log")
        # coaching.nudge on the agent's words
        coaching = CoachingListener(bus, self.db)
        bus.listen(coaching, *groups["coaching"], group="coaching", on_gap=coaching.catch_up)
        # Reviews at the end, surveys, recontacts and outreach rules follow the bus.
        bus.listen(outcomes, *groups["outcomes"], group="outcomes")
        # Contacts whose end never arrived are ended as timed out (every listening process
        # may sweep: each contact is locked and ended once; no limit set, none is), and who let
        # a contact go is forgotten once it can no longer matter (``let_go`` would grow forever).
        from kairos.interactions.idle import idle_sweeper

        idle = idle_sweeper(self, also=[lambda: forget_spent(self.db)])
        idle.start()
        self._stops.append(idle.close)
        if self.settings.smtp_host or self.settings.twilio_account_sid:
            # "You said, we did" messages go out on their own, not only by `kairos send-outreach`.
            from kairos.outcomes.sending import outreach_sender

            sender = outreach_sender(
                self.db, self.settings, interval_s=self.settings.outreach_send_interval_s,
                metrics=self.metrics,
            )  # fmt: skip
            sender.start()
            self._stops.append(sender.close)

    def refresh_metrics(self) -> None:
        """Set the gauges in ``metrics`` from the bus and the database (for ``/metrics``)."""
        stats = self.bus.stats()
        metrics = self.metrics
        if self.settings.early_event_hold_s > 0:
            # Early events whose start never came are deleted here too (each logged): a quiet
            # system that parks nothing new still lets them go, and says so.
            # Bookkeeping: a lock another process holds skips it (the next scrape does it)
            # rather than keeping /metrics waiting 10 s, past a scraper's own timeout.
            hold = timedelta(seconds=self.settings.early_event_hold_s)
            try:
                with background(), self.db.write_lock(), self.db.session() as session:
                    expired = parking.expire(session, utcnow() - hold)
                    metrics.events_waiting.set(parking.waiting(session))
                    session.commit()
                metrics.events_parked.inc(expired, outcome="expired")
            except OperationalError as error:
                if not lock_wait_expired(error):
                    raise
        waits = metrics.database_lock_waits  # counted by the database (``Database``)
        for wait, count in self.db.lock_waits_expired.items():
            waits.inc(count - waits.value(wait=wait), wait=wait)
        if stats:
            metrics.bus_published.set(stats.get("published", 0))
            metrics.bus_publish_failures.set(stats.get("publish_failures", 0))
            for (topic, group), figures in stats.get("groups", {}).items():
                metrics.bus_lag.set(figures["lag"], topic=topic, group=group)
                metrics.bus_pending.set(figures["pending"], topic=topic, group=group)
            for topic, count in stats.get("dead_letters", {}).items():
                metrics.bus_dead_letters.set(count, topic=topic)
            for group, count in stats.get("held", {}).items():
                metrics.bus_held.set(count, group=group)
            held = metrics.bus_deliveries_held  # counted by the listeners (``GroupReader``)
            for group, count in stats.get("deliveries_held", {}).items():
                held.inc(count - held.value(group=group), group=group)
        if not self.detectors.inline:
            reports = self.bus.reports()
            metrics.workers_alive.set(len(reports))
            metrics.worker_figures.clear()
            metrics.assessment_latency.clear_reported()
            for worker, figures in reports.items():
                metrics.assessment_latency.set_reported(figures, LATENCY_FIGURES, process=worker)
                for figure, value in figures.items():
                    if figure != "reported_at" and not figure.startswith(LATENCY_FIGURES):
                        metrics.worker_figures.set(value, worker=worker, figure=figure)
            with self.db.session() as session:
                behind = session.scalar(
                    select(func.count()).select_from(Interaction).where(UNASSESSED)
                )
            metrics.detection_backlog.set(behind or 0)
        state = self.bus.figures_state()
        if state is not None:  # a Redis that hangs: the figures above are the last read
            metrics.bus_redis_up.set(1 if state[0] else 0)
            metrics.bus_figures_age.set(round(state[1], 1) if not state[0] else 0)

    def close(self) -> None:
        """Stop the workers' threads and release connections."""
        for stop in self._stops:
            stop()
        self.bus.close()
        self.db.dispose()


def _forget_texts() -> None:
    """Empty the process's memos of what was said (text -> reading) and of contact drivers."""
    forget_every_text()
    driver_cache.forget()


def _warm() -> None:
    """Load the models; in a serving process (the app froze what start-up built, see
    ``kairos.main``) freeze them too: tens of thousands of objects that live as long as the
    process, which a full collection would otherwise walk (60 ms on the shared machine) in the
    middle of some request."""
    warm()
    if gc.get_freeze_count():
        gc.freeze()
