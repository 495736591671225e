"""Running the server with uvicorn on the current generation."""

from __future__ import annotations

import uvicorn

from r2pgraph.config import Settings
from r2pgraph.generations import current_generation
from r2pgraph.server.app import create_app


def serve(
    settings: Settings, host: str = "127.0.0.1", port: int = 8000, query_timeout: float = 30.0, workers: int = 2
) -> int:
    """Serve ``build/current`` until interrupted. Raises NoGeneration when nothing is built."""
    app = create_app(current_generation(settings.build_dir), query_timeout, workers)
    print(f"serving {app.state.generation.name} on http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="info")
    return 0
