"""Recomputing owners' stored figures a batch of owners at a time, for both stores of them
(`movements_store`, `pipeline_store`): each batch is its own transaction, so a refresh of the whole
company holds no lock for long, and one given a time stops between batches."""

import time
from collections.abc import Callable

BATCH = 50  # owners a transaction: about 1 s at 1M contacts on 2 cores (movements: 20 ms an owner)


def recompute_in_batches(stale: dict[int, list[int]], recompute: Callable[[dict[int, list[int]]], None], *,
                         seconds: float | None = None) -> dict[int, list[int]]:
    """`recompute` the owners of `stale` ({owner id: the ids of its marks}) `BATCH` at a time, in
    id order, until all are done or `seconds` are spent (None: no limit; one batch at least, so that
    every call moves on); return those left."""
    owners = sorted(stale)
    deadline = None if seconds is None else time.monotonic() + seconds
    while owners:
        batch, owners = owners[:BATCH], owners[BATCH:]
        recompute({owner: stale[owner] for owner in batch})
        if deadline is not None and time.monotonic() >= deadline:
            break
    return {owner: stale[owner] for owner in owners}
