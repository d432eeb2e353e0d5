"""Who set each value of a scenario: the file (with its `extends`), the command line (`--set`), or
the default.

One answer for `recoverysim params`, the report's assumptions table and the defaults `run`
announces, taken from what was written rather than from comparing values: a value the file wrote
equal to its default is still the scenario's, and a default section's own defaults (the default
channels, components, segment) are never mistaken for the scenario's choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recoverysim.scenario.yaml_source import Located, PathKey

SCENARIO = "scenario"
COMMAND_LINE = "command line"
DEFAULT = "default"
#: The label of results stored before provenance was recorded, which can only compare values.
NOT_RECORDED = "scenario or command line"


def written_paths(located: Located) -> dict[str, str]:
    """Every path written (sections and values), list items by name where they have one, and who
    wrote it.

    Paths are dotted as the parameter table prints them: `policies.trusting.goodwill_eur`,
    `market.segments.everyone.opportunist_share`, `whatif.levers.0.path`.
    """
    written: dict[str, str] = {}

    def walk(node: Any, raw: PathKey, shown: tuple[str, ...]) -> None:
        if shown:
            source, _ = located.where(raw, "")
            written[".".join(shown)] = COMMAND_LINE if source.startswith("--set") else SCENARIO
        if isinstance(node, dict):
            for key, value in node.items():
                if key != "extends":
                    walk(value, raw + (key,), shown + (str(key),))
        elif isinstance(node, list) and node and all(isinstance(item, dict) for item in node):
            for index, item in enumerate(node):
                name = item.get("name")
                walk(
                    item,
                    raw + (index,),
                    shown + (name if isinstance(name, str) and name else str(index),),
                )

    walk(located.data, (), ())
    return written


def set_by(path: str, written: Mapping[str, str] | None, differs_from_default: bool) -> str:
    """Who set the value at `path`: SCENARIO, COMMAND_LINE or DEFAULT.

    A path counts as written when it or anything below it was written (a dict field such as
    `channel_staff` is one row). Without a record (`written` None: results stored by an older
    version, a scenario built in Python), only a value that differs from its default can be told
    apart.
    """
    if written is None:
        return NOT_RECORDED if differs_from_default else DEFAULT
    if path in written:
        return written[path]
    below = [who for key, who in written.items() if key.startswith(path + ".")]
    if below:
        return COMMAND_LINE if all(who == COMMAND_LINE for who in below) else SCENARIO
    return DEFAULT


def was_written(path: str, written: Mapping[str, str] | None) -> bool:
    """Whether the file or the command line wrote `path` (or anything below it); None knows nothing
    was."""
    return written is not None and set_by(path, written, False) != DEFAULT
