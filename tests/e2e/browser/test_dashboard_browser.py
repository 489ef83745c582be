"""The client's dashboard in a real browser (Chromium), at 375 px and 1280 px: the demo club's
owner signs in, finds a debtor by searching, opens the dossier and approves the hand-over, and
sees the new status; axe-core finds no WCAG 2.1 A/AA violation on any page, no request leaves
the app, and each page's first load (HTML + stylesheet, gzipped) stays within 60 KB."""

from __future__ import annotations

import gzip
import re
from typing import Any

import requests

from chalicelib.domain.dossier import Status
from tests.e2e.browser.conftest import Site, axe_violations
from tests.e2e.browser.test_debtor_page_browser import only_the_app
from tests.e2e.conftest import OWNER
from tests.e2e.test_dashboard_pages import awaiting_decision

FIRST_LOAD_LIMIT = 60 * 1024


def accessible(page: Any, axe_source: str) -> None:
    assert axe_violations(page, axe_source) == [], page.url


def first_load_gzipped(page: Any, site: Site) -> int:
    """The page's HTML as the browser got it plus every stylesheet it links, each gzipped (as
    API Gateway/CloudFront would send them compressed). The pages load no scripts, fonts or images."""
    html = page.content().encode()
    total = len(gzip.compress(html))
    for href in page.eval_on_selector_all("link[rel=stylesheet]", "links => links.map(l => l.href)"):
        total += len(gzip.compress(requests.get(href, timeout=5).content))
    assert page.eval_on_selector_all("script, img, iframe", "nodes => nodes.length") == 0
    return total


def test_the_owner_signs_in_finds_a_debtor_and_approves_the_handover(
    page: Any, site: Site, axe_source: str
) -> None:
    awaiting_decision(site.pipeline)
    sizes: dict[str, int] = {}

    page.goto(f"{site.base_url}/dashboard")
    assert page.url.endswith("/dashboard/login")
    accessible(page, axe_source)
    sizes["login"] = first_load_gzipped(page, site)
    page.get_by_label("E-mailadres").fill(OWNER[0])
    page.get_by_label("Wachtwoord").fill(OWNER[1])
    page.get_by_role("button", name="Inloggen").click()

    page.wait_for_url(re.compile(r"/dashboard/sportpark-de-zwaluwen$"))
    assert page.get_by_role("heading", name="Overzicht", level=1).is_visible()
    accessible(page, axe_source)
    sizes["overview"] = first_load_gzipped(page, site)

    page.get_by_role("navigation").get_by_role("link", name="Dossiers").click()
    page.wait_for_url(re.compile(r"/dossiers$"))
    accessible(page, axe_source)
    sizes["list"] = first_load_gzipped(page, site)
    page.get_by_label("Zoek op naam of debiteurnummer").fill("Bakkerij")
    page.get_by_role("button", name="Toon").click()
    page.wait_for_url(re.compile(r"q=Bakkerij"))
    accessible(page, axe_source)
    page.get_by_role("link", name="Bakkerij Smit B.V.").click()

    page.wait_for_url(re.compile(r"/dossiers/10003$"))
    assert page.locator("#status").inner_text() == "Wacht op uw besluit over overdracht"
    accessible(page, axe_source)
    sizes["dossier"] = first_load_gzipped(page, site)
    page.get_by_role("button", name="Overdragen aan het incassobureau").click()

    page.wait_for_url(re.compile(r"/dossiers/10003\?done=handover$"))
    assert page.locator("#status").inner_text() == "Overgedragen aan incassobureau"
    assert page.get_by_role("status").inner_text().startswith("Gedaan.")
    assert site.pipeline.dossier("10003").status is Status.HANDED_OVER
    accessible(page, axe_source)

    # The same pages in English, then signed out.
    page.get_by_role("button", name="Show the dashboard in English").click()
    page.wait_for_url(re.compile(r"/dossiers/10003\?done=handover$"))
    assert page.locator("#status").inner_text() == "Handed over to the collection agency"
    accessible(page, axe_source)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/dashboard/login$"))
    page.goto(f"{site.base_url}/dashboard/sportpark-de-zwaluwen")
    assert page.url.endswith("/dashboard/login")

    only_the_app(site)
    print(f"first load gzipped, bytes: {sizes}")
    assert max(sizes.values()) <= FIRST_LOAD_LIMIT, sizes


def test_the_dashboard_works_by_keyboard_alone(page: Any, site: Site, axe_source: str) -> None:
    site.pipeline.upload()
    site.pipeline.import_uploads()
    page.goto(f"{site.base_url}/dashboard/login")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the language button
    page.keyboard.press("Tab")
    page.keyboard.type(OWNER[0])
    page.keyboard.press("Tab")
    page.keyboard.type(OWNER[1])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dashboard/sportpark-de-zwaluwen$"))
    assert page.locator("#total-open").is_visible()
    only_the_app(site)
