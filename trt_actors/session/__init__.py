"""The per-chat session's pure core: commands in, events out, state as their fold. No I/O.

The session actor's shell (elsewhere) feeds each chat's commands to
:class:`SessionDecider`, appends the events it returns, and lets the outbox
deliver each ``UiRendered``::

    from registry import load_valid_registry
    from trt_actors.session import SessionDecider, TextReceived

    decider = SessionDecider(load_valid_registry())
    state = decider.initial_state()
    command = TextReceived(chat_id=42, user_id=42, cid="u1", update_id=1, ts=0.0, text="/start")
    for event in decider.decide(state, command):
        state = decider.evolve(state, event)

Modules: :mod:`.commands` (what comes in), :mod:`.state` (the fold),
:mod:`.decider` (text, photos, slash commands), :mod:`.taps` (button
presses: accepted or rejected), :mod:`.orders` (Confirm: the hold asked
for), :mod:`.payments` (Stars invoices and payments), :mod:`.ledger_reports`
(what the ledger said), :mod:`.turn` (one command's events and its
one screen), :mod:`.callback_data` (button data within 64 bytes),
:mod:`.wizard` (which parameters, in what order, what is legal),
:mod:`.canvas`, :mod:`.screens`, :mod:`.wizard_screens` and
:mod:`.money_screens` (drawing), :mod:`.texts` (the Russian and English
catalogues). The events are in :mod:`trt_actors.events.session`.
"""

from __future__ import annotations

from trt_actors.events.session import SESSION_EVENTS
from trt_actors.session.callback_data import BadCallbackData
from trt_actors.session.commands import (
    COMMAND_DECODER,
    Blocked,
    ButtonPressed,
    FriendReported,
    JobReported,
    LedgerReported,
    PaymentReceived,
    PhotoReceived,
    PromoReported,
    SessionCommand,
    TextReceived,
    Throttled,
    Unsupported,
)
from trt_actors.session.decider import HOLD_SECONDS, SessionDecider, confirmation_id
from trt_actors.session.state import SessionState

__all__ = [
    "COMMAND_DECODER",
    "HOLD_SECONDS",
    "SESSION_EVENTS",
    "BadCallbackData",
    "Blocked",
    "ButtonPressed",
    "FriendReported",
    "JobReported",
    "LedgerReported",
    "PaymentReceived",
    "PhotoReceived",
    "PromoReported",
    "SessionCommand",
    "SessionDecider",
    "SessionState",
    "TextReceived",
    "Throttled",
    "Unsupported",
    "confirmation_id",
]
