"""The session's events follow the vocabulary's rules: frozen, tagged, immutable data, round-trip through a codec."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st


from tests.strategies import event_of
from trt_actors.events import ALL_EVENTS, CODEC, Event
from trt_actors.events.session import (
    SESSION_EVENTS,
    ConfirmationOffered,
    Files,
    Param,
    ParameterSet,
    SessionStarted,
)


@given(st.one_of(*(event_of(cls) for cls in SESSION_EVENTS)))
def test_every_session_event_round_trips(event: Event) -> None:
    assert CODEC.decode(CODEC.type_of(event), CODEC.encode(event)) == event


def test_session_events_are_registered_in_the_codec() -> None:
    assert set(SESSION_EVENTS) <= set(ALL_EVENTS)
    assert all(CODEC.types[cls.type_name()] is cls for cls in SESSION_EVENTS)


def _mutable(info: msgspec.inspect.Type) -> bool:
    match info:
        case msgspec.inspect.ListType() | msgspec.inspect.DictType() | msgspec.inspect.SetType():
            return True
        case msgspec.inspect.UnionType(types=types):
            return any(_mutable(member) for member in types)
        case msgspec.inspect.VarTupleType(item_type=item):
            return _mutable(item)
        case msgspec.inspect.StructType(cls=cls, fields=fields):
            return not cls.__struct_config__.frozen or any(_mutable(field.type) for field in fields)
    return False


@pytest.mark.parametrize("cls", SESSION_EVENTS, ids=lambda cls: cls.type_name())
def test_each_event_is_a_frozen_tagged_event_of_immutable_data(cls: type[Event]) -> None:
    assert issubclass(cls, Event)
    config = cls.__struct_config__
    assert config.frozen and config.tag == cls.__name__ and config.forbid_unknown_fields
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    assert not any(_mutable(field.type) for field in info.fields), cls


def test_params_encode_as_pairs_and_keep_their_types() -> None:
    offered = ConfirmationOffered(
        confirmation_id="0a1b2c3d4e",
        model_id="kling-2.6/text-to-video",
        params=(Param(name="prompt", value="a fox"), Param(name="sound", value=True),
                Param(name="duration", value=5), Param(name="cfg", value=0.5)),
        credits=110,
        rule="per_combination sound=true duration=5",
        registry_version="2026-06-30.abc",
        files=(Files(name="image_urls", file_ids=("A", "B")),),
        balance=3,
    )
    data = CODEC.encode(offered)
    assert b'"params":[["prompt","a fox"],["sound",true],["duration",5],["cfg",0.5]]' in data
    assert b'"files":[["image_urls",["A","B"]]]' in data
    again = CODEC.decode("ConfirmationOffered", data)
    assert again == offered
    assert isinstance(again, ConfirmationOffered)
    assert [type(param.value) for param in again.params] == [str, bool, int, float]


def test_defaults_are_not_encoded() -> None:
    assert CODEC.encode(SessionStarted(language="ru")) == b'{"type":"SessionStarted","language":"ru"}'
    assert CODEC.encode(ParameterSet(name="n", value=1)) == b'{"type":"ParameterSet","name":"n","value":1}'
