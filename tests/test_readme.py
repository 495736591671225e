"""The README and docs/*.md against the real thing: the example queries they show are the shipped
(and so tested) ones and answer as shown on a real server; their curl and Python examples run; the
commands, options, make targets, URLs and links they name exist; the README stays short; the data
model picture is current."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from r2pgraph.cli import parser
from r2pgraph.query.examples import example_queries
from tests.conftest import ROOT

README = ROOT / "README.md"
DOCUMENTS = [README, *sorted((ROOT / "docs").glob("*.md"))]
HTTP_DOC = ROOT / "docs" / "http.md"
LOCAL = "http://127.0.0.1:8000"


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def fenced(document: str, lang: str) -> list[tuple[str, str]]:
    """Each ```lang block of ``document``: its text, and the text that follows it."""
    return [(m.group(1), document[m.end() :]) for m in re.finditer(rf"^```{lang}\n(.*?)^```\n", document, re.S | re.M)]


def table_after(rest: str) -> list[list[str]] | None:
    """The Markdown table right after a code block (blank lines apart), as rows of cells with its
    header first; None when a paragraph or nothing comes first."""
    lines = rest.lstrip("\n").splitlines()
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    if not rows:
        return None
    assert len(rows) >= 2 and set("".join(rows[1])) <= set("-:"), f"not a table: {lines[:2]}"
    return [rows[0], *rows[2:]]


def shown_queries() -> list[tuple[str, int, str, str]]:
    """Every SPARQL block of the documents: (document, index, query, what follows it)."""
    return [
        (name(path), i, block, rest)
        for path in DOCUMENTS
        for i, (block, rest) in enumerate(fenced(text(path), "sparql"))
    ]


def test_readme_is_at_most_200_lines() -> None:
    assert len(text(README).splitlines()) <= 200


def test_readme_quick_start_is_the_two_commands() -> None:
    section = text(README).split("## Quick start\n", 1)[1].split("\n## ", 1)[0]
    commands = [line.split("#")[0].strip() for line in fenced(section, "sh")[0][0].splitlines()]
    assert commands == ["make serve", "make test"]


def test_the_documents_show_the_shipped_queries() -> None:
    shipped = {q.text.strip() for q in example_queries()}
    shown = [(doc, block.strip()) for doc, _, block, _ in shown_queries()]
    strangers = [doc for doc, block in shown if block not in shipped]
    assert not strangers, f"a SPARQL block that is not a file of src/r2pgraph/query/examples/ in {strangers}"
    assert {block for _, block in shown} == shipped, "an example query is shown nowhere"
    assert len([doc for doc, _ in shown if doc == "README.md"]) == 3


def sparql_csv(server: str, query: str) -> list[list[str]]:
    response = httpx.post(server + "/sparql", data={"query": query}, headers={"Accept": "text/csv"}, timeout=60)
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text)))


@pytest.mark.parametrize(
    ("document", "index", "query", "rest"), [pytest.param(*q, id=f"{q[0]}-{q[1] + 1}") for q in shown_queries()]
)
def test_the_example_queries_answer_as_shown(server: str, document: str, index: int, query: str, rest: str) -> None:
    answer = sparql_csv(server, query)
    assert len(answer) > 1, f"{document}, query {index + 1}: no rows"
    shown = table_after(rest)
    if shown is not None:
        assert shown == answer, f"{document}, query {index + 1}: the table under it is not its answer"


def test_a_table_that_is_not_the_answer_is_told_apart(server: str) -> None:
    query = next(q for q in example_queries() if q.name == "japan-ratings-count").text
    answer = sparql_csv(server, query)
    wrong = "| rating | findings |\n|---|---|\n" + "".join(f"| {r} | {int(n) + 1} |\n" for r, n in answer[1:])
    assert table_after("\n" + wrong) != answer
    assert table_after("\nA paragraph.\n\n" + wrong) is None


def http_blocks(lang: str) -> list[str]:
    section = text(HTTP_DOC).split("## Using it from the command line and from Python\n", 1)[1]
    return [block for block, _ in fenced(section, lang)]


def test_the_curl_commands_work(server: str) -> None:
    commands = [c for c in http_blocks("sh")[0].splitlines() if c.startswith("curl ")]
    assert len(commands) >= 4
    for command in commands:
        args = shlex.split(command.replace(LOCAL, server))
        out = subprocess.run(args, capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and out.stdout.strip(), command


def test_the_sparqlwrapper_example_works(server: str) -> None:
    code = http_blocks("python")[0].replace(LOCAL, server)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(HTTP_DOC), "exec"), {})
    assert printed.getvalue().strip() == "36 findings on Japan"


def named_paths() -> list[str]:
    """The server paths the README and docs/http.md name: in URLs of the local server, and as
    `/path` in code (not templates such as `/id/indicator/…` or `/downloads/<file>`)."""
    found: set[str] = set()
    for path in (README, HTTP_DOC):
        document = text(path)
        found.update(m or "/" for m in re.findall(re.escape(LOCAL) + r"(/[^\s)`'\"]*)?", document))
        found.update(re.findall(r"`(/[^`\s]*)`", document))
    return sorted(p for p in found if not re.search(r"[…<>{}*]", p))


def test_the_paths_the_documents_name_answer(server: str) -> None:
    paths = named_paths()
    assert {"/", "/id/state/JPN", "/matrix", "/query", "/sparql", "/.well-known/void"} <= set(paths)
    failed = []
    with httpx.Client(base_url=server, timeout=60, follow_redirects=True) as client:
        for path in paths:
            status = client.get(path, headers={"Accept": "text/html"}).status_code
            if status != 200:
                failed.append((path, status))
    assert failed == []


def subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def command_lines() -> list[tuple[str, str]]:
    """Each `r2pgraph …` command the documents write (in code blocks, continuation lines joined,
    comments dropped; or in inline code) and each inline `SUBCOMMAND --option`: (document, command)."""
    found = []
    names = "|".join(subcommands())
    for path in DOCUMENTS:
        document = text(path)
        for lang in ("sh", ""):
            for block, _ in fenced(document, lang):
                for line in block.replace("\\\n", " ").splitlines():
                    line = line.split(" #")[0]
                    found += [(name(path), m) for m in re.findall(r"(?:^|[\s;&|(])(r2pgraph [^;&|)]*)", line)]
        found += [(name(path), m) for m in re.findall(r"`(r2pgraph [^`]*)`", document)]
        found += [(name(path), "r2pgraph " + m) for m in re.findall(rf"`((?:{names}) --[^`]*)`", document)]
    return found


def test_the_commands_and_options_the_documents_name_exist() -> None:
    commands = subcommands()
    wrong = []
    for document, command in command_lines():
        words = command.split()
        if len(words) < 2 or words[1].startswith("-") or words[1].isupper():  # r2pgraph --help, r2pgraph SUBCOMMAND
            continue
        sub = commands.get(words[1])
        if sub is None:
            wrong.append((document, command, "no such subcommand"))
            continue
        options = {o for a in sub._actions for o in a.option_strings}
        named = re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", command)
        wrong += [(document, command, o) for o in named if o not in options]
        if words[1] == "import" and len(words) > 2:
            kinds = next(a.choices for a in sub._actions if a.dest == "importer") or []
            if words[2] not in kinds:
                wrong.append((document, command, words[2]))
    assert len(command_lines()) > 30
    assert wrong == []


def test_the_make_targets_the_documents_name_exist() -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):", text(ROOT / "Makefile"), re.M))
    named = set()
    for path in DOCUMENTS:
        document = text(path)
        code = [b for lang in ("sh", "") for b, _ in fenced(document, lang)] + re.findall(r"`([^`\n]+)`", document)
        named |= {t for c in code for t in re.findall(r"(?:^|\s)make ([a-z][a-z-]*)", c)}
    assert {"serve", "test", "help"} <= named
    assert named - targets == set()


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_links_lead_somewhere() -> None:
    broken = []
    for path in DOCUMENTS:
        for target, fragment in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)", text(path)):
            if re.match(r"[a-z]+:", target):
                continue
            file = (path.parent / target).resolve() if target else path
            if not file.exists():
                broken.append((name(path), target))
            elif fragment and file.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", text(file), re.M)
                if fragment not in {anchor(h) for h in headings}:
                    broken.append((name(path), f"{target}#{fragment}"))
    assert broken == []


def test_the_data_model_picture_is_current() -> None:
    script = ROOT / "scripts" / "data-model-diagram"
    out = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_an_outdated_picture_is_found(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "data-model-diagram"
    stale = tmp_path / "data-model.svg"
    stale.write_text(text(ROOT / "docs" / "data-model.svg").replace("Finding", "Findings"), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script), "--check", "--out", str(stale)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 1 and "run scripts/data-model-diagram" in out.stderr


def test_the_changelog_has_one_line_per_change() -> None:
    lines = text(ROOT / "CHANGELOG.md").splitlines()
    assert lines[0] == "# Changelog"
    others = [(n, line) for n, line in enumerate(lines[1:], 2) if line and not line.startswith(("## ", "- "))]
    assert others == [], "an entry runs over several lines"
