"""Fixtures for the registry tests: a small catalogue and vendor-docs folder of our own."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from registry import Registry, load_registry
from registry.model import Catalogue

FIXTURES = Path(__file__).with_name("fixtures")
FIXTURE_CATALOGUE = FIXTURES / "catalogue.json"
FIXTURE_DOCS = FIXTURES / "docs"

DocEdit = Callable[[str, Callable[[dict[str, Any]], None]], None]


@pytest.fixture
def fixture_registry() -> Registry:
    return load_registry(FIXTURE_CATALOGUE)


@pytest.fixture
def fixture_catalogue(fixture_registry: Registry) -> Catalogue:
    return fixture_registry.catalogue


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A private copy of the fixture docs folder that a test may edit."""
    target = tmp_path / "docs"
    shutil.copytree(FIXTURE_DOCS, target)
    return target


@pytest.fixture
def edit_doc(docs_copy: Path) -> DocEdit:
    """``edit_doc("image/001-....md", change)``: load the doc's YAML, let ``change`` mutate it, write it back."""

    import yaml  # type: ignore[import-untyped]

    def edit(relative: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = docs_copy / relative
        text = path.read_text(encoding="utf-8")
        match = re.search(r"```yaml\n(.*?)```", text, re.DOTALL)
        assert match is not None
        spec = yaml.safe_load(match[1])
        change(spec)
        dumped = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
        path.write_text(text[: match.start(1)] + dumped + text[match.end(1) :], encoding="utf-8")

    return edit


def input_of(spec: dict[str, Any]) -> dict[str, Any]:
    """The ``input`` schema object of a createTask doc."""
    body = spec["paths"]["/api/v1/jobs/createTask"]["post"]["requestBody"]["content"]["application/json"]
    result: dict[str, Any] = body["schema"]["properties"]["input"]
    return result


def operation_of(spec: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = spec["paths"]["/api/v1/jobs/createTask"]["post"]
    return result
