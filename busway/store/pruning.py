"""Which stored events a retention sweep deletes: the choice for one batch, shared by the stores.

A sweep walks the events oldest first (by ``seq``), a batch at a time, inside the store's write
transaction so that nothing can add a delivery to an event between the check and the delete.
An event goes once it was ingested before the cut and has no delivery left in the outbox; the
newest event of the store always stays, because a store hands out the next ``seq`` after the
highest one it holds (SQLite does for a rowid), and seqs must never go back: the activity's
cursors and floors are seqs.

``ingested_at`` grows with ``seq`` except for an event redriven in place, whose ``ingested_at``
restarts at the redrive. So the walk does not end at the first young event, but at the first
batch that holds no event from before the cut: the young end of the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["PruneBatch", "choose_expired"]


@dataclass(frozen=True, slots=True)
class PruneBatch:
    """What one batch of a sweep did: how many events went, and the ``seq`` to go on after
    (None: the sweep is over)."""

    deleted: int
    resume_after: int | None


def choose_expired(
    rows: Sequence[tuple[int, datetime, bool]], cut: datetime, newest: int | None
) -> tuple[list[int], int | None]:
    """Of a batch of ``(seq, ingested_at, has pending deliveries)`` in ``seq`` order: the seqs to
    delete, and the seq to resume after (None when the batch reached the young end)."""
    expired = [seq for seq, ingested_at, pending in rows if ingested_at < cut and not pending]
    doomed = [seq for seq in expired if seq != newest]
    reached_young_end = not any(ingested_at < cut for _, ingested_at, _ in rows)
    return doomed, None if reached_young_end else rows[-1][0]
