"""The base of every event: a frozen, tagged msgspec Struct.

Schema-evolution rules (the test suite holds the project to them):

1. A new field gets a default, so events written before it still decode.
2. A field never changes type. If its meaning must change, add a new field,
   or a new event type and an upcaster from the old one.
3. A renamed event keeps decoding under its old name: register the old name
   with :meth:`trt_actors.events.codec.EventCodec.rename`.
4. An event type is never deleted while a log may hold it.

Events forbid unknown fields: our own payloads are exact. Telegram's and KIE's
payloads, which gain fields all the time, are never events' types; events copy
the facts they need out of them.
"""

from __future__ import annotations

import msgspec

__all__ = ["Event"]


class Event(msgspec.Struct, frozen=True, tag=True, tag_field="type", kw_only=True, forbid_unknown_fields=True):
    """A fact that happened. Subclasses are named in the past tense (``UpdateReceived``)."""

    @classmethod
    def type_name(cls) -> str:
        tag = cls.__struct_config__.tag
        assert isinstance(tag, str)
        return tag
