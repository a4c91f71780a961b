"""Property tests: every enabled model prices every combination to exactly one positive price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from registry import Registry, load_registry
from registry.model import Model, PerThousandChars
from registry.quotes import price_domain, price_params

from .conftest import FIXTURE_CATALOGUE

SHIPPED = load_registry()
FIXTURE = load_registry(FIXTURE_CATALOGUE)
CASES = [(SHIPPED, model) for model in SHIPPED.models if model.enabled] + [
    (FIXTURE, model) for model in FIXTURE.models if model.enabled
]


@st.composite
def priced_requests(draw: st.DrawFn) -> tuple[Registry, Model, dict[str, Any]]:
    registry, model = draw(st.sampled_from(CASES))
    params: dict[str, Any] = {}
    if isinstance(model.price, PerThousandChars):
        field = model.field(model.price.text_param)
        assert field is not None
        params[field.name] = draw(st.text(min_size=1, max_size=field.max_length or 10_000))
    else:
        for name in price_params(model):
            params[name] = draw(st.sampled_from(price_domain(model, name)))
    return registry, model, params


@settings(max_examples=300, deadline=None)
@given(priced_requests())
def test_every_combination_quotes_one_positive_price(request: tuple[Registry, Model, dict[str, Any]]) -> None:
    registry, model, params = request
    quote = registry.quote(model, params)
    assert quote.credits >= 1
    assert quote.kie_credits > 0
    assert Decimal(quote.credits) >= quote.kie_credits * registry.markup  # rounded up, never down
    assert quote.model_id == model.id


@settings(max_examples=150, deadline=None)
@given(priced_requests())
def test_quotes_are_deterministic(request: tuple[Registry, Model, dict[str, Any]]) -> None:
    registry, model, params = request
    first = registry.quote(model, params)
    assert registry.quote(model.id, dict(reversed(list(params.items())))) == first
    assert load_registry(FIXTURE_CATALOGUE if registry is FIXTURE else None).quote(model.id, params) == first


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=4999), st.integers(min_value=1, max_value=4999))
def test_speech_never_costs_less_for_more_text(shorter: int, longer: int) -> None:
    shorter, longer = sorted((shorter, longer))
    model = "elevenlabs/text-to-speech-turbo-2-5"
    assert SHIPPED.quote(model, {"text": "x" * shorter}).credits <= SHIPPED.quote(model, {"text": "x" * longer}).credits
