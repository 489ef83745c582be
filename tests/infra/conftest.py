"""One package build per test session, shared by the package, lint and IAM tests."""

from __future__ import annotations

import fcntl
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra import package


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("package") / "out"
    # pytest-xdist workers would otherwise race on Chalice's zip cache in .chalice/deployments/.
    with open(Path(tempfile.gettempdir()) / "debtflow-package.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        package.build(out)
    yield out


@pytest.fixture(scope="session")
def template(package_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((package_dir / "sam.json").read_text("utf-8"))
    return loaded


@pytest.fixture(scope="session")
def merge_template() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(package.MERGE_TEMPLATE.read_text("utf-8"))
    return loaded
