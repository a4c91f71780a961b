from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given

from tests.events import golden
from tests.strategies import any_event
from trt_actors.events import ALL_EVENTS, CODEC, Event, EventCodec, UiRendered, UnknownEventType

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@given(any_event())
def test_every_event_type_round_trips(event: Event) -> None:
    data = CODEC.encode(event)
    assert CODEC.decode(CODEC.type_of(event), data) == event


def test_codec_knows_every_event_type_once() -> None:
    assert sorted(CODEC.types) == sorted(cls.type_name() for cls in ALL_EVENTS)
    assert len(set(CODEC.types)) == len(ALL_EVENTS)


def test_golden_file_covers_every_current_event_type() -> None:
    written = {name for name, _ in golden.read()}
    missing = sorted(set(CODEC.types) - written)
    assert not missing, f"run `python -m tests.events.golden` to add golden bytes for {missing}"


@pytest.mark.parametrize(("type_name", "payload"), golden.read(), ids=lambda v: v if isinstance(v, str) else "")
def test_golden_bytes_decode_and_reencode_byte_for_byte(type_name: str, payload: bytes) -> None:
    event = CODEC.decode(type_name, payload)
    assert CODEC.encode(event) == payload


def test_unknown_type_is_a_clear_error() -> None:
    with pytest.raises(UnknownEventType, match="'Vanished' is unknown"):
        CODEC.decode("Vanished", b'{"type":"Vanished"}')


def test_our_events_refuse_unknown_fields() -> None:
    with pytest.raises(msgspec.ValidationError):
        CODEC.decode("CallbackRouted", b'{"type":"CallbackRouted","target":"session:1","extra":1}')


def test_two_types_with_one_name_are_refused() -> None:
    class CallbackRouted(Event, frozen=True):
        target: int

    with pytest.raises(ValueError, match="share the type name"):
        EventCodec([*ALL_EVENTS, CallbackRouted])


# Schema evolution, from bytes an older version wrote (tests/fixtures/events-evolution.jsonl):
# - "Greeted" was written before it gained the field ``language``;
# - "Waved" was later renamed to "Greeted";
# - "Farewell" {who, at} became "Parted" {name}: a rename with a field change.


class Greeted(Event, frozen=True):
    name: str
    language: str = "ru"


class Parted(Event, frozen=True):
    name: str


def _evolved_codec() -> EventCodec:
    codec = EventCodec([Greeted, Parted])
    codec.rename("Waved", Greeted)

    def farewell_to_parted(raw: dict[str, Any]) -> dict[str, Any]:
        return {"type": "Parted", "name": raw["who"]}

    codec.upcast("Farewell", farewell_to_parted)
    return codec


def _old_bytes() -> dict[str, bytes]:
    lines = (FIXTURES / "events-evolution.jsonl").read_text(encoding="utf-8").splitlines()
    return {d["type"]: d["payload"].encode() for d in map(json.loads, lines)}


def test_event_written_before_a_field_was_added_decodes_with_the_default() -> None:
    event = _evolved_codec().decode("Greeted", _old_bytes()["Greeted"])
    assert event == Greeted(name="Ann", language="ru")


def test_adding_a_defaulted_field_keeps_old_bytes_stable() -> None:
    codec = _evolved_codec()
    old = _old_bytes()["Greeted"]
    assert codec.encode(codec.decode("Greeted", old)) == old


def test_renamed_event_decodes_under_its_old_name() -> None:
    assert _evolved_codec().decode("Waved", _old_bytes()["Waved"]) == Greeted(name="Bob")


def test_upcaster_reshapes_an_old_event() -> None:
    assert _evolved_codec().decode("Farewell", _old_bytes()["Farewell"]) == Parted(name="Cy")


def test_upcasters_cannot_shadow_current_types_or_loop() -> None:
    codec = EventCodec([Greeted])
    with pytest.raises(ValueError, match="current type"):
        codec.rename("Greeted", Greeted)
    codec.upcast("A", lambda raw: {**raw, "type": "B"})
    codec.upcast("B", lambda raw: {**raw, "type": "A"})
    with pytest.raises(ValueError, match="loop"):
        codec.decode("A", b'{"type":"A"}')


def test_ui_rendered_written_before_its_versions_decodes_with_empty_ones() -> None:
    old = dict(golden.read())["UiRendered"]
    event = CODEC.decode("UiRendered", old)
    assert isinstance(event, UiRendered) and (event.registry_version, event.texts_version) == ("", "")
    versioned = msgspec.structs.replace(event, registry_version="2026-06-30.6e9f028d41fa", texts_version="0123456789ab")
    data = CODEC.encode(versioned)
    assert data == old[:-1] + b',"registry_version":"2026-06-30.6e9f028d41fa","texts_version":"0123456789ab"}'
    assert CODEC.decode("UiRendered", data) == versioned
