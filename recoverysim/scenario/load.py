"""Load a scenario: read YAML (yaml_source), resolve `extends` (merge) and `--set` (overrides),
validate, say where errors are.

Every problem is reported as ``FILE:LINE: dotted.path: message (got VALUE)``;
the line comes from the YAML node that holds the offending key. Lines survive
merging: a value inherited from a base file or a parent policy keeps the file
and line it was written on, and a value set with ``--set`` names that option.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
from ruamel.yaml import YAML

from recoverysim.errors import Problem, ScenarioError
from recoverysim.scenario.guards import refuse_deep
from recoverysim.scenario.merge import load_located, resolve_policy_extends
from recoverysim.scenario.messages import in_our_words
from recoverysim.scenario.overrides import apply_overrides
from recoverysim.scenario.provenance import written_paths
from recoverysim.scenario.schema import Scenario
from recoverysim.scenario.schema_paths import field_names
from recoverysim.scenario.yaml_source import Located, dotted, shorten


def _one_line(text: str) -> str:
    """Unprintable characters (newlines, NEL, ...) escaped, so one problem stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _printable(error: ScenarioError) -> ScenarioError:
    return ScenarioError(
        [
            Problem(
                _one_line(p.source),
                p.line,
                _one_line(p.path),
                _one_line(p.message),
                None if p.got is None else _one_line(p.got),
            )
            for p in error.problems
        ]
    )


def _problem_from(error: dict, located: Located, source: str) -> Problem:
    loc = tuple(error["loc"])
    is_key = (
        bool(loc) and loc[-1] == "[key]"
    )  # pydantic's mark for a mapping's key (channel_staff: {fax: 2})
    loc = loc[:-1] if is_key else loc
    path = dotted(loc) or "(scenario)"
    file, line = located.where(loc, source)
    if error["type"] == "extra_forbidden":
        allowed = field_names(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = (
            f"; did you mean {close[0]!r}?"
            if close
            else (f"; allowed keys are {', '.join(allowed)}" if allowed else "")
        )
        return Problem(file, line, path, f"unknown key{hint}")
    message = ("as a key, " if is_key else "") + in_our_words(error)
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
        return e["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in locs
        )

    problems = list(dict.fromkeys(_problem_from(e, located, source) for e in errors if not echo(e)))
    rank = {
        name: i for i, name in enumerate(dict.fromkeys([source, *(p.source for p in problems)]))
    }  # the named file first
    return sorted(problems, key=lambda p: (rank[p.source], p.line or 0))


def validate(located: Located, source: str) -> Scenario:
    """Turn resolved plain data into a Scenario, or raise ScenarioError with every problem."""
    if not isinstance(located.data, dict):
        raise ScenarioError(
            [
                Problem(
                    source,
                    None,
                    "",
                    "the top level must be a mapping of sections, not a "
                    f"{type(located.data).__name__}",
                    shorten(located.data),
                )
            ]
        )
    problems = resolve_policy_extends(located, source)
    if problems:
        raise ScenarioError(problems)
    try:
        return Scenario.model_validate(located.data)
    except pydantic.ValidationError as error:
        raise ScenarioError(_problems_from(error, located, source)) from None
    except (RecursionError, OverflowError, ValueError) as error:
        raise ScenarioError([Problem(source, None, "", f"cannot be validated: {error}")]) from None


def _written_by_the_tool(located: Located, source: str) -> list[Problem]:
    """Fields the staffing step writes (policies[].auto_sized): a file that sets them would change
    who pays for what."""
    policies = located.data.get("policies") if isinstance(located.data, dict) else None
    problems = []
    for index, policy in enumerate(policies if isinstance(policies, list) else []):
        if isinstance(policy, dict) and policy.get("auto_sized"):
            error = {
                "loc": ("policies", index, "auto_sized"),
                "type": "value_error",
                "input": policy["auto_sized"],
                "msg": "is written by the staffing step, not by hand: write staff: auto on the "
                "desk instead",
            }
            problems.append(_problem_from(error, located, source))
    return problems


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario and what its file (with `extends`) and `--set` wrote
    (scenario.provenance)."""

    scenario: Scenario
    written: dict[str, str]


def load_with_provenance(path: str | Path, overrides: Iterable[str] = ()) -> LoadedScenario:
    """load_scenario, keeping who wrote each value: params, the report and run's notice of defaults
    need it."""
    try:
        located = apply_overrides(load_located(Path(path)), overrides)
        problems = _written_by_the_tool(located, str(path))
        if problems:
            raise ScenarioError(problems)
        scenario = validate(
            located, str(path)
        )  # resolves policy `extends` in located, so inherited values count
        return LoadedScenario(scenario, written_paths(located))
    except ScenarioError as error:
        raise _printable(error) from None


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Load, resolve and validate a scenario file, with optional `dotted.path=value` overrides."""
    return load_with_provenance(path, overrides).scenario


def scenario_from_dict(
    data: dict, overrides: Iterable[str] = (), source: str = "<dict>"
) -> Scenario:
    """Validate a scenario given as a Python mapping (e.g. built in a notebook)."""
    refuse_deep(data, source)  # before deepcopy, which recurses
    copied = copy.deepcopy(data)
    if not isinstance(copied, dict):
        raise ScenarioError(
            [
                Problem(
                    source,
                    None,
                    "",
                    f"the top level must be a mapping of sections, not a {type(copied).__name__}",
                    shorten(copied),
                )
            ]
        )
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
    """JSON Schema of scenario files as written: the Scenario schema plus the loader's `extends`
    keys."""
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "Path of a base scenario file, relative to this one; this file's values "
        "override the base's (named lists such as policies merge by name).",
    }
    policy = schema.get("$defs", {}).get("Policy")
    if policy is not None:
        policy["properties"]["extends"] = {
            "type": "string",
            "description": "Name of another policy of this scenario whose fields this one takes, "
            "overriding only those it sets.",
        }
    return schema
