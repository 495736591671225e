"""Running the server with uvicorn on the current generation."""

from __future__ import annotations

import socket

from r2pgraph.config import ServerConfig, Settings
from r2pgraph.errors import R2PError
from r2pgraph.server.served import Serving


def serve(settings: Settings, config: ServerConfig, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Serve ``build/current`` (or the remote store of ``config.store_url``) until interrupted.

    Raises NoGeneration when nothing is built and no store is given, R2PError when the address
    cannot be listened on (e.g. another server has the port)."""
    check_address(host, port)
    # What is served is opened first, so that the query workers start while the web framework
    # (most of the start-up time) is imported.
    serving = Serving(settings.build_dir, config)
    try:
        import uvicorn

        from r2pgraph.server.app import create_app
        from r2pgraph.server.connections import guarded

        app = create_app(settings.build_dir, config, serving=serving)
    except BaseException:
        serving.close()
        raise
    print(f"serving {app.state.serving.current.name} on http://{host}:{port}/ as {config.base_url}")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=config.access_log,
        ws="none",  # no WebSocket routes
        http=guarded(config.header_timeout, config.body_timeout),
        # X-Forwarded-For/-Proto only from the proxies named (uvicorn would believe any local process)
        proxy_headers=bool(config.trusted_proxies),
        forwarded_allow_ips=list(config.trusted_proxies),
    )
    return 0


def check_address(host: str, port: int) -> None:
    """Fail with a message naming the address and ``--port`` when ``host:port`` cannot be bound,
    before anything is loaded (uvicorn would say so only after the start-up, as an ERROR line)."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise R2PError(f"--host {host}: not an address of this machine ({e.strerror})") from None
    family, kind, proto, _, address = addresses[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as e:
            raise R2PError(
                f"cannot listen on {host}:{port}: {e.strerror}; is another server there? "
                "choose another port with --port (or `make serve PORT=8001`)"
            ) from None
