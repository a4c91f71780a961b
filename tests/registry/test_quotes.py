"""Quotes against the shipped catalogue: known prices from KIE's price list, and no fallbacks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry import QuoteError, Registry, load_registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def test_nano_banana_pro_1k_and_2k_cost_the_same_and_4k_more(registry: Registry) -> None:
    prices = {r: registry.quote("nano-banana-pro", {"prompt": "a cat", "resolution": r}) for r in ("1K", "2K", "4K")}
    assert prices["1K"].kie_credits == prices["2K"].kie_credits == Decimal("18")
    assert prices["4K"].kie_credits == Decimal("24")
    assert prices["1K"].credits == prices["2K"].credits == 36
    assert prices["4K"].credits == 48
    assert prices["4K"].source == "Google nano banana pro, 4K"
    assert prices["4K"].rule == "per_value resolution=4K"


def test_the_default_resolution_prices_like_1k(registry: Registry) -> None:
    assert registry.quote("nano-banana-pro", {"prompt": "a cat"}).credits == 36


@pytest.mark.parametrize("model", ["kling-2.6/text-to-video", "kling-2.6/image-to-video"])
@pytest.mark.parametrize("sound", [False, True])
def test_kling_26_ten_seconds_cost_twice_five(registry: Registry, model: str, sound: bool) -> None:
    five = registry.quote(model, {"duration": "5", "sound": sound})
    ten = registry.quote(model, {"duration": "10", "sound": sound})
    assert ten.kie_credits == 2 * five.kie_credits
    assert ten.credits == 2 * five.credits


def test_kling_26_prices_match_the_list(registry: Registry) -> None:
    expected = {("5", False): 55, ("5", True): 110, ("10", False): 110, ("10", True): 220}
    for (duration, sound), kie in expected.items():
        quote = registry.quote("kling-2.6/text-to-video", {"duration": duration, "sound": sound})
        assert quote.kie_credits == kie


@pytest.mark.parametrize(
    ("model", "extra"),
    [("wan/2-6-text-to-video", {"resolution": "720p"}), ("kling/v2-1-standard", {}),
     ("kling/v2-5-turbo-text-to-video-pro", {})],
)
def test_other_videos_ten_seconds_cost_twice_five(registry: Registry, model: str, extra: dict[str, str]) -> None:
    ten = registry.quote(model, {"duration": "10", **extra})
    assert ten.credits == 2 * registry.quote(model, {"duration": "5", **extra}).credits


def test_where_the_list_is_not_linear_neither_are_we(registry: Registry) -> None:
    five = registry.quote("wan/2-6-text-to-video", {"duration": "5", "resolution": "1080p"})
    ten = registry.quote("wan/2-6-text-to-video", {"duration": "10", "resolution": "1080p"})
    assert (five.kie_credits, ten.kie_credits) == (Decimal("104.5"), Decimal("209.5"))  # $0.5225, $1.0475


def test_per_second_video_scales_with_duration(registry: Registry) -> None:
    five = registry.quote("kling/v3-turbo-text-to-video", {"duration": "5", "resolution": "720p"})
    fifteen = registry.quote("kling/v3-turbo-text-to-video", {"duration": "15", "resolution": "720p"})
    assert five.kie_credits == Decimal("90")  # $0.09 per second
    assert fifteen.kie_credits == 3 * five.kie_credits
    sharper = registry.quote("kling/v3-turbo-text-to-video", {"duration": "5", "resolution": "1080p"})
    assert sharper.kie_credits == Decimal("112.5")


def test_text_to_speech_scales_with_text_length(registry: Registry) -> None:
    model = "elevenlabs/text-to-speech-turbo-2-5"
    short = registry.quote(model, {"text": "x" * 1000})
    long = registry.quote(model, {"text": "x" * 5000})
    assert short.kie_credits == Decimal("6")  # $0.03 per 1000 characters
    assert long.kie_credits == Decimal("30")
    assert long.credits == 5 * short.credits
    assert registry.quote(model, {"text": "hi"}).credits == 1  # 0.012 KIE credits, rounded up
    multilingual = registry.quote("elevenlabs/text-to-speech-multilingual-v2", {"text": "x" * 1000})
    assert multilingual.kie_credits == 2 * short.kie_credits


def test_cheap_fixed_prices_round_up(registry: Registry) -> None:
    assert registry.quote("z-image", {"prompt": "a fox"}).credits == 2  # 0.8 KIE credits
    assert registry.quote("recraft/crisp-upscale", {}).credits == 1  # 0.5 KIE credits


def test_every_quote_names_its_rule_and_registry_version(registry: Registry) -> None:
    quote = registry.quote("kling-2.6/text-to-video", {"duration": "10", "sound": True})
    assert quote.rule == "per_combination duration=10 sound=true"
    assert quote.source == "kling 2.6, text-to-video, with audio-10.0s"
    assert quote.registry_version == registry.version
    assert quote.markup == registry.markup


def test_a_wrong_case_value_is_refused_not_priced(registry: Registry) -> None:
    with pytest.raises(QuoteError, match="4k"):
        registry.quote("nano-banana-pro", {"resolution": "4k"})


def test_a_missing_price_parameter_without_default_is_refused(registry: Registry) -> None:
    with pytest.raises(QuoteError, match="sound"):
        registry.quote("kling-2.6/text-to-video", {"duration": "5"})


def test_a_value_we_do_not_offer_is_refused(registry: Registry) -> None:
    with pytest.raises(QuoteError, match="offer"):
        registry.quote("kling/v3-turbo-text-to-video", {"duration": "7"})


def test_wrong_types_are_refused(registry: Registry) -> None:
    with pytest.raises(QuoteError):
        registry.quote("kling-2.6/text-to-video", {"duration": 5, "sound": True})
    with pytest.raises(QuoteError):
        registry.quote("kling-2.6/text-to-video", {"duration": "5", "sound": "yes"})


def test_speech_needs_text_within_the_limit(registry: Registry) -> None:
    with pytest.raises(QuoteError, match="text"):
        registry.quote("elevenlabs/text-to-speech-turbo-2-5", {})
    with pytest.raises(QuoteError, match="over the limit"):
        registry.quote("elevenlabs/text-to-speech-turbo-2-5", {"text": "x" * 5001})


def test_unknown_model_is_a_key_error(registry: Registry) -> None:
    with pytest.raises(KeyError, match="no model"):
        registry.quote("no/such-model", {})


def test_min_price_is_the_cheapest_combination(registry: Registry) -> None:
    assert registry.min_price("nano-banana-pro") == 36
    assert registry.min_price("kling-2.6/text-to-video") == 110
    assert registry.min_price("elevenlabs/text-to-speech-turbo-2-5") == 12  # per 1,000 characters


def test_value_prices_show_only_where_the_price_changes(registry: Registry) -> None:
    assert registry.value_prices("nano-banana-pro", "resolution", {}) == {"1K": 36, "2K": 36, "4K": 48}
    assert registry.value_prices("nano-banana-pro", "aspect_ratio", {}) is None
    assert registry.value_prices("seedream/4.5-text-to-image", "quality", {}) is None
    assert registry.price_deltas("nano-banana-pro", "resolution", {"resolution": "1K"}) == {"1K": 0, "2K": 0, "4K": 12}
    assert registry.value_prices("kling-2.6/text-to-video", "sound", {"duration": "10"}) == {"false": 220, "true": 440}


def test_menu_lists_categories_and_cheapest_models_first(registry: Registry) -> None:
    assert registry.categories() == (
        "text_to_image", "image_edit", "text_to_video", "image_to_video",
        "upscale", "background_removal", "text_to_speech",
    )
    images = registry.models_in("text_to_image")
    assert images[0].id == "z-image"
    prices = [registry.min_price(model) for model in images]
    assert prices == sorted(prices)
