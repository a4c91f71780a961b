"""The button-data codec: every action the bot can draw fits in 64 bytes and round-trips; nothing else decodes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import Registry
from tests.session.conftest import _REAL
from trt_actors.session.callback_data import (
    MAX_BYTES,
    Action,
    BadCallbackData,
    BuyPackage,
    CancelDraft,
    ChooseLanguage,
    ChooseValue,
    Confirm,
    FinishImages,
    GoBack,
    OpenBalance,
    OpenCategory,
    OpenHelp,
    OpenHistory,
    OpenLanguages,
    OpenMenu,
    OpenModel,
    OpenTopUp,
    ResumeDraft,
    SkipRest,
    SkipStep,
    StartDraft,
    Tap,
    TurnPage,
    decode,
    encode,
)
from trt_actors.session.decider import confirmation_id
from trt_actors.session.wizard import choices, steps_of

BARE: tuple[Action, ...] = (
    OpenMenu(), OpenHelp(), OpenBalance(), OpenHistory(), OpenTopUp(), OpenLanguages(), StartDraft(),
    ResumeDraft(), SkipStep(), SkipRest(), FinishImages(), GoBack(), CancelDraft(),
)


def _actions(registry: Registry) -> list[Action]:
    found: list[Action] = [*BARE, ChooseLanguage(language="ru"), ChooseLanguage(language="en"),
                           BuyPackage(stars=1, credits=1), BuyPackage(stars=1_000_000, credits=100_000_000)]
    for category in registry.categories():
        found.append(OpenCategory(category=category))
        models = registry.models_in(category)
        found.extend(TurnPage(page=page) for page in range(len(models) // 8 + 1))
        for model in models:
            found.append(OpenModel(model_id=model.id))
            for field in steps_of(model):
                found.extend(ChooseValue(index=index) for index in range(len(choices(field))))
    return found


ACTIONS = _actions(_REAL)
NONCES = st.integers(min_value=0, max_value=36**8)


@given(st.sampled_from(ACTIONS), NONCES)
def test_every_registry_action_fits_and_round_trips(action: Action, nonce: int) -> None:
    data = encode(nonce, action)
    assert len(data.encode()) <= MAX_BYTES
    assert decode(data) == Tap(nonce=nonce, action=action)


@given(st.text(min_size=1, max_size=40), NONCES)
def test_confirmation_ids_of_any_cid_fit(cid: str, nonce: int) -> None:
    action = Confirm(confirmation_id=confirmation_id(cid))
    assert decode(encode(nonce, action)).action == action


def test_every_enabled_model_id_fits_with_the_largest_nonce(registry: Registry) -> None:
    for model in registry.models:
        assert len(encode(36**12 - 1, OpenModel(model_id=model.id)).encode()) <= MAX_BYTES


@given(st.text(max_size=100))
def test_random_text_never_crashes_decode(data: str) -> None:
    try:
        decode(data)
    except BadCallbackData as error:
        assert error.reason_code in {"oversized", "malformed", "unknown_version", "unknown_action"}


@given(st.from_regex(r"1\.[0-9a-z]{1,4}\.[a-z]{1,2}(\.[ -~]{0,30})?", fullmatch=True))
def test_near_misses_never_crash_decode(data: str) -> None:
    try:
        tap = decode(data)
    except BadCallbackData:
        return
    assert encode(tap.nonce, tap.action) == data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("", "malformed"),
        ("garbage", "malformed"),
        ("2.1.m", "unknown_version"),
        ("1.1.zz", "unknown_action"),
        ("1.1.zz.arg", "unknown_action"),
        ("1.01.m", "malformed"),
        ("1.1.v.-1", "malformed"),
        ("1.1.v.99999", "malformed"),
        ("1.1.lg.de", "malformed"),
        ("1.1.ok.<script>", "malformed"),
        ("1.1.tp.250", "malformed"),
        ("1.1.tp.0-550", "malformed"),
        ("1.1.tp.250-550-1", "malformed"),
        ("1.1.t.250", "unknown_action"),
        ("1.1.o.", "malformed"),
        ("1.1.m\u00e9", "malformed"),
        ("1.1.o." + "a" * 60, "oversized"),
    ],
)
def test_bad_data_has_a_reason(data: str, reason: str) -> None:
    with pytest.raises(BadCallbackData) as caught:
        decode(data)
    assert caught.value.reason_code == reason


def test_wire_form_is_compact_and_readable() -> None:
    assert encode(7, OpenModel(model_id="z-image")) == "1.7.o.z-image"
    assert encode(36, ChooseValue(index=3)) == "1.10.v.3"
    assert encode(0, GoBack()) == "1.0.k"
    assert decode("1.a.ok.0123456789") == Tap(nonce=10, action=Confirm(confirmation_id="0123456789"))
    assert encode(3, BuyPackage(stars=250, credits=550)) == "1.3.tp.250-550"
    assert encode(3, OpenTopUp()) == "1.3.t"


def test_encode_refuses_what_does_not_fit() -> None:
    with pytest.raises(ValueError, match="over Telegram's 64"):
        encode(1, OpenModel(model_id="m" * 60))
