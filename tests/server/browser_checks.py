"""What a page did in the shared headless browser: requests to other origins, CSP refusals."""

from __future__ import annotations

from urllib.parse import urlsplit


def requests_elsewhere(browser: object, origin: str) -> list[str]:
    """The resources the current page loaded (its resource timing entries) from another origin
    than ``origin`` (``http://127.0.0.1:PORT``); the entries are read before the page is left."""
    names: list[str] = browser.execute_script(  # type: ignore[attr-defined]
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert names, "the page loaded no resource at all"
    return [name for name in names if _origin(name) != origin]


def csp_refusals(browser: object) -> list[str]:
    """The console's Content-Security-Policy refusals since the log was last read."""
    console = browser.get_log("browser")  # type: ignore[attr-defined]
    return [e["message"] for e in console if "Content Security Policy" in e["message"]]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def open_query_page(browser: object, server: str, query_string: str = "") -> None:
    """Open ``/query`` as on a first visit (nothing kept in the browser's storage for this server)
    and wait for YASGUI's tabs; the console log is emptied first."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/static/style.css")  # type: ignore[attr-defined]
    browser.execute_script("window.localStorage.clear()")  # type: ignore[attr-defined]
    browser.get_log("browser")  # type: ignore[attr-defined]
    browser.get(server + "/query" + query_string)  # type: ignore[attr-defined]
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".yasgui .tabsList .tab"))


def result_rows(browser: object, count: int | None = None) -> list[list[str]]:
    """The cells of the active tab's results table (row number first), once it has ``count`` rows
    (or any)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    selector = ".tabPanel.active .yasr table.dataTable tbody tr"

    def drawn(b: object) -> bool:
        rows = b.find_elements(By.CSS_SELECTOR, selector)  # type: ignore[attr-defined]
        return bool(rows) and (count is None or len(rows) == count)

    WebDriverWait(browser, 20).until(drawn)
    rows = browser.find_elements(By.CSS_SELECTOR, selector)  # type: ignore[attr-defined]
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]
