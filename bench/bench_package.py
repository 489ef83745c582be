"""Lambda package size (target: the function zip under 15 MB zipped; the layer reported beside it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from infra.package import FUNCTION_ZIP_LIMIT, build


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        sizes = build(Path(folder) / "package")
    for size in sizes:
        print(size.line())
    function = next(s for s in sizes if s.name == "deployment.zip")
    verdict = "within" if function.zipped <= FUNCTION_ZIP_LIMIT else "OVER"
    print(f"function zip {function.zipped / 1e6:.2f} MB: {verdict} the 15 MB target")
    print(f"function + layers zipped: {sum(s.zipped for s in sizes) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
