"""Limits on user files checked before the YAML parser builds anything, so hostile input is refused
in moments.

A YAML parser expands aliases and merge keys (`<<: *base`) while it builds values, and builds nested
collections by recursion: a 1 kB file of merge keys that each double the one before grows without
end, and a few thousand `[` exhaust Python's stack. The event stream, by contrast, is read in one
pass that costs as much as the text is long; walking it once tells how many values the file holds
once every alias is expanded, and how deep it nests, before any of that is built.
"""

from __future__ import annotations

from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

from recoverysim.errors import Problem, ScenarioError

MAX_SCENARIO_BYTES = 1_000_000
"""Assumption: a real scenario is a few kB (the largest in scenarios/ is 3.5 kB); a megabyte is not
a scenario."""
MAX_YAML_DEPTH = 64
"""Assumption: a scenario nests about 5 deep; 64 leaves room for data written by hand and keeps
every recursive step (parser, merge, validation) far from Python's recursion limit."""
MAX_YAML_ALIASES = 1_000
"""Assumption: a scenario needs no aliases; a thousand is generous for sharing blocks between
policies."""
MAX_YAML_VALUES = 10_000
"""Assumption: a real scenario holds a few hundred values (the largest in scenarios/ about 300); far
more, most often once aliases are expanded (a 'billion laughs' file), is refused before it costs
memory or time."""
MAX_EXTENDS_DEPTH = 32
"""Assumption: a chain of `extends` (files or policies) is a few links long; 32 is a chain no one
reads."""


def refuse_large(size: int, limit: int, source: str, what: str) -> None:
    """Raise when `size` bytes exceed `limit`; `what` says what such a file usually holds."""
    if size > limit:
        raise ScenarioError(
            [Problem(source, None, "", f"is too large: {size:,} bytes, limit {limit:,}; {what}")]
        )


class _Frame:
    """An open mapping or list: its values so far (aliases expanded) and the height of its tallest
    child."""

    __slots__ = ("anchor", "child_height", "values")

    def __init__(self, anchor: str | None):
        self.anchor, self.values, self.child_height = anchor, 1, 0


def check_yaml_events(events, source: str) -> None:
    """Refuse a YAML stream that nests too deeply, has too many aliases, or expands to too many
    values.

    Args:
        events: ruamel parsing events (`YAML.parse(text)`), read once.
        source: the file or option named in the message.
    """
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values, height) of the node it names
    stack: list[_Frame] = [_Frame(None)]  # the bottom frame stands for the stream
    aliases = 0

    def refuse(event, message: str) -> None:
        raise ScenarioError([Problem(source, event.start_mark.line + 1, "", message)])

    def add(event, values: int, height: int) -> None:
        top = stack[-1]
        top.values += values
        top.child_height = max(top.child_height, height)
        if len(stack) - 1 + height > MAX_YAML_DEPTH:
            refuse(
                event, f"nesting deeper than {MAX_YAML_DEPTH} levels once YAML aliases are expanded"
            )
        if sum(frame.values for frame in stack) > MAX_YAML_VALUES:
            expanded = " once YAML aliases are expanded" if aliases else ""
            refuse(
                event,
                f"more than {MAX_YAML_VALUES:,} values{expanded}; real files hold a few hundred",
            )

    for event in events:
        if isinstance(event, AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                refuse(event, f"too many YAML aliases: more than {MAX_YAML_ALIASES}")
            values, height = sizes.get(
                event.anchor, (1, 0)
            )  # an open anchor is a recursive alias, reported later
            add(event, values, height)
        elif isinstance(event, CollectionStartEvent):
            stack.append(_Frame(event.anchor))
            if len(stack) - 1 > MAX_YAML_DEPTH:
                refuse(event, f"nesting deeper than {MAX_YAML_DEPTH} levels")
        elif isinstance(event, CollectionEndEvent):
            frame = stack.pop()
            height = frame.child_height + 1
            if frame.anchor is not None:
                sizes[frame.anchor] = (frame.values, height)
            stack[-1].values += frame.values
            stack[-1].child_height = max(stack[-1].child_height, height)
        elif isinstance(event, NodeEvent):  # a scalar
            if event.anchor is not None:
                sizes[event.anchor] = (1, 0)
            add(event, 1, 0)


def refuse_deep(data: object, source: str) -> None:
    """Refuse plain data (e.g. a dict built in a notebook) nesting deeper than MAX_YAML_DEPTH,
    walked without recursion."""
    stack: list[tuple[object, int]] = [(data, 0)]
    seen: set[int] = set()
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, (dict, list, tuple)) or id(value) in seen:
            continue
        if depth >= MAX_YAML_DEPTH:
            raise ScenarioError(
                [Problem(source, None, "", f"nesting deeper than {MAX_YAML_DEPTH} levels")]
            )
        seen.add(id(value))
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children)
