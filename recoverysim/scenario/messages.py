"""pydantic's error messages in the project's own words, so a scenario author never reads the
library's jargon.

"Input should be a valid dictionary or instance of Channels" becomes "must be a section of keys and
values (a mapping)", "Tuple should have at most 3 items after validation, not 4" becomes "has 4
items; at most 3 are allowed", "Input should be greater than or equal to 0" becomes "must be >= 0".
"""

from __future__ import annotations

import string

#: Message by pydantic error type; `{...}` fields come from the error's context.
MESSAGES = {
    "missing": "is required but not written",
    "model_type": "must be a section of keys and values (a mapping)",
    "model_attributes_type": "must be a section of keys and values (a mapping)",
    "dict_type": "must be a mapping of keys to values",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "too_long": "has {actual_length} items; at most {max_length} are allowed",
    "too_short": "has {actual_length} items; at least {min_length} are needed",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number (no fractional part)",
    "string_type": "must be text",
    "string_too_long": "is too long (at most {max_length} characters)",
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
    "literal_error": "must be {expected}",
    "enum": "must be {expected}",
}


def in_our_words(error: dict) -> str:
    """The message of one pydantic error (an item of ValidationError.errors()) as recoverysim says
    it."""
    template = MESSAGES.get(error["type"])
    context = {
        k: f"{v:g}" if isinstance(v, float) else v for k, v in (error.get("ctx") or {}).items()
    }
    if template is not None and _fills(template, context):
        return template.format(**context)
    # our own validators' messages (and any type without a template) are already in our words
    return error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _fills(template: str, context: dict) -> bool:
    """Whether the error's context holds every field the template names (pydantic omits some for
    some inputs)."""
    return all(name in context for _, name, _, _ in string.Formatter().parse(template) if name)
