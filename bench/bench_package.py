"""Lambda package size (targets: the function zip under 15 MB zipped, function + layers under 22 MB zipped)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from infra.package import FUNCTION_ZIP_LIMIT, PACKAGE_ZIP_LIMIT, build


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        sizes = build(Path(folder) / "package")
    for size in sizes:
        print(size.line())
    function = next(s for s in sizes if s.name == "deployment.zip")
    verdict = "within" if function.zipped <= FUNCTION_ZIP_LIMIT else "OVER"
    print(f"function zip {function.zipped / 1e6:.2f} MB: {verdict} the 15 MB target")
    total = sum(s.zipped for s in sizes)
    verdict = "within" if total <= PACKAGE_ZIP_LIMIT else "OVER"
    print(f"function + layers zipped: {total / 1e6:.2f} MB: {verdict} the 22 MB target")


if __name__ == "__main__":
    main()
