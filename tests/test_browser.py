"""The web pages in real headless Chromium (Debian's), driven by Playwright, on the real catalogue
and the real bundled model. Screenshots of each step go to ``test-output/browser/``."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from pydantic import SecretStr

from matcher.catalogue import default_data_dir
from service.main import create_app
from service.settings import Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[1] / "test-output" / "browser"
TOKEN = "browser-admin-token"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, real_models: Path) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser")
    settings = Settings(data_dir=default_data_dir(), models_dir=real_models,
                        database=tmp / "db.sqlite3", report_dir=tmp / "reports",
                        api_token=SecretStr(TOKEN))
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        assert thread.is_alive(), "server thread died"
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def test_cluster_manager_journey(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page.goto(server + "/")
    assert page.locator("#german-list li").count() >= 50
    page.screenshot(path=str(SHOTS / "1-home.png"), full_page=False)

    page.fill("#q", "Hamburg Aviation")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results li")
    page.screenshot(path=str(SHOTS / "2-search.png"))
    page.click("#search-results a:has-text('Hamburg Aviation')")
    page.wait_for_selector("#matches li.match")
    items = page.locator("#matches li.match")
    assert items.count() == 10
    first = items.nth(0)
    assert first.locator(".reasons li").count() >= 1
    assert first.locator("a.match-name").get_attribute("href").startswith("/clusters/")
    assert page.locator("figure.chart svg rect").count() >= 1
    page.screenshot(path=str(SHOTS / "3-cluster.png"), full_page=True)
    before = items.evaluate_all("els => els.map(e => e.dataset.id)")

    page.select_option("#world_region", "Eastern Asia")
    page.click("#apply")
    page.wait_for_load_state()
    after_items = page.locator("#matches li.match")
    after = after_items.evaluate_all("els => els.map(e => e.dataset.id)")
    countries = set(after_items.evaluate_all("els => els.map(e => e.dataset.country)"))
    assert after and after != before
    assert countries <= {"JP", "KR", "CN", "TW", "HK", "MN", "KP", "MO"}
    page.screenshot(path=str(SHOTS / "4-filtered.png"), full_page=True)

    page.goto(server + "/")
    page.fill("#f-name", "Laser Cluster Jena")
    page.fill("#f-description", "Network of laser, optics and photonics companies and institutes "
                                "that builds optical systems and seeks partners in Asia.")
    page.fill("#f-fields", "Optics and Photonics")
    page.fill("#f-offers", "laser system integration\noptical metrology")
    page.fill("#f-seeks", "photonics component suppliers in Asia")
    page.click("form.adhoc button[type=submit]")
    page.wait_for_selector("#matches li.match")
    assert "Photonics" in page.inner_text("#mappings")
    assert page.locator("#matches li.match").count() == 10
    page.screenshot(path=str(SHOTS / "5-adhoc.png"), full_page=True)


def test_keyboard_and_phone(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-GB")
    page.goto(server + "/clusters/its-owl")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page scrolls sideways on a phone ({width}px)"
    page.screenshot(path=str(SHOTS / "6-phone.png"), full_page=False)


def test_german_pages_and_german_query(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="de-DE",
                            extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    page.goto(server + "/")
    assert page.get_attribute("html", "lang") == "de"
    assert "Partner finden" in page.inner_text("form.adhoc")
    page.fill("#f-name", "Medizintechnik Testnetz")
    page.fill("#f-description", "Netzwerk von Medizintechnik-Unternehmen und Kliniken, das "
                                "Implantate und Diagnostik entwickelt und klinische Studien "
                                "mit Partnern plant.")
    page.fill("#f-fields", "Medizintechnik, Brennstoffzellen")
    page.fill("#f-seeks", "Partner für klinische Studien im Ausland")
    page.click("form.adhoc button[type=submit]")
    page.wait_for_selector("#matches li.match")
    main = page.inner_text("main")
    assert "Vorgeschlagene Partner" in main
    mappings = page.inner_text("#mappings")
    # German field names are read and shown in German.
    assert "Medizintechnik" in mappings and "Wasserstoff und Brennstoffzellen" in mappings
    scores = page.locator("#matches .score").all_inner_texts()
    assert scores and all("," in s and "." not in s for s in scores)  # decimal comma
    page.screenshot(path=str(SHOTS / "7-german-adhoc.png"), full_page=True)

    page.goto(server + "/clusters/hamburg-aviation")
    text = page.inner_text("main")
    assert "Luft- und Raumfahrzeuge und Verteidigung" in text  # field name in German
    assert "Deutschland" in text and "Westeuropa" in text  # CLDR country and region names
    options = page.locator("#world_region option").all_inner_texts()
    assert "Ostasien" in options and "Eastern Asia" not in options
    page.screenshot(path=str(SHOTS / "7-german-cluster.png"), full_page=True)

    page.goto(server + "/clusters/no-such-cluster")
    assert "Diese Seite oder dieses Profil gibt es nicht." in page.inner_text("main")


def test_programme_staff_coverage(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page.goto(server + "/coverage")
    assert page.locator("#heatmap tbody tr").count() >= 20
    page.screenshot(path=str(SHOTS / "8-coverage.png"), full_page=False)
    page.click("#gaps li:first-child a")
    page.wait_for_selector("#cell-matches li")
    assert page.locator("#cell-matches li").count() >= 1
    page.screenshot(path=str(SHOTS / "9-coverage-cell.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_network_page_and_beyond_your_field(server: str, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="en-GB")
    page.goto(server + "/network")
    svg = page.locator("#network-svg")
    assert svg.locator("circle").count() >= 76  # every German cluster at least
    assert svg.locator("line.edge-bilateral").count() >= 100
    box = svg.bounding_box()
    assert box is not None and box["width"] > 0.8 * min(width, 1100) - 60 and box["height"] > 150
    assert page.locator("#brokers li").count() == 10
    assert page.locator("#network-table tbody tr").count() >= 76
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 10
    page.screenshot(path=str(SHOTS / f"10-network-{width}.png"), full_page=False)

    page.select_option("#net-region", "Eastern Asia")
    page.select_option("#net-edges", "bilateral")
    page.click("#net-apply")
    page.wait_for_load_state()
    assert "world_region=Eastern+Asia" in page.url
    assert page.locator("#alone li").count() >= 30  # most German clusters have no tie there
    page.screenshot(path=str(SHOTS / f"11-network-asia-{width}.png"), full_page=False)

    page.goto(server + "/clusters/organic-electronics-saxony")
    section = page.locator("#beyond")
    section.scroll_into_view_if_needed()
    items = section.locator("#cross-matches li.match")
    assert items.count() == 5
    own = {"Organic and Printed Electronics", "Micro- and Nanoelectronics",
           "Lighting and Electrical Equipment"}
    for fields in items.evaluate_all("els => els.map(e => e.dataset.fields)"):
        assert not own & set(fields.split(";"))
    assert "Value-chain link" in items.nth(0).locator(".value-chain").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 10
    section.screenshot(path=str(SHOTS / f"12-beyond-your-field-{width}.png"))


def test_marking_a_suggestion(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """A cluster manager signs in with a token, marks one suggestion and dismisses another."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page.goto(server + "/clusters/bavairia")
    assert page.locator("#atom-link").get_attribute("href").startswith("/clusters/bavairia/feed.atom")
    page.fill("#signin-token", TOKEN)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#signout")
    cards = page.locator("#matches li.match")
    assert cards.count() == 10
    first, second = cards.nth(0), cards.nth(1)
    marked, dismissed = first.get_attribute("data-id"), second.get_attribute("data-id")
    first.locator("details summary").click()
    first.locator("select[name=status]").select_option("contacted")
    first.screenshot(path=str(SHOTS / "13-marking-form.png"))
    first.locator("button[type=submit]").click()
    page.wait_for_selector(f'#matches li.match[data-id="{marked}"] .mark')
    mark = page.locator(f'#matches li.match[data-id="{marked}"] .mark')
    assert mark.get_attribute("data-status") == "contacted"
    assert "Your status: contacted" in mark.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1290
    page.screenshot(path=str(SHOTS / "14-marked.png"), full_page=True)

    card = page.locator(f'#matches li.match[data-id="{dismissed}"]')
    card.locator("details summary").click()
    card.locator("select[name=status]").select_option("not_relevant")
    card.locator("select[name=reason]").select_option("wrong_size")
    card.locator("button[type=submit]").click()
    page.wait_for_selector("#dismissed-note")
    assert page.locator(f'#matches li.match[data-id="{dismissed}"]').count() == 0
    assert page.locator("#matches li.match").count() == 10  # the next suggestion moved up
    page.click("#dismissed-note a")
    page.wait_for_selector(f'#matches li.match[data-id="{dismissed}"] .mark')
    shown = page.locator(f'#matches li.match[data-id="{dismissed}"]')
    assert "wrong size" in shown.locator(".mark").inner_text()
    shown.screenshot(path=str(SHOTS / "15-dismissed-shown.png"))

    import httpx

    for _ in range(300):  # the follow loop takes the first top-10 lists in the background
        if httpx.get(server + "/api/v1/outcomes").json()["overall"]["contacted"] == 1:
            break
        time.sleep(0.1)
    page.goto(server + "/outcomes")
    assert page.locator("#funnel td[data-stage=contacted]").inner_text() == "1"
    assert "10.5\u00a0%" in page.inner_text("#anchor")
    page.screenshot(path=str(SHOTS / "16-outcomes.png"), full_page=True)
