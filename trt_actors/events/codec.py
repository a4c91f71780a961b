"""One codec for every event: encode to JSON bytes, decode through one union decoder.

Events are stored as msgspec JSON (readable with ``sqlite3`` when debugging).
Decoding takes the envelope's ``type`` column and the payload bytes. Types the
current code knows decode in one step through a single reusable union decoder;
types written by older code pass first through their **upcasters**, plain
functions from the old JSON object to a newer one, applied in a chain until the
object has a current type.

Example::

    codec = EventCodec([UpdateReceived, CallbackRejected])
    codec.rename("CallbackDeclined", CallbackRejected)   # an event that was renamed
    data = codec.encode(event)
    assert codec.decode(codec.type_of(event), data) == event
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Union

import msgspec

from trt_actors.events.base import Event

__all__ = ["EventCodec", "UnknownEventType", "Upcaster"]

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventType(Exception):
    """The log holds an event type that neither the code nor any upcaster knows."""

    def __init__(self, type_name: str) -> None:
        super().__init__(
            f"event type {type_name!r} is unknown: it was removed or renamed without an upcaster "
            "(see the schema-evolution rules in trt_actors/events/base.py)"
        )
        self.type_name = type_name


class EventCodec:
    """Encodes events to JSON bytes and decodes them, upcasting older forms (see the module docstring)."""

    def __init__(self, types: Iterable[type[Event]]) -> None:
        self._types: dict[str, type[Event]] = {}
        for cls in types:
            name = cls.type_name()
            if name in self._types:
                raise ValueError(f"two event classes share the type name {name!r}")
            self._types[name] = cls
        if not self._types:
            raise ValueError("an EventCodec needs at least one event type")
        union: Any = Union[tuple(self._types.values())]  # noqa: UP007 - a runtime union of many classes
        self._union = union
        self._decoder: msgspec.json.Decoder[Event] = msgspec.json.Decoder(union)
        self._encoder = msgspec.json.Encoder()
        self._upcasters: dict[str, Upcaster] = {}

    @property
    def types(self) -> dict[str, type[Event]]:
        return dict(self._types)

    def type_of(self, event: Event) -> str:
        return type(event).type_name()

    def encode(self, event: Event) -> bytes:
        return self._encoder.encode(event)

    def decode(self, type_name: str, payload: bytes) -> Event:
        if type_name in self._types:
            return self._decoder.decode(payload)
        if type_name not in self._upcasters:
            raise UnknownEventType(type_name)
        raw: dict[str, Any] = msgspec.json.decode(payload)
        raw.setdefault("type", type_name)
        seen: set[str] = set()
        while raw["type"] not in self._types:
            current = raw["type"]
            upcaster = self._upcasters.get(current)
            if upcaster is None:
                raise UnknownEventType(current)
            if current in seen:
                raise ValueError(f"the upcasters of {type_name!r} loop back to {current!r}")
            seen.add(current)
            raw = upcaster(raw)
        event: Event = msgspec.convert(raw, self._union)
        return event

    def upcast(self, old_type: str, upcaster: Upcaster) -> None:
        """Register how an object of ``old_type`` becomes a newer one (its ``type`` changes)."""
        if old_type in self._types:
            raise ValueError(f"{old_type!r} is a current type; upcasters are for types the code no longer has")
        self._upcasters[old_type] = upcaster

    def rename(self, old_type: str, new: type[Event]) -> None:
        """Keep decoding events written under ``old_type`` as ``new``."""
        new_name = new.type_name()

        def renamed(raw: dict[str, Any]) -> dict[str, Any]:
            return {**raw, "type": new_name}

        self.upcast(old_type, renamed)
