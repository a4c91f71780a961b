"""Fuzzing what a user can put into a chat, against the session's pure decider in every situation.

Button data (random text and bytes, up to and over 64 bytes, every version
prefix of the codec, the admin desk's, well-formed data with a forged
nonce), texts (empty, blank, 4,096 characters and more, HTML-like, control
characters, lone surrogates) and photos or documents of any type and size
(made from Bot API messages by the router's own :func:`command_for`) reach a
chat that is new, on the menu, on a text step, on a photo step, on the
confirmation or on the promo screen. Whatever comes, ``decide`` returns (it
never raises), the user gets exactly one message Telegram would accept
(:func:`tests.session.checks.check_message`), a tap gets exactly one
verdict, and nothing asks for money: no hold, no invoice, no payment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.bot_api import TEXT
from tests.session.chat import Chat
from tests.session.checks import check_message
from tests.session.conftest import _REAL as REGISTRY
from trt_actors.actors.intake import UpdateMeta
from trt_actors.actors.session_region import command_for
from trt_actors.events import CallbackAccepted, CallbackRejected, Event, UiRendered
from trt_actors.events.session import (
    GenerationRequested,
    InvoiceRequested,
    ParameterSet,
    ResultResendRequested,
    TopUpPaid,
)
from trt_actors.session import PhotoReceived, SessionCommand, Unsupported
from trt_actors.session.callback_data import (
    MAX_BYTES,
    ChooseValue,
    OpenMenu,
    OpenModel,
    OpenPromo,
    SkipRest,
    StartDraft,
    encode,
)
from trt_actors.session.decider import MESSAGE_REJECTIONS
from trt_actors.session.wizard import current_field
from trt_actors.telegram import Update

MONEY = (GenerationRequested, InvoiceRequested, TopUpPaid, ResultResendRequested)
"""What only a deliberate tap on the bot's own button may cause."""


def _to_step(chat: Chat, model_id: str, ask: tuple[str, ...]) -> Chat:
    chat.text("/start")
    chat.press(encode(chat.state.nonce, OpenModel(model_id=model_id)))
    chat.press(encode(chat.state.nonce, StartDraft()))
    model = REGISTRY.model(model_id)
    while (draft := chat.state.draft) is not None and (field := current_field(model, draft)) is not None \
            and field.ask not in ask:
        if field.ask == "text":
            chat.text("a red fox in the snow")
        else:
            chat.photo()
    return chat


def _confirmation(chat: Chat) -> Chat:
    _to_step(chat, "z-image", ("buttons",))
    chat.press(encode(chat.state.nonce, ChooseValue(index=0)))
    assert chat.screen.screen == "confirm", chat.screen.screen
    return chat


def _promo(chat: Chat) -> Chat:
    chat.text("/start")
    chat.press(encode(chat.state.nonce, OpenPromo()))
    return chat


SITUATIONS: dict[str, Callable[[Chat], Chat]] = {
    "new chat": lambda chat: chat,
    "menu": lambda chat: (chat.text("/start"), chat)[1],
    "text step": lambda chat: _to_step(chat, "google/nano-banana-edit", ("text",)),
    "photo step": lambda chat: _to_step(chat, "google/nano-banana-edit", ("image", "images")),
    "confirmation": _confirmation,
    "promo screen": _promo,
}


def situation(name: str, language: str) -> Chat:
    return SITUATIONS[name](Chat(REGISTRY, language_code=language, first_name="<b>Ann</b> & Co"))


SITUATION = st.sampled_from(sorted(SITUATIONS))
LANGUAGE = st.sampled_from(["ru", "en"])


def on_screen(chat: Chat) -> list[str]:
    """The data of the buttons on the chat's last message (none before its first)."""
    if not any(isinstance(event, UiRendered) for event in chat.events):
        return []
    return [button.data for button in chat.buttons() if button.data]


def answered_once(chat: Chat, events: list[Event]) -> UiRendered:
    """The one message ``events`` answer the user with, checked as Telegram would; nothing asks for money."""
    rendered = [event for event in events if isinstance(event, UiRendered)]
    assert len(rendered) == 1, [type(event).__name__ for event in events]
    check_message(rendered[0])
    assert not [event for event in events if isinstance(event, MONEY)], events
    assert chat.state == msgspec.convert(msgspec.to_builtins(chat.state), type(chat.state))  # the state still encodes
    return rendered[0]


# -- button data -------------------------------------------------------------------------------

VERBS = ["m", "h", "b", "y", "t", "l", "go", "w", "s", "r", "d", "k", "x", "rf", "pr", "iv", "lg", "c", "p", "o", "v",
         "ok", "tp", "re", "rs", "wp", "zz", ""]


@st.composite
def codec_like(draw: st.DrawFn) -> str:
    """Data shaped like the codec's (``<version>.<nonce>.<verb>[.<arg>]``) with any version, nonce, verb and arg."""
    version = draw(st.sampled_from(["1", "0", "2", "9", "10", "01", "a", "v1", "", "１"]))
    nonce = draw(st.from_regex(r"[0-9a-z]{0,14}", fullmatch=True) | st.sampled_from(["-1", "01", "Z", " 1"]))
    verb = draw(st.sampled_from(VERBS))
    arg = draw(st.none() | st.text(max_size=70) | st.from_regex(r"[0-9a-z._/:+-]{0,70}", fullmatch=True))
    return ".".join([version, nonce, verb] + ([] if arg is None else [arg]))


DATA = st.one_of(
    st.text(max_size=100),
    st.binary(max_size=100).map(lambda raw: raw.decode("utf-8", "surrogateescape")),
    codec_like(),
    st.from_regex(r"a\.[a-z]{0,3}(\.[ -~]{0,70})?", fullmatch=True),  # the admin desk's, from someone else
    st.integers(MAX_BYTES - 8, 300).map(lambda size: "1.0.o." + "a" * size),
)


@settings(max_examples=250, deadline=None)
@given(where=SITUATION, language=LANGUAGE, data=DATA)
def test_any_button_data_gets_one_verdict_and_one_message(where: str, language: str, data: str) -> None:
    chat = situation(where, language)
    ours = set(on_screen(chat))
    before = chat.state
    events = chat.press(data)
    verdicts = [event for event in events if isinstance(event, CallbackAccepted | CallbackRejected)]
    assert len(verdicts) == 1, events
    answered_once(chat, events)
    if data not in ours and isinstance(verdicts[0], CallbackRejected):
        assert chat.state.nonce >= before.nonce


@settings(max_examples=150, deadline=None)
@given(where=SITUATION, language=LANGUAGE, nonce=st.integers(0, 36**12 - 1), pick=st.integers(0, 100))
def test_the_bots_own_buttons_with_a_forged_nonce_are_refused_as_stale(
    where: str, language: str, nonce: int, pick: int
) -> None:
    chat = situation(where, language)
    buttons = on_screen(chat) or [encode(0, OpenModel(model_id="z-image"))]
    version, _, rest = buttons[pick % len(buttons)].split(".", 2)
    forged = ".".join([version, encode(nonce, OpenMenu()).split(".")[1], rest])  # the nonce as the codec writes it
    drawn_at = chat.state.nonce
    events = chat.press(forged)
    answered_once(chat, events)
    (verdict,) = [event for event in events if isinstance(event, CallbackAccepted | CallbackRejected)]
    if nonce != drawn_at and isinstance(verdict, CallbackAccepted):
        assert verdict.action in ("repeat", "refresh", "why_price"), verdict  # the taps that carry no nonce check


# -- texts -------------------------------------------------------------------------------------

TEXTS = st.one_of(
    TEXT,
    st.sampled_from(["", " ", "\n\t ", "/", "/start", "/start " + "x" * 5000, "/promo " + "<b>" * 30, "/lang de",
                     "/HELP@bot", "/" + "a" * 33, "\u0000", "\ud800", "a\udfffb", "<script>alert(1)</script>",
                     "&lt;&amp;", "<b>bold", "</i>", "1e309", "NaN", "-0", "٣"]),
    st.tuples(st.sampled_from(["a", "Ω", "🙂", "<", "&", "\u0000", "\u202e", " ", "<b>x</b>"]),
              st.integers(4_000, 20_000)).map(lambda piece_count: piece_count[0] * piece_count[1]),
    st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=50),
)


@settings(max_examples=250, deadline=None)
@given(where=SITUATION, language=LANGUAGE, text=TEXTS)
def test_any_text_gets_one_message_and_a_refusal_names_its_reason(where: str, language: str, text: str) -> None:
    chat = situation(where, language)
    events = chat.text(text)
    answered_once(chat, events)
    rejected = chat.message_rejected()
    assert rejected is None or rejected.reason_code in MESSAGE_REJECTIONS, rejected
    taken = [event for event in events if isinstance(event, ParameterSet)]
    if taken and chat.state.screen == "wizard" and chat.state.draft is not None:
        # An answer the wizard took must also fit the confirmation that shows it.
        events = chat.press(encode(chat.state.nonce, SkipRest()))
        answered_once(chat, events)


# -- photos and documents ----------------------------------------------------------------------

SIZE = st.integers(-(2**31), 2**31) | st.sampled_from([0, 1, 10_000, 2**53])
PHOTO_SIZE = st.fixed_dictionaries({"file_id": TEXT, "file_unique_id": TEXT, "width": SIZE, "height": SIZE},
                                   optional={"file_size": SIZE})
MIME = st.none() | TEXT | st.sampled_from(["image/jpeg", "image/png", "image/", "image/svg+xml", "IMAGE/PNG",
                                           "application/pdf", "video/mp4", "text/html", "", "image/jpeg; charset=<b>"])


@st.composite
def media_message(draw: st.DrawFn) -> dict[str, Any]:
    """A private message with photos or a document of any type and size, captioned or not."""
    message: dict[str, Any] = {"message_id": 5, "date": 1_700_000_000, "chat": {"id": 42, "type": "private"},
                               "from": {"id": 42, "is_bot": False, "first_name": "Ann"}}
    if draw(st.booleans()):
        message["photo"] = draw(st.lists(PHOTO_SIZE, max_size=4))
    else:
        document: dict[str, Any] = {"file_id": draw(TEXT), "file_unique_id": draw(TEXT)}
        for name, strategy in (("mime_type", MIME), ("file_size", SIZE), ("file_name", TEXT),
                               ("thumbnail", PHOTO_SIZE)):
            if draw(st.booleans()):
                document[name] = draw(strategy)
        message["document"] = document
    if draw(st.booleans()):
        message["caption"] = draw(TEXTS)
    return {"update_id": 9, "message": message}


@settings(max_examples=200, deadline=None)
@given(where=SITUATION, language=LANGUAGE, body=media_message())
def test_photos_and_documents_of_any_type_and_size_get_one_message(
    where: str, language: str, body: dict[str, Any]
) -> None:
    chat = situation(where, language)
    update = msgspec.convert(body, Update)
    common = chat._common()  # noqa: SLF001 - the chat's own ids and clock, as its other commands carry them
    meta = UpdateMeta(cid=common["cid"], update_id=common["update_id"], event_id="update:0:0:9", ts=common["ts"],
                      chat_id=42, user_id=42)
    command: SessionCommand | None = command_for(update, meta)
    assert isinstance(command, PhotoReceived | Unsupported), command
    mime = (body["message"].get("document") or {}).get("mime_type") or ""
    assert isinstance(command, PhotoReceived) == bool(body["message"].get("photo") or mime.startswith("image/"))
    events = chat.send(msgspec.structs.replace(command, language_code=language, first_name=chat.first_name))
    answered_once(chat, events)
    rejected = chat.message_rejected()
    assert rejected is None or rejected.reason_code in MESSAGE_REJECTIONS, rejected
