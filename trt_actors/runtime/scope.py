"""The nursery behind a supervisor or a region: owned by the caller's ``async with``, cancelled when it ends.

Leaving the block cancels whatever still runs in it (actors wait for
messages forever; they do not end on their own). A lone error out of the
block comes out as itself rather than wrapped in an ``ExceptionGroup``, so
``except ChildEscalated:`` works as written; several errors at once stay grouped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio

__all__ = ["owned_nursery"]


@asynccontextmanager
async def owned_nursery() -> AsyncIterator[trio.Nursery]:
    try:
        async with trio.open_nursery() as nursery:
            try:
                yield nursery
            finally:
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        leaves = _leaves(group)
        if len(leaves) == 1 and isinstance(leaves[0], Exception):
            raise leaves[0] from leaves[0].__cause__
        raise


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    found: list[BaseException] = []
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            found.extend(_leaves(exc))
        else:
            found.append(exc)
    return found
