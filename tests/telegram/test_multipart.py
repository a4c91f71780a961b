"""Multipart bodies survive any field text and any file bytes (checked with the emulator's own parser)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from trt_actors.http import Request
from trt_actors.sandbox.telegram.request import Upload, read_call
from trt_actors.telegram import InputFile
from trt_actors.telegram.multipart import encode_multipart

UNSAFE_IN_FILE_NAMES = '"\\' + "".join(map(chr, [*range(32), *range(127, 160)]))
names = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
file_names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters=UNSAFE_IN_FILE_NAMES), min_size=1, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(
    fields=st.dictionaries(names, texts, max_size=5),
    files=st.dictionaries(names.map(lambda n: "f_" + n), st.tuples(st.binary(max_size=2000), file_names), max_size=3),
)
def test_round_trip(fields: dict[str, str], files: dict[str, tuple[bytes, str]]) -> None:
    uploads = {name: InputFile(data, filename, "application/octet-stream") for name, (data, filename) in files.items()}
    body, content_type = encode_multipart(fields, uploads)
    parsed = read_call(Request("POST", "/bot1:x/sendDocument", {}, {"content-type": content_type}, body))
    assert {k: v for k, v in parsed.items() if not isinstance(v, Upload)} == fields
    received = {k: (v.data, v.filename) for k, v in parsed.items() if isinstance(v, Upload)}
    assert received == files
