"""Hypothesis strategies for the project's own messages, derived from their msgspec types."""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import strategies as st

from trt_actors.events import ALL_EVENTS, Event

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)


def for_type(info: msgspec.inspect.Type) -> st.SearchStrategy[Any]:
    match info:
        case msgspec.inspect.StrType():
            return st.text(max_size=40)
        case msgspec.inspect.IntType():
            return INT64
        case msgspec.inspect.FloatType():
            return FLOATS
        case msgspec.inspect.BoolType():
            return st.booleans()
        case msgspec.inspect.NoneType():
            return st.none()
        case msgspec.inspect.BytesType():
            return st.binary(max_size=40)
        case msgspec.inspect.UnionType(types=types):
            return st.one_of(*(for_type(t) for t in types))
        case msgspec.inspect.ListType(item_type=item):
            return st.lists(for_type(item), max_size=4)
        case msgspec.inspect.VarTupleType(item_type=item):
            return st.lists(for_type(item), max_size=3).map(tuple)
        case msgspec.inspect.DictType(key_type=key, value_type=value):
            return st.dictionaries(for_type(key), for_type(value), max_size=3)
        case msgspec.inspect.StructType(cls=cls, fields=fields):
            return st.builds(cls, **{f.name: for_type(f.type) for f in fields})
        case msgspec.inspect.LiteralType(values=values):
            return st.sampled_from(values)
        case _:
            raise NotImplementedError(f"no strategy for {info!r}: extend tests/strategies.py")


def event_of(cls: type[Event]) -> st.SearchStrategy[Event]:
    strategy: st.SearchStrategy[Event] = for_type(msgspec.inspect.type_info(cls))
    return strategy


def any_event() -> st.SearchStrategy[Event]:
    return st.one_of(*(event_of(cls) for cls in ALL_EVENTS))
