"""A customer's erasure everywhere: the database in one transaction, then the live detectors
and the bus streams (which cannot join that transaction).

The erasing process drops its own detectors of the customer's contacts at once; every other
process (API processes, workers) drops its own on ``customer.erased``, which names the contacts
by digest only (:func:`kairos.detection.live.erased_key`)."""

from __future__ import annotations

from typing import Any, Literal

from kairos.bus import EventBus
from kairos.bus.base import BusMessage, Erasing
from kairos.bus.messages import CustomerErased
from kairos.db import Database
from kairos.detection.live import DetectorCache, erased_key
from kairos.privacy import erasure
from kairos.privacy.schemas import ErasureReceipt

_CUSTOMER_KEYS = frozenset({"customer_id", "from_customer_id", "other_customer_id"})
#: Contacts named per ``customer.erased`` message (a customer with more sends more than one).
ERASED_PER_MESSAGE = 1_000


def _is_list_of_contacts(key: str) -> bool:
    return key.endswith("interaction_ids") or key == "customer_ids"


def erasing(external_ids: list[str], customer_id: int) -> Erasing:
    """What an erasure does with a bus message: ``"drop"`` one about these interactions or this
    customer (at any depth: an applied event carries its event, which names its interaction);
    one whose list of contacts (``interaction_ids``, ``customer_ids``) also names others comes
    back without them, for the others' sake; ``"keep"`` any other."""
    wanted = frozenset(external_ids)

    def named(key: str, item: Any) -> bool:
        if key.endswith("interaction_ids"):
            return str(item) in wanted
        return bool(item == customer_id)

    def found(value: Any) -> bool:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key.endswith("interaction_id") and inner in wanted:
                    return True
                if key in _CUSTOMER_KEYS and inner == customer_id:
                    return True
                if _is_list_of_contacts(key) and isinstance(inner, list):
                    if any(named(key, item) for item in inner):
                        return True
                elif isinstance(inner, dict | list) and found(inner):
                    return True
        elif isinstance(value, list):
            return any(found(item) for item in value)
        return False

    def decide(message: BusMessage) -> BusMessage | Literal["keep", "drop"]:
        rest, narrowed = dict(message), False
        for key, inner in message.items():
            if _is_list_of_contacts(key) and isinstance(inner, list) and inner:
                others = [item for item in inner if not named(key, item)]
                if not others:  # about the erased customer's contacts alone
                    return "drop"
                narrowed |= len(others) < len(inner)
                rest[key] = others
        if found(rest):
            return "drop"
        return rest if narrowed else "keep"

    return decide


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
    deleted = bus.erase_entries(erasing(done.external_ids, customer_id))
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
