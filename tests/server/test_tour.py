"""The README's tour of the site, walked as a newcomer walks it: in headless Chromium and with httpx
against a real server. Every page of the tour table loads without an error in the browser's console
(no 404 for an icon, a script or a style sheet) and shows the site's icon; the query page's results
table is readable."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import httpx
import pytest

from tests.server.browser_checks import csp_refusals, open_query_page, result_rows
from tests.test_readme import LOCAL, README, text

SVG = "{http://www.w3.org/2000/svg}svg"


def tour_paths() -> list[str]:
    """The pages the README's table under "### The site" links to, in its order."""
    section = text(README).split("### The site", 1)[1].split("\n### ", 1)[0]
    return list(dict.fromkeys(re.findall(r"\]\(" + re.escape(LOCAL) + r"(/[^)\s]*)\)", section)))


class _Icons(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and "icon" in (values.get("rel") or "").split():
            self.hrefs.append(values.get("href") or "")


def icon_links(html: str) -> list[str]:
    parser = _Icons()
    parser.feed(html)
    return parser.hrefs


def assert_is_our_icon(response: httpx.Response) -> None:
    assert response.status_code == 200, response.url
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(response.content).tag == SVG


class _Classes(HTMLParser):
    """The class lists of the matrix's cells and of its legend's entries."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: set[frozenset[str]] = set()
        self.legend: set[frozenset[str]] = set()
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = frozenset((dict(attrs).get("class") or "").split())
        if tag == "table" and "matrix" in classes:
            self._in = "matrix"
        elif tag == "p" and "legend" in classes:
            self._in = "legend"
        elif self._in == "matrix" and tag == "td" and any(c.startswith("st-") for c in classes):
            self.cells.add(classes - {"disputed"})
        elif self._in == "legend" and tag == "span":
            self.legend.add(classes)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("table", "p"):
            self._in = None


class _Timeline(HTMLParser):
    """A state page's timeline: per entry, its text and the links it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[tuple[str, list[str]]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ol" and "timeline" in (dict(attrs).get("class") or "").split():
            self._depth = 1
        elif self._depth and tag == "li":
            self.entries.append(("", []))
        elif self._depth and tag == "a" and self.entries:
            self.entries[-1][1].append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "ol":
            self._depth = 0

    def handle_data(self, data: str) -> None:
        if self._depth and self.entries:
            text, links = self.entries[-1]
            self.entries[-1] = (text + data, links)


def _luminance(css_colour: str) -> float:
    """WCAG's relative luminance of a computed ``rgb(r, g, b)`` or ``rgba(…)`` colour."""
    red, green, blue = (int(c) / 255 for c in re.findall(r"\d+", css_colour)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_tour_names_the_pages_of_the_site() -> None:
    assert tour_paths()[:2] == ["/", "/id/state/JPN"]
    assert {"/matrix", "/crossref", "/claims", "/query", "/ontology", "/downloads"} <= set(tour_paths())


def test_every_page_of_the_tour_links_the_sites_icon_and_it_is_served(server: str) -> None:
    with httpx.Client(base_url=server, timeout=60) as client:
        for path in tour_paths():
            page = client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
            assert page.status_code == 200, path
            (href,) = icon_links(page.text)
            assert_is_our_icon(client.get(href))


def test_favicon_ico_is_the_same_icon(server: str) -> None:
    """Browsers, feed readers and crawlers ask for /favicon.ico without reading the page."""
    with httpx.Client(base_url=server, timeout=60) as client:
        icon = client.get("/favicon.ico")
        assert_is_our_icon(icon)
        assert icon.content == client.get("/static/favicon.svg").content
        assert client.head("/favicon.ico").status_code == 200


@pytest.mark.slow
def test_the_tour_pages_log_no_error_in_the_browser(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/static/style.css")  # type: ignore[attr-defined]
    browser.get_log("browser")  # type: ignore[attr-defined]  # what earlier tests left
    for path in tour_paths():
        browser.get(server + path)  # type: ignore[attr-defined]
        assert browser.find_element(By.TAG_NAME, "h1").text  # type: ignore[attr-defined]
        console = browser.get_log("browser")  # type: ignore[attr-defined]
        errors = [e["message"] for e in console if e["level"] == "SEVERE"]
        assert errors == [], (path, errors)


def test_the_query_pages_results_keep_row_numbers_apart_from_the_values(server: str, browser: object) -> None:
    """YASGUI's own cell padding targets DataTables 1's wrapper; without ours the row number "1"
    touched the first value ("1\"Very Strong\"")."""
    from selenium.webdriver.common.by import By

    open_query_page(browser, server, "?example=japan-ratings-count")
    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasqe_queryButton").click()  # type: ignore[attr-defined]
    assert result_rows(browser, 5)[0] == ["1", '"Very Strong"@en', '"16"^^xsd:integer']
    gaps: list[float] = browser.execute_script(  # type: ignore[attr-defined]
        """return [...document.querySelectorAll('.tabPanel.active .yasr table.dataTable tbody tr')].map(tr => {
             const number = tr.querySelector('.rowNumber').getBoundingClientRect();
             const value = tr.cells[1].querySelector('span').getBoundingClientRect();
             return value.left - number.right; })"""
    )
    assert len(gaps) == 5 and min(gaps) >= 10, gaps
    assert csp_refusals(browser) == []


def test_an_instruments_dates_of_consent_and_signature_stay_on_one_line(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/instrument/rome-statute")  # type: ignore[attr-defined]
    lines: dict[str, list[int]] = browser.execute_script(  # type: ignore[attr-defined]
        """const lines = cells => [...document.querySelectorAll(cells)].map(td => {
             const range = document.createRange(); range.selectNodeContents(td);
             return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; });
           return {parties: lines('table.parties tbody td:nth-child(3)'),
                   signatories: lines('table.signatories tbody td:nth-child(2)')};"""
    )
    assert len(lines["parties"]) > 100 and len(lines["signatories"]) > 20
    assert set(lines["parties"]) == {1} and set(lines["signatories"]) == {1}, lines
    assert browser.find_element(By.CSS_SELECTOR, "table.parties tbody td:nth-child(3)").text.count("-") == 2  # type: ignore[attr-defined]


def test_the_matrix_legend_explains_every_colour_of_its_cells(server: str) -> None:
    page = httpx.get(server + "/matrix", timeout=60)
    assert page.status_code == 200
    found = _Classes()
    found.feed(page.text)
    assert frozenset({"st-party", "act-consent"}) in found.cells  # OHCHR's tables give no kind of act
    assert len(found.cells) > 5
    assert found.cells - found.legend == set()


def test_a_treaty_action_recorded_by_two_sources_is_one_timeline_entry(server: str) -> None:
    page = httpx.get(server + "/id/state/JPN", timeout=60)
    timeline = _Timeline()
    timeline.feed(page.text)
    heads = [" ".join(text.split("(records:")[0].split()) for text, _ in timeline.entries]
    assert len(heads) > 40
    assert sorted(h for h in heads if heads.count(h) > 1) == []
    (rome,) = [(t, links) for t, links in timeline.entries if "Accession: Rome Statute" in t]
    assert rome[0].startswith("2007-07-17")
    assert rome[1] == [
        "/id/treaty-action/curated/JPN/rome-statute/accession-2007-07-17",
        "/id/treaty-action/curated/JPN/rome-statute/accession-2007-07-17",
        "/id/treaty-action/untc-2015/JPN/rome-statute/accession-2007-07-17",
    ]
    assert "(records: curated · untc-2015)" in rome[0]
    # a date that only one source gives stays its own entry
    assert sum("Ratification: Convention on the Rights of Persons with Disabilities" in h for h in heads) == 2


def test_the_home_page_leads_to_the_api_docs(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/")  # type: ignore[attr-defined]
    browser.find_element(By.LINK_TEXT, "/api/docs").click()  # type: ignore[attr-defined]
    assert browser.current_url == server + "/api/docs"  # type: ignore[attr-defined]
    WebDriverWait(browser, 20).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock")) > 5)
    assert httpx.get(server + "/openapi.json", timeout=60).json()["paths"]["/sparql"]


def test_an_indicators_ratings_are_readable_on_their_colour(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/indicator/focal-point")  # type: ignore[attr-defined]
    link = browser.find_element(By.CSS_SELECTOR, "td.rating-very-strong a")  # type: ignore[attr-defined]
    assert link.text == "Very Strong"
    colours: list[str] = browser.execute_script(  # type: ignore[attr-defined]
        "const a = arguments[0]; return [getComputedStyle(a).color, getComputedStyle(a.parentElement).backgroundColor]",
        link,
    )
    assert contrast(*colours) >= 4.5, colours  # WCAG AA for normal text
