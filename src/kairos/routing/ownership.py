"""One owner per site for the live routing board across API processes (board mode `lease`).

Every API process keeps a board current from the bus, but only the process holding the site's
**lease** (a row of ``routing_leases`` in the database, :mod:`kairos.routing.lease`: its expiry
on the database's clock, renewed on a connection of its own on PostgreSQL) decides. The lease
lasts its TTL (``KAIROS_ROUTING_LEASE_TTL_S``, ``LEASE_TTL_S`` by default) and its owner renews
it every third of that; when the owner dies, another process takes it over once it has expired
(by default within ``LEASE_TTL_S + RENEW_S``, under 5 s), rebuilds its board from the database
and serves.
Each change of owner raises the lease's **fencing token**; a decision is stored only in a
transaction that finds the lease still held by the deciding process with its token (PostgreSQL:
a key share row lock, so a takeover waits for a decision in flight and a stale owner's later
decisions are refused, while the owner's own renewals never wait). With the conditional update of
the interaction, no contact is assigned twice and no agent goes over capacity across a takeover.

The expiry says when *another* process may take the lease, not when its owner must stop: a busy
owner whose renewal comes late (the CPU, a lock or the disk kept its thread waiting) still holds
the row with its token while no other process has taken it, so it goes on deciding, and its
renewal extends the lease with the same token (nobody else decided in between). Only a takeover,
which raises the token, fences it out.

The other processes hand ``next`` to the owner through Redis (a request list the owner reads and a
reply list per request); while no process owns the site (the seconds of a takeover) a request
answers 503 with ``Retry-After``, having changed nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import Any

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from kairos.bus import EventBus
from kairos.db import Database, utcnow
from kairos.errors import ClientError, Conflict, NotFound, why_unavailable
from kairos.routing.lease import LEASE_TTL_S, RENEW_S, SiteLease
from kairos.routing.live_board import BoardUnavailable, LiveBoard
from kairos.routing.live_next import next_from_board
from kairos.routing.schemas import DecisionOut

log = logging.getLogger(__name__)

#: How long a process waits for the owner's answer before it says 503.
HANDOFF_TIMEOUT_S = 6.0

__all__ = ["HANDOFF_TIMEOUT_S", "LEASE_TTL_S", "RENEW_S", "BoardOwner", "SiteLease"]


def _key(prefix: str, *parts: str) -> str:
    return ":".join((prefix, "routing", *parts))


class BoardOwner:
    """Keeps (or waits for) the lease, serves ``next`` while owner, hands it over otherwise."""

    def __init__(
        self,
        board: LiveBoard,
        db: Database,
        bus: EventBus,
        redis_url: str | None,
        lease_ttl_s: float = LEASE_TTL_S,
    ) -> None:
        self.board, self.db, self.bus = board, db, bus
        self.lease = SiteLease(db, ttl_s=lease_ttl_s)
        self.renew_s = lease_ttl_s * RENEW_S / LEASE_TTL_S  # a third of the lease
        self._held: int | None = None  # the token this process decided with last
        self.board.fence = self.lease.holds
        self.board.fence_params = self.lease.params
        self.redis: Any = None
        if redis_url:  # several processes: the others hand `next` over through Redis
            import redis  # the `redis` extra

            self.redis = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=10)
        self.requests = _key("kairos", self.lease.site, "requests")
        self.owning = False
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._keep, name="routing-lease", daemon=True)]
        if self.redis is not None:
            self._threads.append(
                threading.Thread(target=self._serve, name="routing-owner", daemon=True)
            )

    def start(self) -> None:
        """Take the lease now if it is free (a lone process serves from its first request), then
        keep renewing (or waiting for) it and serve handed-over requests."""
        self._renew()
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        """Stop and give the lease up: another process takes over at once."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.owning = False
        try:
            self.lease.release()
        except Exception:  # the database is away: the lease runs out by itself
            log.exception("routing lease: could not give the lease up")
        self.lease.close()

    def _renew(self) -> None:
        ran_out_at = self.lease.runs_out_at
        try:
            token = self.lease.renew()
        except PoolTimeout:  # a burst holds every pooled connection: busy, not away
            # Decisions go on as they were (each checks the lease: a takeover fences them out).
            log.warning("routing lease: renewal waited too long for a pooled connection")
            return
        except (OperationalError, ProgrammingError) as exc:  # away, or not migrated yet
            log.warning(
                "routing lease: renewal failed (%s); not deciding meanwhile", why_unavailable(exc)
            )
            token = None
        except Exception:  # we may not decide meanwhile
            log.exception("routing lease: renewal failed")
            token = None
        if token is not None and token != self._held:
            # A new token: another process may have decided since this one last held the
            # lease (what it decided is in the database).
            log.info("routing lease: this process owns the board (token %d)", token)
            self.board.rebuild()
            if self.board.line is not None:
                with self.board.lock:
                    self.board.line.open()
        elif token is not None and ran_out_at is not None:
            self._late(token, time.monotonic() - ran_out_at)
        self.owning, self._held = token is not None, token

    def _late(self, token: int, late: float) -> None:
        """Say so when our lease was extended ``late`` s after it had run out (nobody took it)."""
        if late > 0:
            log.warning(
                "routing lease: renewed %.1f s after it ran out (this process was kept waiting); "
                "no other process had taken it, so this one kept deciding (token %d)",
                late,
                token,
            )

    def _keep(self) -> None:
        while not self._stop.wait(self.renew_s):
            self._renew()

    def _serve(self) -> None:
        while not self._stop.is_set():
            if not self.owning:
                self._stop.wait(0.1)
                continue
            try:
                item = self.redis.blpop([self.requests], timeout=1)
            except Exception:
                log.exception("routing owner: reading requests failed")
                self._stop.wait(0.5)
                continue
            if item is None:
                continue
            request = json.loads(item[1])
            try:
                reply = self._answer(request)
            except Exception:  # the database failing under it: this request only, say 503
                log.exception("routing owner: deciding a handed-over request failed")
                reply = {"status": 503, "message": "the routing board's owner failed; retry"}
            try:
                self.redis.lpush(request["reply"], json.dumps(reply))
                self.redis.expire(request["reply"], 30)
            except Exception:  # Redis went away meanwhile: the asking process answers 503
                log.exception("routing owner: answering a handed-over request failed")

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        if utcnow().timestamp() > request["deadline"]:
            return {"status": 503, "message": "the request waited too long for the owner"}
        try:
            decision, message = self.next_here(request["agent_id"], request.get("key"))
        except ClientError as exc:
            return {"status": exc.status_code, "message": exc.message}
        body = decision.model_dump(mode="json") if decision is not None else None
        return {"status": 200, "decision": body, "message": message}

    def next_here(self, agent_id: str, key: str | None) -> tuple[DecisionOut | None, str]:
        """``next`` on this process's board (it must own the lease)."""
        if not self.owning:
            raise BoardUnavailable("this process does not own the routing board")
        return next_from_board(
            self.board, db=self.db, bus=self.bus, agent_id=agent_id, request_key=key
        )

    def next_for_agent(self, agent_id: str, key: str | None) -> tuple[DecisionOut | None, str]:
        """``next`` decided by the owner: here, or handed to it through Redis."""
        if self.owning:
            return self.next_here(agent_id, key)
        if self.redis is None:
            raise BoardUnavailable(
                "another process owns the routing board and, without KAIROS_REDIS_URL, this one "
                "cannot hand the request to it; retry (it takes over if the owner stops)"
            )
        reply_key = _key("kairos", self.lease.site, "reply", uuid.uuid4().hex)
        deadline = utcnow().timestamp() + HANDOFF_TIMEOUT_S
        request = {"agent_id": agent_id, "key": key, "reply": reply_key, "deadline": deadline}
        from redis import RedisError

        try:
            self.redis.rpush(self.requests, json.dumps(request))
            item = self.redis.blpop([reply_key], timeout=HANDOFF_TIMEOUT_S)
        except RedisError as exc:  # as for no answer: a retry with the same Idempotency-Key
            # gets the decision if the owner made one before Redis went away.
            log.warning("routing: handing next to the owner failed (%s)", exc)
            raise BoardUnavailable(
                "Redis, which hands this request to the routing board's owner, does not answer; "
                "retry"
            ) from exc
        if item is None:
            raise BoardUnavailable("no process owns the routing board now (a takeover); retry")
        reply = json.loads(item[1])
        status = reply["status"]
        if status == 200:
            decision = reply["decision"]
            out = DecisionOut.model_validate(decision) if decision is not None else None
            return out, str(reply["message"])
        error = {404: NotFound, 409: Conflict}.get(status)
        if error is not None:
            raise error(str(reply["message"]))
        raise BoardUnavailable(str(reply["message"]))
