"""The base of every bus message and the field types messages share (re-exported by
:mod:`kairos.bus.messages`, where the message classes are)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, JsonValue, PlainSerializer

#: A time as ``datetime.isoformat()`` writes it (``+00:00``, not ``Z``), as pages have read it.
IsoTime = Annotated[datetime, PlainSerializer(lambda d: d.isoformat(), return_type=str)]
Snapshot = dict[str, JsonValue]  # another domain's API object, as JSON


class Message(BaseModel):
    """A bus message: ``type`` names it, ``topic`` is where it is published."""

    model_config = ConfigDict(frozen=True)

    topic: ClassVar[str]
    type: str

    def wire(self) -> dict[str, Any]:
        """The JSON body published on the bus (the topic travels beside it)."""
        return self.model_dump(mode="json")


class Wire(dict[str, Any]):
    """A message's JSON body (what buses carry) that keeps the typed message it was made from,
    so :func:`kairos.bus.messages.parse` gives listeners in the same process that very message
    (frozen) instead of validating the body again, once per listener. A body that crossed a
    process (Redis) is a plain dict and is validated."""

    __slots__ = ("message",)

    def __init__(self, message: Message) -> None:
        super().__init__(message.wire())
        self.message = message
