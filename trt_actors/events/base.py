"""The base of every event: a frozen, tagged msgspec Struct.

Schema-evolution rules (the test suite holds the project to them):

1. A new field gets a default, so events written before it still decode.
   Fields equal to their default are not encoded, so adding one leaves the
   bytes of every event that does not use it unchanged.
2. A field never changes type. If its meaning must change, add a new field,
   or a new event type and an upcaster from the old one.
3. A renamed event keeps decoding under its old name: register the old name
   with :meth:`trt_actors.events.codec.EventCodec.rename`.
4. An event type is never deleted while a log may hold it.

Events hold only immutable data (strings, numbers, tuples of them), never a
reference to another object that could point back: that is what lets them
skip the cyclic garbage collector (``gc=False``), which makes replay about a
third faster.

Events forbid unknown fields: our own payloads are exact. Telegram's and KIE's
payloads, which gain fields all the time, are never events' types; events copy
the facts they need out of them.
"""

from __future__ import annotations

import msgspec

__all__ = ["Event"]


class Event(
    msgspec.Struct,
    frozen=True,
    tag=True,
    tag_field="type",
    kw_only=True,
    forbid_unknown_fields=True,
    omit_defaults=True,
    gc=False,
):
    """A fact that happened. Subclasses are named in the past tense (``UpdateReceived``)."""

    @classmethod
    def type_name(cls) -> str:
        tag = cls.__struct_config__.tag
        assert isinstance(tag, str)
        return tag
