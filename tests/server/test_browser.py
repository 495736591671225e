"""People's view: headless Chromium (Debian's, driven by Selenium) against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from r2pgraph.build.assemble import write_generation
from tests.conftest import repo_settings, running_server
from tests.server.browser_checks import open_query_page, result_rows


def test_home_page_lists_entry_points(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/")  # type: ignore[attr-defined]
    body = browser.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    assert "The Responsibility to Protect, as linked data" in body
    assert "Japan" in body and "Rome Statute of the International Criminal Court" in body


def test_state_page_shows_the_ratings_grid_treaties_and_timeline(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/state/JPN")  # type: ignore[attr-defined]
    cells = browser.find_elements(By.CSS_SELECTOR, ".grid .cell")  # type: ignore[attr-defined]
    assert len(cells) == 36
    very_strong = browser.find_elements(By.CSS_SELECTOR, ".grid .cell.rating-very-strong")  # type: ignore[attr-defined]
    assert len(very_strong) == 16
    status = browser.find_element(By.CSS_SELECTOR, "table.treaty-status").text  # type: ignore[attr-defined]
    assert "Convention on the Prevention and Punishment of the Crime of Genocide no action" in status
    assert "treaty-status/untc-2015/IV-1: no action as of 2015-03-14" in status
    timeline = browser.find_element(By.CSS_SELECTOR, "ol.timeline").text  # type: ignore[attr-defined]
    assert timeline.index("2022-02-18") < timeline.index("2024-03-01")


def test_matrix_is_readable_at_193_rows(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/matrix")  # type: ignore[attr-defined]
    rows = browser.find_elements(By.CSS_SELECTOR, "table.matrix tbody tr")  # type: ignore[attr-defined]
    assert len(rows) == 193
    japan = browser.find_element(By.ID, "JPN")  # type: ignore[attr-defined]
    coloured = {
        c.value_of_css_property("background-color") for c in browser.find_elements(By.CSS_SELECTOR, "td[class^=st-]")
    }  # type: ignore[attr-defined]
    assert len(coloured) >= 4  # party by ratification and by accession, signatory, no action…
    wrap = browser.find_element(By.CSS_SELECTOR, ".matrix-wrap")  # type: ignore[attr-defined]
    header = browser.find_element(By.CSS_SELECTOR, "table.matrix thead th")  # type: ignore[attr-defined]
    browser.execute_script("arguments[0].scrollIntoView(); arguments[1].scrollTop = 3000;", japan, wrap)  # type: ignore[attr-defined]
    assert browser.execute_script("return arguments[0].scrollTop", wrap) > 0  # type: ignore[attr-defined]
    # the header stays at the top of the scrolled table
    top = browser.execute_script(  # type: ignore[attr-defined]
        "return arguments[0].getBoundingClientRect().top - arguments[1].getBoundingClientRect().top", header, wrap
    )
    assert abs(top) < 2


def test_ontology_page_draws_the_diagram_and_its_boxes_lead_to_the_classes(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/ontology")  # type: ignore[attr-defined]
    svg = browser.find_element(By.CSS_SELECTOR, "svg.ontology-diagram")  # type: ignore[attr-defined]
    assert svg.size["width"] > 500 and svg.size["height"] > 200
    boxes = svg.find_elements(By.CSS_SELECTOR, "g.class rect")
    assert len(boxes) > 20 and all(b.size["width"] > 0 for b in boxes)
    svg.find_element(By.CSS_SELECTOR, 'a[href="#InstrumentSet"]').click()
    assert browser.current_url.endswith("/ontology#InstrumentSet")  # type: ignore[attr-defined]
    section = browser.find_element(By.ID, "InstrumentSet").text  # type: ignore[attr-defined]
    assert "A named set of instruments" in section and "r2p:includesInstrument" in section


SCRIPT = "<script>document.title='pwned'</script>"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over a tiny dataset whose label is a script tag, and whose links are ``javascript:``."""
    build_dir = tmp_path_factory.mktemp("hostile")
    label = SCRIPT.replace('"', '\\"')
    x, g, r2p = (
        "<https://w3id.org/r2p/id/state/XSS>",
        "<https://w3id.org/r2p/graph/test>",
        "https://w3id.org/r2p/ontology#",
    )
    c, src = "<https://w3id.org/r2p/id/citation/XSS/1>", "<https://w3id.org/r2p/id/source/xss>"
    nquads = (
        f'{x} <http://www.w3.org/2004/02/skos/core#prefLabel> "{label}"@en {g} .\n'
        f"{x} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{r2p}State> {g} .\n"
        f"{x} <http://www.w3.org/2002/07/owl#sameAs> <javascript:alert(1)> {g} .\n"
        f"{x} <{r2p}hasCitation> {c} {g} .\n"
        f"{c} <{r2p}citesSource> {src} {g} .\n"
        f'{src} <https://schema.org/url> "javascript:alert(2)" {g} .\n'
    ).encode()
    write_generation(nquads, repo_settings(build_dir))
    with running_server(build_dir) as url:
        yield url


def test_html_escapes_data(hostile_server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    html = httpx.get(hostile_server + "/id/state/XSS").text
    assert SCRIPT not in html and "&lt;script&gt;" in html
    browser.get(hostile_server + "/id/state/XSS")  # type: ignore[attr-defined]
    assert browser.title != "pwned"  # type: ignore[attr-defined]
    assert SCRIPT in browser.find_element(By.TAG_NAME, "h1").text  # type: ignore[attr-defined]


def test_pages_never_link_to_javascript(hostile_server: str) -> None:
    html = httpx.get(hostile_server + "/id/state/XSS").text
    assert "javascript:alert(1)" in html and "javascript:alert(2)" in html  # shown as text…
    assert 'href="javascript:' not in html.lower()  # …but never as a link


def test_pages_load_nothing_from_outside(server: str) -> None:
    for path in ("/", "/query", "/id/state/JPN", "/ontology"):
        html = httpx.get(server + path).text
        for attr in ('src="http', "src='http", 'href="//', '<link rel="stylesheet" href="http'):
            assert attr not in html, (path, attr)


def test_pages_work_under_their_content_security_policy(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    for path in ("/", "/query", "/id/state/JPN", "/ontology", "/matrix", "/downloads", "/id/state/NOWHERE"):
        browser.get(server + path)  # type: ignore[attr-defined]
        assert browser.find_element(By.TAG_NAME, "h1").text  # type: ignore[attr-defined]
        console = browser.get_log("browser")  # type: ignore[attr-defined]
        refused = [e["message"] for e in console if "Content Security Policy" in e["message"]]
        assert refused == [], (path, refused)


def test_query_results_never_link_to_javascript(hostile_server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    query = "SELECT ?o ?s WHERE { ?s <http://www.w3.org/2002/07/owl#sameAs> ?o }"
    open_query_page(browser, hostile_server, "?query=" + quote(query, safe=""))
    rows = result_rows(browser, 1)  # run when opened
    assert rows == [["1", "<javascript:alert(1)>", "state:XSS"]]  # shown as text…
    table = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr table.dataTable tbody")  # type: ignore[attr-defined]
    hrefs = [a.get_attribute("href") for a in table.find_elements(By.CSS_SELECTOR, "a[href]")]
    assert hrefs == [hostile_server + "/id/state/XSS"]  # …and only the http(s) IRI is a link
