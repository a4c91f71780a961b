"""Per-user rate limits: how many messages, taps and paid generations a user may send in a window.

A limit is ``COUNT/SECONDS`` (``RATE_MESSAGES=30/60``: thirty messages a
minute). Messages and taps are counted here, in memory, over a sliding window
of each user's last ``COUNT`` inputs, at the time each update was received (its
recorded ``ts``, never the clock). The verdict is recorded by the session that
hears it (``InputThrottled``), so replay never needs this window; a restart
starts every window empty. Paid generations are counted by the session
itself, from the orders it remembers (see :mod:`trt_actors.session.orders`).

Memory is bounded: a user keeps at most ``COUNT`` timestamps per kind, and a
user idle for a whole window is forgotten at the next sweep, which comes every
``sweep_every`` checks and at the first check once the longest window has
passed since the last sweep, whichever is first (so a wave of new users is
forgotten a window after it, not only ``sweep_every`` checks later).

Example::

    limiter = RateLimiter(messages=Rate(3, 60), taps=Rate(10, 60))
    for second in range(4):
        verdict = limiter.check(42, "messages", at=1000.0 + second)
    assert not verdict.allowed and verdict.retry_at == 1060.0 and verdict.first
"""

from __future__ import annotations

from typing import Final, Literal, NamedTuple

__all__ = ["DEFAULT_RATES", "Kind", "Rate", "RateLimiter", "Verdict", "parse_rate"]

Kind = Literal["messages", "taps"]
"""What the limiter counts: messages (texts, photos, anything sent) and taps on buttons."""


class Rate(NamedTuple):
    """At most ``limit`` in any ``seconds``."""

    limit: int
    seconds: float


DEFAULT_RATES: Final = {"messages": Rate(30, 60.0), "taps": Rate(60, 60.0), "generations": Rate(10, 600.0)}
"""``RATE_MESSAGES``, ``RATE_TAPS`` and ``RATE_GENERATIONS`` when not configured."""


def parse_rate(text: str, *, most: int) -> Rate:
    """``"30/60"`` as a :class:`Rate`; ValueError with the rule when malformed (a count from 1 to ``most``)."""
    count, slash, seconds = text.strip().partition("/")
    try:
        rate = Rate(int(count), float(seconds)) if slash else None
    except ValueError:
        rate = None
    if rate is None or not 1 <= rate.limit <= most or not 1.0 <= rate.seconds <= 86_400.0:
        raise ValueError(f"must be COUNT/SECONDS with a count from 1 to {most} and 1 to 86400 seconds, "
                         f"such as 30/60, not {text!r}")
    return rate


class Verdict(NamedTuple):
    """``allowed``, or not until ``retry_at``; ``first``: the first refusal since the user's last allowed input
    (the one that gets an answer)."""

    allowed: bool
    retry_at: float = 0.0
    first: bool = False


class _Window:
    """A user's last inputs of one kind (at most the limit, oldest first): a list, not a bounded deque, because
    most users send a few and an empty deque already takes 760 bytes (a list of one, 64)."""

    __slots__ = ("refused", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.refused = False


class RateLimiter:
    """The sliding windows of messages and taps, per user (see the module docstring)."""

    def __init__(self, *, messages: Rate = DEFAULT_RATES["messages"], taps: Rate = DEFAULT_RATES["taps"],
                 sweep_every: int = 10_000) -> None:
        self._rates: dict[Kind, Rate] = {"messages": messages, "taps": taps}
        self._windows: dict[tuple[int, Kind], _Window] = {}
        self._sweep_every = sweep_every
        self._longest = max(messages.seconds, taps.seconds)
        self._swept_at: float | None = None
        self._checks = 0
        self.refused = 0

    def check(self, user_id: int, kind: Kind, *, at: float) -> Verdict:
        """Count an input of ``kind`` by ``user_id`` received at ``at``, unless it is over the limit."""
        rate = self._rates[kind]
        self._checks += 1
        if self._swept_at is None:
            self._swept_at = at
        if self._checks % self._sweep_every == 0 or at - self._swept_at >= self._longest:
            self._sweep(at)
        window = self._windows.get((user_id, kind))
        if window is None:
            window = self._windows[(user_id, kind)] = _Window()
        times = window.times
        if len(times) == rate.limit and at - times[0] < rate.seconds:
            first, window.refused = not window.refused, True
            self.refused += 1
            return Verdict(False, times[0] + rate.seconds, first)
        times.append(at)
        if len(times) > rate.limit:
            del times[0]
        window.refused = False
        return Verdict(True)

    def __len__(self) -> int:
        """The windows kept (a user and a kind each)."""
        return len(self._windows)

    def _sweep(self, now: float) -> None:
        """Forget every user idle for a whole window: nothing of theirs can count any more."""
        self._swept_at = now
        for key, window in list(self._windows.items()):
            if not window.times or now - window.times[-1] >= self._rates[key[1]].seconds:
                del self._windows[key]
