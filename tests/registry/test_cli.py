"""`python main.py registry validate | sync | compare`, as a person would run them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import msgspec
import pytest

import main
import registry
from registry.catalogue import encode_catalogue, load_registry
from registry.cli import DEFAULT_DOCS

from .conftest import FIXTURE_CATALOGUE, FIXTURE_DOCS


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    path = tmp_path / "catalogue.json"
    shutil.copyfile(FIXTURE_CATALOGUE, path)
    return path


def test_validate_passes_on_the_shipped_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["registry", "validate"]) == 0
    out = capsys.readouterr().out
    assert "no defects" in out and "text_to_speech 2" in out


def test_validate_prints_one_line_per_defect_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalogue = load_registry(FIXTURE_CATALOGUE).catalogue
    broken = msgspec.structs.replace(catalogue, models=(*catalogue.models, catalogue.models[0]))
    path = tmp_path / "broken.json"
    path.write_bytes(encode_catalogue(broken))
    assert main.main(["registry", "validate", "--catalogue", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "demo/text-to-image: duplicate-id: 2 models have this id" in lines
    assert all(line.count(": ") >= 2 for line in lines)


def test_sync_check_reports_and_changes_nothing(catalogue_copy: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    before = catalogue_copy.read_bytes()
    report = tmp_path / "report.md"
    code = main.main(["registry", "sync", "--docs", str(FIXTURE_DOCS), "--catalogue", str(catalogue_copy),
                      "--report", str(report)])
    assert code == 0
    assert catalogue_copy.read_bytes() == before
    text = report.read_text()
    assert text.startswith("# Registry sync report")
    assert "`demo/image-edit` (image) from `image/006-demo-edit.md`" in text
    assert "nothing changed (--check)" in capsys.readouterr().err


def test_sync_update_writes_safe_changes_and_new_models(catalogue_copy: Path) -> None:
    assert main.main(["registry", "sync", "--update", "--docs", str(FIXTURE_DOCS),
                      "--catalogue", str(catalogue_copy)]) == 0
    updated = load_registry(catalogue_copy)
    assert updated.model("demo/image-edit").enabled is False
    assert main.main(["registry", "validate", "--catalogue", str(catalogue_copy)]) == 1  # image_edit still empty


def test_sync_exits_1_when_a_person_is_needed(catalogue_copy: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURE_DOCS, docs)
    (docs / "image" / "001-demo-text-to-image.md").unlink()
    assert main.main(["registry", "sync", "--docs", str(docs), "--catalogue", str(catalogue_copy)]) == 1


def test_compare_shows_a_model_beside_its_doc(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["registry", "compare", "demo/text-to-video", "--docs", str(FIXTURE_DOCS),
                      "--catalogue", str(FIXTURE_CATALOGUE)]) == 0
    out = capsys.readouterr().out
    assert "| duration | enum | [5, 10] | [5, 10] |" in out
    assert "| Demo video, text-to-video, with audio-10.0s | 200 | 200 |" in out


def test_compare_unknown_model_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["registry", "compare", "nope", "--docs", str(FIXTURE_DOCS)]) == 2
    assert "no model 'nope'" in capsys.readouterr().err


def test_a_missing_docs_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["registry", "sync", "--docs", str(tmp_path / "absent")]) == 2
    assert "no vendor docs folder" in capsys.readouterr().err


@pytest.mark.skipif(not DEFAULT_DOCS.is_dir(), reason="the shared vendor docs are not next to this checkout")
def test_the_full_vendor_docs_sync_with_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shipped = tmp_path / "catalogue.json"
    shutil.copyfile(registry.catalogue.CATALOGUE_PATH, shipped)
    report = tmp_path / "report.md"
    assert main.main(["registry", "sync", "--check", "--catalogue", str(shipped), "--report", str(report)]) == 0
    text = report.read_text()
    assert "- Unsafe changes (need a person): 0" in text
    assert "40 match" in text
    assert main.main(["registry", "sync", "--update", "--catalogue", str(shipped), "--report", str(report)]) == 0
    updated = load_registry(shipped)
    assert len(updated.models) > 100
    assert sum(model.enabled for model in updated.models) == 40
    assert main.main(["registry", "validate", "--catalogue", str(shipped)]) == 0


def test_public_api() -> None:
    assert set(registry.__all__) == {
        "CATEGORIES", "DEFAULT_MARKUP", "MEDIA_TYPES", "MENU_CATEGORIES", "Defect", "InputField",
        "InvalidRegistry", "Model", "Quote", "QuoteError", "Registry", "RegistryError", "Text",
        "credits_for", "load_registry", "load_valid_registry", "quote", "validate",
    }


def test_sync_update_refuses_to_add_defects(catalogue_copy: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURE_DOCS, docs)
    doc = docs / "image" / "001-demo-text-to-image.md"
    doc.write_text(doc.read_text().replace("default: 1K", "default: 8K"))
    report = tmp_path / "report.md"
    assert main.main(["registry", "sync", "--update", "--docs", str(docs), "--catalogue", str(catalogue_copy),
                      "--report", str(report)]) == 0
    field = load_registry(catalogue_copy).model("demo/text-to-image").field("resolution")
    assert field is not None and field.default == "1K"  # the vendor's new default is not one of its values
    assert "demo/text-to-image: safe changes not applied, they would add defects: default-illegal" in report.read_text()


def test_validate_and_quotes_work_without_pyyaml(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml now fails
    assert main.main(["registry", "validate"]) == 0
    assert main.main(["registry", "sync", "--docs", str(FIXTURE_DOCS)]) == 2
    assert "needs PyYAML" in capsys.readouterr().err
