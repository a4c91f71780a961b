"""Events of the runtime itself: crashes, restarts and escalations of supervised actors."""

from __future__ import annotations

from trt_actors.events.base import Event

__all__ = ["ActorCrashed", "ActorEscalated", "ActorRestarted", "ReactionAbandoned"]


class ActorCrashed(Event, frozen=True):
    """An actor raised. ``restart_in`` is the backoff before the next start.

    A supervised actor's crash is on stream ``system`` under ``cid=actor:<name>``.
    A decider's bug is on the actor's own stream under the ``cid`` of the
    command that met it, with ``command`` naming the command's type.
    """

    actor: str
    error_type: str
    error: str
    crashes: int
    restart_in: float
    command: str = ""


class ActorRestarted(Event, frozen=True):
    """A crashed actor started again after its backoff."""

    actor: str
    crashes: int


class ActorEscalated(Event, frozen=True):
    """A child crashed more often than its limit allows; its supervisor gave up on it."""

    actor: str
    crashes: int
    error_type: str
    error: str


class ReactionAbandoned(Event, frozen=True):
    """A reactor gave up on one event after ``attempts`` failed deliveries; nothing reacted to it."""

    reactor: str
    event_id: str
    error_type: str
    error: str
    attempts: int
