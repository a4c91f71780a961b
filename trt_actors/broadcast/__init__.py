"""Broadcasts: one message from an admin to every user, checked first and counted to the end.

The pure parts live here: :func:`html_problem` (is the text valid Telegram
HTML?) and :class:`Tally` (the fold that says who is queued, how each copy
ended, and when it is finished). The recipients rule reads the log and lives
in :mod:`trt_actors.broadcast.recipients`; the actor that runs a broadcast is
:class:`trt_actors.actors.broadcasts.Broadcasts`, and the outbox delivers the copies.
"""

from __future__ import annotations

from trt_actors.broadcast.markup import MAX_TEXT, html_problem
from trt_actors.broadcast.tally import BroadcastProgress, Outcome, Tally, outcome_of

__all__ = ["MAX_TEXT", "BroadcastProgress", "Outcome", "Tally", "html_problem", "outcome_of"]
