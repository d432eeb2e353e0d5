"""pydantic's error messages in the project's own words, so a scenario author never reads the library's jargon.

Only the wordings that name pydantic's types ("instance of Channels", "Tuple should have at most
3 items after validation", "Field required") are rewritten; bounds and choices ("Input should be
greater than or equal to 0", "Input should be 'repair', 'replace' or 'refund'") already read well.
"""

from __future__ import annotations

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
}


def in_our_words(error: dict) -> str:
    """The message of one pydantic error (an item of ValidationError.errors()) as recoverysim says it."""
    template = MESSAGES.get(error["type"])
    if template is not None:
        try:
            return template.format(**error.get("ctx", {}))
        except (KeyError, IndexError):
            pass
    return error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
