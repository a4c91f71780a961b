"""The event vocabulary: every fact the system records, one module per domain.

Session events live in :mod:`trt_actors.events.session`, the credit ledger's in
:mod:`trt_actors.events.ledger`, the Stars pre-checkout's in
:mod:`trt_actors.events.payments`. ``CODEC`` encodes and decodes all of them
(with upcasters for older forms); ``ALL_EVENTS`` lists the current types. Read the schema-evolution rules in
:mod:`trt_actors.events.base` before changing an event.
"""

from __future__ import annotations

from trt_actors.events.admin import ADMIN_EVENTS
from trt_actors.events.base import Event
from trt_actors.events.broadcast import BROADCAST_EVENTS
from trt_actors.events.callbacks import CallbackAccepted, CallbackReceived, CallbackRejected, CallbackRouted
from trt_actors.events.codec import EventCodec, UnknownEventType, Upcaster
from trt_actors.events.dispatch import Button, DispatchFailed, DispatchOk, UiRendered
from trt_actors.events.ledger import LEDGER_EVENTS
from trt_actors.events.payments import PAYMENT_EVENTS
from trt_actors.events.promo import PROMO_EVENTS
from trt_actors.events.session import SESSION_EVENTS

# After the ledger's: the job's events import the session's, whose circle with the ledger's must start there.
from trt_actors.events.jobs import JOB_EVENTS  # noqa: E402
from trt_actors.events.ops import OPS_EVENTS  # noqa: E402
from trt_actors.events.system import ActorCrashed, ActorEscalated, ActorRestarted, ReactionAbandoned
from trt_actors.events.updates import (
    PassiveRejected,
    UpdateDeclined,
    UpdateEraStarted,
    UpdateReceived,
    UpdateRejected,
)

__all__ = [
    "ALL_EVENTS",
    "CODEC",
    "ActorCrashed",
    "ActorEscalated",
    "ActorRestarted",
    "Button",
    "CallbackAccepted",
    "CallbackReceived",
    "CallbackRejected",
    "CallbackRouted",
    "DispatchFailed",
    "DispatchOk",
    "Event",
    "EventCodec",
    "PassiveRejected",
    "ReactionAbandoned",
    "UiRendered",
    "UnknownEventType",
    "Upcaster",
    "UpdateDeclined",
    "UpdateEraStarted",
    "UpdateReceived",
    "UpdateRejected",
]

ALL_EVENTS: tuple[type[Event], ...] = (
    ActorCrashed,
    ActorEscalated,
    ActorRestarted,
    CallbackAccepted,
    CallbackReceived,
    CallbackRejected,
    CallbackRouted,
    DispatchFailed,
    DispatchOk,
    PassiveRejected,
    ReactionAbandoned,
    UiRendered,
    UpdateDeclined,
    UpdateEraStarted,
    UpdateReceived,
    UpdateRejected,
    *SESSION_EVENTS,
    *LEDGER_EVENTS,
    *PAYMENT_EVENTS,
    *JOB_EVENTS,
    *OPS_EVENTS,
    *BROADCAST_EVENTS,
    *PROMO_EVENTS,
    *ADMIN_EVENTS,
)

CODEC = EventCodec(ALL_EVENTS)
