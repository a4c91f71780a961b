"""The free tier's one rule and its days: counted in the configured time zone, refused when unknown."""

from __future__ import annotations

import pytest

from trt_actors.config import ConfigError, Settings
from trt_actors.free_tier import MAX_FREE_PER_DAY, FreeTier, free_left


def test_left_counts_only_the_uses_of_the_day() -> None:
    assert free_left(3, ["2026-12-05", "2026-12-04", "2026-12-05"], "2026-12-05") == 1
    assert free_left(1, ["2026-12-05", "2026-12-05"], "2026-12-05") == 0  # never below zero
    assert FreeTier(0).left([], "2026-12-05") == 0


def test_the_day_is_the_calendar_day_in_the_time_zone() -> None:
    midnight_utc = 1_764_892_800.0  # 2025-12-05 00:00 UTC
    assert FreeTier(1).day(midnight_utc - 1) == "2025-12-04"
    assert FreeTier(1).day(midnight_utc) == "2025-12-05"
    assert FreeTier(1, "Europe/Moscow").day(midnight_utc - 3 * 3600 - 1) == "2025-12-04"
    assert FreeTier(1, "Europe/Moscow").day(midnight_utc - 3 * 3600) == "2025-12-05"
    assert FreeTier(1, "America/New_York").day(midnight_utc) == "2025-12-04"


def test_the_settings_read_free_per_day_and_timezone() -> None:
    settings = Settings.from_env({"FREE_PER_DAY": "3", "TIMEZONE": "Europe/Moscow"}, dotenv=None)
    assert settings.free_tier == FreeTier(3, "Europe/Moscow")
    assert Settings.from_env({}, dotenv=None).free_tier == FreeTier(0, "UTC")


@pytest.mark.parametrize(("environ", "says"), [
    ({"FREE_PER_DAY": "-1"}, "FREE_PER_DAY must be a whole number from 0 to"),
    ({"FREE_PER_DAY": str(MAX_FREE_PER_DAY + 1)}, "FREE_PER_DAY must be a whole number from 0 to"),
    ({"FREE_PER_DAY": "two"}, "FREE_PER_DAY must be a whole number from 0 to"),
    ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE: 'Mars/Olympus' is not a time zone"),
])
def test_bad_free_tier_settings_are_refused_with_a_sentence(environ: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says.replace("(", r"\(")):
        Settings.from_env(environ, dotenv=None)
