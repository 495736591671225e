"""`r2pgraph serve` on an address it cannot listen on: one clear error before anything is loaded."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from r2pgraph.build.assemble import BuildResult
from tests.conftest import ROOT


def test_a_port_in_use_is_named_with_the_option_that_changes_it(built: BuildResult) -> None:
    build_dir = built.generation.parent.parent
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "r2pgraph.cli", "serve", "--build-dir", str(build_dir)]
        run = subprocess.run(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "R2P_HOME": str(ROOT)},
        )
    assert run.returncode == 1
    assert f"error: cannot listen on 127.0.0.1:{port}: Address already in use" in run.stderr
    assert "--port" in run.stderr
    assert "serving" not in run.stdout  # nothing was started


def test_an_address_not_of_this_machine_is_named(built: BuildResult) -> None:
    build_dir = built.generation.parent.parent
    command = [sys.executable, "-m", "r2pgraph.cli", "serve", "--build-dir", str(build_dir)]
    run = subprocess.run(
        [*command, "--host", "192.0.2.1", "--port", "8000"],  # TEST-NET-1: binding sends nothing
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "R2P_HOME": str(ROOT)},
    )
    assert run.returncode == 1
    assert "error: cannot listen on 192.0.2.1:8000: Cannot assign requested address" in run.stderr
