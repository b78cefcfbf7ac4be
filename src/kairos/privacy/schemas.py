"""API models: an erasure request and its receipt, and what a purge removed."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from kairos.redaction.inbound import Inbound


class ErasureIn(Inbound):
    """An erasure request: the data-protection officer's case reference, if any.

    The reference is a case number, not a note: letters, digits and ``._:/-`` only, so no one
    writes the customer's name into the record that outlives them.
    """

    model_config = ConfigDict(extra="forbid")
    verbatim: ClassVar[frozenset[str]] = frozenset({"reference"})

    reference: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:/\-]+$"
    )


class ErasureReceipt(BaseModel):
    """What an erasure removed: rows deleted or scrubbed per table, when and by whom."""

    customer_id: int
    erasure_id: int
    reference: str | None
    erased_by: str
    erased_at: datetime
    counts: dict[str, int] = Field(description="table -> rows deleted or scrubbed")
    identities_kept_as_hashes: int
    stream_entries: int | None = Field(
        description="bus stream entries that named them, deleted (or put back without them when"
        " they also named other customers; None: no Redis configured, or Redis unreachable)"
    )


class PurgeReport(BaseModel):
    """What a purge removed (or, on a dry run, would remove), per kind of record."""

    dry_run: bool
    counts: dict[str, int]
    cutoffs: dict[str, datetime]
