"""The names the session's shell and the lead code against stay put."""

from __future__ import annotations

import inspect

import trt_actors.session as session
from trt_actors.events.session import SESSION_EVENTS


def test_the_public_api_is_curated() -> None:
    assert sorted(session.__all__) == sorted([
        "COMMAND_DECODER", "HOLD_SECONDS", "SESSION_EVENTS", "BadCallbackData", "Blocked", "ButtonPressed", "FriendReported",
        "JobReported", "LedgerReported", "PromoReported",
        "PaymentReceived", "PhotoReceived", "SessionCommand", "SessionDecider", "SessionState", "TextReceived",
        "Throttled", "Unsupported", "confirmation_id",
    ])
    for name in session.__all__:
        assert getattr(session, name) is not None


def test_the_decider_has_the_runtime_protocol() -> None:
    assert list(inspect.signature(session.SessionDecider).parameters) == ["registry", "packages", "max_jobs", "support", "generations", "free",
                                                                      "invitations"]
    assert session.HOLD_SECONDS == 3600.0
    for method, parameters in [("initial_state", []), ("decide", ["state", "command"]), ("evolve", ["state", "event"]),
                               ("crashed", ["state", "command"])]:
        assert list(inspect.signature(getattr(session.SessionDecider, method)).parameters)[1:] == parameters


def test_commands_carry_the_common_fields() -> None:
    common = ["chat_id", "user_id", "cid", "update_id", "ts", "language_code", "first_name"]
    for command in (session.TextReceived, session.PhotoReceived, session.ButtonPressed, session.Unsupported,
                    session.PaymentReceived, session.LedgerReported, session.JobReported, session.PromoReported,
                    session.FriendReported, session.Blocked):
        assert command.__struct_fields__[: len(common)] == tuple(common)


def test_session_events_are_exported_in_one_tuple() -> None:
    assert len(SESSION_EVENTS) == len(set(SESSION_EVENTS)) == 27
