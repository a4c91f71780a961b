"""The promo decider, rule by rule, then at random: never more than ``max_uses`` redemptions, never twice per user."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trt_actors.events import Event
from trt_actors.events.promo import (
    PromoCreated,
    PromoCreateRefused,
    PromoRedeemed,
    PromoRefused,
)
from trt_actors.promo import (
    CREATE_REFUSALS,
    MAX_PROMO_CREDITS,
    MAX_PROMO_USES,
    REDEEM_REFUSALS,
    CreatePromo,
    PromoCommand,
    PromoDecider,
    PromoState,
    Redeem,
)
from trt_actors.runtime.decider import CommandRejected, fold

DECIDER = PromoDecider()
T0 = 1_700_000_000.0
EXPIRES = T0 + 86_400
ADMIN = 1


def create(code: str = "SPRING", credits: int = 50, max_uses: int = 2, expires_at: float = EXPIRES,
           now: float = T0) -> CreatePromo:
    return CreatePromo(code=code, credits=credits, expires_at=expires_at, max_uses=max_uses, admin_id=ADMIN, now=now)


def redeem(user: int, now: float = T0 + 60, code: str = "SPRING") -> Redeem:
    return Redeem(code=code, user_id=user, now=now)


def run(commands: Sequence[PromoCommand], state: PromoState | None = None) -> tuple[PromoState, list[Event]]:
    state = state if state is not None else DECIDER.initial_state()
    events: list[Event] = []
    for command in commands:
        decided = list(DECIDER.decide(state, command))
        state = fold(DECIDER, state, decided)
        events.extend(decided)
    return state, events


def test_a_created_code_is_redeemed_once_per_user_in_order() -> None:
    state, events = run([create(), redeem(7), redeem(8)])
    assert events == [
        PromoCreated(code="SPRING", credits=50, expires_at=EXPIRES, max_uses=2, admin_id=ADMIN),
        PromoRedeemed(code="SPRING", user_id=7, credits=50, redemption=1),
        PromoRedeemed(code="SPRING", user_id=8, credits=50, redemption=2),
    ]
    assert (state.redeemed, state.uses, state.left) == ({7: 1, 8: 2}, 2, 0)


@pytest.mark.parametrize(("commands", "reason"), [
    ([redeem(7)], "unknown"),
    ([create(), redeem(7), redeem(7)], "already_redeemed"),
    ([create(), redeem(7, now=EXPIRES)], "expired"),
    ([create(max_uses=1), redeem(7), redeem(8)], "used_up"),
    # The user's own redemption says more than the code's expiry or its last use.
    ([create(max_uses=1), redeem(7), redeem(7, now=EXPIRES + 1)], "already_redeemed"),
])
def test_a_refusal_is_recorded_and_changes_nothing_but_its_count(commands: list[PromoCommand], reason: str) -> None:
    before, _ = run(commands[:-1])
    after, events = run(commands[-1:], before)
    last = commands[-1]
    assert isinstance(last, Redeem)
    assert events == [PromoRefused(code="SPRING", user_id=last.user_id, reason=reason)]
    assert after == msgspec.structs.replace(before, refused=before.refused + 1)


@pytest.mark.parametrize(("command", "reason"), [
    (create(credits=0), "bad_credits"),
    (create(credits=MAX_PROMO_CREDITS + 1), "bad_credits"),
    (create(max_uses=0), "bad_max_uses"),
    (create(max_uses=MAX_PROMO_USES + 1), "bad_max_uses"),
    (create(expires_at=T0), "bad_expiry"),
    (create(expires_at=float("nan")), "bad_expiry"),
])
def test_a_bad_creation_is_refused_and_creates_nothing(command: CreatePromo, reason: str) -> None:
    state, events = run([command])
    assert events == [PromoCreateRefused(code="SPRING", admin_id=ADMIN, reason=reason)]
    assert not state.created and state == PromoState()


def test_a_code_is_created_once() -> None:
    state, events = run([create(credits=50), create(credits=5000, max_uses=9)])
    assert events[1] == PromoCreateRefused(code="SPRING", admin_id=ADMIN, reason="exists")
    assert (state.credits, state.max_uses) == (50, 2)


@pytest.mark.parametrize("command", [
    redeem(7, code="spring"), redeem(7, code="SP RING"), redeem(7, code="x" * 10_000), redeem(0), redeem(-5),
    create(code="ab"), create(code="ВЕСНА"),
])
def test_a_malformed_command_is_a_callers_bug_and_records_nothing(command: PromoCommand) -> None:
    with pytest.raises(CommandRejected):
        DECIDER.decide(run([create()])[0], command)


def test_the_refusal_codes_are_listed() -> None:
    assert set(REDEEM_REFUSALS) == {"unknown", "expired", "used_up", "already_redeemed"}
    assert set(CREATE_REFUSALS) == {"exists", "bad_credits", "bad_max_uses", "bad_expiry"}


# -- at random -----------------------------------------------------------------------------------------------

USERS = st.integers(min_value=1, max_value=6)
MOMENTS = st.floats(min_value=T0 - 100, max_value=EXPIRES + 100, allow_nan=False)
CREATIONS = st.builds(
    CreatePromo,
    code=st.just("SPRING"),
    credits=st.integers(min_value=-1, max_value=MAX_PROMO_CREDITS + 1),
    expires_at=st.sampled_from([EXPIRES, T0 - 1, T0 + 3600]),
    max_uses=st.integers(min_value=0, max_value=4),
    admin_id=st.just(ADMIN),
    now=st.just(T0),
)
REDEMPTIONS = st.builds(Redeem, code=st.just("SPRING"), user_id=USERS, now=MOMENTS)
COMMANDS = st.lists(st.one_of(REDEMPTIONS, REDEMPTIONS, REDEMPTIONS, CREATIONS), max_size=30)


def expected(state: PromoState, command: PromoCommand) -> str:
    """A second statement of the rules: what ``command`` must record in ``state`` (an event type or reason)."""
    if isinstance(command, CreatePromo):
        return "exists" if state.created else "created-or-bad"
    if not state.created:
        return "unknown"
    if command.user_id in state.redeemed:
        return "already_redeemed"
    if command.now >= state.expires_at:
        return "expired"
    return "used_up" if state.uses >= state.max_uses else "redeemed"


@given(COMMANDS)
def test_never_more_than_max_uses_never_twice_per_user_never_after_expiry(commands: list[PromoCommand]) -> None:
    state = DECIDER.initial_state()
    history: list[Event] = []
    for command in commands:
        decided = list(DECIDER.decide(state, command))
        assert decided == list(DECIDER.decide(state, command))  # pure: the same inputs decide the same
        assert len(decided) == 1  # one event per command: a retry's event id is always recognised
        (event,) = decided
        match event:
            case PromoRedeemed(user_id=user, credits=credits, redemption=ordinal):
                assert expected(state, command) == "redeemed"
                assert isinstance(command, Redeem) and command.now < state.expires_at
                assert (credits, ordinal) == (state.credits, state.uses + 1)
                assert user not in state.redeemed
            case PromoRefused(reason=reason):
                assert expected(state, command) == reason
            case PromoCreateRefused(reason="exists"):
                assert state.created
            case PromoCreated() | PromoCreateRefused():
                assert expected(state, command) == "created-or-bad"
        state = DECIDER.evolve(state, event)
        history.append(event)
        redeemed = [e for e in history if isinstance(e, PromoRedeemed)]
        assert len(redeemed) <= state.max_uses
        assert len({e.user_id for e in redeemed}) == len(redeemed)
        assert [e.redemption for e in redeemed] == list(range(1, len(redeemed) + 1))
    assert fold(DECIDER, PromoState(), history) == state  # the state is the fold of what was recorded
    assert msgspec.json.decode(msgspec.json.encode(state), type=PromoState) == state  # and snapshots whole
