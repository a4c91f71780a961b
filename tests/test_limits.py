"""The users' rate limits: a sliding window per user and kind, one answer per burst, bounded memory."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trt_actors.limits import Rate, RateLimiter, Verdict, parse_rate

T0 = 1_700_000_000.0


def test_the_limit_refuses_past_its_count_until_the_oldest_leaves_the_window_and_says_so_once() -> None:
    limiter = RateLimiter(messages=Rate(3, 60.0), taps=Rate(5, 10.0))
    assert [limiter.check(7, "messages", at=T0 + i).allowed for i in range(3)] == [True, True, True]
    assert limiter.check(7, "messages", at=T0 + 10) == Verdict(False, T0 + 60, first=True)
    assert limiter.check(7, "messages", at=T0 + 20) == Verdict(False, T0 + 60, first=False)  # recorded, not answered
    assert limiter.check(8, "messages", at=T0 + 20).allowed  # another user has a window of their own
    assert limiter.check(7, "taps", at=T0 + 20).allowed  # and so has another kind
    assert limiter.check(7, "messages", at=T0 + 60).allowed  # the first message left the window
    assert limiter.check(7, "messages", at=T0 + 60.5) == Verdict(False, T0 + 61, first=True)  # a new burst
    assert limiter.refused == 3


@given(st.lists(st.floats(min_value=0, max_value=600), min_size=1, max_size=200))
def test_no_window_ever_holds_more_than_its_count(offsets: list[float]) -> None:
    limiter, rate = RateLimiter(messages=Rate(4, 30.0)), Rate(4, 30.0)
    taken: list[float] = []
    for at in sorted(T0 + offset for offset in offsets):
        if limiter.check(1, "messages", at=at).allowed:
            taken.append(at)
    for index, at in enumerate(taken):
        assert sum(1 for other in taken[: index + 1] if at - other < rate.seconds) <= rate.limit


def test_users_idle_for_a_whole_window_are_forgotten() -> None:
    limiter = RateLimiter(messages=Rate(2, 60.0), sweep_every=100)
    for user in range(99):
        limiter.check(user, "messages", at=T0)
    assert len(limiter) == 99
    limiter.check(1000, "messages", at=T0 + 61)  # the 100th check sweeps
    assert len(limiter) == 1


@pytest.mark.parametrize("text", ["30", "0/60", "30/0", "30/100000", "a/b", "11/60", "-1/60", ""])
def test_a_malformed_rate_is_refused_with_the_rule(text: str) -> None:
    with pytest.raises(ValueError, match="COUNT/SECONDS with a count from 1 to 10"):
        parse_rate(text, most=10)
    assert parse_rate(" 10/0.5e3 ", most=10) == Rate(10, 500.0)


def test_a_wave_of_users_is_forgotten_a_window_later_however_few_checks_follow() -> None:
    limiter = RateLimiter(messages=Rate(2, 60.0), taps=Rate(5, 30.0))  # a sweep every 10,000 checks
    for user in range(5_000):
        limiter.check(user, "messages", at=T0 + user / 1_000)
    limiter.check(9_999, "messages", at=T0 + 59)
    assert len(limiter) == 5_001  # nobody's window has passed yet
    limiter.check(9_999, "taps", at=T0 + 66)  # the longest window (60 s) since the first check: a sweep
    assert len(limiter) == 2  # the wave is gone; the user still writing keeps both windows
