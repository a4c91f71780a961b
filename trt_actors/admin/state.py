"""The state of one admin's desk, and how each event changes it (a pure fold).

Rules:

* ``prompt`` is what the admin's next plain text answers (``""``: nothing is
  asked, and plain text goes to the admin's own session); ``subject`` is the
  user it is about. ``AdminPrompted`` sets both; a request that answered the
  prompt closes it in the same decision;
* ``profile`` is the last profile shown (``AdminLookedUp``): the refund
  buttons on it name its payments by position;
* ``preview`` is the broadcast previewed and not yet sent or dropped; a
  confirmation must name it;
* ``language`` is the admin's, as Telegram said on their last update.

:class:`DeskState` is a frozen msgspec Struct: a snapshot is its JSON, and new fields get defaults.
"""

from __future__ import annotations

import msgspec

from trt_actors.events import Event
from trt_actors.events.admin import (
    AdminLookedUp,
    AdminPrompted,
    BroadcastAsked,
    BroadcastDropped,
    BroadcastPreviewed,
    UserProfile,
)

__all__ = ["DeskState", "evolve"]


class DeskState(msgspec.Struct, frozen=True):
    """One admin's desk (see the module docstring)."""

    language: str = ""
    prompt: str = ""
    subject: int = 0
    profile: UserProfile | None = None
    preview: str = ""
    preview_text: str = ""
    actions: int = 0


def evolve(state: DeskState, event: Event) -> DeskState:
    """The state after ``event``; events the state does not keep change nothing."""
    match event:
        case AdminPrompted(prompt=prompt, user_id=user_id, language=language):
            return msgspec.structs.replace(state, prompt=prompt, subject=user_id,
                                           language=language or state.language)
        case AdminLookedUp(profile=profile):
            return msgspec.structs.replace(state, profile=profile)
        case BroadcastPreviewed(broadcast_id=broadcast_id, text=text):
            return msgspec.structs.replace(state, preview=broadcast_id, preview_text=text)
        case BroadcastAsked() | BroadcastDropped():
            return msgspec.structs.replace(state, preview="", preview_text="", actions=state.actions + 1)
    return state
