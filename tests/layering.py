"""Layering checks shared by the tests: what a package's modules import, and what importing it loads."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import subprocess
import sys
from pathlib import Path

__all__ = ["imports_of", "loaded_by"]


def imports_of(package: str) -> dict[str, set[str]]:
    """For every module of ``package``: the absolute names its source imports (``from a import b`` gives a, a.b)."""
    root = importlib.import_module(package)
    names = [package, *(info.name for info in pkgutil.walk_packages(root.__path__, f"{package}."))]
    found: dict[str, set[str]] = {}
    for name in names:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        base = name if spec.submodule_search_locations is not None else name.rpartition(".")[0]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    anchor = ".".join(base.split(".")[: len(base.split(".")) - node.level + 1])
                    module = f"{anchor}.{module}" if module else anchor
                imported.add(module)
                imported.update(f"{module}.{alias.name}" for alias in node.names)
        found[name] = imported
    return found


def loaded_by(module: str) -> list[str]:
    """The ``trt_actors`` modules a fresh interpreter has loaded after ``import module``."""
    code = f"import sys, {module}; print(' '.join(m for m in sys.modules if m.startswith('trt_actors.')))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
