"""Events of the runtime itself: crashes, restarts and escalations of supervised actors."""

from __future__ import annotations

from trt_actors.events.base import Event

__all__ = ["ActorCrashed", "ActorEscalated", "ActorRestarted"]


class ActorCrashed(Event, frozen=True):
    """A supervised actor raised. ``restart_in`` is the backoff before the next start."""

    actor: str
    error_type: str
    error: str
    crashes: int
    restart_in: float


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
