"""Read scenario YAML (1.2, safe), resolve `extends` and `--set`, validate, and say where errors are.

Every problem is reported as ``FILE:LINE: dotted.path: message (got VALUE)``;
the line comes from the YAML node that holds the offending key.
"""

from __future__ import annotations

import difflib
import reprlib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pydantic
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, SequenceNode

from recoverysim.errors import Problem, ScenarioError
from recoverysim.scenario.schema import Scenario

PathKey = tuple[Any, ...]
NAMED_LISTS = {"policies", "segments", "components"}
OVERRIDE_SOURCE = "--set"

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlist = 4
_short.maxdict = 3
_short.maxlevel = 2


def shorten(value: Any) -> str:
    """A value as a user can read it in one line, never whole when long or nested."""
    return _short.repr(value)


@dataclass
class Located:
    """Plain data from YAML plus, for each path in it, the file and line it came from."""

    data: Any
    lines: dict[PathKey, tuple[str, int]] = field(default_factory=dict)

    def where(self, path: PathKey, fallback: str) -> tuple[str, int | None]:
        """The file and line of the longest prefix of `path` that we know."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return fallback, None


def _yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    return yaml


def _node_lines(node: Any, source: str, path: PathKey, out: dict[PathKey, tuple[str, int]]) -> None:
    out[path] = (source, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            key = path + (key_node.value,)
            _node_lines(value_node, source, key, out)
            out[key] = (source, key_node.start_mark.line + 1)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _node_lines(item, source, path + (index,), out)


def read_text(path: Path) -> str:
    source = str(path)
    if not path.exists():
        raise ScenarioError([Problem(source, None, "", "no such file")])
    if path.is_dir():
        raise ScenarioError([Problem(source, None, "", "is a directory, not a scenario file")])
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ScenarioError([Problem(source, None, "", f"cannot be read: {error.strerror}")]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ScenarioError([Problem(source, line, "", f"is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})")]) from None


def parse_yaml(text: str, source: str) -> Located:
    """Parse YAML 1.2 safely into plain data with the line of every key."""
    yaml = _yaml()
    try:
        data = yaml.load(text)
        root = yaml.compose(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        column = f" column {mark.column + 1}" if mark else ""
        what = error.problem or error.context or "malformed YAML"
        raise ScenarioError([Problem(source, line, "", f"YAML syntax error at{column}: {what}")]) from None
    except YAMLError as error:
        raise ScenarioError([Problem(source, None, "", f"YAML error: {error}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(source, None, "", "YAML nested too deeply")]) from None
    if data is None:
        raise ScenarioError([Problem(source, None, "", "file is empty; a scenario is a mapping with at least a 'policies' list")])
    if not isinstance(data, dict):
        raise ScenarioError([Problem(source, 1, "", f"the top level must be a mapping of sections, not a {type(data).__name__}", shorten(data))])
    lines: dict[PathKey, tuple[str, int]] = {}
    _node_lines(root, source, (), lines)
    return Located(data, lines)


def _merge(base: Located, child: Located) -> Located:
    """Deep-merge child over base: mappings merge, named lists merge by name, other values replace."""
    data, lines = _merge_value(base.data, child.data, base.lines, child.lines, ())
    return Located(data, lines)


def _sub(lines: dict[PathKey, tuple[str, int]], prefix: PathKey) -> dict[PathKey, tuple[str, int]]:
    return {k[len(prefix):]: v for k, v in lines.items() if k[: len(prefix)] == prefix}


def _prefixed(lines: dict[PathKey, tuple[str, int]], prefix: PathKey) -> dict[PathKey, tuple[str, int]]:
    return {prefix + k: v for k, v in lines.items()}


def _merge_value(base: Any, child: Any, base_lines, child_lines, path: PathKey):
    if isinstance(base, dict) and isinstance(child, dict):
        merged = dict(base)
        lines = {k: v for k, v in base_lines.items() if k[: len(path)] == path}
        for key, value in child.items():
            key_path = path + (key,)
            if key in base:
                merged[key], sub_lines = _merge_value(base[key], value, base_lines, child_lines, key_path)
                lines = {k: v for k, v in lines.items() if k[: len(key_path)] != key_path}
                lines.update(sub_lines)
            else:
                merged[key] = value
                lines.update({k: v for k, v in child_lines.items() if k[: len(key_path)] == key_path})
            if key_path in child_lines:
                lines[key_path] = child_lines[key_path]
        return merged, lines
    if path and path[-1] in NAMED_LISTS and _all_named(base) and _all_named(child):
        merged_items: list[Any] = list(base)
        item_lines = [_sub(base_lines, path + (i,)) for i in range(len(base))]
        for j, item in enumerate(child):
            names = [b.get("name") for b in merged_items]
            own = _sub(child_lines, path + (j,))
            if item["name"] in names:
                i = names.index(item["name"])
                merged_items[i], sub_lines = _merge_value(merged_items[i], item, item_lines[i], own, ())
                item_lines[i] = sub_lines
            else:
                merged_items.append(item)
                item_lines.append(own)
        lines = {path: child_lines.get(path, base_lines.get(path))} if (path in child_lines or path in base_lines) else {}
        for i, sub_lines in enumerate(item_lines):
            lines.update(_prefixed(sub_lines, path + (i,)))
        return merged_items, lines
    return child, {k: v for k, v in child_lines.items() if k[: len(path)] == path}


def _all_named(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items)


def load_located(path: Path, _seen: tuple[Path, ...] = ()) -> Located:
    """Read a scenario file and every base it `extends`, merged, with line numbers."""
    path = Path(path)
    resolved = path.resolve()
    if resolved in _seen:
        chain = " -> ".join(str(p) for p in _seen + (resolved,))
        raise ScenarioError([Problem(str(path), None, "extends", f"extends cycle: {chain}")])
    located = parse_yaml(read_text(path), str(path))
    base_name = located.data.pop("extends", None)
    if base_name is None:
        return located
    if not isinstance(base_name, str) or not base_name:
        source, line = located.where(("extends",), str(path))
        raise ScenarioError([Problem(source, line, "extends", "must be the path of a base scenario file", shorten(base_name))])
    base_path = (path.parent / base_name)
    if not base_path.is_file():
        source, line = located.where(("extends",), str(path))
        raise ScenarioError([Problem(source, line, "extends", f"base scenario file not found: {base_path}", shorten(base_name))])
    base = load_located(base_path, _seen + (resolved,))
    return _merge(base, located)


def parse_override(text: str) -> tuple[str, Any]:
    """Split `dotted.path=value` and read the value as YAML (so 12 is a number and null is None)."""
    if "=" not in text:
        raise ScenarioError([Problem(OVERRIDE_SOURCE, None, text, "must look like dotted.path=value")])
    path, raw = text.split("=", 1)
    path = path.strip()
    if not path or any(not part for part in path.split(".")):
        raise ScenarioError([Problem(OVERRIDE_SOURCE, None, text, "must look like dotted.path=value")])
    try:
        value = _yaml().load(raw) if raw.strip() else ""
    except YAMLError:
        value = raw
    return path, value


def apply_overrides(located: Located, overrides: Iterable[str]) -> Located:
    """Set each `dotted.path=value`; list items are addressed by name or by index."""
    data = located.data
    lines = dict(located.lines)
    for text in overrides:
        dotted, value = parse_override(text)
        parts = dotted.split(".")
        node: Any = data
        real_path: list[Any] = []
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node, list):
                index = _list_index(node, part, ".".join(parts[: depth + 1]), text)
                real_path.append(index)
                if last:
                    node[index] = value
                else:
                    node = node[index]
            elif isinstance(node, dict):
                real_path.append(part)
                if last:
                    node[part] = value
                else:
                    if part not in node:
                        node[part] = _schema_default(tuple(real_path))
                    node = node[part]
            else:
                raise ScenarioError([Problem(OVERRIDE_SOURCE, None, ".".join(parts[:depth]), f"is not a section, cannot set {dotted}", shorten(node))])
        lines[tuple(real_path)] = (f"{OVERRIDE_SOURCE} {text}", 0)
    return Located(data, lines)


def _schema_default(path: PathKey) -> Any:
    """What a section missing from the file holds by default: {} for a mapping, the default items for a list,
    so that `--set market.segments.everyone.share=...` reaches a default segment by name."""
    model: Any = Scenario
    for depth, part in enumerate(path, start=1):
        if isinstance(part, int) or not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
            return {}
        field = model.model_fields.get(part)
        if field is None:
            return {}
        if depth == len(path) and typing.get_origin(field.annotation) is tuple:
            default = field.get_default(call_default_factory=True)
            return [item.model_dump(mode="json") for item in default] if default else []
        model = _model_in(field.annotation)
    return {}


def _list_index(items: list[Any], part: str, dotted: str, text: str) -> int:
    names = [i.get("name") for i in items if isinstance(i, dict)]
    if part in names:
        return names.index(part)
    if part.lstrip("-").isdigit() and -len(items) <= int(part) < len(items):
        return int(part) % len(items)
    hint = f"; names are {', '.join(map(str, names))}" if names else ""
    raise ScenarioError([Problem(OVERRIDE_SOURCE, None, dotted, f"no item named or numbered {part!r}{hint}", text)])


def resolve_policy_extends(located: Located, source: str) -> list[Problem]:
    """Replace each policy's `extends: NAME` by the named policy's fields, overridden by its own."""
    policies = located.data.get("policies")
    if not isinstance(policies, list):
        return []
    by_name = {p["name"]: i for i, p in enumerate(policies) if isinstance(p, dict) and isinstance(p.get("name"), str)}
    problems: list[Problem] = []
    resolved: dict[int, dict] = {}

    def resolve(index: int, chain: tuple[int, ...]) -> dict | None:
        if index in resolved:
            return resolved[index]
        policy = policies[index]
        parent_name = policy.get("extends")
        if parent_name is None:
            resolved[index] = policy
            return policy
        path = ("policies", index, "extends")
        file, line = located.where(path, source)
        if parent_name not in by_name:
            problems.append(Problem(file, line, "policies.%d.extends" % index, f"no policy named {parent_name!r} to extend; policies are {', '.join(by_name)}", shorten(parent_name)))
            return None
        parent_index = by_name[parent_name]
        if parent_index in chain or parent_index == index:
            cycle = " -> ".join(str(policies[i].get("name")) for i in chain + (index, parent_index))
            problems.append(Problem(file, line, "policies.%d.extends" % index, f"extends cycle: {cycle}", shorten(parent_name)))
            return None
        parent = resolve(parent_index, chain + (index,))
        if parent is None:
            return None
        merged, _ = _merge_value(parent, {k: v for k, v in policy.items() if k != "extends"}, {}, {}, ())
        resolved[index] = merged
        return merged

    for i, policy in enumerate(policies):
        if isinstance(policy, dict):
            result = resolve(i, ())
            if result is not None:
                policies[i] = result
    return problems


def _field_names(path: PathKey) -> list[str]:
    """The field names allowed at `path` in the schema, for 'did you mean' hints."""
    model: Any = Scenario
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)) or part not in model.model_fields:
            return []
        model = _model_in(model.model_fields[part].annotation)
    if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
        return list(model.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _problem_from(error: dict, located: Located, source: str) -> Problem:
    loc = tuple(error["loc"])
    dotted = ".".join(str(p) for p in loc) or "(scenario)"
    file, line = located.where(loc, source)
    if error["type"] == "extra_forbidden":
        allowed = _field_names(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; allowed keys are {', '.join(allowed)}" if allowed else "")
        return Problem(file, line, dotted, f"unknown key{hint}")
    message = error["msg"].removeprefix("Value error, ")
    got = None if error["type"] == "missing" else shorten(error.get("input"))
    return Problem(file, line, dotted, message, got)


def validate(located: Located, source: str) -> Scenario:
    """Turn resolved plain data into a Scenario, or raise ScenarioError with every problem."""
    problems = resolve_policy_extends(located, source)
    if problems:
        raise ScenarioError(problems)
    try:
        return Scenario.model_validate(located.data)
    except pydantic.ValidationError as error:
        raise ScenarioError([_problem_from(e, located, source) for e in error.errors()]) from None
    except (RecursionError, OverflowError) as error:
        raise ScenarioError([Problem(source, None, "", f"cannot be validated: {error}")]) from None


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Load, resolve and validate a scenario file, with optional `dotted.path=value` overrides."""
    located = apply_overrides(load_located(Path(path)), overrides)
    return validate(located, str(path))


def scenario_from_dict(data: dict, overrides: Iterable[str] = (), source: str = "<dict>") -> Scenario:
    """Validate a scenario given as a Python mapping (e.g. built in a notebook)."""
    import copy

    located = apply_overrides(Located(copy.deepcopy(data)), overrides)
    return validate(located, source)


def scenario_to_dict(scenario: Scenario) -> dict:
    """The fully resolved scenario as plain data that validates back to the same scenario."""
    return scenario.model_dump(mode="json")


def dump_yaml(data: Any, stream: Any) -> None:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False
    yaml.dump(data, stream)

