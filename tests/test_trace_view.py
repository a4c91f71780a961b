"""What `trace` adds under an event: the screen as the user read it, the price where money moved, KIE's word."""

from __future__ import annotations

from eventlog import RecordedEvent
from trt_actors.events import Button, Event, UiRendered
from trt_actors.events.jobs import JobFailed, JobPolled
from trt_actors.events.ledger import HoldPlaced, Quote
from trt_actors.events.session import Param
from trt_actors.trace_view import actor_of, details


def recorded(event: Event, stream: str) -> RecordedEvent:
    return RecordedEvent(seq=1, event_id="e1", stream=stream, version=1, type=event.type_name(), ts=0.0, cid="c",
                         causation=None, chat_id=7, user_id=7, event=event)


def test_a_screen_shows_as_read_one_line_with_its_buttons_row_by_row() -> None:
    screen = UiRendered(screen="menu", dispatch_id="d", text="<b>Hi &lt;Bob&gt;</b>\n\nPick one", edit_message_id=4,
                        buttons=((Button(text="🖼 Images", data="1.0.c.i"), Button(text="🎬 Video", data="1.0.c.v")),
                                 (Button(text="🏠 Menu", data="1.0.m"),)))
    assert details(recorded(screen, "chat:7")) == [
        "saw: Hi <Bob> ⏎ Pick one (edits message 4)", "     [🖼 Images]  [🎬 Video]", "     [🏠 Menu]"]


def test_a_hold_shows_its_price_rule_and_the_balance_and_kie_says_its_state_or_why_it_failed() -> None:
    quote = Quote(model_id="z-image", credits=8, rule="flat", registry_version="2026-06-30", kie_credits="4",
                  markup="2", params=(Param(name="prompt", value="a fox"), Param(name="aspect_ratio", value="1:1")))
    hold = HoldPlaced(hold_id="h1", amount=8, quote=quote, expires_at=10.0, available=92, held=8)
    assert details(recorded(hold, "ledger:7")) == [
        "price: z-image (aspect_ratio=1:1) → 8 credits by rule 'flat', registry 2026-06-30 (KIE 4 × markup 2)",
        "balance: 92 available, 8 held"]
    polled = JobPolled(task_id="t1", state="generating", next_poll_at=5.0, at=1.0, source="callback")
    assert details(recorded(polled, "job:h1")) == ["KIE task t1: generating (asked by callback)"]
    failed = JobFailed(reason="generation_failed", at=2.0, code="500", message="internal error")
    assert details(recorded(failed, "job:h1")) == ["KIE: failed (generation_failed, code 500: internal error)"]
    assert [actor_of(s) for s in ("inbox:7", "chat:7", "ledger:7", "job:h1", "outbox:7", "lease")] == [
        "intake", "session", "ledger", "jobs", "outbox", "lease"]
