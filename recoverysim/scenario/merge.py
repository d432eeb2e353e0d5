"""`extends`: a scenario over its base file, a policy over its parent; values keep the line they
were written on."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from recoverysim.errors import Problem, ScenarioError
from recoverysim.scenario.guards import MAX_EXTENDS_DEPTH
from recoverysim.scenario.yaml_source import Located, PathKey, Where, parse_yaml, read_text, shorten

NAMED_LISTS = {"policies", "segments", "components"}


def _merge(base: Located, child: Located) -> Located:
    """Deep-merge child over base: mappings merge, named lists merge by name, other values
    replace."""
    data, lines = _merge_value(base.data, child.data, base.lines, child.lines, ())
    return Located(data, lines)


def _sub(lines: dict[PathKey, Where], prefix: PathKey) -> dict[PathKey, Where]:
    """The lines under `prefix`, with the prefix taken off."""
    return {k[len(prefix) :]: v for k, v in lines.items() if k[: len(prefix)] == prefix}


def _prefixed(lines: dict[PathKey, Where], prefix: PathKey) -> dict[PathKey, Where]:
    return {prefix + k: v for k, v in lines.items()}


def _under(lines: dict[PathKey, Where], path: PathKey) -> dict[PathKey, Where]:
    return {k: v for k, v in lines.items() if k[: len(path)] == path}


def _merge_value(
    base: Any, child: Any, base_lines: dict, child_lines: dict, path: PathKey
) -> tuple[Any, dict]:
    """Merge `child` over `base` at `path`; returns the value and the lines under `path`."""
    if isinstance(base, dict) and isinstance(child, dict):
        merged = dict(base)
        lines = _under(base_lines, path)
        for key, value in child.items():
            key_path = path + (key,)
            if key in base:
                merged[key], sub_lines = _merge_value(
                    base[key], value, base_lines, child_lines, key_path
                )
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
                merged_items[i], item_lines[i] = _merge_value(
                    merged_items[i], item, item_lines[i], own, ()
                )
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
    return isinstance(items, list) and all(
        isinstance(i, dict) and isinstance(i.get("name"), str) for i in items
    )


def chain_text(names: list[str]) -> str:
    """`a -> b -> c`, with the middle of a long chain left out so the message stays one readable
    line."""
    shown = names if len(names) <= 7 else [*names[:3], "...", *names[-3:]]
    return " -> ".join(shown)


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
        raise problem(f"extends cycle: {chain_text([str(p) for p in chain + (base_path,)])}")
    if len(chain) > MAX_EXTENDS_DEPTH:
        names = chain_text([str(p) for p in chain + (base_path,)])
        raise problem(f"extends chain longer than {MAX_EXTENDS_DEPTH} files: {names}")
    if not base_path.exists():
        raise problem(f"base scenario file not found: {base_path}")
    if not base_path.is_file():
        raise problem(f"base scenario is not a file: {base_path}")
    base = load_located(base_path, chain)
    return _merge(base, located)


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
    links: dict[int, int] = {}  # extends links from a resolved policy up to its root
    too_long: list[int] = []
    parent_of = {
        i: p.get("extends") for i, p in enumerate(policies) if isinstance(p, dict)
    }  # before merging drops it

    def ancestry(index: int) -> list[str]:
        """Names along the extends chain from `index`, followed without recursion and cut after the
        bound."""
        names, seen = [], set()
        current: int | None = index
        while current is not None and current not in seen and len(names) <= MAX_EXTENDS_DEPTH + 1:
            seen.add(current)
            names.append(str(policies[current].get("name")))
            parent = parent_of.get(current)
            current = by_name.get(parent) if isinstance(parent, str) else None
        return names

    def resolve(index: int, chain: tuple[int, ...]) -> bool:
        if index in done:
            return done[index]
        policy = policies[index]
        if policy.get("extends") is None:
            policy.pop("extends", None)
            done[index], links[index] = True, 0
            return True
        parent_name = policy["extends"]
        path = f"policies.{index}.extends"
        file, line = located.where(("policies", index, "extends"), source)
        parent_index = by_name.get(parent_name) if isinstance(parent_name, str) else None
        if not isinstance(parent_name, str):
            problems.append(
                Problem(
                    file, line, path, "must be the name of another policy", shorten(parent_name)
                )
            )
        elif parent_index is None:
            problems.append(
                Problem(
                    file,
                    line,
                    path,
                    f"no policy named {parent_name!r} to extend; policies are "
                    f"{', '.join(by_name) or 'none'}",
                    shorten(parent_name),
                )
            )
        elif parent_index == index or parent_index in chain:
            cycle = chain_text(
                [str(policies[i].get("name")) for i in chain + (index, parent_index)]
            )
            problems.append(
                Problem(file, line, path, f"extends cycle: {cycle}", shorten(parent_name))
            )
        if parent_index is None or parent_index == index or parent_index in chain:
            done[index] = False
            return False
        too_deep = (
            len(chain) >= MAX_EXTENDS_DEPTH
        )  # checked before recursing, so the recursion is bounded
        if not too_deep and not resolve(parent_index, chain + (index,)):
            done[index] = False
            return False
        if too_deep or links[parent_index] >= MAX_EXTENDS_DEPTH:
            if not too_long:  # one message for the chain, not one per policy on it
                names = chain_text(ancestry((chain + (index,))[0]))
                message = f"extends chain longer than {MAX_EXTENDS_DEPTH} links: {names}"
                problems.append(Problem(file, line, path, message, shorten(parent_name)))
            too_long.append(index)
            done[index] = False
            return False
        prefix, parent_prefix = ("policies", index), ("policies", parent_index)
        own = {k: v for k, v in policy.items() if k != "extends"}
        own_lines = {k: v for k, v in _sub(located.lines, prefix).items() if k[:1] != ("extends",)}
        merged, merged_lines = _merge_value(
            copy.deepcopy(policies[parent_index]),
            own,
            _sub(located.lines, parent_prefix),
            own_lines,
            (),
        )
        policies[index] = merged
        located.lines = {k: v for k, v in located.lines.items() if k[:2] != prefix}
        located.lines.update(_prefixed(merged_lines, prefix))
        done[index], links[index] = True, links[parent_index] + 1
        return True

    for i, policy in enumerate(policies):
        if isinstance(policy, dict):
            resolve(i, ())
    return problems
