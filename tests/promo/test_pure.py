"""The promo core reads no clock, no chance and no environment: replay decides every expiry as it was decided."""

from __future__ import annotations

import pkgutil

import pytest

import trt_actors.promo
from tests.test_pure_deciders import _offences

MODULES = sorted(f"trt_actors.promo.{m.name}" for m in pkgutil.walk_packages(trt_actors.promo.__path__))


def test_every_module_of_the_core_is_checked() -> None:
    assert {"trt_actors.promo.decider", "trt_actors.promo.state", "trt_actors.promo.commands"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_the_promo_core_reads_no_clock_no_chance_and_no_environment(module: str) -> None:
    assert _offences(module) == []
