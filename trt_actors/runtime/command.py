"""One command through a decider, as one pure function: what the shell runs now and a replayer runs later.

:func:`run_command` takes the decider, the folded state, the command and its
:class:`CommandMeta`, and returns an :class:`Outcome` with the exact
:class:`~eventlog.NewEvent` records to append, ids and envelopes included. It
reads no clock and no log, so running it again on the same recorded inputs
gives the same bytes: that is what ``replay`` will compare.

Three outcomes:

* :class:`Decided`: the events (possibly none) the command caused;
* :class:`Refused`: ``decide`` raised :class:`~trt_actors.runtime.decider.CommandRejected`
  (nothing happens; the asker gets the refusal);
* :class:`Crashed`: ``decide`` raised anything else, a **bug**. The events are
  an ``ActorCrashed`` on the actor's own stream under the command's ``cid``
  (so ``trace`` of the update shows it), followed by what the decider's
  ``fallback`` says to the user ("something went wrong, try again"). They are
  appended like any decision, so the bug is on record exactly once and the
  user is answered.

Event ``i`` of command ``X`` on stream ``S`` has the id ``S/X/i``.

Example::

    outcome = run_command(decider, state, command, meta, stream="chat:7")
    match outcome:
        case Decided(events=events) | Crashed(events=events):
            await log.append(events, expected={"chat:7": version})
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import msgspec

from eventlog import STREAM_ITEM, NewEvent
from trt_actors.events import ActorCrashed, Event
from trt_actors.runtime.decider import CommandRejected, Decider

__all__ = ["CommandMeta", "Crashed", "Decided", "Fallback", "Outcome", "Refused", "run_command"]

S = TypeVar("S")
C = TypeVar("C")

Fallback = Callable[[S, C], Sequence[Event]]
"""What to tell the user when ``decide`` has a bug: pure, and written so it cannot fail on the same state."""


class CommandMeta(msgspec.Struct, frozen=True, kw_only=True):
    """The envelope of a command: its idempotency key and the trace fields its events carry.

    ``ts`` is a recorded clock reading (the update's ``ts``, or the event that
    caused the command): the decider never reads a clock.
    """

    command_id: str
    cid: str
    ts: float
    causation: str | None = None
    chat_id: int | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class Decided:
    events: tuple[NewEvent, ...]


@dataclass(frozen=True)
class Refused:
    error: CommandRejected


@dataclass(frozen=True)
class Crashed:
    error: Exception
    events: tuple[NewEvent, ...]


Outcome = Decided | Refused | Crashed


def run_command(
    decider: Decider[S, C],
    state: S,
    command: C,
    meta: CommandMeta,
    *,
    stream: str,
    fallback: Fallback[S, C] | None = None,
) -> Outcome:
    """Decide ``command`` in ``state`` and give the events to append (pure; see the module docstring)."""
    try:
        events = list(decider.decide(state, command))
    except CommandRejected as refusal:
        return Refused(refusal)
    except Exception as bug:
        return Crashed(bug, _envelope(_crash_events(bug, state, command, stream, fallback), meta, stream))
    return Decided(_envelope(events, meta, stream))


def _crash_events(
    bug: Exception, state: S, command: C, stream: str, fallback: Fallback[S, C] | None
) -> list[Event]:
    crashed: list[Event] = [
        ActorCrashed(
            actor=stream,
            error_type=type(bug).__name__,
            error=str(bug)[:500],
            crashes=1,
            restart_in=0.0,
            command=type(command).__name__,
        )
    ]
    if fallback is not None:
        try:
            crashed.extend(fallback(state, command))
        except Exception as second:  # the fallback has a bug too: the crash record still stands
            crashed.append(
                ActorCrashed(
                    actor=stream,
                    error_type=type(second).__name__,
                    error=f"the crash fallback failed too: {second}"[:500],
                    crashes=2,
                    restart_in=0.0,
                    command=type(command).__name__,
                )
            )
    return crashed


def _envelope(events: Sequence[Event], meta: CommandMeta, stream: str) -> tuple[NewEvent, ...]:
    key = f"{stream}/{meta.command_id}"
    return tuple(
        NewEvent(
            event_id=f"{key}/{index}",
            stream=stream,
            event=event,
            cid=meta.cid,
            ts=meta.ts,
            causation=meta.causation,
            chat_id=meta.chat_id,
            user_id=meta.user_id,
            opens=_item(event.opened_item(), stream),
            closes=_item(event.closed_item(), stream),
        )
        for index, event in enumerate(events)
    )


def _item(item: str | None, stream: str) -> str | None:
    return stream if item == STREAM_ITEM else item
