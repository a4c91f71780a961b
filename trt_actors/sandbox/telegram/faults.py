"""Fault injection: make the emulator fail the way Telegram does, on purpose.

Rules are small typed records; the emulator consults them on every call
(after the token check, before validation). ``method=None`` matches every method;
names match in any letter case.

Example::

    emu.faults.rate_limit("sendMessage", every=3, retry_after=2)   # every 3rd call → 429, retry_after 2
    emu.faults.rate_limit("sendMessage", seconds=30, retry_after=5)  # all calls for 30 s of emulator time
    emu.faults.server_error("getUpdates", status=502, times=1)       # the next call → 502
    emu.faults.block(1001)             # sends to user 1001 → 403 "Forbidden: bot was blocked by the user"
    emu.faults.delay("sendPhoto", 3.0)  # answers wait 3 s on the emulator's clock
    emu.faults.flood_control()          # Telegram's own limits: ~1 message/s per chat (burst 3), 30/s overall
    emu.faults.duplicate_webhook(every=2)  # every 2nd webhook update is POSTed twice (same update_id)
    emu.faults.enforce_bans()           # a call inside the retry_after a 429 announced gets 429 again
    emu.faults.clear()

Whatever the rules, the emulator remembers the ban each 429 announced (per
chat for messages, as flood control counts them; per method for the rest) and counts the
calls made inside one in :attr:`Faults.ban_violations`, so a test can check
that the bot honours ``retry_after``.
"""

from __future__ import annotations

import math

import msgspec

from trt_actors.sandbox.clock import Clock
from trt_actors.sandbox.telegram.errors import BotApiError

__all__ = ["BAN_GRACE", "Delay", "DuplicateWebhook", "Faults", "FloodControl", "RateLimit", "ServerError"]

BAN_GRACE = 0.05
"""Seconds before a ban ends in which a call still counts as honouring it (clocks and the network differ by that)."""


class RateLimit(msgspec.Struct, frozen=True):
    """429 on every ``every``-th matching call, or on all of them until ``until`` (emulator time)."""

    method: str | None
    retry_after: int | None
    every: int | None = None
    until: float | None = None


class ServerError(msgspec.Struct, frozen=True):
    """A 5xx on every ``every``-th matching call, for at most ``times`` failures (None: no limit)."""

    method: str | None
    status: int = 500
    every: int = 1
    times: int | None = None


class Delay(msgspec.Struct, frozen=True):
    """Answer matching calls only after ``seconds`` on the emulator's clock."""

    method: str | None
    seconds: float


class DuplicateWebhook(msgspec.Struct, frozen=True):
    """POST every ``every``-th successfully delivered webhook update once more, as Telegram does
    when it missed the answer: the bot must dedupe by ``update_id``."""

    every: int = 1


class FloodControl(msgspec.Struct, frozen=True):
    """Telegram-like flood limits for messages (``send*`` except ``sendChatAction``, and ``editMessage*``).

    Token buckets on the emulator clock: each chat may send ``per_chat_per_second``
    messages a second with bursts of ``per_chat_burst``; the bot as a whole
    ``global_per_second``. A message over the limit gets 429 with ``retry_after``
    = whole seconds until the bucket has a token again.
    """

    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    global_per_second: float = 30.0


class _Bucket:
    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.at = now

    def wait_needed(self, now: float) -> float:
        """Seconds until a token is free (0 if one is free now); refills first."""
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


def _is_message(method: str) -> bool:
    lower = method.lower()
    return (lower.startswith("send") and lower != "sendchataction") or lower.startswith("editmessage")


def _matches(rule_method: str | None, method: str) -> bool:
    return rule_method is None or rule_method.lower() == method.lower()


class Faults:
    """The fault rules of one emulator. See the module docstring for examples."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._rate_limits: list[RateLimit] = []
        self._server_errors: list[ServerError] = []
        self._delays: list[Delay] = []
        self._calls: dict[int, int] = {}  # id(rule) -> matching calls seen
        self._failures: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._flood: FloodControl | None = None
        self._duplicate: DuplicateWebhook | None = None
        self._deliveries = 0
        self._bans: dict[int | str, float] = {}  # chat id or method -> when the ban a 429 announced ends
        self._enforce_bans = False
        self.ban_violations = 0
        self.broken_bans: list[tuple[str, int | str, float, float]] = []  # (method, chat or method, early, when)
        self._chat_buckets: dict[int, _Bucket] = {}
        self._global_bucket: _Bucket | None = None
        self.injected = 0

    def rate_limit(
        self, method: str | None = None, *, every: int | None = None, seconds: float | None = None, retry_after: int | None = None
    ) -> RateLimit:
        """Answer 429 ``Too Many Requests: retry after N`` with ``parameters.retry_after``.

        Give ``every=N`` (every N-th call) or ``seconds=S`` (every call for the next S
        seconds). ``retry_after`` defaults to 1 for ``every`` and to what is left of the
        window for ``seconds``.
        """
        if (every is None) == (seconds is None):
            raise ValueError("give exactly one of every= or seconds=")
        if every is not None and every < 1:
            raise ValueError("every must be at least 1")
        until = None if seconds is None else self._clock.now() + seconds
        rule = RateLimit(method, retry_after, every=every, until=until)
        self._rate_limits.append(rule)
        return rule

    def server_error(self, method: str | None = None, *, status: int = 500, every: int = 1, times: int | None = None) -> ServerError:
        """Answer ``status`` (500, 502, ...) on every ``every``-th call, at most ``times`` times."""
        if not 500 <= status <= 599:
            raise ValueError("a server error has a 5xx status")
        rule = ServerError(method, status, every, times)
        self._server_errors.append(rule)
        return rule

    def delay(self, method: str | None = None, seconds: float = 1.0) -> Delay:
        """Make answers slow: wait ``seconds`` on the emulator's clock before answering."""
        rule = Delay(method, seconds)
        self._delays.append(rule)
        return rule

    def flood_control(
        self, per_chat_per_second: float = 1.0, per_chat_burst: int = 3, global_per_second: float = 30.0
    ) -> FloodControl:
        """Turn on Telegram-like flood limits (see :class:`FloodControl`); ``clear()`` turns them off."""
        self._flood = FloodControl(per_chat_per_second, per_chat_burst, global_per_second)
        self._chat_buckets.clear()
        self._global_bucket = None
        return self._flood

    def duplicate_webhook(self, every: int = 1) -> DuplicateWebhook:
        """Deliver every ``every``-th webhook update twice (the second POST after a 2xx answer)."""
        if every < 1:
            raise ValueError("every must be at least 1")
        self._duplicate = DuplicateWebhook(every)
        self._deliveries = 0
        return self._duplicate

    def should_duplicate_delivery(self) -> bool:
        """Called by the webhook after each 2xx delivery: True when this one is to be sent again."""
        if self._duplicate is None:
            return False
        self._deliveries += 1
        if self._deliveries % self._duplicate.every == 0:
            self.injected += 1
            return True
        return False

    def enforce_bans(self, enforce: bool = True) -> None:
        """Answer a call inside an announced ban with 429 again, as Telegram does (it is only counted otherwise)."""
        self._enforce_bans = enforce

    def _banned(self, method: str, key: int | str, now: float) -> BotApiError | None:
        until = self._bans.get(key)
        if until is None:
            return None
        if now >= until:
            del self._bans[key]
            return None
        if now < until - BAN_GRACE:
            self.ban_violations += 1
            if len(self.broken_bans) < 100:
                self.broken_bans.append((method, key, round(until - now, 3), now))
            if self._enforce_bans:
                return BotApiError.too_many_requests(max(1, math.ceil(until - now)))
        return None

    def _announce(self, key: int | str, now: float, error: BotApiError) -> BotApiError:
        retry_after = error.retry_after
        if retry_after:
            self._bans[key] = max(self._bans.get(key, 0.0), now + retry_after)
        return error

    def block(self, user_id: int) -> None:
        """The user blocked the bot: sends to their chat fail with 403."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def is_blocked(self, user_id: int) -> bool:
        return user_id in self._blocked

    def remove(self, rule: RateLimit | ServerError | Delay | DuplicateWebhook) -> None:
        """Remove one rule returned earlier."""
        if isinstance(rule, DuplicateWebhook):
            if rule is self._duplicate:
                self._duplicate = None
            return
        for rules in (self._rate_limits, self._server_errors, self._delays):
            for index, existing in enumerate(rules):
                if existing is rule:
                    del rules[index]
                    self._calls.pop(id(rule), None)  # ids are reused once the rule is gone
                    self._failures.pop(id(rule), None)
                    return

    def clear(self) -> None:
        """Remove every rule and unblock every user."""
        self._rate_limits.clear()
        self._server_errors.clear()
        self._delays.clear()
        self._blocked.clear()
        self._calls.clear()
        self._failures.clear()
        self._flood = None
        self._duplicate = None
        self._enforce_bans = False
        self._chat_buckets.clear()
        self._global_bucket = None

    def delay_for(self, method: str) -> float:
        """Total delay the rules impose on ``method``."""
        return sum(rule.seconds for rule in self._delays if _matches(rule.method, method))

    def _flooded(self, method: str, chat_id: int | None, now: float) -> BotApiError | None:
        flood = self._flood
        if flood is None or not _is_message(method):
            return None
        if self._global_bucket is None:
            self._global_bucket = _Bucket(flood.global_per_second, flood.global_per_second, now)
        buckets = [self._global_bucket]
        if chat_id is not None:
            bucket = self._chat_buckets.get(chat_id)
            if bucket is None:
                bucket = self._chat_buckets[chat_id] = _Bucket(flood.per_chat_per_second, flood.per_chat_burst, now)
            buckets.append(bucket)
        wait = max(bucket.wait_needed(now) for bucket in buckets)
        if wait > 0:
            self.injected += 1
            return BotApiError.too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take()
        return None

    def failure_for(self, method: str, chat_id: int | None = None) -> BotApiError | None:
        """The error to answer ``method`` (to ``chat_id``) with now, if a rule or a ban says so (counts this call)."""
        now = self._clock.now()
        key: int | str = chat_id if chat_id is not None and _is_message(method) else method.lower()
        banned = self._banned(method, key, now)
        if banned is not None:
            return banned
        error = self._rule_failure(method, chat_id, now)
        if error is not None and error.error_code == 429:
            return self._announce(key, now, error)
        return error

    def _rule_failure(self, method: str, chat_id: int | None, now: float) -> BotApiError | None:
        for limit in list(self._rate_limits):
            if not _matches(limit.method, method):
                continue
            if limit.until is not None:
                if now < limit.until:
                    self.injected += 1
                    left = max(1, math.ceil(limit.until - now))
                    return BotApiError.too_many_requests(limit.retry_after if limit.retry_after is not None else left)
                continue
            count = self._calls[id(limit)] = self._calls.get(id(limit), 0) + 1
            if limit.every is not None and count % limit.every == 0:
                self.injected += 1
                return BotApiError.too_many_requests(limit.retry_after if limit.retry_after is not None else 1)
        for error in list(self._server_errors):
            if not _matches(error.method, method):
                continue
            count = self._calls[id(error)] = self._calls.get(id(error), 0) + 1
            failed = self._failures.get(id(error), 0)
            if error.times is not None and failed >= error.times:
                continue
            if count % error.every == 0:
                self._failures[id(error)] = failed + 1
                self.injected += 1
                return BotApiError.server_error(error.status)
        return self._flooded(method, chat_id, now)
