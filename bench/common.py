"""What the benchmark scripts share: where the project is, a free port on 127.0.0.1, waiting for a
server process to answer, stopping it, and a process's peak memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Terminate ``proc``, killed when it has not ended after ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_until_answers(
    proc: subprocess.Popen[bytes],
    url: str,
    *,
    started: float,
    timeout: float,
    what: str,
    params: dict[str, str] | None = None,
    request_timeout: float = 5,
    poll: float = 0.05,
) -> float:
    """Seconds from ``started`` (a ``perf_counter`` time) until ``url`` answers 200. When ``proc`` ends
    or ``timeout`` passes first, ``proc`` is stopped and RuntimeError names ``what``."""
    deadline = started + timeout
    while True:
        try:
            if httpx.get(url, params=params, timeout=request_timeout).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.perf_counter() > deadline:
            stop_process(proc)
            raise RuntimeError(f"{what} did not start")
        time.sleep(poll)


def vm_hwm_mb(pid: int) -> float | None:
    """The peak resident memory (VmHWM) of process ``pid`` in MB, or None when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def serve_checkout(
    build_dir: Path, src: Path | None, pages_from: tuple[str, ...], *extra: str
) -> tuple[subprocess.Popen[bytes], str]:
    """``r2pgraph serve`` on 127.0.0.1 over ``build_dir`` (running the code of the checkout whose
    ``src`` is given, else this one's), once its pages read from one of ``pages_from``
    ("memory", "disk"; see /health). Returns the process and its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "R2P_HOME": str(ROOT)}
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    args = [PY, "-m", "r2pgraph.cli", "serve", "--build-dir", str(build_dir), "--host", "127.0.0.1"]
    args += ["--port", str(port), "--no-access-log", *extra]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_answers(proc, url + "/health", started=time.perf_counter(), timeout=120, what=" ".join(args))
    deadline = time.monotonic() + 120
    while httpx.get(url + "/health", timeout=10).json().get("pages_from") not in pages_from:
        if time.monotonic() > deadline:
            stop_process(proc)
            raise RuntimeError(f"the pages did not read from {' or '.join(pages_from)}")
        time.sleep(0.1)
    return proc, url
