"""The building blocks of every scenario section: immutable models and fields that say where
defaults come from."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, WithJsonSchema


class Frozen(BaseModel):
    """Base for every section: immutable, no unknown keys, no NaN or infinity."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def same_setting(a: Any, b: Any) -> bool:
    """Equal as a scenario setting: 2 is 2.0, but true is not 1 and null is not 0; lists (or tuples)
    item by item. What-if levers and design seeds both ask whether a policy holds a value."""
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(same_setting(x, y) for x, y in zip(a, b))
        )
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    return a == b


def probability(default: float, why: str) -> float:
    return Field(default, ge=0.0, le=1.0, description=why)


def nonnegative(default: float, why: str, upper: float = 1e9) -> float:
    return Field(default, ge=0.0, le=upper, description=why)


def refuse_removed_fields(data, removed: dict[str, str]):
    """Say what replaced a field of version 0.1 instead of only 'extra inputs are not permitted'."""
    if isinstance(data, dict):
        for name, replacement in removed.items():
            if name in data:
                raise ValueError(f"{name} was removed in version 0.2 ({replacement})")
    return data


NAME_PATTERN = re.compile(r"[^\W_][\w .+()-]{0,62}[\w.+()-]|[^\W_]")
"""A policy, segment or component name: 1 to 64 characters, letters (any script), digits, spaces and
`_ . + ( ) -`, starting with a letter or digit and not ending with a space. Names label rows of
summary.csv and figures, so no control characters, path separators or `..`."""
NAME_RULE = (
    "a name is 1 to 64 letters, digits, spaces or _ . + ( ) -, starts with a letter or digit, "
    "does not end with a space and holds no '..'"
)


def _checked_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name) or ".." in name:
        raise ValueError(NAME_RULE)
    return name


Name = Annotated[str, AfterValidator(_checked_name)]
"""A user-chosen name that is safe in tables, file names and one-line messages."""


LABEL_RULE = (
    "a label is 1 to 200 printable characters, not only blanks, with no blank at either end"
)


def _checked_label(label: str) -> str:
    if not 1 <= len(label) <= 200 or not label.isprintable() or label.strip() != label:
        raise ValueError(LABEL_RULE)
    return label


Label = Annotated[str, AfterValidator(_checked_label)]
"""Free text that labels a row (a target's name): any printable text on one line."""


FOLDER_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
FOLDER_NAME_RULE = (
    "a scenario name is 1 to 100 letters (A-Z, a-z), digits or _ . -, starting with a letter or "
    "digit; it names the default output folder"
)


def _checked_folder_name(name: str) -> str:
    if not FOLDER_NAME_PATTERN.fullmatch(name) or ".." in name:
        raise ValueError(FOLDER_NAME_RULE)
    return name


FolderName = Annotated[
    str,
    AfterValidator(_checked_folder_name),
    WithJsonSchema({"type": "string", "pattern": f"^{FOLDER_NAME_PATTERN.pattern}$"}),
]
"""A scenario's name: it becomes part of a folder name (results/<name>-sweep), so plain ASCII
only."""


Switch = Annotated[bool, Strict()]
"""A yes/no setting: only YAML's true or false. pydantic's lax mode would also take 'yes', 'on' or
1, which the JSON Schema (type boolean) refuses; strict, the validator and `recoverysim schema`
agree."""
