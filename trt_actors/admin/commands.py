"""What the desk decides on: an admin's text or tap (with the read models' results), or a reaction's report.

Every input is a field. The shell asks :func:`trt_actors.admin.decider.query_of`
which read model a command needs (a user's profile, the stats, a broadcast's
progress), runs it, and puts the result into the command (``profile``,
``stats``, ``progress``) before the decider sees it; the decider records the
result it used in its events (``AdminLookedUp.profile``, ...), so the log
holds every input. A reaction hands back what the actor it asked recorded as
:class:`ActionReport`.

Example::

    command = AdminText(admin_id=7, chat_id=7, cid="u41-ab", update_id=41, ts=now, text="/admin user 42")
    profile = await read_profile(log, ledger, "42", blocked=blocks.is_blocked)    # trt_actors.admin.views
    command = msgspec.structs.replace(command, profile=profile)
"""

from __future__ import annotations

from typing import TypeAlias

import msgspec

from trt_actors.events.admin import AdminStats, BroadcastCounts, UserProfile

__all__ = ["ActionReport", "AdminTap", "AdminText", "DeskCommand"]


class _FromAdmin(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    admin_id: int
    chat_id: int
    cid: str
    update_id: int
    ts: float
    language_code: str | None = None
    profile: UserProfile | None = None
    stats: AdminStats | None = None
    progress: BroadcastCounts | None = None


class AdminText(_FromAdmin, frozen=True, kw_only=True):
    """A text message of an admin that the router gave the desk (an ``/admin`` command or a prompt's answer)."""

    text: str


class AdminTap(_FromAdmin, frozen=True, kw_only=True):
    """An admin pressed one of the desk's buttons (``data`` as Telegram sent it; not trusted)."""

    callback_query_id: str
    data: str
    message_id: int | None = None


class ActionReport(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What became of an admin's request, handed back by the reaction that carried it out (see
    ``AdminActionReported`` for the fields). ``cid`` is the request's chain."""

    admin_id: int
    chat_id: int
    cid: str
    ts: float
    action: str
    operation_id: str
    outcome: str
    detail: str = ""
    available: int = -1


DeskCommand: TypeAlias = AdminText | AdminTap | ActionReport
