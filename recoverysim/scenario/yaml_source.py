"""Scenario YAML read safely as YAML 1.2, with the file and line of every key kept for error
messages."""

from __future__ import annotations

import re
import reprlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from recoverysim.errors import Problem, ScenarioError
from recoverysim.scenario.guards import MAX_SCENARIO_BYTES, check_yaml_events, refuse_large

PathKey = tuple[Any, ...]
Where = tuple[str, "int | None"]
MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_SHOWN_CHARS = 80
A_SCENARIO = "a scenario is a few kB"


class _ShortRepr(reprlib.Repr):
    """reprlib that also survives integers too long for Python to turn into text."""

    def repr_int(self, x: int, level: int) -> str:
        try:
            return super().repr_int(x, level)
        except ValueError:
            return f"<integer of about {int(x.bit_length() * 0.30103)} digits>"


_short = _ShortRepr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlist = 4
_short.maxtuple = 4
_short.maxdict = 3
_short.maxlevel = 2


def shorten(value: Any) -> str:
    """A value as a user can read it in one line, never whole when long or nested."""
    text = _short.repr(value)
    return text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 3] + "..."


def dotted(path: PathKey) -> str:
    """`a.b.0.c`; a key that is empty, has a dot, blanks at its ends or unprintable characters is
    quoted."""
    return ".".join(str(part) if _plain(part) else repr(part) for part in path)


def _plain(part: Any) -> bool:
    text = str(part)
    return bool(text) and text.isprintable() and text.strip() == text and "." not in text


@dataclass
class Located:
    """Plain data from YAML plus, for each path in it, the file and line it came from."""

    data: Any
    lines: dict[PathKey, Where] = field(default_factory=dict)

    def where(self, path: PathKey, fallback: str) -> Where:
        """The file and line of the longest prefix of `path` that we know."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return fallback, None


def yaml_reader() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    return yaml


def _node_lines(root: Any, source: str) -> dict[PathKey, Where]:
    """The line of every key and list item, refusing recursive aliases.

    The walk expands aliases and merge keys as the constructor will; check_yaml_events has bounded
    both the values that makes and its depth before this runs.
    """
    lines: dict[PathKey, Where] = {}

    def walk(node: Any, path: PathKey, open_ids: frozenset[int]) -> None:
        line = node.start_mark.line + 1
        if id(node) in open_ids:
            raise ScenarioError(
                [
                    Problem(
                        source,
                        line,
                        dotted(path),
                        "a YAML alias refers to a collection that contains it (a recursive alias)",
                    )
                ]
            )
        lines[path] = (source, line)
        if isinstance(node, MappingNode):
            walk_children(node, path, open_ids | {id(node)})
        elif isinstance(node, SequenceNode):
            inner = open_ids | {id(node)}
            for index, item in enumerate(node.value):
                walk(item, path + (index,), inner)

    def walk_children(node: MappingNode, path: PathKey, open_ids: frozenset[int]) -> None:
        merged = [value for key, value in node.value if key.tag == MERGE_TAG]
        for value in merged:  # `<<: *base` keys first, so the mapping's own keys win
            bases = value.value if isinstance(value, SequenceNode) else [value]
            for base in reversed(bases):
                if isinstance(base, MappingNode):
                    if id(base) in open_ids:
                        walk(base, path, open_ids)  # reports the recursive alias
                    walk_children(base, path, open_ids | {id(base)})
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG or not isinstance(key_node, ScalarNode):
                continue  # a list or mapping as a key is an error pydantic reports at the parent
            walk(value_node, path + (key_node.value,), open_ids)
            lines[path + (key_node.value,)] = (source, key_node.start_mark.line + 1)

    walk(root, (), frozenset())
    return lines


def read_text(path: Path, limit: int = MAX_SCENARIO_BYTES, what: str = A_SCENARIO) -> str:
    """The file's text, or a ScenarioError naming the file when it is missing, a folder, too large
    or not UTF-8.

    The size is checked before reading, and at most `limit` + 1 bytes are read, so a huge file
    (or an endless one such as /dev/zero) is refused at once.
    """
    source = str(path)
    try:
        if not path.exists():
            raise ScenarioError([Problem(source, None, "", "no such file")])
        if path.is_dir():
            raise ScenarioError([Problem(source, None, "", "is a directory, not a scenario file")])
        refuse_large(path.stat().st_size, limit, source, what)
        with path.open("rb") as stream:
            raw = stream.read(limit + 1)
    except OSError as error:
        raise ScenarioError(
            [Problem(source, None, "", f"cannot be read: {error.strerror or error}")]
        ) from None
    except ValueError as error:  # e.g. an embedded NUL byte in the path
        raise ScenarioError(
            [Problem(source, None, "", f"is not a usable file name: {error}")]
        ) from None
    if len(raw) > limit:
        raise ScenarioError(
            [Problem(source, None, "", f"is too large: more than {limit:,} bytes; {what}")]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ScenarioError(
            [
                Problem(
                    source,
                    line,
                    "",
                    f"is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})",
                )
            ]
        ) from None


def _line_of_long_number(text: str) -> int | None:
    limit = sys.get_int_max_str_digits()
    match = re.search(rf"\d{{{limit + 1},}}", text) if limit else None
    return text.count("\n", 0, match.start()) + 1 if match else None


def load_guarded(text: str, source: str) -> Any:
    """One YAML value (e.g. of a `--set` option), refused like a file when it nests or expands too
    much."""
    yaml = yaml_reader()
    check_yaml_events(yaml.parse(text), source)
    return yaml.load(text)


def parse_yaml(text: str, source: str) -> Located:
    """Parse YAML 1.2 safely into plain data with the line of every key; hostile text is refused
    before parsing."""
    yaml = yaml_reader()
    try:
        check_yaml_events(yaml.parse(text), source)
        root = yaml.compose(text)
        lines = _node_lines(root, source) if root is not None else {}
        data = yaml.constructor.construct_document(root) if root is not None else None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        column = f" at column {mark.column + 1}" if mark else ""
        what = error.problem or error.context or "malformed YAML"
        raise ScenarioError([Problem(source, line, "", f"YAML error{column}: {what}")]) from None
    except YAMLError as error:
        raise ScenarioError([Problem(source, None, "", f"YAML error: {error}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(source, None, "", "YAML nested too deeply")]) from None
    except (
        ValueError
    ) as error:  # raised while building a value: a number too long to read, an impossible date
        line = _line_of_long_number(text)
        if line is not None:
            raise ScenarioError(
                [
                    Problem(
                        source,
                        line,
                        "",
                        f"a number has more than {sys.get_int_max_str_digits()} digits",
                    )
                ]
            ) from None
        raise ScenarioError([Problem(source, None, "", f"cannot read a value: {error}")]) from None
    if data is None:
        raise ScenarioError(
            [
                Problem(
                    source,
                    None,
                    "",
                    "file is empty; a scenario is a mapping with at least a 'policies' list",
                )
            ]
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                Problem(
                    source,
                    1,
                    "",
                    f"the top level must be a mapping of sections, not a {type(data).__name__}",
                    shorten(data),
                )
            ]
        )
    return Located(data, lines)
