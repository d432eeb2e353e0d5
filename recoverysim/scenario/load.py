"""Read scenario YAML (1.2, safe), resolve `extends` and `--set`, validate, and say where errors are.

Every problem is reported as ``FILE:LINE: dotted.path: message (got VALUE)``;
the line comes from the YAML node that holds the offending key. Lines survive
merging: a value inherited from a base file or a parent policy keeps the file
and line it was written on, and a value set with ``--set`` names that option.
"""

from __future__ import annotations

import copy
import difflib
import re
import reprlib
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pydantic
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from recoverysim.errors import Problem, ScenarioError
from recoverysim.scenario.schema import Scenario

PathKey = tuple[Any, ...]
Where = tuple[str, "int | None"]
NAMED_LISTS = {"policies", "segments", "components"}
MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_YAML_VALUES = 100_000
"""Assumption: a real scenario holds a few hundred values; far more once aliases are expanded
means a 'billion laughs' file, refused before it can exhaust memory or time."""
MAX_SHOWN_CHARS = 80


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
    """`a.b.0.c`; a key that is empty, has a dot, blanks at its ends or unprintable characters is quoted."""
    return ".".join(str(part) if _plain(part) else repr(part) for part in path)


def _plain(part: Any) -> bool:
    text = str(part)
    return bool(text) and text.isprintable() and text.strip() == text and "." not in text


def _one_line(text: str) -> str:
    """Unprintable characters (newlines, NEL, ...) escaped, so one problem stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _printable(error: ScenarioError) -> ScenarioError:
    return ScenarioError([
        Problem(_one_line(p.source), p.line, _one_line(p.path), _one_line(p.message), None if p.got is None else _one_line(p.got))
        for p in error.problems
    ])


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


def _yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    return yaml


def _node_lines(root: Any, source: str) -> dict[PathKey, Where]:
    """The line of every key and list item, refusing recursive aliases and alias bombs."""
    lines: dict[PathKey, Where] = {}
    budget = MAX_YAML_VALUES

    def spend(node: Any, path: PathKey) -> int:
        nonlocal budget
        budget -= 1
        line = node.start_mark.line + 1
        if budget < 0:
            raise ScenarioError([Problem(source, line, dotted(path), f"more than {MAX_YAML_VALUES} values once YAML aliases are expanded; a scenario needs far fewer")])
        return line

    def walk(node: Any, path: PathKey, open_ids: frozenset[int]) -> None:
        line = spend(node, path)
        if id(node) in open_ids:
            raise ScenarioError([Problem(source, line, dotted(path), "a YAML alias refers to a collection that contains it (a recursive alias)")])
        lines[path] = (source, line)
        if isinstance(node, MappingNode):
            walk_children(node, path, open_ids | {id(node)})
        elif isinstance(node, SequenceNode):
            inner = open_ids | {id(node)}
            for index, item in enumerate(node.value):
                walk(item, path + (index,), inner)

    def walk_children(node: MappingNode, path: PathKey, open_ids: frozenset[int]) -> None:
        spend(node, path)
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


def read_text(path: Path) -> str:
    """The file's text, or a ScenarioError naming the file when it is missing, a folder or not UTF-8."""
    source = str(path)
    try:
        if not path.exists():
            raise ScenarioError([Problem(source, None, "", "no such file")])
        if path.is_dir():
            raise ScenarioError([Problem(source, None, "", "is a directory, not a scenario file")])
        raw = path.read_bytes()
    except OSError as error:
        raise ScenarioError([Problem(source, None, "", f"cannot be read: {error.strerror or error}")]) from None
    except ValueError as error:  # e.g. an embedded NUL byte in the path
        raise ScenarioError([Problem(source, None, "", f"is not a usable file name: {error}")]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ScenarioError([Problem(source, line, "", f"is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})")]) from None


def _line_of_long_number(text: str) -> int | None:
    match = re.search(r"\d{%d,}" % (sys.get_int_max_str_digits() + 1), text) if sys.get_int_max_str_digits() else None
    return text.count("\n", 0, match.start()) + 1 if match else None


def parse_yaml(text: str, source: str) -> Located:
    """Parse YAML 1.2 safely into plain data with the line of every key."""
    yaml = _yaml()
    try:
        data = yaml.load(text)
        root = yaml.compose(text)
        lines = _node_lines(root, source) if root is not None else {}
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
    except ValueError as error:  # raised while building a value: a number too long to read, an impossible date
        line = _line_of_long_number(text)
        if line is not None:
            raise ScenarioError([Problem(source, line, "", f"a number has more than {sys.get_int_max_str_digits()} digits")]) from None
        raise ScenarioError([Problem(source, None, "", f"cannot read a value: {error}")]) from None
    if data is None:
        raise ScenarioError([Problem(source, None, "", "file is empty; a scenario is a mapping with at least a 'policies' list")])
    if not isinstance(data, dict):
        raise ScenarioError([Problem(source, 1, "", f"the top level must be a mapping of sections, not a {type(data).__name__}", shorten(data))])
    return Located(data, lines)


def _merge(base: Located, child: Located) -> Located:
    """Deep-merge child over base: mappings merge, named lists merge by name, other values replace."""
    data, lines = _merge_value(base.data, child.data, base.lines, child.lines, ())
    return Located(data, lines)


def _sub(lines: dict[PathKey, Where], prefix: PathKey) -> dict[PathKey, Where]:
    """The lines under `prefix`, with the prefix taken off."""
    return {k[len(prefix):]: v for k, v in lines.items() if k[: len(prefix)] == prefix}


def _prefixed(lines: dict[PathKey, Where], prefix: PathKey) -> dict[PathKey, Where]:
    return {prefix + k: v for k, v in lines.items()}


def _under(lines: dict[PathKey, Where], path: PathKey) -> dict[PathKey, Where]:
    return {k: v for k, v in lines.items() if k[: len(path)] == path}


def _merge_value(base: Any, child: Any, base_lines: dict, child_lines: dict, path: PathKey) -> tuple[Any, dict]:
    """Merge `child` over `base` at `path`; returns the value and the lines under `path`."""
    if isinstance(base, dict) and isinstance(child, dict):
        merged = dict(base)
        lines = _under(base_lines, path)
        for key, value in child.items():
            key_path = path + (key,)
            if key in base:
                merged[key], sub_lines = _merge_value(base[key], value, base_lines, child_lines, key_path)
                lines = {k: v for k, v in lines.items() if k[: len(key_path)] != key_path}
                lines.update(sub_lines)
            else:
                merged[key] = value
                lines.update(_under(child_lines, key_path))
            if key_path in child_lines:
                lines[key_path] = child_lines[key_path]
        if path in child_lines:  # the mapping itself is where the child wrote it
            lines[path] = child_lines[path]
        return merged, lines
    if path and path[-1] in NAMED_LISTS and _all_named(base) and _all_named(child):
        merged_items: list[Any] = list(base)
        item_lines = [_sub(base_lines, path + (i,)) for i in range(len(base))]
        for j, item in enumerate(child):
            names = [b.get("name") for b in merged_items]
            own = _sub(child_lines, path + (j,))
            if item["name"] in names:
                i = names.index(item["name"])
                merged_items[i], item_lines[i] = _merge_value(merged_items[i], item, item_lines[i], own, ())
            else:
                merged_items.append(item)
                item_lines.append(own)
        known = child_lines.get(path, base_lines.get(path))
        lines = {path: known} if known is not None else {}
        for i, sub_lines in enumerate(item_lines):
            lines.update(_prefixed(sub_lines, path + (i,)))
        return merged_items, lines
    return child, _under(child_lines, path)


def _all_named(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items)


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def load_located(path: Path, _chain: tuple[Path, ...] = ()) -> Located:
    """Read a scenario file and every base it `extends`, merged, with line numbers."""
    path = Path(path)
    located = parse_yaml(read_text(path), str(path))
    if "extends" not in located.data:
        return located
    base_name = located.data.pop("extends")
    if base_name is None:
        return located
    source, line = located.where(("extends",), str(path))

    def problem(message: str) -> ScenarioError:
        return ScenarioError([Problem(source, line, "extends", message, shorten(base_name))])

    if not isinstance(base_name, str) or not base_name.strip() or "\0" in base_name:
        raise problem("must be the path of a base scenario file, relative to this file")
    base_path = path.parent / base_name
    chain = _chain + (path,)
    if _identity(base_path) in {_identity(p) for p in chain}:
        raise problem(f"extends cycle: {' -> '.join(str(p) for p in chain + (base_path,))}")
    if not base_path.exists():
        raise problem(f"base scenario file not found: {base_path}")
    if not base_path.is_file():
        raise problem(f"base scenario is not a file: {base_path}")
    base = load_located(base_path, chain)
    return _merge(base, located)


def parse_override(text: str) -> tuple[str, Any]:
    """Split `dotted.path=value` and read the value as YAML (so 12 is a number and null is None)."""
    source = f"--set {text}"
    if "=" not in text:
        raise ScenarioError([Problem(source, None, "", "must look like dotted.path=value (no '=' found)")])
    path, raw = text.split("=", 1)
    path = path.strip()
    if not path or any(not part.strip() for part in path.split(".")):
        raise ScenarioError([Problem(source, None, "", "must look like dotted.path=value (empty path part)", shorten(path))])
    try:
        value = _yaml().load(raw) if raw.strip() else ""
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
    """Apply one override in place; returns the real path set (names turned into indices) and sections created."""
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
                if typing.get_origin(_annotation_at(real_path + (part,))) in (tuple, list):
                    defaults = _default_items(real_path + (part,))
                    if defaults is None:
                        raise ScenarioError([Problem(source, None, dotted(real_path + (part,)),
                                                     "is not written here and has no default items; set the whole list instead")])
                    node[part] = defaults
                else:
                    node[part] = {}
                created.append(real_path + (part,))
        else:
            raise ScenarioError([Problem(source, None, dotted(real_path), f"is not a section, cannot set {path_text}", shorten(node))])
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
    raise ScenarioError([Problem(source, None, path_text, f"no item named or numbered {part!r}{hint}")])


def resolve_policy_extends(located: Located, source: str) -> list[Problem]:
    """Replace each policy's `extends: NAME` by the named policy's fields, overridden by its own.

    Inherited values keep the line of the parent policy, so an error in them points there.
    """
    policies = located.data.get("policies")
    if not isinstance(policies, list):
        return []
    by_name: dict[str, int] = {}
    for index, policy in enumerate(policies):
        if isinstance(policy, dict) and isinstance(policy.get("name"), str):
            by_name.setdefault(policy["name"], index)
    problems: list[Problem] = []
    done: dict[int, bool] = {}

    def resolve(index: int, chain: tuple[int, ...]) -> bool:
        if index in done:
            return done[index]
        policy = policies[index]
        if policy.get("extends") is None:
            policy.pop("extends", None)
            done[index] = True
            return True
        parent_name = policy["extends"]
        path = f"policies.{index}.extends"
        file, line = located.where(("policies", index, "extends"), source)
        parent_index = by_name.get(parent_name) if isinstance(parent_name, str) else None
        if not isinstance(parent_name, str):
            problems.append(Problem(file, line, path, "must be the name of another policy", shorten(parent_name)))
        elif parent_index is None:
            problems.append(Problem(file, line, path, f"no policy named {parent_name!r} to extend; policies are {', '.join(by_name) or 'none'}", shorten(parent_name)))
        elif parent_index == index or parent_index in chain:
            cycle = " -> ".join(str(policies[i].get("name")) for i in chain + (index, parent_index))
            problems.append(Problem(file, line, path, f"extends cycle: {cycle}", shorten(parent_name)))
        if parent_index is None or parent_index == index or parent_index in chain or not resolve(parent_index, chain + (index,)):
            done[index] = False
            return False
        prefix, parent_prefix = ("policies", index), ("policies", parent_index)
        own = {k: v for k, v in policy.items() if k != "extends"}
        own_lines = {k: v for k, v in _sub(located.lines, prefix).items() if k[:1] != ("extends",)}
        merged, merged_lines = _merge_value(copy.deepcopy(policies[parent_index]), own, _sub(located.lines, parent_prefix), own_lines, ())
        policies[index] = merged
        located.lines = {k: v for k, v in located.lines.items() if k[:2] != prefix}
        located.lines.update(_prefixed(merged_lines, prefix))
        done[index] = True
        return True

    for i, policy in enumerate(policies):
        if isinstance(policy, dict):
            resolve(i, ())
    return problems


def _annotation_at(path: PathKey) -> Any:
    """The schema's type annotation at `path` (list indices skipped), or None if the path is not in the schema."""
    annotation: Any = Scenario
    for part in path:
        if isinstance(part, int):
            continue
        model = _model_in(annotation)
        if model is None or part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
    return annotation


def _default_items(path: PathKey) -> list | None:
    """The default items of a list field not written in the file (e.g. the default segment), as plain data,
    so that `--set market.segments.everyone.opportunist_share=0.1` can reach them by name or index."""
    owner = _model_in(_annotation_at(path[:-1]))
    field = owner.model_fields.get(path[-1]) if owner is not None else None
    if field is None or field.is_required():
        return None
    return [item.model_dump(mode="json") for item in field.get_default(call_default_factory=True)]


def _field_names(path: PathKey) -> list[str]:
    """The field names allowed at `path` in the schema, for 'did you mean' hints."""
    model = _model_in(_annotation_at(path))
    return list(model.model_fields) if model is not None else []


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
    path = dotted(loc) or "(scenario)"
    file, line = located.where(loc, source)
    if error["type"] == "extra_forbidden":
        allowed = _field_names(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; allowed keys are {', '.join(allowed)}" if allowed else "")
        return Problem(file, line, path, f"unknown key{hint}")
    message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    got = None if error["type"] == "missing" else shorten(error.get("input"))
    return Problem(file, line, path, message, got)


def _problems_from(error: pydantic.ValidationError, located: Located, source: str) -> list[Problem]:
    """One problem per pydantic error, file by file in line order, without pydantic's echo errors.

    A tuple with a bad item also fails its own `min_length` (pydantic counts only the
    items that validated); that second error says nothing new, so it is dropped.
    """
    errors = error.errors()
    locs = [tuple(e["loc"]) for e in errors]

    def echo(e: dict) -> bool:
        loc = tuple(e["loc"])
        return e["type"] == "too_short" and any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)

    problems = list(dict.fromkeys(_problem_from(e, located, source) for e in errors if not echo(e)))
    rank = {name: i for i, name in enumerate(dict.fromkeys([source, *(p.source for p in problems)]))}  # the named file first
    return sorted(problems, key=lambda p: (rank[p.source], p.line or 0))


def validate(located: Located, source: str) -> Scenario:
    """Turn resolved plain data into a Scenario, or raise ScenarioError with every problem."""
    if not isinstance(located.data, dict):
        raise ScenarioError([Problem(source, None, "", f"the top level must be a mapping of sections, not a {type(located.data).__name__}", shorten(located.data))])
    problems = resolve_policy_extends(located, source)
    if problems:
        raise ScenarioError(problems)
    try:
        return Scenario.model_validate(located.data)
    except pydantic.ValidationError as error:
        raise ScenarioError(_problems_from(error, located, source)) from None
    except (RecursionError, OverflowError, ValueError) as error:
        raise ScenarioError([Problem(source, None, "", f"cannot be validated: {error}")]) from None


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Load, resolve and validate a scenario file, with optional `dotted.path=value` overrides."""
    try:
        located = apply_overrides(load_located(Path(path)), overrides)
        return validate(located, str(path))
    except ScenarioError as error:
        raise _printable(error) from None


def scenario_from_dict(data: dict, overrides: Iterable[str] = (), source: str = "<dict>") -> Scenario:
    """Validate a scenario given as a Python mapping (e.g. built in a notebook)."""
    try:
        copied = copy.deepcopy(data)
    except RecursionError:
        raise ScenarioError([Problem(source, None, "", "nested too deeply")]) from None
    if not isinstance(copied, dict):
        raise ScenarioError([Problem(source, None, "", f"the top level must be a mapping of sections, not a {type(copied).__name__}", shorten(copied))])
    try:
        return validate(apply_overrides(Located(copied), overrides), source)
    except ScenarioError as error:
        raise _printable(error) from None


def scenario_to_dict(scenario: Scenario) -> dict:
    """The fully resolved scenario as plain data that validates back to the same scenario."""
    return scenario.model_dump(mode="json")


def dump_yaml(data: Any, stream: Any) -> None:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False
    yaml.dump(data, stream)


def file_json_schema() -> dict:
    """JSON Schema of scenario files as written: the Scenario schema plus the loader's `extends` keys."""
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {"type": "string", "description": "Path of a base scenario file, relative to this one; this file's values override the base's (named lists such as policies merge by name)."}
    policy = schema.get("$defs", {}).get("Policy")
    if policy is not None:
        policy["properties"]["extends"] = {"type": "string", "description": "Name of another policy of this scenario whose fields this one takes, overriding only those it sets."}
    return schema
