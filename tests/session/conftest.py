"""Fixtures for the session tests: the real catalogue, and small synthetic ones for the rare cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry import InputField, Model, Registry, Text, load_valid_registry
from registry.model import Catalogue, Fixed, PerValue, PriceEntry

_REAL = load_valid_registry()
_FIXED = Fixed(kie_credits=Decimal(4), source="test")


def _model(model_id: str, category: str, fields: tuple[InputField, ...], price: Fixed | PerValue = _FIXED) -> Model:
    return Model(
        id=model_id,
        kie_model=model_id,
        category=category,
        media="image",
        name=Text(ru=f"Тест <{model_id}>", en=f"Test <{model_id}>"),
        description=Text(ru="Модель для тестов & проверок.", en="A model for tests & checks."),
        source_doc="test.md",
        fields=fields,
        price=price,
        enabled=True,
    )


def synthetic_registry() -> Registry:
    """Models that exercise what the real catalogue does not: numbers, audio/video asks, no questions, pages."""
    numbers = _model(
        "test/numbers",
        "text_to_image",
        (
            InputField(name="prompt", type="string", ask="text", required=True, min_length=3, max_length=50),
            InputField(name="steps", type="integer", ask="number", required=True, minimum=1, maximum=50),
            InputField(name="guidance", type="number", ask="number", minimum=0, maximum=1, default=0.5),
            InputField(name="voice_sample", type="string", ask="audio"),
            InputField(name="sound", type="boolean", ask="yes_no", default=False),
            InputField(name="seed", type="integer", ask="hidden"),
        ),
    )
    nothing_to_ask = _model(
        "test/no-questions", "upscale", (InputField(name="mode", type="string", ask="hidden", default="x"),)
    )
    video_required = _model(
        "test/video-in", "upscale", (InputField(name="clip", type="string", ask="video", required=True),)
    )
    many = tuple(
        _model(f"test/many-{index:02d}", "image_edit",
               (InputField(name="image", type="string", ask="image", required=True),))
        for index in range(19)
    )
    catalogue = Catalogue(
        format=1, prices_as_of="2026-01-01", models=(numbers, nothing_to_ask, video_required, *many)
    )
    return Registry(catalogue)


def gappy_registry() -> Registry:
    """One model whose price table misses a value (the validator refuses this; the session must not crash)."""
    gaps = _model(
        "test/gaps",
        "text_to_image",
        (
            InputField(name="prompt", type="string", ask="text", required=True),
            InputField(name="size", type="string", ask="buttons", required=True, enum=("S", "M", "XL")),
        ),
        PerValue(
            param="size",
            entries=(
                PriceEntry(when={"size": "S"}, kie_credits=Decimal(1), source="s"),
                PriceEntry(when={"size": "M"}, kie_credits=Decimal(3), source="m"),
            ),
        ),
    )
    return Registry(Catalogue(format=1, prices_as_of="2026-01-01", models=(gaps,)))


@pytest.fixture(scope="session")
def registry() -> Registry:
    return _REAL


@pytest.fixture(scope="session")
def synthetic() -> Registry:
    return synthetic_registry()


@pytest.fixture(scope="session")
def gappy() -> Registry:
    return gappy_registry()
