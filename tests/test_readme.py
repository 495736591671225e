"""The README shows the example queries exactly as shipped (and so as tested)."""

from __future__ import annotations

import re

from r2pgraph.query.examples import example_queries
from tests.conftest import ROOT


def test_readme_queries_are_the_tested_queries() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.strip() for b in re.findall(r"```sparql\n(.*?)```", readme, flags=re.S)]
    shipped = {q.text.strip() for q in example_queries()}
    assert blocks, "the README shows no example query"
    assert set(blocks) == shipped


def test_readme_has_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make serve" in readme and "make test" in readme


def _blocks(lang: str) -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Using it from the command line and from Python") :]
    section = section[: section.index("\n## ")]
    return re.findall(rf"```{lang}\n(.*?)```", section, flags=re.S)


def test_readme_curl_commands_work(server: str) -> None:
    import shlex
    import subprocess

    commands = [c for c in _blocks("sh")[0].splitlines() if c.startswith("curl ")]
    assert len(commands) >= 4
    for command in commands:
        args = shlex.split(command.replace("http://127.0.0.1:8000", server))
        out = subprocess.run(args, capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and out.stdout.strip(), command


def test_readme_sparqlwrapper_example_works(server: str) -> None:
    import contextlib
    import io

    code = _blocks("python")[0].replace("http://127.0.0.1:8000", server)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    assert printed.getvalue().strip() == "36 findings on Japan"
