"""The pre-checkout answerer: lets a Stars payment through, or refuses it, within Telegram's 10 seconds.

When a user taps Pay, Telegram sends a ``pre_checkout_query`` and waits at
most ten seconds for ``answerPreCheckoutQuery``. The receiver records the
query like any update (stream ``inbox:user:<id>``: it has no chat); this
actor follows those streams alone through its own
:class:`~trt_actors.runtime.Reactor`, so a backlog of chat messages in the
router never delays an answer.

Only cheap checks, all on what the payload and the configuration say: the
payload names one of our top-ups (:func:`~trt_actors.stars.parse_payload`),
it was made for the user paying (an invoice forwarded to someone else would
take their Stars for a chat that never asked), its package (Stars and
credits) is still offered, the currency is ``XTR`` and the amount is the
package's, and the ledger has not credited that top-up
already (its answer is recorded with the decision). The decision is appended
as ``PreCheckoutAnswered`` (stream ``checkout:<user_id>``, event id derived
from the update's), then sent: persist, then act. A refusal carries a short
reason in the user's language. A query reached after its window is recorded
as ``too_late`` and not answered (Telegram would refuse the answer); an
answer Telegram refuses (an unknown or expired query), or one still unsent when
the window closes, is not tried again.
Network failures and 5xx are: the reactor delivers the query again and the
recorded decision is sent.

Crediting happens later and elsewhere: the ``successful_payment`` message
goes to the chat's session, which records ``TopUpPaid``; the ledger credits
it once, keyed by Telegram's charge id.

Example::

    checkout = Checkout(log, tg, ledger, packages=settings.stars_packages)
    root.start("checkout", checkout.run)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Sequence

import msgspec
import trio

from eventlog import EventStore, NewEvent, RecordedEvent
from trt_actors.actors.ledger import Ledger
from trt_actors.events import UpdateReceived
from trt_actors.events.payments import PreCheckoutAnswered
from trt_actors.runtime import Reactor, ReactorStatistics
from trt_actors.stars import StarsPackage, parse_payload, payer_of
from trt_actors.telegram import BadRequest, PreCheckoutQuery, TelegramClient, Update

__all__ = ["PRE_CHECKOUT_WINDOW", "Checkout", "decide_pre_checkout", "refusal_text"]

log = logging.getLogger(__name__)

PRE_CHECKOUT_WINDOW = 10.0
"""Seconds Telegram waits for the answer to a pre-checkout query."""

_UPDATE = msgspec.json.Decoder(Update)

_REFUSALS: dict[str, dict[str, str]] = {
    "en": {
        "unknown_payload": "This invoice is not valid any more. Open the top-up screen and try again.",
        "wrong_currency": "This invoice is not valid any more. Open the top-up screen and try again.",
        "package_gone": "This package is no longer offered. Open the top-up screen to see the current ones.",
        "amount_mismatch": "The price of this package has changed. Open the top-up screen and try again.",
        "already_paid": "This invoice has already been paid: your credits are on your balance.",
        "not_yours": "This invoice was made for someone else. Open /topup to get your own.",
    },
    "ru": {
        "unknown_payload": "Этот счёт больше не действует. Откройте пополнение и попробуйте снова.",
        "wrong_currency": "Этот счёт больше не действует. Откройте пополнение и попробуйте снова.",
        "package_gone": "Этого пакета больше нет. Откройте пополнение, чтобы увидеть актуальные.",
        "amount_mismatch": "Цена этого пакета изменилась. Откройте пополнение и попробуйте снова.",
        "already_paid": "Этот счёт уже оплачен: кредиты уже на вашем балансе.",
        "not_yours": "Этот счёт выставлен другому человеку. Откройте /topup, чтобы получить свой.",
    },
}


def refusal_text(reason: str, language_code: str | None) -> str:
    """The sentence a user sees when Telegram shows our refusal (Russian for ``ru*``, English otherwise)."""
    language = "ru" if (language_code or "").lower().startswith("ru") else "en"
    texts = _REFUSALS[language]
    return texts.get(reason, texts["unknown_payload"])


def decide_pre_checkout(
    query: PreCheckoutQuery, packages: Sequence[StarsPackage], already_paid: Callable[[str], bool]
) -> PreCheckoutAnswered:
    """The answer to ``query`` (pure but for ``already_paid``, whose answer is recorded in the event)."""
    payload = parse_payload(query.invoice_payload)
    if payload is None:
        return PreCheckoutAnswered(query_id=query.id, ok=False, reason="unknown_payload")
    reason = ""
    if payer_of(payload.topup_id) not in (None, query.from_.id):
        reason = "not_yours"
    elif query.currency != "XTR":
        reason = "wrong_currency"
    elif StarsPackage(payload.stars, payload.credits) not in packages:
        reason = "package_gone"
    elif query.total_amount != payload.stars:
        reason = "amount_mismatch"
    paid = not reason and already_paid(payload.topup_id)
    return PreCheckoutAnswered(
        query_id=query.id,
        ok=not reason and not paid,
        topup_id=payload.topup_id,
        stars=payload.stars,
        credits=payload.credits,
        reason="already_paid" if paid else reason,
        already_paid=paid,
    )


class Checkout:
    """Answers pre-checkout queries (see the module docstring)."""

    def __init__(
        self,
        log: EventStore,
        tg: TelegramClient,
        ledger: Ledger,
        *,
        packages: Sequence[StarsPackage],
        clock: Callable[[], float] = time.time,
        window: float = PRE_CHECKOUT_WINDOW,
    ) -> None:
        self._log = log
        self._tg = tg
        self._ledger = ledger
        self._packages = tuple(packages)
        self._clock = clock
        self._window = window
        self.answered = self.refused = self.late = 0
        self.reactor = Reactor(
            "checkout",
            log,
            types=(UpdateReceived.type_name(),),
            handle=self._handle,
            key=lambda recorded: recorded.user_id,
            select=lambda recorded: recorded.stream.startswith("inbox:user:"),
            workers=16,
            clock=clock,
        )

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await self.reactor.run(task_status=task_status)

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            received = recorded.event
            assert isinstance(received, UpdateReceived)
            query = _UPDATE.decode(received.body).pre_checkout_query
            if query is not None:
                await self._answer(recorded, query)

    async def _answer(self, recorded: RecordedEvent, query: PreCheckoutQuery) -> None:
        if self._clock() - recorded.ts > self._window:
            answer = PreCheckoutAnswered(query_id=query.id, ok=False, reason="too_late")
        else:
            credits = (await self._ledger.state(query.from_.id)).credits
            answer = decide_pre_checkout(query, self._packages, lambda topup_id: f"topup:{topup_id}" in credits)
        event_id = f"checkout:{recorded.event_id}"
        (position,) = await self._log.append([NewEvent(
            event_id=event_id,
            stream=f"checkout:{query.from_.id}",
            event=answer,
            cid=recorded.cid,
            ts=self._clock(),
            causation=recorded.event_id,
            user_id=query.from_.id,
        )])
        if position.duplicate:  # decided before a crash or a failed answer: send what was recorded
            first = next(r.event for r in await self._log.read_cid(recorded.cid) if r.event_id == event_id)
            assert isinstance(first, PreCheckoutAnswered)
            answer = first
        if answer.reason == "too_late":
            self.late += 1
            log.warning("pre-checkout query %s reached after %.0f s: not answered", query.id, self._window)
            return
        error = None if answer.ok else refusal_text(answer.reason, query.from_.language_code)
        left = self._window - (self._clock() - recorded.ts)
        try:
            with trio.move_on_after(max(left, 0.5)) as waiting:  # an answer after the window is of no use
                await self._tg.answer_pre_checkout_query(query.id, answer.ok, error_message=error)
        except BadRequest as refused:  # the query is unknown or expired: Telegram takes no answer, now or later
            self.late += 1
            log.warning("Telegram refused the answer to pre-checkout query %s: %s", query.id, refused)
            return
        if waiting.cancelled_caught:
            self.late += 1
            log.warning("the answer to pre-checkout query %s was still unsent when its window closed", query.id)
            return
        if answer.ok:
            self.answered += 1
        else:
            self.refused += 1

    def statistics(self) -> ReactorStatistics:
        return self.reactor.statistics()
