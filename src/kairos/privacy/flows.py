"""A customer's erasure everywhere: the database in one transaction, then the live detectors
and the bus streams (which cannot join that transaction).

The erasing process drops its own detectors of the customer's contacts at once; every other
process (API processes, workers) drops its own on ``customer.erased``, which names the contacts
by digest only (:func:`kairos.detection.live.erased_key`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kairos.bus import EventBus
from kairos.bus.messages import CustomerErased
from kairos.db import Database
from kairos.detection.live import DetectorCache, erased_key
from kairos.privacy import erasure
from kairos.privacy.schemas import ErasureReceipt

_CUSTOMER_KEYS = frozenset({"customer_id", "from_customer_id", "other_customer_id"})
#: Contacts named per ``customer.erased`` message (a customer with more sends more than one).
ERASED_PER_MESSAGE = 1_000


def mentions(external_ids: list[str], customer_id: int) -> Callable[[dict[str, Any]], bool]:
    """Whether a bus message is about one of these interactions or this customer (at any depth:
    an applied event carries its event, which names its interaction)."""
    wanted = frozenset(external_ids)

    def found(value: Any) -> bool:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key.endswith("interaction_id") and inner in wanted:
                    return True
                listed = isinstance(inner, list) and key.endswith("interaction_ids")
                if listed and wanted.intersection(str(i) for i in inner):
                    return True
                if key in _CUSTOMER_KEYS and inner == customer_id:
                    return True
                if isinstance(inner, dict | list) and found(inner):
                    return True
        elif isinstance(value, list):
            return any(found(item) for item in value)
        return False

    return found


def erase_customer(
    *,
    db: Database,
    bus: EventBus,
    detectors: DetectorCache | None,
    customer_id: int,
    erased_by: str,
    reference: str | None = None,
    record_audit: bool = False,
) -> ErasureReceipt:
    """Erase the customer (see :func:`kairos.privacy.erasure.erase`), then what the process and
    the bus hold about their contacts; the receipt, with the stream entries deleted."""
    done = erasure.erase(
        db=db, customer_id=customer_id, erased_by=erased_by, reference=reference,
        record_audit=record_audit,
    )  # fmt: skip
    if detectors is not None:
        detectors.forget(*done.external_ids)
    deleted = bus.erase_entries(mentions(done.external_ids, customer_id))
    if deleted is not None:
        erasure.record_stream_entries(db=db, erasure_id=done.receipt.erasure_id, deleted=deleted)
    keys = [erased_key(i) for i in done.external_ids]
    for start in range(0, len(keys), ERASED_PER_MESSAGE):
        bus.send(
            CustomerErased(
                erasure_id=done.receipt.erasure_id,
                contacts=keys[start : start + ERASED_PER_MESSAGE],
            )
        )
    return done.receipt.model_copy(update={"stream_entries": deleted})
