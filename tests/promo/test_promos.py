"""The promo codes' shell over a real log: envelopes, first outcomes for retries, refusals, rebuilding, races."""

from __future__ import annotations

import pytest
import trio

from eventlog import SQLiteEventLog
from tests.promo.support import ADMIN, T0, admin_meta
from trt_actors.actors.promos import Promos
from trt_actors.events.promo import (
    PromoCreated,
    PromoCreateRefused,
    PromoRedeemed,
    PromoRefused,
)
from trt_actors.promo import CreatePromo, PromoState, Redeem
from trt_actors.runtime import CommandMeta, CommandRejected

EXPIRES = T0 + 86_400


def spring(max_uses: int = 2, credits: int = 50) -> CreatePromo:
    return CreatePromo(code="SPRING", credits=credits, expires_at=EXPIRES, max_uses=max_uses, admin_id=ADMIN, now=T0)


def request(user: int, n: int) -> CommandMeta:
    """The envelope a reactor gives the redemption of request ``n`` by ``user``."""
    return CommandMeta(command_id=f"chat:{user}/update:{n}/0", cid=f"u{n}", ts=T0 + n,
                       causation=f"chat:{user}/update:{n}/0", chat_id=user)


async def test_events_carry_the_chain_of_the_request_and_the_users_id(log: SQLiteEventLog) -> None:
    async with Promos.open(log) as promos:
        created = await promos.create(spring(), admin_meta("create:1"))
        executed = await promos.run(Redeem(code="SPRING", user_id=7, now=T0 + 5), request(7, 5))
    assert created == PromoCreated(code="SPRING", credits=50, expires_at=EXPIRES, max_uses=2, admin_id=ADMIN)
    (recorded,) = executed.events
    assert recorded.event == PromoRedeemed(code="SPRING", user_id=7, credits=50, redemption=1)
    assert (recorded.stream, recorded.event_id, recorded.version) == (
        "promo:SPRING", "promo:SPRING/chat:7/update:5/0/0", 2)
    assert (recorded.cid, recorded.causation, recorded.user_id, recorded.chat_id) == (
        "u5", "chat:7/update:5/0", 7, 7)


async def test_a_retry_appends_nothing_and_answers_with_the_first_outcome_even_after_a_restart(
    log: SQLiteEventLog,
) -> None:
    async with Promos.open(log) as promos:
        await promos.create(spring(max_uses=1), admin_meta("create:1"))
        first = await promos.redeem(Redeem(code="SPRING", user_id=7, now=T0 + 1), request(7, 1))
        assert await promos.redeem(Redeem(code="SPRING", user_id=8, now=T0 + 2), request(8, 2)) == PromoRefused(
            code="SPRING", user_id=8, reason="used_up")
        again = await promos.redeem(Redeem(code="SPRING", user_id=7, now=T0 + 1), request(7, 1))
    version = await log.stream_version("promo:SPRING")
    async with Promos.open(log) as restarted:  # the shell's memory of command ids is gone: the log knows them
        late = await restarted.redeem(Redeem(code="SPRING", user_id=7, now=T0 + 1), request(7, 1))
        anew = await restarted.redeem(Redeem(code="SPRING", user_id=7, now=T0 + 9), request(7, 9))
        state = await restarted.state("SPRING")
    assert first == again == late == PromoRedeemed(code="SPRING", user_id=7, credits=50, redemption=1)
    assert anew == PromoRefused(code="SPRING", user_id=7, reason="already_redeemed")  # a new request is answered
    assert await log.stream_version("promo:SPRING") == version + 1 == 4
    assert (state.redeemed, state.refused) == ({7: 1}, 2)


async def test_a_second_creation_is_refused_and_a_retried_one_is_the_same_creation(log: SQLiteEventLog) -> None:
    async with Promos.open(log) as promos:
        created = await promos.create(spring(), admin_meta("create:1"))
        assert await promos.create(spring(), admin_meta("create:1")) == created
        refused = await promos.create(spring(credits=5_000), admin_meta("create:2"))
        state = await promos.state("SPRING")
    assert refused == PromoCreateRefused(code="SPRING", admin_id=ADMIN, reason="exists") and state.credits == 50


@pytest.mark.parametrize("code", ["spring", "SP RING", "x" * 10_000, "ВЕСНА", "<b>"])
async def test_a_malformed_code_is_refused_before_any_stream_is_named(log: SQLiteEventLog, code: str) -> None:
    async with Promos.open(log) as promos:
        with pytest.raises(CommandRejected, match="no normalised promo code"):
            await promos.run(Redeem(code=code, user_id=7, now=T0), request(7, 1))
        with pytest.raises(CommandRejected):
            await promos.create(CreatePromo(code=code, credits=5, expires_at=EXPIRES, max_uses=1, admin_id=ADMIN,
                                            now=T0), admin_meta("create:1"))
        assert await promos.state(code) == PromoState()
        assert promos.statistics().live == 0
    assert log.statistics().writer.head_seq == 0


async def test_users_racing_for_the_last_uses_get_exactly_max_uses(log: SQLiteEventLog) -> None:
    outcomes: list[PromoRedeemed | PromoRefused] = []
    async with Promos.open(log) as promos:
        await promos.create(spring(max_uses=3), admin_meta("create:1"))

        async def one(user: int) -> None:
            command = Redeem(code="SPRING", user_id=user, now=T0 + user)
            outcomes.append(await promos.redeem(command, request(user, user)))

        async with trio.open_nursery() as nursery:
            for user in range(10, 20):
                nursery.start_soon(one, user)
    redeemed = sorted(o.redemption for o in outcomes if isinstance(o, PromoRedeemed))
    refused = [o.reason for o in outcomes if isinstance(o, PromoRefused)]
    assert (redeemed, refused) == ([1, 2, 3], ["used_up"] * 7)


async def test_codes_past_max_live_are_dropped_and_rebuilt_from_snapshot_and_stream(log: SQLiteEventLog) -> None:
    async with Promos.open(log, max_live=1, snapshot_every=2) as promos:
        await promos.create(spring(max_uses=5), admin_meta("create:1"))
        await promos.create(CreatePromo(code="AUTUMN", credits=10, expires_at=EXPIRES, max_uses=5, admin_id=ADMIN,
                                        now=T0), admin_meta("create:2"))
        for user in (7, 8, 9):
            await promos.run(Redeem(code="SPRING", user_id=user, now=T0 + user), request(user, user))
            await promos.run(Redeem(code="AUTUMN", user_id=user, now=T0 + user), request(user, 100 + user))
        spring_state, autumn_state = await promos.state("SPRING"), await promos.state("AUTUMN")
        statistics = promos.statistics()
    assert spring_state.redeemed == autumn_state.redeemed == {7: 1, 8: 2, 9: 3}
    assert (statistics.live, statistics.crashes) == (1, 0) and statistics.evictions >= 7
    assert await log.load_snapshot("promo:SPRING") is not None
    async with Promos.open(log) as reopened:
        assert await reopened.state("SPRING") == spring_state
