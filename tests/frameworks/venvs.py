"""Virtual environments for the framework bots: made once per machine, reused by later runs.

Each framework gets its own venv, named after its pinned requirement and the
Python version, under ``$TRT_FRAMEWORKS_CACHE`` (default: the system's
temporary folder). A lock file makes concurrent test runs wait for one
install instead of racing; a marker written after ``pip install`` succeeded
tells a later run that the venv is complete (a half-made one is rebuilt).

Example::

    python = framework_python("aiogram==3.31.0")   # .../trt-frameworks-aiogram-3.31.0-py311/bin/python
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["FRAMEWORKS", "framework_python"]

FRAMEWORKS = {
    "aiogram": "aiogram==3.31.0",
    "python-telegram-bot": "python-telegram-bot==22.8",
}
"""Each framework the suite runs a bot of, and the release it pins."""

INSTALL_TIMEOUT = 300.0


def framework_python(requirement: str) -> Path:
    """The interpreter of a venv with ``requirement`` installed, making the venv first if no run has yet."""
    root = Path(os.environ.get("TRT_FRAMEWORKS_CACHE") or tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    name = requirement.replace("==", "-")
    venv = root / f"trt-frameworks-{name}-py{sys.version_info.major}{sys.version_info.minor}"
    python = venv / "bin" / "python"
    installed = venv / "installed.txt"
    with open(root / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed.is_file() and installed.read_text() == requirement and python.exists():
            return python
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=INSTALL_TIMEOUT)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement],
                       check=True, timeout=INSTALL_TIMEOUT)
        installed.write_text(requirement)
    return python
