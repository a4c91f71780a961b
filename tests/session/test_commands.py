"""Commands are typed messages: one decoder for the union, strict about our own fields."""

from __future__ import annotations

import msgspec
import pytest

from tests.session.chat import Common
from trt_actors.session import (
    COMMAND_DECODER,
    ButtonPressed,
    PhotoReceived,
    SessionCommand,
    TextReceived,
    Unsupported,
)
from trt_actors.session.commands import well_formed

COMMON = Common(chat_id=1, user_id=2, cid="c", update_id=3, ts=4.5, language_code="en", first_name="A")


@pytest.mark.parametrize(
    "command",
    [
        TextReceived(text="/start ref_1", **COMMON),
        PhotoReceived(file_id="f", file_unique_id="u", width=1, height=2, caption="c", **COMMON),
        ButtonPressed(callback_query_id="q", data="1.0.m", message_id=None, **COMMON),
        Unsupported(kind="sticker", **COMMON),
    ],
    ids=lambda command: type(command).__name__,
)
def test_every_command_round_trips_through_the_one_decoder(command: SessionCommand) -> None:
    data = msgspec.json.encode(command)
    assert data.startswith(b'{"type":"' + type(command).__name__.encode())
    assert COMMAND_DECODER.decode(data) == command


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(msgspec.ValidationError):
        COMMAND_DECODER.decode(b'{"type":"Unsupported","kind":"x","chat_id":1,"user_id":1,"cid":"c",'
                               b'"update_id":1,"ts":0,"surprise":1}')


def test_commands_are_frozen() -> None:
    command = Unsupported(kind="voice", chat_id=1, user_id=1, cid="c", update_id=1, ts=0.0)
    with pytest.raises(AttributeError):
        command.kind = "sticker"  # type: ignore[misc]


def test_lone_surrogates_become_replacement_characters() -> None:
    command = msgspec.structs.replace(TextReceived(text="a\ud800b😀", **COMMON), first_name="\udfff")
    cleaned = well_formed(command)
    assert isinstance(cleaned, TextReceived)
    assert (cleaned.text, cleaned.first_name) == ("a\ufffdb😀", "\ufffd")
    assert well_formed(cleaned) is cleaned
    msgspec.json.encode(cleaned)


def test_commands_carry_no_balance() -> None:
    """The balance is the ledger's, recorded as BalanceSeen: a command that carries one is refused."""
    with pytest.raises(msgspec.ValidationError):
        COMMAND_DECODER.decode(b'{"type":"Unsupported","kind":"x","chat_id":1,"user_id":1,"cid":"c",'
                               b'"update_id":1,"ts":0,"balance":100}')
