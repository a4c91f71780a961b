"""A random user, for a long time: whatever they send or tap, the session answers sensibly and replays exactly.

The machine sends random texts (commands, prompts, junk, very long ones),
photos, unsupported messages, taps on buttons of the last screen, taps on
buttons of older screens, forged data, Stars payments (for an invoice
offered, or tampered with), and lets the ledger (the real pure decider)
answer or report at random. After every user command: decide did not raise,
exactly one message was rendered (none for a payment that credits: the
receipt follows) and Telegram would accept it (HTML, lengths, button data
decodable within 64 bytes), a press got its verdict first; a ledger report
renders at most one. At the end: the state is the fold of all events from
the initial state, snapshots and events round-trip, replaying the same
commands gives byte-identical events, and no two messages share a dispatch id.
"""

from __future__ import annotations

import msgspec
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.session.chat import Chat
from tests.session.checks import check_message
from registry import Registry
from tests.session.conftest import _REAL, synthetic_registry
from tests.session.test_wizard import answer_step, walk_to_confirmation
from trt_actors.events import CODEC, CallbackAccepted, CallbackRejected, Event, UiRendered
from trt_actors.events.session import BalanceSeen, PaymentRejected, SessionStarted, TopUpPaid
from trt_actors.runtime.decider import fold
from trt_actors.session import ButtonPressed, SessionDecider, SessionState
from trt_actors.session.decider import MESSAGE_REJECTIONS
from trt_actors.session.payments import PAYMENT_REJECTIONS
from trt_actors.session.texts import TEXTS_VERSION
from trt_actors.stars import StarsPackage, invoice_payload

SURROGATES = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
TEXTS = st.one_of(
    st.sampled_from([
        "/start", "/start ref_5", "/menu", "/help", "/lang", "/lang en", "/balance", "/topup", "/history", "/debug",
        "/cancel", "/menu@trt_bot", "/nope", "a red fox", "16:9", "yes", "1K", "5", "0,5", "-1", "", "   ",
    ]),
    st.text(max_size=60),
    st.integers(min_value=900, max_value=6000).map(lambda n: "y" * n),
    SURROGATES,
)
FORGED = st.one_of(
    st.text(max_size=80),
    SURROGATES,
    st.from_regex(r"1\.[0-9a-z]{1,3}\.(m|h|b|y|t|l|go|w|s|r|d|k|x|c|p|o|v|ok|lg|tp)(\.[a-z0-9_./:-]{0,20})?",
                  fullmatch=True),
)


class RandomUser(RuleBasedStateMachine):
    registry: Registry = _REAL
    orderable: tuple[str, ...] = tuple(model.id for category in _REAL.categories()
                                       for model in _REAL.models_in(category))

    def __init__(self) -> None:
        super().__init__()
        self.chat = Chat(self.registry)
        self.seen_data: list[str] = []

    @initialize(language=st.sampled_from([None, "ru", "en", "en-US", "de"]), balance=st.integers(0, 300),
                name=st.one_of(st.text(max_size=20), SURROGATES))
    def begin(self, language: str | None, balance: int, name: str) -> None:
        self.chat.language_code, self.chat.first_name = language, name
        self.chat.see_balance(balance)

    def _after(self) -> None:
        renders = self.chat.renders()
        if [type(event) for event in self.chat.last] == [TopUpPaid]:
            return
        assert len(renders) == 1 and self.chat.last[-1] is renders[0]
        check_message(renders[0])
        refused = self.chat.message_rejected()
        if refused is not None:
            assert refused.reason_code in MESSAGE_REJECTIONS, refused
            assert not isinstance(self.chat.commands[-1], ButtonPressed)
        self.seen_data.extend(button.data or "" for row in renders[0].buttons for button in row)

    @rule(text=TEXTS)
    def send_text(self, text: str) -> None:
        self.chat.text(text)
        self._after()

    @rule(caption=st.one_of(st.none(), st.sampled_from(["a fox", ""]), st.text(max_size=30)))
    def send_photo(self, caption: str | None) -> None:
        self.chat.photo(caption=caption)
        self._after()

    @rule(kind=st.sampled_from(["sticker", "voice", "video", "document", "poll", "dice"]))
    def send_unsupported(self, kind: str) -> None:
        self.chat.unsupported(kind)
        self._after()
        assert self.chat.rejected_message() == "unsupported_kind"

    def _press(self, data: str, message_id: int | None = 100) -> None:
        events = self.chat.press(data, message_id=message_id)
        verdicts = [event for event in events if not isinstance(event, SessionStarted)]
        assert isinstance(verdicts[0], CallbackAccepted | CallbackRejected)
        self._after()

    @rule(choice=st.integers(min_value=0, max_value=200))
    def tap_a_button_on_screen(self, choice: int) -> None:
        buttons = self.chat.buttons() if any(isinstance(e, UiRendered) for e in self.chat.events) else []
        if buttons:
            self._press(buttons[choice % len(buttons)].data or "")

    @rule(choice=st.integers(min_value=0, max_value=10_000), message_id=st.sampled_from([100, 7, None]))
    def tap_an_old_button(self, choice: int, message_id: int | None) -> None:
        if self.seen_data:
            self._press(self.seen_data[choice % len(self.seen_data)], message_id)

    @rule(choice=st.integers(min_value=0, max_value=50))
    def go_deeper(self, choice: int) -> None:
        """Move on the way a user would: a model from a category, start, answer the step, confirm."""
        if not any(isinstance(e, UiRendered) for e in self.chat.events):
            return
        screen = self.chat.screen.screen
        if screen.startswith("step."):
            answer_step(self.chat)
            self._after()
        elif screen in ("menu", "category", "model", "confirm"):
            buttons = [b for b in self.chat.buttons() if (b.data or "").split(".")[2] in ("c", "o", "go", "ok")]
            if buttons:
                self._press(buttons[choice % len(buttons)].data or "")
        event(screen)

    @rule(data=FORGED)
    def tap_forged_data(self, data: str) -> None:
        self._press(data)

    @rule(available=st.integers(0, 300), held=st.integers(0, 50))
    def ledger_reports_a_balance(self, available: int, held: int) -> None:
        """The ledger's report changes the balance shown, never the screen: every button stays valid."""
        before = self.chat.state
        self.chat.see_balance(available, held)
        assert self.chat.state.nonce == before.nonce and self.chat.state.screen == before.screen
        assert (self.chat.state.balance, self.chat.state.held) == (available, held)

    @rule(choice=st.integers(min_value=0, max_value=200))
    def order_something(self, choice: int) -> None:
        """Walk to the confirmation of some model and confirm it, the way most real sessions go."""
        walk_to_confirmation(self.chat, self.registry, self.orderable[choice % len(self.orderable)])
        confirm = [button for button in self.chat.buttons() if (button.data or "").split(".")[2] == "ok"]
        if confirm:
            self._press(confirm[0].data or "")
        else:
            self._after()

    @rule(choice=st.integers(min_value=0, max_value=10))
    def buy_a_package(self, choice: int) -> None:
        self.chat.text("/topup")
        self._after()
        packages = [button for button in self.chat.buttons() if (button.data or "").split(".")[2] == "tp"]
        if packages:
            self._press(packages[choice % len(packages)].data or "")

    @rule(choice=st.integers(min_value=0, max_value=50),
          tamper=st.sampled_from(["none", "none", "currency", "amount", "payload", "unknown", "repeat"]))
    def pay_an_invoice(self, choice: int, tamper: str) -> None:
        """A successful_payment: for an invoice offered (most of the time), or one that matches nothing."""
        invoices = self.chat.state.invoices
        if not invoices and tamper == "none":
            return
        invoice = invoices[choice % len(invoices)] if invoices else None
        payload = invoice_payload(invoice.topup_id, StarsPackage(invoice.stars, invoice.credits)) if invoice else ""
        stars = invoice.stars if invoice else 50
        charge = self.chat.state.charges[-1] if tamper == "repeat" and self.chat.state.charges else f"ch{choice}"
        match tamper:
            case "currency":
                self.chat.pay(payload, stars, charge, currency="EUR")
            case "amount":
                self.chat.pay(payload, stars + 1, charge)
            case "payload":
                self.chat.pay(payload + "x" if payload else "nope", stars, charge)
            case "unknown":
                self.chat.pay(invoice_payload(f"t{choice}", StarsPackage(50, 100)), 50, charge)
            case _:
                self.chat.pay(payload, stars, charge)
        self._after()
        rejected = [event for event in self.chat.last if isinstance(event, PaymentRejected)]
        paid = [event for event in self.chat.last if isinstance(event, TopUpPaid)]
        assert len(rejected) + len(paid) == 1
        assert all(event.reason_code in PAYMENT_REJECTIONS for event in rejected)
        if tamper in ("currency", "amount", "payload", "unknown"):
            assert not paid
        event("paid" if paid else f"payment rejected: {rejected[0].reason_code}")

    @rule()
    def ledger_answers(self) -> None:
        """The ledger answers what the session asked (holds, top-ups); each answer renders at most one message."""
        before = len(self.chat.events)
        self.chat.settle()
        new = self.chat.events[before:]
        for rendered in self.chat.renders(new):
            check_message(rendered)
            event(f"ledger answered: {rendered.screen}")
        assert sum(isinstance(seen, BalanceSeen) for seen in new) >= len(self.chat.renders(new))

    @rule(event=st.sampled_from(["HoldPlaced", "HoldRejected", "HoldCaptured", "HoldVoided", "Credited",
                                 "RefundReserved", "RefundRejected", "RefundCompleted", "RefundFailed", "Unheard"]),
          reason=st.sampled_from(["", "insufficient", "expired", "failed", "topup", "welcome", "spent"]),
          amount=st.integers(1, 600), choice=st.integers(0, 20))
    def ledger_reports_something(self, event: str, reason: str, amount: int, choice: int) -> None:
        """Any report, about an order of this chat or not, once or twice: at most one message, a repeat is silent."""
        requests = self.chat.state.requests
        operation = requests[choice % len(requests)].confirmation_id if requests and choice % 2 else f"op{choice}"
        heard = self.chat.report(event, operation, amount, available=choice * 10, held=0, reason=reason,
                                 stars=amount if reason == "topup" else 0)
        renders = self.chat.renders(heard)
        assert len(renders) <= 1 and (not heard or isinstance(heard[0], BalanceSeen))
        for rendered in renders:
            check_message(rendered)
        again = self.chat.send(self.chat.commands[-1])
        assert heard == [] or again == []

    @invariant()
    def snapshots_round_trip(self) -> None:
        state = self.chat.state
        assert msgspec.json.decode(msgspec.json.encode(state), type=SessionState) == state

    def teardown(self) -> None:
        chat = self.chat
        decider = SessionDecider(self.registry)
        assert fold(decider, decider.initial_state(), chat.events) == chat.state
        for event in chat.events:
            assert CODEC.decode(CODEC.type_of(event), CODEC.encode(event)) == event
        state, replayed = decider.initial_state(), list[Event]()
        for given in chat.inputs:
            events: list[Event] = [given] if isinstance(given, BalanceSeen) else decider.decide(state, given)
            state = fold(decider, state, events)
            replayed.extend(events)
        assert [CODEC.encode(event) for event in replayed] == [CODEC.encode(event) for event in chat.events]
        presses = sum(isinstance(command, ButtonPressed) for command in chat.commands)
        verdicts = sum(isinstance(event, CallbackAccepted | CallbackRejected) for event in chat.events)
        assert presses == verdicts
        renders = [event for event in chat.events if isinstance(event, UiRendered)]
        assert all(render.registry_version == self.registry.version and render.texts_version == TEXTS_VERSION
                   for render in renders)
        assert len({render.dispatch_id for render in renders}) == len(renders)


class RandomUserOfOddModels(RandomUser):
    """The same user, on the synthetic catalogue: numbers, audio/video fields, no questions, three pages."""

    registry = synthetic_registry()
    orderable = ("test/numbers", "test/no-questions")


RandomUser.TestCase.settings = settings(
    max_examples=150, stateful_step_count=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
RandomUserOfOddModels.TestCase.settings = settings(
    max_examples=60, stateful_step_count=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestRandomUser = RandomUser.TestCase
TestRandomUserOfOddModels = RandomUserOfOddModels.TestCase
