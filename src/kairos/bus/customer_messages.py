"""A customer's consent and erasure on the bus: what every process must hear about once it has
committed. Imported through :mod:`kairos.bus.messages` like every other message."""

from __future__ import annotations

from typing import ClassVar, Literal

from kairos.bus.message_base import Message


class ContactPreferenceChanged(Message):
    """A customer's contact preference changed (an agent, the API, a texted keyword): outreach
    holds back their queued calls it no longer allows."""

    topic: ClassVar[str] = "customers"
    type: Literal["customer.preference_changed"] = "customer.preference_changed"
    customer_id: int
    proactive: bool
    channels_off: list[str]
    source: str


class CustomerErased(Message):
    """A customer was erased: every process drops what it holds in memory about their contacts.

    The contacts travel as :func:`kairos.detection.live.erased_key` digests, not their ids: the
    message itself outlives the erasure in the bus's stream and names nobody.
    """

    topic: ClassVar[str] = "privacy"
    type: Literal["customer.erased"] = "customer.erased"
    erasure_id: int
    contacts: list[str]
