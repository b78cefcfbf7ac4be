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
