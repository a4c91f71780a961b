"""A test driver for one chat: send texts, photos, taps and payments through the decider, fold the events.

``Chat`` keeps every event of its stream, so a test can check that the state
is their fold, look at the last screen, and tap its buttons by label. The
balance is the ledger's to report: ``Chat(balance=...)`` and
:meth:`Chat.see_balance` record a bare ``BalanceSeen`` (as sessions did
before the ledger named its entries); :meth:`Chat.settle` lets the user's
ledger (:class:`tests.session.books.Books`, the real pure decider, opened
with the same balance) answer what the session asked, as the reactors will::

    chat = Chat(registry)
    chat.text("/start")
    chat.tap("🎨")                    # the first button whose label starts with this
    assert chat.screen.screen == "category"
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from registry import Registry
from tests.session.books import Books
from trt_actors.events import Button, CallbackAccepted, CallbackRejected, Event, UiRendered
from trt_actors.events.session import SESSION_EVENTS, BalanceSeen, JobSeen, MessageRejected, PaymentRejected
from trt_actors.runtime.decider import fold
from trt_actors.session import (
    ButtonPressed,
    JobReported,
    LedgerReported,
    PaymentReceived,
    PhotoReceived,
    SessionCommand,
    SessionDecider,
    SessionState,
    TextReceived,
    Unsupported,
)
from trt_actors.stars import DEFAULT_PACKAGES, StarsPackage
from trt_actors.free_tier import FreeTier
from trt_actors.limits import Rate
from trt_actors.support import Support


class Common(TypedDict):
    chat_id: int
    user_id: int
    cid: str
    update_id: int
    ts: float
    language_code: str | None
    first_name: str


Input = SessionCommand | BalanceSeen
"""What drives a chat: a command for the decider, or the ledger's report folded as it is."""


class Chat:
    """One chat's session, driven by commands; ``events`` is its whole stream."""

    def __init__(
        self,
        registry: Registry,
        *,
        language_code: str | None = "ru",
        balance: int = 100,
        first_name: str = "Ann",
        chat_id: int = 42,
        packages: tuple[StarsPackage, ...] = DEFAULT_PACKAGES,
        max_jobs: int = 3,
        support: Support = Support(),
        generations: Rate | None = None,
        free: FreeTier = FreeTier(),
    ) -> None:
        self.decider = SessionDecider(registry, packages, max_jobs=max_jobs, support=support, generations=generations,
                                      free=free)
        self.state: SessionState = self.decider.initial_state()
        self.events: list[Event] = []
        self.commands: list[SessionCommand] = []
        self.inputs: list[Input] = []
        self.last: list[Event] = []
        self.language_code = language_code
        self.first_name = first_name
        self.chat_id = chat_id
        self.updates = 0
        self.waited = 0.0
        self.message_id = 100
        self.books = Books(user_id=chat_id, opening=balance)
        self.settled = 0
        if balance:
            self.see_balance(balance)

    # -- sending ---------------------------------------------------------------------------

    def _common(self) -> Common:
        self.updates += 1
        return {
            "chat_id": self.chat_id,
            "user_id": self.chat_id,
            "cid": f"cid-{self.chat_id}-{self.updates}",
            "update_id": self.updates,
            "ts": self.now(),
            "language_code": self.language_code,
            "first_name": self.first_name,
        }

    def now(self) -> float:
        """The time the next command carries: a second per update, plus what the test waited."""
        return 1_700_000_000.0 + self.updates + self.waited

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` pass before the next command."""
        self.waited += seconds

    def see_balance(self, available: int, held: int = 0) -> list[Event]:
        """Record the ledger's report of the balance, as the ledger's reactor will."""
        event = BalanceSeen(available=available, held=held)
        self.inputs.append(event)
        self.state = self.decider.evolve(self.state, event)
        self.events.append(event)
        self.last = [event]
        return self.last

    def send(self, command: SessionCommand) -> list[Event]:
        self.commands.append(command)
        self.inputs.append(command)
        events = self.decider.decide(self.state, command)
        self.state = fold(self.decider, self.state, events)
        self.events.extend(events)
        self.last = list(events)
        return self.last

    def text(self, text: str) -> list[Event]:
        return self.send(TextReceived(text=text, **self._common()))

    def photo(self, caption: str | None = None) -> list[Event]:
        command = PhotoReceived(
            file_id=f"file-{self.updates + 1}",
            file_unique_id=f"unique-{self.updates + 1}",
            width=640,
            height=480,
            caption=caption,
            **self._common(),
        )
        return self.send(command)

    def unsupported(self, kind: str) -> list[Event]:
        return self.send(Unsupported(kind=kind, **self._common()))

    def pay(self, payload: str, stars: int, charge_id: str = "charge-1", currency: str = "XTR") -> list[Event]:
        """A ``successful_payment`` message: ``stars`` paid for the invoice whose payload is ``payload``."""
        return self.send(PaymentReceived(currency=currency, total_amount=stars, invoice_payload=payload,
                                         telegram_payment_charge_id=charge_id, **self._common()))

    def report(self, event: str, operation_id: str, amount: int, available: int, held: int = 0, *,
               reason: str = "", model_id: str = "", stars: int = 0) -> list[Event]:
        """The ledger's report of one of its events, under the cid of the last command."""
        return self.send(LedgerReported(
            chat_id=self.chat_id, user_id=self.chat_id, cid=self.commands[-1].cid if self.commands else "ledger",
            update_id=0, ts=self.now() + 0.5, event=event, operation_id=operation_id, amount=amount,
            available=available, held=held, reason=reason, model_id=model_id, stars=stars,
        ))

    def job(self, event: str, job_id: str, *, elapsed: float = 1.0, reason: str = "", message_id: int | None = 100,
            model_id: str = "", credits: int = 0, results: int = 0, message_ids: tuple[int, ...] = ()) -> list[Event]:
        """The job runner's report of one of its events about order ``job_id`` (the confirm tap's cid)."""
        request = self.state.request(job_id)
        return self.send(JobReported(
            chat_id=self.chat_id, user_id=self.chat_id, cid=f"cid-{self.chat_id}-job-{job_id}", update_id=0,
            ts=self.now() + elapsed, event=event, job_id=job_id,
            model_id=model_id or (request.model_id if request is not None else ""),
            credits=credits or (request.credits if request is not None else 0), message_id=message_id,
            elapsed=elapsed, reason=reason, message_ids=message_ids, result_count=results,
        ))

    def settle(self) -> list[Event]:
        """The ledger answers what the session asked since the last settle; the session hears every answer."""
        asked, self.settled = self.events[self.settled:], len(self.events)
        cid = self.commands[-1].cid if self.commands else "ledger"
        heard: list[Event] = []
        for command in self.books.answer(asked, chat_id=self.chat_id, cid=cid, ts=self.now() + 0.5):
            heard.extend(self.send(command))
        self.settled = len(self.events)
        self.last = heard
        return heard

    def press(self, data: str, message_id: int | None = 100) -> list[Event]:
        return self.send(
            ButtonPressed(callback_query_id=f"q{self.updates}", data=data, message_id=message_id,
                          **self._common())
        )

    def tap(self, label: str) -> list[Event]:
        """Tap the first button of the last screen whose label starts with (or equals) ``label``."""
        return self.press(self.button(label).data or "")

    # -- looking -----------------------------------------------------------------------------

    def renders(self, events: Iterable[Event] | None = None) -> list[UiRendered]:
        """The messages the last command (or ``events``) rendered."""
        return [event for event in (self.last if events is None else events) if isinstance(event, UiRendered)]

    def payment_rejected(self) -> str | None:
        """The reason code of the last command's PaymentRejected, or None."""
        found = [event.reason_code for event in self.last if isinstance(event, PaymentRejected)]
        return found[0] if found else None

    @property
    def screen(self) -> UiRendered:
        """The last ``UiRendered``."""
        for event in reversed(self.events):
            if isinstance(event, UiRendered):
                return event
        raise AssertionError("nothing was rendered yet")

    def buttons(self) -> list[Button]:
        return [button for row in self.screen.buttons for button in row]

    def labels(self) -> list[str]:
        return [button.text for button in self.buttons()]

    def button(self, label: str) -> Button:
        for button in self.buttons():
            if button.text == label or button.text.startswith(label):
                return button
        raise AssertionError(f"no button {label!r} on {self.screen.screen}: {self.labels()}")

    def has_button(self, label: str) -> bool:
        return any(text == label or text.startswith(label) for text in self.labels())

    def verdict(self) -> Event:
        """The CallbackAccepted or CallbackRejected of the last press."""
        for event in self.last:
            if isinstance(event, CallbackAccepted | CallbackRejected):
                return event
        raise AssertionError(f"no verdict in {self.last}")

    def rejected(self) -> str | None:
        """The reason code of the last press's rejection, or None if it was accepted."""
        verdict = self.verdict()
        return verdict.reason_code if isinstance(verdict, CallbackRejected) else None

    def message_rejected(self) -> MessageRejected | None:
        """The MessageRejected of the last command, or None."""
        found = [event for event in self.last if isinstance(event, MessageRejected)]
        assert len(found) <= 1, found
        return found[0] if found else None

    def rejected_message(self) -> str | None:
        """The reason code of the last command's MessageRejected, or None if the message was used."""
        found = self.message_rejected()
        return found.reason_code if found is not None else None

    def domain_events(self, events: Iterable[Event] | None = None) -> list[Event]:
        """Events of the session's own vocabulary (not renders, verdicts or the ledger's reports)."""
        return [event for event in (self.last if events is None else events)
                if type(event) in SESSION_EVENTS
                and not isinstance(event, MessageRejected | BalanceSeen | JobSeen | PaymentRejected)]
