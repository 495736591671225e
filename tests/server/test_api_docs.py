"""The API docs page (Swagger UI, vendored) in headless Chromium against a real server."""

from __future__ import annotations

from tests.server.browser_checks import csp_refusals, requests_elsewhere


def test_the_api_docs_show_the_operations_with_nothing_from_another_origin(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/static/style.css")  # type: ignore[attr-defined]
    browser.get_log("browser")  # type: ignore[attr-defined]  # emptied
    browser.get(server + "/api/docs")  # type: ignore[attr-defined]
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".opblock"))
    operations = {
        (op.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text, op.get_attribute("id"))
        for op in browser.find_elements(By.CSS_SELECTOR, ".opblock")  # type: ignore[attr-defined]
    }
    methods = {method for method, _ in operations}
    assert {"GET", "POST"} <= methods
    assert any("sparql" in (ident or "") for _, ident in operations), operations
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")  # type: ignore[attr-defined]
    assert server + "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in loaded
    assert server + "/openapi.json" in loaded
    assert requests_elsewhere(browser, server) == []
    assert csp_refusals(browser) == []
