"""Mailboxes, tell and ask: backpressure, MailboxFull, ask deadlines, clean stops."""

from __future__ import annotations

import msgspec
import pytest
import trio
from trio.testing import MockClock

from trt_actors.runtime import (
    Actor,
    ActorFailed,
    ActorStopped,
    AskTimeout,
    MailboxFull,
    Reply,
    spawn,
)


class Add(msgspec.Struct, frozen=True):
    n: int


class Total(msgspec.Struct, frozen=True):
    reply: Reply[int]


class Hold(msgspec.Struct, frozen=True):
    """Blocks the actor until the gate opens (a busy actor)."""

    reply: Reply[None] | None = None


class Ignore(msgspec.Struct, frozen=True):
    reply: Reply[int]


class Boom(msgspec.Struct, frozen=True):
    reply: Reply[int]


Message = Add | Total | Hold | Ignore | Boom


class Adder(Actor[Message]):
    def __init__(self, gate: trio.Event | None = None) -> None:
        self.total = 0
        self.gate = trio.Event() if gate is None else gate

    async def receive(self, message: Message) -> None:
        match message:
            case Add(n=n):
                self.total += n
            case Total(reply=reply):
                reply.send(self.total)
            case Hold(reply=reply):
                await self.gate.wait()
                if reply is not None:
                    reply.send(None)
            case Ignore():
                pass
            case Boom():
                raise ZeroDivisionError("the adder divided by zero")


async def test_tell_then_ask_sees_messages_in_order() -> None:
    async with trio.open_nursery() as nursery:
        adder = spawn(nursery, "adder", Adder())
        for n in range(1, 11):
            await adder.tell(Add(n))
        assert await adder.ask(Total) == 55
        stats = adder.statistics()
        assert (stats.actor, stats.received, stats.depth, stats.asks_in_flight) == ("adder", 11, 0, 0)
        nursery.cancel_scope.cancel()


async def test_tell_nowait_raises_mailbox_full_and_statistics_show_the_queue() -> None:
    async with trio.open_nursery() as nursery:
        adder = spawn(nursery, "adder", Adder(), capacity=3)
        adder.tell_nowait(Hold())
        await trio.testing.wait_all_tasks_blocked()  # the actor is now stuck in Hold
        for n in range(3):
            adder.tell_nowait(Add(n))
        with pytest.raises(MailboxFull, match="the mailbox of 'adder' is full \\(3 messages waiting\\)") as info:
            adder.tell_nowait(Add(99))
        assert info.value.actor == "adder" and info.value.capacity == 3

        nursery.start_soon(adder.tell, Add(100))  # backpressure: waits for room
        await trio.testing.wait_all_tasks_blocked()
        stats = adder.statistics()
        assert (stats.capacity, stats.depth, stats.senders_waiting, stats.accepting) == (3, 3, 1, True)
        nursery.cancel_scope.cancel()


async def test_ask_times_out_at_its_deadline_with_the_actor_name(autojump_clock: MockClock) -> None:
    async with trio.open_nursery() as nursery:
        adder = spawn(nursery, "adder", Adder())
        start = trio.current_time()
        with pytest.raises(AskTimeout, match="'adder' did not answer within 5 s") as info:
            await adder.ask(Ignore, timeout=5.0)
        assert trio.current_time() - start == pytest.approx(5.0)
        assert (info.value.actor, info.value.timeout) == ("adder", 5.0)
        assert adder.statistics().asks_in_flight == 0
        assert await adder.ask(Total, timeout=5.0) == 0  # the actor is fine; only that ask expired
        nursery.cancel_scope.cancel()


async def test_the_ask_deadline_covers_waiting_for_room_in_the_mailbox(autojump_clock: MockClock) -> None:
    async with trio.open_nursery() as nursery:
        adder = spawn(nursery, "adder", Adder(), capacity=1)
        adder.tell_nowait(Hold())
        await trio.testing.wait_all_tasks_blocked()
        adder.tell_nowait(Add(1))  # the mailbox is full now
        with pytest.raises(AskTimeout):
            await adder.ask(Total, timeout=2.0)
        assert trio.current_time() == pytest.approx(2.0)
        nursery.cancel_scope.cancel()


async def test_asks_in_flight_are_counted(autojump_clock: MockClock) -> None:
    gate = trio.Event()
    async with trio.open_nursery() as nursery:
        adder = spawn(nursery, "adder", Adder(gate))
        for _ in range(3):
            nursery.start_soon(adder.ask, Hold)
        await trio.testing.wait_all_tasks_blocked()
        stats = adder.statistics()
        assert (stats.asks_in_flight, stats.depth) == (3, 2)
        gate.set()
        await trio.testing.wait_all_tasks_blocked()
        assert adder.statistics().asks_in_flight == 0
        nursery.cancel_scope.cancel()


async def test_stopping_an_actor_fails_its_pending_asks_instead_of_hanging() -> None:
    outcomes: list[str] = []

    async def ask_and_record(make: type[Hold] | type[Total]) -> None:
        try:
            await adder.ask(make, timeout=None)
        except ActorStopped as exc:
            outcomes.append(f"{make.__name__}: {exc}")

    async with trio.open_nursery() as askers:
        async with trio.open_nursery() as actors:
            adder = spawn(actors, "adder", Adder())
            askers.start_soon(ask_and_record, Hold)  # being handled when the actor stops
            await trio.testing.wait_all_tasks_blocked()
            askers.start_soon(ask_and_record, Total)  # still queued
            adder.tell_nowait(Add(1))
            await trio.testing.wait_all_tasks_blocked()
            actors.cancel_scope.cancel()
    assert sorted(outcomes) == [
        "Hold: 'adder' is not running, so it did not handle the message",
        "Total: 'adder' is not running, so it did not handle the message",
    ]
    assert adder.statistics().dropped == 2  # the queued ask and the queued tell
    with pytest.raises(ActorStopped):
        await adder.tell(Add(1))
    with pytest.raises(ActorStopped):
        adder.tell_nowait(Add(1))


async def test_a_crash_fails_the_ask_that_caused_it_and_reaches_the_nursery() -> None:
    failures: list[ActorFailed] = []

    async def ask_boom() -> None:
        try:
            await adder.ask(Boom, timeout=None)
        except ActorFailed as exc:
            failures.append(exc)

    async with trio.open_nursery() as askers:
        with pytest.RaisesGroup(ZeroDivisionError):
            async with trio.open_nursery() as actors:
                adder = spawn(actors, "adder", Adder())
                askers.start_soon(ask_boom)
                await trio.sleep_forever()
    [failure] = failures
    assert str(failure) == "'adder' crashed while handling the message: ZeroDivisionError: the adder divided by zero"
    assert isinstance(failure.__cause__, ZeroDivisionError)


async def test_a_reply_is_one_shot_and_a_late_answer_is_dropped(autojump_clock: MockClock) -> None:
    kept: list[Reply[int]] = []

    class Late(Actor[Ignore]):
        async def receive(self, message: Ignore) -> None:
            kept.append(message.reply)

    async with trio.open_nursery() as nursery:
        late = spawn(nursery, "late", Late())
        with pytest.raises(AskTimeout):
            await late.ask(Ignore, timeout=1.0)
        [reply] = kept
        assert reply.abandoned and not reply.done
        reply.send(42)  # nobody waits any more: dropped quietly
        with pytest.raises(RuntimeError, match="a reply is one-shot"):
            reply.send(43)
        nursery.cancel_scope.cancel()


async def test_a_mailbox_needs_room_for_one_message() -> None:
    async with trio.open_nursery() as nursery:
        with pytest.raises(ValueError, match="capacity of at least 1"):
            spawn(nursery, "tiny", Adder(), capacity=0)
