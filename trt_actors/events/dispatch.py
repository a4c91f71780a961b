"""Events of what the bot showed and how each Telegram call ended.

``UiRendered`` carries the whole message (HTML text and inline keyboard), so
the log shows exactly what a user saw, a replay reproduces it byte for byte,
and the outbox can deliver it again after a crash without asking anyone.
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from trt_actors.events.base import Event

__all__ = ["Button", "DispatchFailed", "DispatchOk", "UiRendered"]


class Button(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True, gc=False):
    """One inline button: a callback (``data``, at most 64 bytes) or a link (``url``)."""

    text: str
    data: str | None = None
    url: str | None = None


class UiRendered(Event, frozen=True):
    """A screen decided for a chat; the outbox sends it, or edits ``edit_message_id`` into it.

    ``dispatch_id`` names this delivery (unique; the outbox's events refer to it).
    ``registry_version`` and ``texts_version`` name the catalogue that priced
    the screen and the text tables that worded it (empty in events written
    before they were recorded).
    """

    screen: str
    dispatch_id: str
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    edit_message_id: int | None = None
    parse_mode: str = "HTML"
    registry_version: str = ""
    texts_version: str = ""


class DispatchOk(Event, frozen=True):
    """Telegram accepted a send or an edit; ``attempts`` counts every call it took."""

    recorded_input: ClassVar[bool] = True

    dispatch_id: str
    method: str
    attempts: int
    message_id: int | None = None


class DispatchFailed(Event, frozen=True):
    """A Telegram call failed. ``final`` says whether the outbox gave up on it."""

    recorded_input: ClassVar[bool] = True

    dispatch_id: str
    method: str
    attempts: int
    error_code: int | None
    description: str
    final: bool
    retry_after: float | None = None
