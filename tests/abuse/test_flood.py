"""One chat floods the whole bot (polling) with 1,000 updates at once, while other chats talk at a person's pace.

The full count of the issue (1,000 updates from one chat), sent as fast as
the emulator takes them, which is faster than the issue's "in a second". The
rate limit (``RATE_MESSAGES``, 30 a minute by default) answers the first 30
and turns the rest away with one notice; every update is still recorded,
once, and decided; the other chats, whose updates sit in the log behind the
flood, are each answered; the router and the outbox keep at most their
``max_pending`` events in memory (the rest wait in the log), the limiter
keeps two windows a user at most, and once the chats are idle every session
leaves memory. Nothing here is timed: the figures (memory, latency of the
other chats) are in ``bench/abuse.py``.
"""

from __future__ import annotations

from pathlib import Path

import trio

from tests.abuse.watch import received, wait_passivated, watching
from tests.e2e.support import bot_process, wait_settled
from trt_actors.events import UiRendered
from trt_actors.events.session import InputThrottled
from trt_actors.limits import DEFAULT_RATES

FLOOD = 1_000
CALM = 5
ALLOWED = DEFAULT_RATES["messages"].limit


async def test_a_chat_flooding_1000_updates_gets_one_notice_and_the_other_chats_are_answered(tmp_path: Path) -> None:
    async with bot_process(tmp_path / "trt.sqlite3", idle_timeout=0.5) as process:
        bot, emulator = process.bot, process.emulator
        flooder = emulator.user(8001, "Flood", language_code="en")
        calm = [emulator.user(8100 + n, f"Calm{n}", language_code="en") for n in range(CALM)]
        async with watching(bot) as peaks:
            for index in range(FLOOD):
                await flooder.send_text(f"flood {index}")
            # Behind the whole flood in the log: each still gets its answer, twice in a row.
            for round_ in (1, 2):
                for user in calm:
                    await user.send_text("/help")
                with trio.fail_after(60):
                    for user in calm:
                        await user.wait_messages(round_)
            with trio.fail_after(60):
                await flooder.wait_messages(ALLOWED + 1)
                await wait_settled(bot, timeout=60)
        sessions = bot.sessions.statistics()
        router, outbox = bot.router.statistics(), bot.outbox.statistics()
        await wait_passivated(bot)
        after = bot.sessions.statistics()
        events = await bot.log.read_from(1, limit=1_000_000)
        assert emulator.pending_updates == 0

    # Nothing lost, nothing twice: every update recorded once, and every one decided.
    assert received(events) == {8001: FLOOD, **{user.chat_id: 2 for user in calm}}
    throttled = [r.event for r in events if isinstance(r.event, InputThrottled)]
    assert len(throttled) == FLOOD - ALLOWED and sessions.throttled == FLOOD - ALLOWED
    assert [t.notified for t in throttled].count(True) == 1 and throttled[0].notified
    # The flood got its 30 answers and one notice; each calm chat one answer per message.
    answers = flooder.messages()
    assert len(answers) == ALLOWED + 1 and "Too many messages at once" in (answers[-1].text or "")
    assert all(len(user.messages()) == 2 for user in calm)
    assert len([r for r in events if isinstance(r.event, UiRendered)]) == ALLOWED + 1 + 2 * CALM
    # Bounded while it lasted, and freed after.
    assert peaks.samples > 10
    assert peaks.router_pending <= router.max_pending and peaks.router_busiest_lane <= router.max_pending
    assert peaks.outbox_pending <= outbox.reactor.max_pending
    assert peaks.limiter_windows <= 2 * (1 + CALM)
    assert peaks.live_sessions <= 1 + CALM
    assert after.live == 0 and after.passivations == after.activations - after.evictions - after.crashes
    assert (router.pending, router.lanes, outbox.pending) == (0, 0, 0)
    # No credit moved.
    assert not [r for r in events if r.stream.startswith("ledger:")]


