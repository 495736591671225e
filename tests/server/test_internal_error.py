"""An unexpected error is a plain 500 with the headers every response carries, served for real."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from r2pgraph.build.assemble import BuildResult
from r2pgraph.config import ServerConfig
from r2pgraph.server.app import create_app
from tests.conftest import free_port


@pytest.fixture(scope="module")
def failing_server(built: BuildResult) -> Iterator[str]:
    """The real app, plus one route that fails as a bug would."""
    app = create_app(built.generation.parent.parent, ServerConfig(workers=1))

    @app.get("/test-only/fails")
    def fails() -> None:
        raise RuntimeError("a bug")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if server.started:
            break
        thread.join(0.1)
    assert server.started, "the server did not start"
    yield url
    server.should_exit = True
    thread.join(30)


def test_an_unexpected_error_is_a_500_with_nosniff_and_no_traceback(failing_server: str) -> None:
    response = httpx.get(failing_server + "/test-only/fails", timeout=30)
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "a bug" not in response.text and "Traceback" not in response.text
    assert response.text.startswith("Internal server error")
    # The server goes on serving.
    assert httpx.get(failing_server + "/health", timeout=30).status_code == 200
