"""The promo tests' log: a real SQLite file on ``tmp_path`` (the actors' fixture)."""

from __future__ import annotations

from tests.actors.conftest import log  # noqa: F401 - shared, not copied
