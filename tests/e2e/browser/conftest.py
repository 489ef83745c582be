"""Browser tests: Debian's Chromium driven by Playwright against the real app on Chalice's local
server (moto and the Mollie emulator behind it, as in the other end-to-end tests).

Playwright never downloads a browser here: it launches /usr/bin/chromium (`make test` installs
it with apt when missing). Without it, or without Playwright, these tests are skipped with the
reason, so a developer without the browser still runs the rest.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from chalicelib import bootstrap
from tests.e2e.conftest import Pipeline

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass
class Site:
    pipeline: Pipeline
    base_url: str
    # Every URL the browser asked for, to prove nothing went to a third party.
    requested: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return urlparse(self.base_url).netloc


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (make test installs it with apt)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def site(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """The app on Chalice's local HTTP server in a thread, on localhost (a secure context for
    Chromium, so the Secure session cookie is kept over plain HTTP here)."""
    from chalice.config import Config
    from chalice.local import LocalDevServer

    import app

    server = LocalDevServer(app.app, Config.create(chalice_stage="local"), "localhost", 0)
    port = server.server.server_address[1]
    base_url = f"http://localhost:{port}"
    # Mollie's webhook and the links in messages now reach this server.
    monkeypatch.setenv("PUBLIC_API_URL", base_url)
    monkeypatch.setenv("PAGE_SIGNING_KEY", "browser-tests-only")
    bootstrap.reset()
    # Read the settings now: Chalice's test client swaps in the stage's configured environment
    # while it invokes a handler, and the first read must see this test's.
    bootstrap.settings()
    bootstrap.page_signing_key()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(pipeline, base_url)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(params=[375, 1280], ids=["375px", "1280px"])
def page(request: pytest.FixtureRequest, browser: Any, site: Site) -> Iterator[Any]:
    width = request.param
    context = browser.new_context(viewport={"width": width, "height": 800})
    tab = context.new_page()
    tab.on("request", lambda r: site.requested.append(r.url))
    yield tab
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core as the pinned axe-playwright-python package ships it (never from a CDN)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")


def axe_violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """WCAG 2.1 A/AA violations axe-core finds in the page as it is now. The script is evaluated
    through the DevTools protocol, so the page's CSP (no inline scripts) stays as it is."""
    page.evaluate(axe_source)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]
