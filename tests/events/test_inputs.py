"""Every event type is classified as an input from outside or as a decision; replay depends on it."""

from __future__ import annotations

from trt_actors.events import ALL_EVENTS
from trt_actors.events.base import is_input

INPUTS = {"UpdateReceived", "UpdateRejected", "DispatchOk", "DispatchFailed"}
"""What the outside world told us: Telegram's updates and its answers to our sends."""


def test_the_inputs_are_exactly_the_recorded_outcomes_of_io() -> None:
    assert {event.type_name() for event in ALL_EVENTS if is_input(event)} == INPUTS


def test_a_marked_input_is_still_an_ordinary_event_on_the_wire() -> None:
    for event in ALL_EVENTS:
        assert "recorded_input" not in event.__struct_fields__
