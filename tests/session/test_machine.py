"""A random user, for a long time: whatever they send or tap, the session answers sensibly and replays exactly.

The machine sends random texts (commands, prompts, junk, very long ones),
photos, unsupported messages, taps on buttons of the last screen, taps on
buttons of older screens, and forged data. After every command: decide did
not raise, exactly one message was rendered and Telegram would accept it
(HTML, lengths, button data decodable within 64 bytes), a press got its
verdict first. At the end: the state is the fold of all events from the
initial state, snapshots and events round-trip, and replaying the same
commands gives byte-identical events.
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
from tests.session.test_wizard import answer_step
from trt_actors.events import CODEC, CallbackAccepted, CallbackRejected, Event, UiRendered
from trt_actors.events.session import BalanceSeen, SessionStarted
from trt_actors.runtime.decider import fold
from trt_actors.session import ButtonPressed, SessionDecider, SessionState
from trt_actors.session.decider import MESSAGE_REJECTIONS
from trt_actors.session.texts import TEXTS_VERSION

SURROGATES = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
TEXTS = st.one_of(
    st.sampled_from([
        "/start", "/start ref_5", "/menu", "/help", "/lang", "/lang en", "/balance", "/history", "/debug",
        "/cancel", "/menu@trt_bot", "/nope", "a red fox", "16:9", "yes", "1K", "5", "0,5", "-1", "", "   ",
    ]),
    st.text(max_size=60),
    st.integers(min_value=900, max_value=6000).map(lambda n: "y" * n),
    SURROGATES,
)
FORGED = st.one_of(
    st.text(max_size=80),
    SURROGATES,
    st.from_regex(r"1\.[0-9a-z]{1,3}\.(m|h|b|y|l|go|w|s|r|d|k|x|c|p|o|v|ok|lg)(\.[a-z0-9_./:-]{0,20})?", fullmatch=True),
)


class RandomUser(RuleBasedStateMachine):
    registry: Registry = _REAL

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
        renders = [event for event in self.chat.last if isinstance(event, UiRendered)]
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


class RandomUserOfOddModels(RandomUser):
    """The same user, on the synthetic catalogue: numbers, audio/video fields, no questions, three pages."""

    registry = synthetic_registry()


RandomUser.TestCase.settings = settings(
    max_examples=150, stateful_step_count=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
RandomUserOfOddModels.TestCase.settings = settings(
    max_examples=60, stateful_step_count=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestRandomUser = RandomUser.TestCase
TestRandomUserOfOddModels = RandomUserOfOddModels.TestCase
