"""What counts as a promo code: the guard at the boundary, cheap and strict whatever it is given."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trt_actors.promo import CODE_MAX, normalise_code, promo_stream


@pytest.mark.parametrize(("text", "code"), [
    ("SPRING", "SPRING"),
    ("spring-25", "SPRING-25"),
    ("  new_year \n", "NEW_YEAR"),
    ("abc", "ABC"),
    ("A" * CODE_MAX, "A" * CODE_MAX),
])
def test_a_code_is_stripped_and_upper_cased(text: str, code: str) -> None:
    assert normalise_code(text) == code


@pytest.mark.parametrize("text", [
    "", "ab", "A" * (CODE_MAX + 1), "two words", "SPRING!", "<b>x</b>", "promo/code", "DROP;TABLE",
    "весна", "promı", "straße", "ＳＰＲＩＮＧ", "ABC\x00", "A\u200bBC", "x" * 10_000, " " * 10_000 + "ABC",
])
def test_anything_else_is_no_code(text: str) -> None:
    assert normalise_code(text) is None


def test_ten_kilobytes_cost_nothing() -> None:
    text = "ф" * 10_000
    started = time.perf_counter()
    for _ in range(1_000):
        assert normalise_code(text) is None
    assert time.perf_counter() - started < 0.1  # length first: no scan of the text at all


@given(st.text(max_size=80))
def test_a_normalised_code_normalises_to_itself(text: str) -> None:
    code = normalise_code(text)
    if code is not None:
        assert normalise_code(code) == code and code == code.upper() and 3 <= len(code) <= CODE_MAX


def test_each_code_is_its_own_stream() -> None:
    assert promo_stream("SPRING-25") == "promo:SPRING-25"
