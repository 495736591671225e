"""The query page (YASGUI, vendored) in headless Chromium against a real server: example tabs, the
dataset's prefixes, results as a table and as the raw response, links with a query, nothing loaded
from another origin, and the form that works without JavaScript."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

from r2pgraph.query.examples import example_queries
from r2pgraph.rdf.iris import BASE, PREFIXES
from tests.conftest import Listener
from tests.server.browser_checks import csp_refusals, open_query_page, requests_elsewhere, result_rows

EDITOR = "return document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()"
TABS = "return [...document.querySelectorAll('.yasgui .tabsList .tab')].map(t => t.innerText.split('\\n')[0].trim())"
ACTIVE_TAB = "return document.querySelector('.yasgui .tabsList .tab.active').innerText.split('\\n')[0].trim()"
STATE_CLASS = "SELECT ?class WHERE { <https://w3id.org/r2p/id/state/JPN> a ?class }"


def test_the_query_page_is_yasgui_with_a_tab_for_each_example(server: str, browser: object) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    open_query_page(browser, server)
    names = [q.name for q in example_queries()]
    assert len(names) >= 5
    assert browser.execute_script(TABS) == names  # type: ignore[attr-defined]
    assert browser.execute_script(ACTIVE_TAB) == names[0]  # type: ignore[attr-defined]
    assert browser.execute_script(EDITOR) == example_queries()[0].text  # type: ignore[attr-defined]
    # a new tab starts with the dataset's prefixes
    browser.find_element(By.CSS_SELECTOR, ".yasgui .tabsList .addTab").click()  # type: ignore[attr-defined]
    assert browser.execute_script(TABS)[-1] not in names  # type: ignore[attr-defined]
    fresh = browser.execute_script(EDITOR)  # type: ignore[attr-defined]
    for name, iri in PREFIXES.items():
        assert f"PREFIX {name}: <{iri}>" in fresh
    # and a dataset prefix typed in a query without its declaration gets it
    browser.execute_script(  # type: ignore[attr-defined]
        "const cm = document.querySelector('.tabPanel.active .CodeMirror').CodeMirror;"
        "cm.setValue('SELECT * WHERE { ?s ?p '); cm.focus(); cm.setCursor(cm.lineCount(), 0)"
    )
    ActionChains(browser).send_keys("state:JPN }").perform()
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(EDITOR).startswith("PREFIX state:"))
    assert browser.execute_script(EDITOR) == (  # type: ignore[attr-defined]
        f"PREFIX state: <{PREFIXES['state']}>\nSELECT * WHERE {{ ?s ?p state:JPN }}"
    )
    assert csp_refusals(browser) == []
    assert requests_elsewhere(browser, server) == []
    # the tabs are kept: a reload neither loses the new tab nor adds the examples again
    browser.refresh()  # type: ignore[attr-defined]
    assert len(browser.execute_script(TABS)) == len(names) + 1  # type: ignore[attr-defined]


def test_running_an_example_shows_its_results_as_a_table_and_as_the_response(server: str, browser: object) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    open_query_page(browser, server, "?example=japan-ratings-count")
    assert browser.execute_script(ACTIVE_TAB) == "japan-ratings-count"  # type: ignore[attr-defined]
    assert urlsplit(browser.current_url).query == ""  # type: ignore[attr-defined]  # opened once
    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasqe_queryButton").click()  # type: ignore[attr-defined]
    rows = result_rows(browser, 5)
    assert rows[0] == ["1", '"Very Strong"@en', '"16"^^xsd:integer']
    assert rows[-1] == ["5", '"Very Weak"@en', '"3"^^xsd:integer']
    chip = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr_response_chip").text  # type: ignore[attr-defined]
    assert chip.startswith("5 results")
    # a column can be widened (its resizer styles the page while it is dragged)
    grip = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .grip-handle .grip-resizable")  # type: ignore[attr-defined]
    header = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr table.dataTable thead th")  # type: ignore[attr-defined]
    width = header.size["width"]
    ActionChains(browser).click_and_hold(grip).move_by_offset(60, 0).release().perform()
    assert header.size["width"] > width
    # the raw response, as /sparql sent it
    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .select_response").click()  # type: ignore[attr-defined]
    raw = ".tabPanel.active .yasr_results .CodeMirror"
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, raw))
    text = browser.execute_script(f"return document.querySelector('{raw}').CodeMirror.getValue()")  # type: ignore[attr-defined]
    assert json.loads(text)["results"]["bindings"][0]["findings"]["value"] == "16"
    assert csp_refusals(browser) == []
    assert requests_elsewhere(browser, server) == []


def test_a_link_with_a_query_opens_and_runs_it_here_only(server: str, browser: object, listener: Listener) -> None:
    # the link also names another endpoint: the query still goes to this server's /sparql
    elsewhere = quote(listener.url + "/sparql", safe="")
    open_query_page(browser, server, f"?query={quote(STATE_CLASS, safe='')}&endpoint={elsewhere}")
    assert browser.execute_script(EDITOR) == STATE_CLASS  # type: ignore[attr-defined]
    rows = result_rows(browser, 1)  # run when opened
    assert rows == [["1", "r2p:State"]]  # the dataset's prefixes shorten the results' IRIs
    link = browser.find_element("css selector", ".tabPanel.active .yasr table.dataTable tbody a")  # type: ignore[attr-defined]
    assert link.get_attribute("href") == server + "/ontology#State"  # our IRIs lead to our pages
    tabs = browser.execute_script(TABS)  # type: ignore[attr-defined]
    assert len(tabs) == len(example_queries()) + 1
    assert urlsplit(browser.current_url).query == ""  # type: ignore[attr-defined]
    browser.refresh()  # type: ignore[attr-defined]
    assert browser.execute_script(TABS) == tabs  # type: ignore[attr-defined]  # not opened twice
    assert csp_refusals(browser) == []
    assert requests_elsewhere(browser, server) == []
    listener.assert_untouched()


def test_without_javascript_the_page_is_a_form_that_sends_the_query_to_sparql(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    query = "SELECT ?x WHERE { BIND (42 AS ?x) }"
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})  # type: ignore[attr-defined]
    try:
        browser.get(server + "/query?example=japan-ratings-count")  # type: ignore[attr-defined]
        chosen = next(q for q in example_queries() if q.name == "japan-ratings-count")
        assert browser.find_element(By.ID, "query").get_attribute("value") == chosen.text  # type: ignore[attr-defined]
        links = browser.find_elements(By.CSS_SELECTOR, "a[href^='/query?example=']")  # type: ignore[attr-defined]
        assert len(links) == len(example_queries())
        browser.get(server + "/query?query=" + quote(query, safe=""))  # type: ignore[attr-defined]
        assert browser.find_elements(By.CSS_SELECTOR, ".yasgui") == []  # type: ignore[attr-defined]
        form = browser.find_element(By.ID, "query-form")  # type: ignore[attr-defined]
        assert form.is_displayed() and form.get_attribute("action") == server + "/sparql"
        assert form.get_attribute("method") == "post"  # any length of query
        assert browser.find_element(By.ID, "query").get_attribute("value") == query  # type: ignore[attr-defined]
        Select(browser.find_element(By.ID, "format")).select_by_value("json")  # type: ignore[attr-defined]
        browser.find_element(By.ID, "run").click()  # type: ignore[attr-defined]
        WebDriverWait(browser, 20).until(lambda b: urlsplit(b.current_url).path == "/sparql")
        answer = json.loads(browser.find_element(By.TAG_NAME, "body").text)  # type: ignore[attr-defined]
        assert answer["results"]["bindings"] == [
            {"x": {"type": "literal", "value": "42", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
        ]
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})  # type: ignore[attr-defined]


def test_results_link_only_to_http_iris_and_our_own_to_our_pages(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    iris = ["ftp://example.org/f", "tel:+41000", "mailto:a@example.org", "https://example.org/x", f"{BASE}id/state/JPN"]
    values = " ".join(f"<{iri}>" for iri in iris)
    query = "SELECT ?x WHERE { VALUES ?x { " + values + " } }"
    open_query_page(browser, server, "?query=" + quote(query, safe=""))
    assert len(result_rows(browser, len(iris))) == len(iris)  # every IRI is shown…
    table = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr table.dataTable tbody")  # type: ignore[attr-defined]
    hrefs = sorted(a.get_attribute("href") for a in table.find_elements(By.CSS_SELECTOR, "a[href]"))
    assert hrefs == [server + "/id/state/JPN", "https://example.org/x"]  # …but only these are links
