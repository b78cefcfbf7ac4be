"""Outreach tasks' bus messages, and the task they carry (the API's ``TaskOut`` is the same task).
Imported through :mod:`kairos.bus.messages` like every other message."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel

from kairos.bus.message_base import Message


class OutreachTask(BaseModel):
    """An outreach task as the bus and the API carry it (``outcomes.schemas.TaskOut``): the
    messages below are made from the API's copy, field for field."""

    id: int
    kind: str
    rule_id: int | None
    rule_name: str | None
    action_id: int | None
    key_message_id: int | None
    customer_id: int | None
    source_interaction_id: str | None
    task_interaction_id: str | None
    queue: str | None
    message: str
    status: str
    result: str | None
    due_at: datetime | None
    created_at: datetime
    completed_at: datetime | None


class _TaskFields(OutreachTask, Message):
    topic: ClassVar[str] = "outreach"


class OutreachTaskCreated(_TaskFields):
    """An outreach task was queued."""

    type: Literal["outreach.task_created"] = "outreach.task_created"


class OutreachTaskDone(_TaskFields):
    """An outreach task's call or message ended."""

    type: Literal["outreach.task_done"] = "outreach.task_done"
