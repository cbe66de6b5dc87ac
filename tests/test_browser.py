"""The web pages in real headless Chromium (Debian's), driven by Playwright, on the real catalogue
and the real bundled model: each user group's tasks at 1280 and 390 px, every page checked with
axe-core (installed from npm by ``make node-deps``) for serious and critical violations.
Screenshots of each step go to ``test-output/browser/``."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from matcher.catalogue import default_data_dir
from service.settings import Settings
from tests.servers import running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "browser"
AXE = ROOT / "build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
TOKEN = "browser-token"
WIDTHS = (1280, 390)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser") / "db.sqlite3"


@pytest.fixture(scope="module")
def server(database: Path, real_models: Path) -> Iterator[str]:
    tmp = database.parent
    settings = Settings(data_dir=default_data_dir(), models_dir=real_models,
                        database=database, report_dir=tmp / "reports",
                        api_token=SecretStr(TOKEN))
    with running(settings) as base:
        yield base


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


def check_page(page, name: str, width: int) -> None:  # type: ignore[no-untyped-def]
    """No sideways scrolling, no serious or critical accessibility violation; a screenshot."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways"
    if not AXE.exists():
        pytest.fail("axe-core is not installed (make node-deps installs it)")
    # Evaluated through the browser's debugging protocol, not as a <script> element: the pages'
    # Content-Security-Policy stays in force (and keeps checking our own scripts) while axe runs.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{name} at {width}px: {bad}"
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_manager_finds_a_partner_and_a_way_to_reach_it(server: str, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="en-GB")
    page.goto(server + "/")
    check_page(page, "01-home", width)
    assert page.request.get(server + "/favicon.ico").status == 200
    page.fill("#q", "Hamburg Aviaton")  # a typo finds nothing but suggests the close name
    page.keyboard.press("Enter")
    page.wait_for_selector("#close-results li")
    assert "Hamburg Aviation" in page.inner_text("#close-results")
    for query, expected in (("München", "BioM"), ("Munich biotech", "m4"), ("Luftfahrt", "Hamburg Aviation")):
        page.fill("#q", query)
        page.keyboard.press("Enter")
        page.wait_for_selector("#search-results li")
        assert expected in page.inner_text("#search-results"), query
    page.fill("#q", "Hamburg Aviation")
    page.keyboard.press("Enter")
    page.click("#search-results a:has-text('Hamburg Aviation')")
    page.wait_for_selector("#matches li.match")
    # The suggestions come before the profile's details, which are folded.
    first_card = page.locator("#matches li.match").first.bounding_box()
    assert first_card is not None and first_card["y"] < (1000 if width > 500 else 1200)
    assert page.locator("#profile-box").get_attribute("open") is None
    items = page.locator("#matches li.match")
    assert items.count() == 10
    scores = [float(x) for x in items.evaluate_all("els => els.map(e => e.dataset.score)")]
    assert scores == sorted(scores, reverse=True)  # rank and shown score agree
    assert "0.5 is an average candidate" in page.inner_text("#score-explained")
    # Known partners are apart: none of them among the suggestions, all in their own section.
    hrefs = "els => els.map(e => e.getAttribute('href'))"
    known = set(page.locator("#known-section li a").evaluate_all(hrefs))
    shown = set(items.locator("a.match-name").evaluate_all(hrefs))
    assert known and not known & shown
    first = items.nth(0)
    assert first.locator(".reasons li").count() >= 1
    assert first.locator(".sources a").count() >= 1
    # Every card shows the partner's website and contact page, or says that none is known yet.
    assert items.locator("a.website").count() >= 1
    for i in range(items.count()):
        reach = items.nth(i).locator(".reach")
        assert reach.locator("a.website, a.contact").count() or "no website" in reach.inner_text()
    # Where it stands among the candidates, and a label that agrees with the score.
    standing = first.locator(".standing").inner_text()
    pool = re.search(r"Place 1 of the (\d+) candidates this list draws from: top 1%", standing)
    assert pool and "What lifted it most" in standing
    # The header tells the score's pool (every candidate) from the place's (after filters).
    explained = page.inner_text("#score-explained")
    whole = re.search(r"among all (\d+) candidates", explained)
    assert whole and int(pool.group(1)) < int(whole.group(1))
    assert f"counts only the {pool.group(1)} candidates this list draws from" in explained
    for i in range(items.count()):
        if float(items.nth(i).get_attribute("data-score")) >= 0.8:
            assert items.nth(i).locator(".label").inner_text() != "weak fit"
    first.locator("details.parts summary").click()
    assert first.locator("dl.bars dd").count() == 6
    shaded = "svg.worldmap use.level-1, svg.worldmap use.level-2, svg.worldmap use.level-3"
    assert page.locator(shaded).count() >= 3
    # The shaded countries draw their outlines from the shared map file (not inline).
    page.wait_for_load_state("networkidle")
    assert page.locator(shaded).first.evaluate("e => e.getBBox().width") > 0
    check_page(page, "02-cluster", width)

    page.click("#filters-box summary")
    page.check("input[name=world_region][value='Eastern Asia']")
    page.check("input[name=world_region][value='Northern America']")
    page.click("#apply")
    page.wait_for_selector("#matches li.match")
    assert page.url.endswith("#suggested")  # back at the results, not the top
    assert page.locator("#active-filters a.chip").count() == 2 and page.locator("#clear-filters").count()
    countries = set(page.locator("#matches li.match").evaluate_all("els => els.map(e => e.dataset.country)"))
    assert countries and countries <= {"JP", "KR", "CN", "TW", "HK", "MN", "KP", "MO", "US", "CA"}
    assert len({c in ("US", "CA") for c in countries}) == 2  # both regions at once
    page.click("#show-more")
    page.wait_for_load_state()
    assert page.locator("#matches li.match").count() == 20
    page.click("#filters-box summary")
    check_page(page, "03-cluster-filtered", width)
    page.locator("#active-filters a.chip").first.click()  # remove one filter
    page.wait_for_selector("#matches li.match")
    assert page.locator("#active-filters a.chip").count() == 1
    page.click("#clear-filters")
    page.wait_for_selector("#no-filters")

    # A partner's page has the way back to the suggestions it was found among.
    page.locator("#matches a.match-name").first.click()
    page.wait_for_selector("#back-link")
    check_page(page, "03b-partner", width)
    page.click("#back-link a")
    page.wait_for_selector("#matches li.match")
    assert "/clusters/hamburg-aviation" in page.url


@pytest.mark.parametrize("width", WIDTHS)
def test_ad_hoc_results_are_first_class(server: str, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="en-GB")
    page.goto(server + "/?lang=en")
    page.fill("#f-name", "Laser Cluster Jena")
    page.fill("#f-region", "Thuringia")
    page.fill("#f-members", "120")
    page.fill("#f-description", "Network of laser, optics and photonics companies and institutes "
                                "that builds optical systems for industry and medicine.")
    page.fill("#f-fields", "Optics and Photonics")
    page.fill("#f-offers", "laser system integration\noptical metrology")
    page.fill("#f-seeks", "photonics component suppliers")
    started = time.monotonic()
    page.click("form.adhoc button[type=submit]")
    page.wait_for_selector("#matches li.match")
    assert time.monotonic() - started < 20  # the model is loaded before the service is ready
    assert "Photonics" in page.inner_text("#mappings")
    assert "120 members" in page.inner_text("main")
    assert page.locator("#copy-share").is_visible()
    check_page(page, "04-adhoc", width)

    page.click("#filters-box summary")
    page.select_option("#country", ["JP", "KR"])
    page.click("#apply")
    page.wait_for_selector("#matches li.match")
    countries = page.locator("#matches li.match").evaluate_all("els => els.map(e => e.dataset.country)")
    assert set(countries) <= {"JP", "KR"}
    shared = page.input_value("#share-link")  # absolute, with the filters
    assert shared.startswith(server + "/match?") and "p=" in shared and "country=JP" in shared

    fresh = browser.new_page(viewport={"width": width, "height": 900}, locale="en-GB")
    fresh.goto(shared)  # the link alone brings the results back, filtered
    fresh.wait_for_selector("#matches li.match")
    assert "Laser Cluster Jena" in fresh.inner_text("h1")
    fresh.click("#lang-switch")  # the language switch keeps the query
    fresh.wait_for_selector("#matches li.match")
    assert fresh.get_attribute("html", "lang") == "de" and "Laser Cluster Jena" in fresh.inner_text("h1")
    fresh.click("#edit-query")  # and the description can be changed from there
    assert fresh.input_value("#f-name") == "Laser Cluster Jena"
    assert "optical metrology" in fresh.input_value("#f-offers")


@pytest.mark.parametrize("width", WIDTHS)
def test_bad_input_keeps_the_form_and_says_what_is_wrong(server: str, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="en-GB")
    page.goto(server + "/?lang=en")
    page.fill("#f-name", "   ")
    long_text = "laser " * 3400  # 20,400 characters
    page.fill("#f-description", long_text)
    page.fill("#f-fields", "Photonics")
    page.click("form.adhoc button[type=submit]")
    page.wait_for_selector("#form-problems")
    assert page.get_attribute("#f-name", "aria-invalid") == "true"
    assert "Please fill this in." in page.inner_text("#name-problem")
    assert "20400 characters" in page.inner_text("#description-problem")
    assert page.input_value("#f-description") == long_text  # nothing cut without a word
    assert page.input_value("#f-fields") == "Photonics"
    check_page(page, "05-form-problems", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_programme_staff_see_gaps_first(server: str, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="en-GB")
    page.goto(server + "/coverage?lang=en")
    text = page.inner_text("main")
    assert text.index("Largest gaps") < text.index("All fields and regions")
    assert "Strong match" in text and "standardised residual" in text and "{a}" not in text
    assert "the more partnerships are missing" in page.inner_text("#gap-plain")
    assert page.locator("#gap-legend li").count() == 5
    assert "no tie abroad of any kind" in page.inner_text("#unpartnered-counts")
    assert page.locator("#gaps li").count() == 10
    gaps = [float(t.rsplit(" ", 1)[1]) for t in page.locator("#gaps li").all_inner_texts()]
    assert gaps == sorted(gaps, reverse=True)
    assert page.locator("svg.worldmap use.gap-0, svg.worldmap use.gap-1, "
                        "svg.worldmap use.gap-2, svg.worldmap use.gap-3").count() >= 10
    check_page(page, "06-coverage", width)
    page.click("#gaps li:first-child a")
    page.wait_for_selector("#cell-matches li")
    check_page(page, "07-coverage-cell", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_analyst_starts_and_downloads_a_report(server: str, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="en-GB")
    page.goto(server + "/reports?lang=en")
    text = page.inner_text("main")
    assert all(f in text for f in ("HTML:", "PDF:", "CSV:", "XLSX:"))  # formats listed
    check_page(page, "08-reports", width)
    page.fill("#r-token", "wrong")
    page.click("form.adhoc button[type=submit]")
    page.wait_for_selector("#report-problem")
    page.fill("#r-token", TOKEN)
    for f in ("html", "pdf", "xlsx"):
        page.uncheck(f"input[name=formats][value={f}]")
    page.select_option("#r-clusters", ["hamburg-aviation"])
    page.click("form.adhoc button[type=submit]")
    page.wait_for_selector("#report-list li")
    assert "#report-" in page.url  # the redirect's fragment, which broke the meta refresh
    # The page updates itself (reports.js polls the report) until the report is done.
    page.wait_for_selector("#report-list li:first-child[data-status=done]", timeout=120_000)
    item = page.locator("#report-list li").first
    assert "English · top 10 · CSV" in item.inner_text()
    with page.expect_download() as download:
        item.locator("a:has-text('suggestions.csv')").click()
    day = time.strftime("%Y-%m-%d", time.gmtime())
    assert download.value.suggested_filename == f"clusterbridge-{day}-1-cluster-en-suggestions.csv"


@pytest.mark.parametrize("width", WIDTHS)
def test_api_docs_work_offline(server: str, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server + "/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert all(url.startswith(server) for url in requests), requests
    assert page.locator(".swagger-ui .btn.authorize").count() == 1  # the bearer scheme
    assert page.locator(".docs-top a[href='/']").count() == 1  # and a way back
    check_page(page, "09-docs", width)


def test_keyboard_reaches_the_content_first(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-GB")
    page.goto(server + "/clusters/its-owl")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"


@pytest.mark.parametrize("width", WIDTHS)
def test_german_pages_and_german_query(server: str, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="de-DE",
                            extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    page.goto(server + "/?lang=de")
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
    assert "\u201e" in mappings and "\u201d" not in mappings  # German quotation marks
    # German field names are read and shown in German.
    assert "Medizintechnik" in mappings and "Wasserstoff und Brennstoffzellen" in mappings
    scores = page.locator("#matches .score").all_inner_texts()
    assert scores and all("," in s and "." not in s for s in scores)  # decimal comma
    check_page(page, "10-german-adhoc", width)

    page.goto(server + "/clusters/hamburg-aviation?lang=de")
    text = page.inner_text("main")
    assert "Luft- und Raumfahrzeuge und Verteidigung" in text  # field name in German
    assert "Deutschland" in text and "Westeuropa" in text  # CLDR country and region names
    places = page.locator("#places").text_content() or ""
    assert "Ostasien" in places and "Asien insgesamt" in places and "Eastern Asia" not in places
    check_page(page, "11-german-cluster", width)

    page.goto(server + "/clusters/no-such-cluster?lang=de")
    assert "Diese Seite oder dieses Profil gibt es nicht." in page.inner_text("main")
    check_page(page, "12-german-error", width)


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
    check_page(page, "13-network", width)

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


@pytest.mark.parametrize(("width", "cluster"), [(1280, "bavairia"), (390, "bbaa")])
def test_marking_a_suggestion(server: str, database: Path, browser, width: int,  # type: ignore[no-untyped-def]
                              cluster: str) -> None:
    """Programme staff sign in on the admin page and create a one-time sign-in link; the
    cluster manager follows it, is told beside the form when a mark is refused, sees the saved
    mark confirmed at its card, dismisses another (hidden only for this cluster's own view);
    the outcomes page counts the mark."""
    import httpx

    admin = browser.new_page(viewport={"width": width, "height": 900}, locale="en-GB")
    admin.goto(f"{server}/admin")
    check_page(admin, "13c-admin-signin", width)
    admin.fill("#admin-token", TOKEN)
    admin.click("#admin-signin button[type=submit]")
    admin.wait_for_selector("#admin-create")
    admin.select_option("#admin-cluster", cluster)
    admin.click("#admin-create button[type=submit]")
    link = admin.input_value("#signin-link")
    assert f"/clusters/{cluster}/signin" in link and "#token=cbt_" in link
    check_page(admin, "13d-admin-link", width)

    page = browser.new_page(viewport={"width": width, "height": 900}, locale="en-GB")
    page.goto(f"{server}/clusters/{cluster}")
    assert "programme staff" in page.inner_text("#token-who")
    assert page.locator("#follow-link").get_attribute("href").startswith(f"/clusters/{cluster}/follow")
    page.click("#follow-link")
    assert f"/clusters/{cluster}/feed.atom" in page.input_value("#feed-url")
    assert "feed reader" in page.inner_text("#main")
    check_page(page, "13b-follow", width)
    page.goto(link)
    assert page.input_value("#link-token").startswith("cbt_")  # from the fragment
    assert "#token" not in page.url
    check_page(page, "13e-link-signin", width)
    page.click("#link-signin button[type=submit]")
    page.wait_for_selector("#signout")
    # A refused mark comes back at its card with the values given.
    card = page.locator("#matches li.match").nth(2)
    refused_id = card.get_attribute("data-id")
    card.locator(".feedback details summary").click()
    card.locator("select[name=status]").select_option("not_relevant")
    card.locator(".feedback-form button[type=submit]").click()
    page.wait_for_selector(f"#problem-{refused_id}")
    assert "choose a reason" in page.inner_text(f"#problem-{refused_id}")
    assert page.locator(f'#m-{refused_id} select[name=status]').input_value() == "not_relevant"
    check_page(page, "14a-mark-refused", width)

    cards = page.locator("#matches li.match")
    assert cards.count() == 10
    first, second = cards.nth(0), cards.nth(1)
    marked, dismissed = first.get_attribute("data-id"), second.get_attribute("data-id")
    first.locator(".feedback details summary").click()
    first.locator("select[name=status]").select_option("contacted")
    first.screenshot(path=str(SHOTS / f"14-marking-form-{width}.png"))
    check_page(page, "14-marking", width)
    first.locator(".feedback-form button[type=submit]").click()
    page.wait_for_selector(f'#matches li.match[data-id="{marked}"] .mark')
    assert page.url.endswith(f"#m-{marked}")  # back at the card, which confirms the mark
    assert "Saved: contacted." in page.inner_text(f"#saved-{marked}")
    mark = page.locator(f'#matches li.match[data-id="{marked}"] .mark')
    assert mark.get_attribute("data-status") == "contacted"
    assert "Your status: contacted" in mark.inner_text()
    check_page(page, "15-marked", width)

    card = page.locator(f'#matches li.match[data-id="{dismissed}"]')
    card.locator(".feedback details summary").click()
    card.locator("select[name=status]").select_option("not_relevant")
    card.locator("select[name=reason]").select_option("wrong_size")
    card.locator(".feedback-form button[type=submit]").click()
    page.wait_for_selector("#dismissed-note")
    assert page.locator(f'#matches li.match[data-id="{dismissed}"]').count() == 0
    assert page.locator("#matches li.match").count() == 10  # the next suggestion moved up
    page.click("#dismissed-note a")
    page.wait_for_selector(f'#matches li.match[data-id="{dismissed}"] .mark')
    shown = page.locator(f'#matches li.match[data-id="{dismissed}"]')
    assert "wrong size" in shown.locator(".mark").inner_text()
    shown.screenshot(path=str(SHOTS / f"16-dismissed-shown-{width}.png"))
    visitor = browser.new_page(viewport={"width": width, "height": 900}, locale="en-GB")
    visitor.goto(f"{server}/clusters/{cluster}")  # one manager's dismissal hides nothing here
    assert visitor.locator(f'#matches li.match[data-id="{dismissed}"]').count() == 1

    for _ in range(300):  # the follow loop takes the first top-10 lists in the background
        if httpx.get(server + "/api/v1/outcomes").json()["overall"]["contacted"] >= 1:
            break
        time.sleep(0.1)
    page.goto(server + "/outcomes")
    assert int(page.locator("#funnel td[data-stage=contacted]").inner_text()) >= 1
    assert "10.5\u00a0%" in page.inner_text("#anchor")
    check_page(page, "17-outcomes", width)
