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

