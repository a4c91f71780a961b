"""The pricing formula: KIE credits x markup, rounded up to whole credits, in Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry.pricing import DEFAULT_MARKUP, KIE_USD_PER_CREDIT, credits_for, kie_credits_from_usd


def test_whole_prices_multiply_by_the_markup() -> None:
    assert credits_for(Decimal("18"), Decimal("2")) == 36
    assert credits_for(Decimal("18"), Decimal("1.5")) == 27


def test_fractions_round_up_never_down() -> None:
    assert credits_for(Decimal("0.8"), Decimal("2")) == 2  # 1.6
    assert credits_for(Decimal("0.5"), Decimal("2")) == 1
    assert credits_for(Decimal("6.5"), Decimal("1.1")) == 8  # 7.15
    assert credits_for(Decimal("0.001"), Decimal("1")) == 1


def test_default_markup_is_two() -> None:
    assert DEFAULT_MARKUP == Decimal("2")
    assert credits_for(Decimal("4")) == 8


def test_selling_below_cost_or_negative_costs_are_refused() -> None:
    with pytest.raises(ValueError, match="markup"):
        credits_for(Decimal("4"), Decimal("0.9"))
    with pytest.raises(ValueError, match="negative"):
        credits_for(Decimal("-1"), Decimal("2"))


def test_dollars_convert_to_kie_credits_at_half_a_cent() -> None:
    assert KIE_USD_PER_CREDIT == Decimal("0.005")
    assert kie_credits_from_usd(Decimal("0.09")) == Decimal("18")
    assert str(kie_credits_from_usd(Decimal("0.10"))) == "20"  # not 2E+1
    assert kie_credits_from_usd(Decimal("0.0325")) == Decimal("6.5")
    assert kie_credits_from_usd(Decimal("0.004")) == Decimal("0.8")
