"""The base of every event, and the rules for changing an event.

:class:`Event` itself lives in :mod:`eventlog.event` (the log stores events and
must not depend on the vocabulary); it is re-exported here, so
``from trt_actors.events.base import Event`` keeps working and no event's
bytes change.

Schema-evolution rules (the test suite holds the project to them):

1. A new field gets a default, so events written before it still decode.
   Fields equal to their default are not encoded, so adding one leaves the
   bytes of every event that does not use it unchanged.
2. A field never changes type. If its meaning must change, add a new field,
   or a new event type and an upcaster from the old one.
3. A renamed event keeps decoding under its old name: register the old name
   with :meth:`trt_actors.events.codec.EventCodec.rename`.
4. An event type is never deleted while a log may hold it.

What the base class itself fixes (tagging, ``gc=False``, no unknown fields) is
written in :mod:`eventlog.event`.

**Inputs and decisions.** Most events are decisions: a decider emitted them,
and replaying its recorded inputs must give them again byte for byte. Some
record an **input** from outside instead (an update from Telegram, the outcome
of a send, a KIE response): nothing can recompute them, so a replay feeds them
in and compares what was decided from them. Such an event class says so with
``recorded_input: ClassVar[bool] = True``; :func:`is_input` reads it.
"""

from __future__ import annotations

from eventlog.event import Event

__all__ = ["Event", "is_input"]


def is_input(event_type: type[Event]) -> bool:
    """True when events of this type record an input from outside rather than a decision."""
    return bool(getattr(event_type, "recorded_input", False))
