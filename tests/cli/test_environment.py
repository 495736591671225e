"""A bad value in an R2P_* environment variable gets one line naming the variable, the value and
the form expected, and exit code 2, from every subcommand; never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from r2pgraph.build.assemble import BuildResult
from tests.conftest import ROOT, Listener, free_port

SUBCOMMANDS = [
    ["build"],
    ["generations"],
    ["rollback"],
    ["validate"],
    ["query", "ASK {}"],
    ["export", "--format", "turtle"],
    ["stats"],
    ["import", "--help"],
    ["crossref"],
    ["claims"],
    ["matrix"],
    ["serve", "--port", "0"],
    ["publish", "--to", "http://127.0.0.1:9/query"],
]


def r2pgraph(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("R2P_")}
    environ.update(R2P_HOME=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "r2pgraph.cli", *args], env=environ, capture_output=True, text=True, timeout=60
    )


def _one_line_error(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: "), done.stderr
    assert expected in done.stderr
    assert done.stdout == ""


def test_every_subcommand_is_listed() -> None:
    listed = r2pgraph(["--help"]).stdout
    names = listed[listed.index("{") + 1 : listed.index("}")].split(",")
    assert sorted(names) == sorted(args[0] for args in SUBCOMMANDS)


@pytest.mark.slow
@pytest.mark.parametrize("value", ["thirty", "-1", "0", "nan", "inf"])
@pytest.mark.parametrize("args", SUBCOMMANDS, ids=lambda args: args[0])
def test_a_bad_query_timeout_is_named_by_every_subcommand(args: list[str], value: str) -> None:
    done = r2pgraph(args, R2P_QUERY_TIMEOUT=value)
    _one_line_error(done, f"R2P_QUERY_TIMEOUT={value!r} is not valid: expected a number of seconds greater than 0")


def test_a_good_query_timeout_is_the_serve_default() -> None:
    assert "or $R2P_QUERY_TIMEOUT" in r2pgraph(["serve", "--help"], R2P_QUERY_TIMEOUT=" 2.5 ").stdout


def test_a_bad_store_auth_is_named_by_publish_before_any_request(built: BuildResult, listener: Listener) -> None:
    args = ["publish", "--to", listener.url + "/query", "--generation", str(built.generation)]
    done = r2pgraph(args, R2P_STORE_USER="reader", R2P_STORE_AUTH="kerberos")
    _one_line_error(done, "R2P_STORE_AUTH='kerberos' is not valid: expected basic or digest")
    listener.assert_untouched()


def test_a_bad_store_auth_is_named_by_serve_before_any_request(tmp_path: Path, listener: Listener) -> None:
    args = ["serve", "--store", listener.url + "/query", "--port", str(free_port()), "--build-dir", str(tmp_path)]
    done = r2pgraph(args, R2P_STORE_USER="reader", R2P_STORE_AUTH="Kerberos")
    _one_line_error(done, "R2P_STORE_AUTH='Kerberos' is not valid: expected basic or digest")
    listener.assert_untouched()
