"""Reading YAML and CSV data files while keeping line numbers for error messages."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from r2pgraph.errors import DataError, Problem


class Mapping(dict[str, Any]):
    """A YAML mapping that remembers the line it started on (1-based)."""

    line: int = 0


# libyaml (PyYAML's C extension) parses about 15x faster than the pure-Python parser. Its
# composer recurses in C without a depth check, so ``_too_deep`` measures nesting from the event
# stream (no recursion) before anything is composed.
_SafeBase: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 100
_TOO_DEEP = f"YAML nested too deeply to read (more than {MAX_DEPTH} levels)"


class _LineLoader(_SafeBase):  # type: ignore[misc]
    """A safe YAML loader whose mappings are ``Mapping`` objects carrying their line."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Mapping:
    loader.flatten_mapping(node)
    result = Mapping()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Keep dates as text: the loaders parse them and report bad ones with their line.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _too_deep(text: str, limit: int) -> int | None:
    """The line (1-based) where collections in ``text`` first nest more than ``limit`` deep (0 when
    the parser gives no position), or None."""
    depth = 0
    for event in yaml.parse(text, Loader=_SafeBase):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limit:
                return event.start_mark.line + 1 if event.start_mark else 0
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _utf8(path: Path, display: str, encoding: str = "utf-8") -> str:
    """The file's text. Raises DataError naming the line of the first byte that is not UTF-8."""
    raw = path.read_bytes()
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise DataError(
            [Problem(display, line, f"not UTF-8 text (byte 0x{raw[e.start]:02x}); save the file as UTF-8")]
        ) from e


def read_yaml(path: Path, display: str) -> Mapping:
    """Parse a YAML file whose top level is a mapping.

    Raises DataError naming ``display`` and the line for a syntax error, bytes that are not UTF-8,
    nesting too deep to read, or a non-mapping top level.
    """
    text = _utf8(path, display)
    try:
        deep = _too_deep(text, MAX_DEPTH)
        data = None if deep is not None else yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        if "nesting depth" in str(e.problem):  # libyaml's own limit (PyYAML 6.0.3+), met while scanning ahead
            raise DataError([Problem(display, line, _TOO_DEEP)]) from e
        raise DataError([Problem(display, line, f"YAML error: {e.problem or e}")]) from e
    except yaml.reader.ReaderError as e:  # a character YAML does not allow, e.g. NUL
        line = text.count("\n", 0, e.position) + 1
        raise DataError([Problem(display, line, f"YAML error: character #x{e.character:04x} is not allowed")]) from e
    except yaml.YAMLError as e:
        raise DataError([Problem(display, None, f"YAML error: {e}")]) from e
    if deep is not None:
        raise DataError([Problem(display, deep or None, _TOO_DEEP)])
    if not isinstance(data, Mapping):
        raise DataError([Problem(display, 1, "expected a YAML mapping at the top level")])
    return data


class CsvRecords:
    """The header and rows of CSV text, each row with the line its record starts on (1-based).

    The text goes to the csv module whole (``newline=""``), as that module expects: a quoted field
    keeps its line breaks and any U+2028, U+2029 or U+0085, and a record spanning lines reports
    its first line. Blank lines are skipped; a missing field reads as "", fields past the header
    are given apart. ``line_num`` is the first line of the record read last, also when the csv
    module raises ``csv.Error`` for it.
    """

    def __init__(self, text: str) -> None:
        self._reader = csv.reader(io.StringIO(text, newline=""))
        self.line_num = 0
        self.fieldnames: list[str] = self._next() or []

    def _next(self) -> list[str] | None:
        while True:
            self.line_num = self._reader.line_num + 1
            fields = next(self._reader, None)
            if fields != []:
                return fields

    def __iter__(self) -> Iterator[tuple[int, dict[str, str], list[str]]]:
        """Yield (first line, row by header name, fields past the header) for each record."""
        names = self.fieldnames
        while (fields := self._next()) is not None:
            row = {name: fields[i] if i < len(fields) else "" for i, name in enumerate(names)}
            yield self.line_num, row, fields[len(names) :]


def read_csv(path: Path, display: str, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) for each data row of a CSV file with a header.

    Raises DataError when a required column is missing.
    """
    text = _utf8(path, display, "utf-8-sig")
    reader: CsvRecords | None = None
    try:
        reader = CsvRecords(text)
        missing = [c for c in required if c not in reader.fieldnames]
        if missing:
            raise DataError([Problem(display, 1, f"missing column(s): {', '.join(missing)}")])
        for line, row, extra in reader:
            if not any(v.strip() for v in row.values()) and not any(v.strip() for v in extra):
                continue
            if extra:
                raise DataError([Problem(display, line, "more fields than the header has")])
            yield line, {k: v.strip() for k, v in row.items()}
    except csv.Error as e:  # e.g. a field longer than csv.field_size_limit()
        raise DataError([Problem(display, reader.line_num if reader else 1, f"CSV error: {e}")]) from e
