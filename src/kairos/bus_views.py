"""HTTP routes: the bus's dead letters (``kairos.bus.dead_letters``), for admins.

What ``kairos bus dead-letters`` does, for an operator who has the API and not a shell: list
them paged, give one to its group again once the cause is fixed, or drop it. Only the Redis bus
keeps dead letters; on the in-process bus the list is empty (a failing listener is logged).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import redis
from fastapi import APIRouter, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from kairos.access import AdminDep
from kairos.bus import dead_letters as dead
from kairos.deps import PageDep, SettingsDep, read_page
from kairos.errors import NotFound, Unavailable

router = APIRouter(prefix="/v1/bus", tags=["bus"])

#: A topic's name as the bus writes it (``events``, ``assessments``, ``supervision``...).
_TOPIC = r"^[a-z][a-z0-9_.-]{0,49}$"
#: A Redis stream entry's id: milliseconds, a dash, a sequence number.
_ENTRY = r"^\d{1,20}-\d{1,20}$"
TopicPath = Annotated[str, Path(pattern=_TOPIC, description="the topic the letter came from")]
EntryPath = Annotated[str, Path(pattern=_ENTRY, description="the dead letter's id")]


class DeadLetterList(BaseModel):
    """A page of dead letters, oldest first, and how many there are."""

    total: int
    items: list[dead.DeadLetter]


class BusUnavailable(Unavailable):
    """Redis did not answer: nothing was listed, replayed or dropped."""


@asynccontextmanager
async def _redis_answers() -> AsyncIterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise BusUnavailable(f"Redis, which keeps the dead letters, did not answer: {exc}") from exc


_ADMIN_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "not an admin"},
    503: {"description": "Redis did not answer"},
}
_ONE: dict[int | str, dict[str, Any]] = {
    **_ADMIN_ONLY,
    404: {"description": "no such dead letter"},
}


@router.get("/dead-letters", response_model=DeadLetterList, responses=_ADMIN_ONLY)
async def list_dead_letters(
    admin: AdminDep,
    settings: SettingsDep,
    page: PageDep,
    topic: Annotated[str | None, Query(pattern=_TOPIC)] = None,
) -> DeadLetterList:
    """The bus messages a listener group gave up on, oldest first."""
    if not settings.redis_url:
        return DeadLetterList(total=0, items=[])
    async with _redis_answers():
        total, letters = await read_page(dead.get_all, page, url=settings.redis_url, topic=topic)
    return DeadLetterList(total=total, items=list(letters))


async def _letter(settings: SettingsDep, topic: str, entry_id: str) -> dead.DeadLetter:
    letter = None
    if settings.redis_url:
        async with _redis_answers():
            letter = await run_in_threadpool(
                dead.get, settings.redis_url, topic=topic, entry_id=entry_id
            )
    if letter is None:
        raise NotFound(f"no dead letter {entry_id} on {topic!r}")
    return letter


@router.post(
    "/dead-letters/{topic}/{entry_id}/replay", response_model=dead.DeadLetter, responses=_ONE
)
async def replay_dead_letter(
    admin: AdminDep, settings: SettingsDep, topic: TopicPath, entry_id: EntryPath
) -> dead.DeadLetter:
    """Give the message to the group that gave up on it again (that group alone), and take it
    off the dead letters."""
    letter = await _letter(settings, topic, entry_id)
    async with _redis_answers():
        await run_in_threadpool(dead.replay, str(settings.redis_url), [letter])
    return letter


@router.delete(
    "/dead-letters/{topic}/{entry_id}", status_code=204, response_class=Response, responses=_ONE
)
async def drop_dead_letter(
    admin: AdminDep, settings: SettingsDep, topic: TopicPath, entry_id: EntryPath
) -> Response:
    """Remove the dead letter for good (its cause was handled another way)."""
    letter = await _letter(settings, topic, entry_id)
    async with _redis_answers():
        await run_in_threadpool(dead.drop, str(settings.redis_url), [letter])
    return Response(status_code=204)
