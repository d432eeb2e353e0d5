"""`--set dotted.path=value`: set values in a scenario's plain data, by name or index in lists,
located at the option."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable
from typing import Any

from ruamel.yaml.error import YAMLError

from recoverysim.errors import Problem, ScenarioError
from recoverysim.scenario.schema_paths import annotation_at, default_items
from recoverysim.scenario.yaml_source import Located, PathKey, dotted, load_guarded, shorten


def parse_override(text: str) -> tuple[str, Any]:
    """Split `dotted.path=value` and read the value as YAML (so 12 is a number and null is None)."""
    source = f"--set {text}"
    if "=" not in text:
        raise ScenarioError(
            [Problem(source, None, "", "must look like dotted.path=value (no '=' found)")]
        )
    path, raw = text.split("=", 1)
    path = path.strip()
    if not path or any(not part.strip() for part in path.split(".")):
        raise ScenarioError(
            [
                Problem(
                    source,
                    None,
                    "",
                    "must look like dotted.path=value (empty path part)",
                    shorten(path),
                )
            ]
        )
    try:
        value = load_guarded(raw, source) if raw.strip() else ""
    except (YAMLError, RecursionError, ValueError):
        value = raw  # not YAML: the text itself, which validation then judges
    return path, value


def apply_overrides(located: Located, overrides: Iterable[str]) -> Located:
    """Set each `dotted.path=value`; list items are addressed by name or by index.

    Values set here, and sections they create, are located at the `--set` option, not the file.
    """
    lines = dict(located.lines)
    for text in overrides:
        where, created = _set_one(located.data, text)
        lines = {k: v for k, v in lines.items() if k[: len(where)] != where}
        lines.update({path: (f"--set {text}", None) for path in [*created, where]})
    return Located(located.data, lines)


def _set_one(data: dict, text: str) -> tuple[PathKey, list[PathKey]]:
    """Apply one override in place; returns the real path set (names turned into indices) and
    sections created."""
    source = f"--set {text}"
    path_text, value = parse_override(text)
    parts = [part.strip() for part in path_text.split(".")]
    node: Any = data
    real_path: PathKey = ()
    created: list[PathKey] = []
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            key: Any = _list_index(node, part, ".".join(parts[: depth + 1]), source)
        elif isinstance(node, dict):
            key = part
            if not last and part not in node:
                if typing.get_origin(annotation_at(real_path + (part,))) in (tuple, list):
                    defaults = default_items(real_path + (part,))
                    if defaults is None:
                        raise ScenarioError(
                            [
                                Problem(
                                    source,
                                    None,
                                    dotted(real_path + (part,)),
                                    "is not written here and has no default items; set the whole "
                                    "list instead",
                                )
                            ]
                        )
                    node[part] = defaults
                else:
                    node[part] = {}
                created.append(real_path + (part,))
        else:
            raise ScenarioError(
                [
                    Problem(
                        source,
                        None,
                        dotted(real_path),
                        f"is not a section, cannot set {path_text}",
                        shorten(node),
                    )
                ]
            )
        real_path += (key,)
        if last:
            node[key] = value
        else:
            node = node[key]
    return real_path, created


def _list_index(items: list[Any], part: str, path_text: str, source: str) -> int:
    names = [i.get("name") if isinstance(i, dict) else None for i in items]
    if part in names:
        return names.index(part)
    if re.fullmatch(r"-?\d{1,9}", part) and -len(items) <= int(part) < len(items):
        return int(part) % len(items)
    named = [str(n) for n in names if n is not None]
    hint = f"; names are {', '.join(named)}" if named else f"; the list has {len(items)} items"
    raise ScenarioError(
        [Problem(source, None, path_text, f"no item named or numbered {part!r}{hint}")]
    )
