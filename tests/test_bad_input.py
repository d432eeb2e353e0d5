"""The bad-input table: every bad scenario file or command line gives exit 2 and clear lines, never
a traceback.

Each case runs the real CLI. A clear message names the file (and line, where there
is one) or the `--set` option, then the dotted path of the field, then what is
wrong, then the offending value shortened: ``FILE:LINE: dotted.path: message (got VALUE)``.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from recoverysim.cli import main
from recoverysim.errors import ScenarioError
from recoverysim.scenario import fields, guards
from recoverysim.scenario.load import dump_yaml, load_scenario
from recoverysim.scenario.schema import Scenario

from conftest import TINY_SCENARIO

MAX_SHOWN_VALUE_CHARS = 100


def one_policy(line: str) -> str:
    """A scenario whose only policy has `line` as its field on line 5."""
    return f"name: tiny\nhorizon_days: 30\npolicies:\n  - name: trusting\n    {line}\n"


def nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def nested_aliases(levels: int) -> str:
    """One flow list whose each anchor lists the one before twice: 2**levels values once
    expanded."""
    items = ["&a0 [1, 1]"] + [f"&a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, levels)]
    return "[" + ", ".join(items) + "]"


LAUGHS = (
    "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10) if i else ', '.join(['1'] * 10)}]\n"
        for i in range(7)
    )
    + "policies:\n  - name: a\n"
)

COMPONENTS = "product:\n  components:\n    - name: device\n    - name: strap\n"

MERGE_BOMB = "".join(
    f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}\n" if i else "a0: &a0 {k: 1}\n" for i in range(26)
) + ("policies:\n  - name: a\n")
"""About 1 kB; a{i} holds 6 * 2**i - 3 values, so unguarded the parser builds 2**25 keys (minutes)
before anything checks."""
MERGE_CHAIN = "".join(
    f"a{i}: &a{i} {{<<: *a{i - 1}}}\n" if i else "a0: &a0 {k: 1}\n" for i in range(300)
) + ("policies:\n  - name: a\n")
"""Flat text, but each merge nests one level deeper in the parser's recursion: 300 levels once
expanded."""
PLAIN_MB = "policies:\n  - name: a\n" + "".join(f"key_{i}: {i}\n" for i in range(250_000))
MANY_VALUES = "policies:\n  - name: a\n" + "".join(f"key_{i}: {i}\n" for i in range(6_000))
MANY_ALIASES = "base: &b 1\nmany: [" + ", ".join(["*b"] * 1_001) + "]\npolicies:\n  - name: a\n"
LONG_POLICY_CHAIN = (
    "policies:\n"
    + "".join(f"  - name: p{i}\n    extends: p{i + 1}\n" for i in range(40))
    + "  - name: p40\n"
)
FILE_CHAIN = {f"f{i}.yaml": f"extends: f{i + 1}.yaml\n" for i in range(40)} | {
    "f40.yaml": "policies:\n  - name: a\n"
}
NAME_RULE_TEXT = "a name is 1 to 64 letters, digits, spaces or _ . + ( ) -"


@dataclass(frozen=True)
class Case:
    """One bad input: files to write (None makes a folder), the command line, and what the output
    must say."""

    id: str
    files: dict[str, str | bytes | None]
    args: tuple[str, ...] = ("validate", "s.yaml")
    expect: tuple[str, ...] = ()
    where: tuple[str, int, str] | None = (
        None  # (file, line, dotted path) that some output line starts with
    )


RUN = ("run", "s.yaml", "--out", "out", "--quiet", "--executor", "serial")

CASES = [
    # --- the file itself
    Case("missing_file", {}, ("validate", "nothere.yaml"), ("nothere.yaml: no such file",)),
    Case("directory", {"folder/": None}, ("validate", "folder"), ("folder: is a directory",)),
    Case(
        "not_utf8",
        {"s.yaml": b"name: tiny\ndescription: caf\xe9\npolicies:\n  - name: a\n"},
        expect=("is not UTF-8 text", "0xe9"),
        where=("s.yaml", 2, ""),
    ),
    Case("empty_file", {"s.yaml": ""}, expect=("s.yaml: file is empty",)),
    Case("only_comments", {"s.yaml": "# nothing here yet\n"}, expect=("s.yaml: file is empty",)),
    Case(
        "top_level_list",
        {"s.yaml": "- name: a\n- name: b\n"},
        expect=("top level must be a mapping", "not a list"),
        where=("s.yaml", 1, ""),
    ),
    Case(
        "top_level_scalar",
        {"s.yaml": "just some words\n"},
        expect=("top level must be a mapping", "not a str", "(got 'just some words')"),
        where=("s.yaml", 1, ""),
    ),
    # --- YAML syntax, reported with line and column
    Case(
        "yaml_bad_indent",
        {"s.yaml": "policies:\n  - name: a\n   evidence: none\n"},
        expect=("YAML error at column 4",),
        where=("s.yaml", 3, ""),
    ),
    Case(
        "yaml_unclosed_flow_list",
        {"s.yaml": "name: tiny\npolicies: [a, b\n"},
        expect=("YAML error at column 1", "expected ',' or ']'"),
        where=("s.yaml", 3, ""),
    ),
    Case(
        "yaml_tab_indent",
        {"s.yaml": "policies:\n\t- name: a\n"},
        expect=("YAML error at column 1", "'\\t'"),
        where=("s.yaml", 2, ""),
    ),
    Case(
        "yaml_two_documents",
        {"s.yaml": "name: a\n---\nname: b\n"},
        expect=("YAML error at column 1", "another document"),
        where=("s.yaml", 2, ""),
    ),
    Case(
        "yaml_duplicate_key",
        {"s.yaml": "seed: 1\nseed: 2\npolicies:\n  - name: a\n"},
        expect=('duplicate key "seed"',),
        where=("s.yaml", 2, ""),
    ),
    Case(
        "yaml_impossible_date",
        {"s.yaml": "description: 2001-02-30\npolicies:\n  - name: a\n"},
        expect=("s.yaml: cannot read a value", "day is out of range"),
    ),
    Case(
        "yaml_list_as_key",
        {"s.yaml": "? [a, b]\n: 3\npolicies:\n  - name: a\n"},
        expect=("Keys should be strings",),
        where=("s.yaml", 1, "('a', 'b')"),
    ),
    Case(
        "yaml_recursive_alias",
        {"s.yaml": "extra: &x [*x]\npolicies:\n  - name: a\n"},
        expect=("recursive alias",),
        where=("s.yaml", 1, "extra.0"),
    ),
    Case(
        "yaml_alias_bomb",
        {"s.yaml": LAUGHS},
        expect=("more than 10,000 values once YAML aliases are expanded",),
    ),
    # --- hostile input, refused before the YAML parser builds anything (scenario/guards.py)
    Case(
        "yaml_merge_key_bomb",
        {"s.yaml": MERGE_BOMB},
        expect=("s.yaml:11: more than 10,000 values once YAML aliases are expanded",),
    ),
    Case(
        "yaml_merge_chain_too_deep",
        {"s.yaml": MERGE_CHAIN},
        expect=("s.yaml:64: nesting deeper than 64 levels once YAML aliases are expanded",),
    ),
    Case(
        "yaml_nested_too_deep",
        {"s.yaml": "extra: " + nested(5000) + "\npolicies:\n  - name: a\n"},
        expect=("s.yaml:1: nesting deeper than 64 levels",),
    ),
    Case(
        "yaml_too_many_aliases",
        {"s.yaml": MANY_ALIASES},
        expect=("s.yaml:2: too many YAML aliases: more than 1000",),
    ),
    Case(
        "file_of_a_few_mb",
        {"s.yaml": PLAIN_MB},
        expect=(
            f"s.yaml: is too large: {len(PLAIN_MB):,} bytes, limit 1,000,000; a scenario is a "
            "few kB",
        ),
    ),
    Case(
        "too_many_values_without_aliases",
        {"s.yaml": MANY_VALUES},
        expect=("s.yaml:4999: more than 10,000 values; real files hold a few hundred",),
    ),  # the stream and 6 values on lines 1-2, then 2 a line: 10,001 at line 4,999
    Case(
        "set_value_alias_bomb",
        {"s.yaml": TINY_SCENARIO},
        ("validate", "s.yaml", "--set", "description=" + nested_aliases(20)),
        ("--set description=", "more than 10,000 values once YAML aliases are expanded"),
    ),
    Case(
        "yaml_python_tag_in_value",
        {"s.yaml": one_policy("description: !!python/object/apply:os.system ['touch pwned']")},
        expect=("could not determine a constructor", "python/object/apply:os.system"),
        where=("s.yaml", 5, ""),
    ),
    Case(
        "yaml_python_tag_at_top",
        {"s.yaml": "!!python/object/apply:os.system ['touch pwned']\n"},
        expect=("could not determine a constructor",),
        where=("s.yaml", 1, ""),
    ),
    # --- types and ranges
    Case(
        "wrong_type_int",
        {"s.yaml": "name: tiny\nhorizon_days: abc\npolicies:\n  - name: a\n"},
        expect=("must be a whole number", "(got 'abc')"),
        where=("s.yaml", 2, "horizon_days"),
    ),
    Case(
        "wrong_type_bool",
        {"s.yaml": one_policy("return_for_inspection: sometimes")},
        expect=("expected true or false", "(got 'sometimes')"),
        where=("s.yaml", 5, "policies.0.return_for_inspection"),
    ),
    Case(
        "section_is_a_number",
        {"s.yaml": "channels: 5\npolicies:\n  - name: a\n"},
        expect=("must be a section of keys and values", "(got 5)"),
        where=("s.yaml", 1, "channels"),
    ),
    Case(
        "bool_written_yes",
        {"s.yaml": one_policy("single_case_owner: yes")},
        expect=("expected true or false", "(got 'yes')"),
        where=("s.yaml", 5, "policies.0.single_case_owner"),
    ),
    Case(
        "bool_written_one",
        {"s.yaml": one_policy("escalation_watch: 1")},
        expect=("expected true or false", "(got 1)"),
        where=("s.yaml", 5, "policies.0.escalation_watch"),
    ),
    Case(
        "list_written_as_mapping",
        {"s.yaml": one_policy("excluded_components: {strap: 1}")},
        expect=("must be a list", "(got {'strap': 1})"),
        where=("s.yaml", 5, "policies.0.excluded_components"),
    ),
    Case(
        "whatif_too_many_levers",
        {
            "s.yaml": TINY_SCENARIO
            + "whatif:\n  levers:\n"
            + "".join(f"    - path: seed{i}\n      values: [1, 2]\n" for i in range(4))
        },
        expect=("has 4 items; at most 3 are allowed",),
        where=("s.yaml", len(TINY_SCENARIO.splitlines()) + 2, "whatif.levers"),
    ),
    Case(
        "unknown_channel_as_a_key",
        {"s.yaml": one_policy("channel_staff: {fax: 2}")},
        expect=("as a key, must be 'chat', 'phone', 'email' or 'store'", "(got 'fax')"),
        where=("s.yaml", 5, "policies.0.channel_staff.fax"),
    ),
    Case(
        "literal_not_allowed",
        {"s.yaml": one_policy("remedy: apology")},
        expect=("'repair', 'replace' or 'refund'", "(got 'apology')"),
        where=("s.yaml", 5, "policies.0.remedy"),
    ),
    Case(
        "nan",
        {"s.yaml": one_policy("goodwill_eur: .nan")},
        expect=("finite number", "(got nan)"),
        where=("s.yaml", 5, "policies.0.goodwill_eur"),
    ),
    Case(
        "minus_infinity",
        {"s.yaml": one_policy("shipping_days: -.inf")},
        expect=("finite number", "(got -inf)"),
        where=("s.yaml", 5, "policies.0.shipping_days"),
    ),
    Case(
        "float_1e400",
        {"s.yaml": one_policy("goodwill_eur: 1e400")},
        expect=("finite number", "(got inf)"),
        where=("s.yaml", 5, "policies.0.goodwill_eur"),
    ),
    Case(
        "int_10_pow_100",
        {"s.yaml": f"name: tiny\nhorizon_days: {10**100}\npolicies:\n  - name: a\n"},
        expect=("must be <= 36500", "..."),
        where=("s.yaml", 2, "horizon_days"),
    ),
    Case(
        "int_with_5000_digits",
        {"s.yaml": f"name: tiny\nseed: {'7' * 5000}\npolicies:\n  - name: a\n"},
        expect=("a number has more than",),
        where=("s.yaml", 2, ""),
    ),
    Case(
        "negative_duration",
        {"s.yaml": one_policy("repair_turnaround_days: -2")},
        expect=("must be >= 0", "(got -2)"),
        where=("s.yaml", 5, "policies.0.repair_turnaround_days"),
    ),
    Case(
        "probability_above_one",
        {"s.yaml": one_policy("first_contact_resolution_probability: 1.5")},
        expect=("must be <= 1", "(got 1.5)"),
        where=("s.yaml", 5, "policies.0.first_contact_resolution_probability"),
    ),
    Case(
        "segment_shares_not_one",
        {
            "s.yaml": "market:\n  segments:\n    - name: a\n      share: 0.5\n"
            "    - name: b\n      share: 0.3\npolicies:\n  - name: a\n"
        },
        expect=("segment shares must sum to 1", "0.8"),
        where=("s.yaml", 1, "market"),
    ),
    Case(
        "closes_before_opens",
        {
            "s.yaml": "channels:\n  phone:\n    opens_hour: 10\n    closes_hour: 9\n"
            "policies:\n  - name: a\n"
        },
        expect=("closes_hour must be after opens_hour",),
        where=("s.yaml", 2, "channels.phone"),
    ),
    Case(
        "wrong_schema_version",
        {"s.yaml": "schema_version: 2\npolicies:\n  - name: a\n"},
        expect=("(got 2)",),
        where=("s.yaml", 1, "schema_version"),
    ),
    Case(
        "no_policies",
        {"s.yaml": "name: tiny\n"},
        expect=("is required but not written",),
        where=("s.yaml", 1, "policies"),
    ),
    Case(
        "empty_policy_list",
        {"s.yaml": "policies: []\n"},
        expect=("has 0 items; at least 1 are needed",),
        where=("s.yaml", 1, "policies"),
    ),
    Case(
        "policy_without_name",
        {"s.yaml": "policies:\n  - evidence: none\n"},
        expect=("is required but not written",),
        where=("s.yaml", 2, "policies.0.name"),
    ),
    Case(
        "duplicate_policy_names",
        {"s.yaml": "policies:\n  - name: a\n  - name: b\n  - name: a\n"},
        expect=("policies.0 has this name too", "(got 'a')"),
        where=("s.yaml", 4, "policies.2.name"),
    ),
    Case(
        "excluded_component_unknown",
        {
            "s.yaml": COMPONENTS
            + "policies:\n  - name: a\n  - name: b\n    excluded_components:\n"
            + "      - strap\n      - battery\n"
        },
        expect=("no component of this name; components are device, strap", "(got 'battery')"),
        where=("s.yaml", 10, "policies.1.excluded_components.1"),
    ),
    # --- names: a documented pattern (scenario/fields.py), so no empty rows in summary.csv and no
    # paths
    Case(
        "policy_name_empty",
        {"s.yaml": "policies:\n  - name: ''\n"},
        expect=(NAME_RULE_TEXT, "(got '')"),
        where=("s.yaml", 2, "policies.0.name"),
    ),
    Case(
        "policy_name_blanks",
        {"s.yaml": "policies:\n  - name: '   '\n"},
        expect=(NAME_RULE_TEXT, "(got '   ')"),
        where=("s.yaml", 2, "policies.0.name"),
    ),
    Case(
        "policy_name_control_character",
        {"s.yaml": 'policies:\n  - name: "a\\x07b"\n'},
        expect=(NAME_RULE_TEXT, "(got 'a\\x07b')"),
        where=("s.yaml", 2, "policies.0.name"),
    ),
    Case(
        "policy_name_10000_characters",
        {"s.yaml": "policies:\n  - name: " + "n" * 10_000 + "\n"},
        expect=(NAME_RULE_TEXT, "(got 'nnnn"),
        where=("s.yaml", 2, "policies.0.name"),
    ),
    Case(
        "policy_name_a_path",
        {"s.yaml": "policies:\n  - name: ../../x\n"},
        expect=(NAME_RULE_TEXT, "(got '../../x')"),
        where=("s.yaml", 2, "policies.0.name"),
    ),
    Case(
        "policy_name_with_slash",
        {"s.yaml": "policies:\n  - name: a/b\n"},
        expect=(NAME_RULE_TEXT,),
        where=("s.yaml", 2, "policies.0.name"),
    ),
    Case(
        "scenario_name_a_path",
        {"s.yaml": "name: ../x\npolicies:\n  - name: a\n"},
        expect=("a scenario name is 1 to 100 letters", "(got '../x')"),
        where=("s.yaml", 1, "name"),
    ),
    Case(
        "segment_name_empty",
        {
            "s.yaml": "market:\n  segments:\n    - name: ''\n      share: 1\n"
            "policies:\n  - name: a\n"
        },
        expect=(NAME_RULE_TEXT,),
        where=("s.yaml", 3, "market.segments.0.name"),
    ),
    Case(
        "component_name_a_path",
        {"s.yaml": "product:\n  components:\n    - name: ../x\npolicies:\n  - name: a\n"},
        expect=(NAME_RULE_TEXT,),
        where=("s.yaml", 3, "product.components.0.name"),
    ),
    # --- unknown keys, with a suggestion
    Case(
        "unknown_key_did_you_mean",
        {"s.yaml": one_policy("goodwil_eur: 3")},
        expect=("unknown key; did you mean 'goodwill_eur'?",),
        where=("s.yaml", 5, "policies.0.goodwil_eur"),
    ),
    Case(
        "unknown_section_did_you_mean",
        {"s.yaml": "chanels:\n  phone:\n    staff: 3\npolicies:\n  - name: a\n"},
        expect=("did you mean 'channels'?",),
        where=("s.yaml", 1, "chanels"),
    ),
    Case(
        "unknown_nested_key_did_you_mean",
        {"s.yaml": "channels:\n  phone:\n    staf: 3\npolicies:\n  - name: a\n"},
        expect=("did you mean 'staff'?",),
        where=("s.yaml", 3, "channels.phone.staf"),
    ),
    Case(
        "unknown_key_lists_allowed",
        {"s.yaml": "channels:\n  fax:\n    staff: 1\npolicies:\n  - name: a\n"},
        expect=("allowed keys are chat, phone, email, store",),
        where=("s.yaml", 2, "channels.fax"),
    ),
    # --- extends
    Case(
        "policy_extends_missing",
        {"s.yaml": "policies:\n  - name: a\n  - name: b\n    extends: zz\n"},
        expect=("no policy named 'zz' to extend; policies are a, b",),
        where=("s.yaml", 4, "policies.1.extends"),
    ),
    Case(
        "policy_extends_cycle",
        {"s.yaml": "policies:\n  - name: a\n    extends: b\n  - name: b\n    extends: a\n"},
        expect=("extends cycle: a -> b -> a",),
        where=("s.yaml", 5, "policies.1.extends"),
    ),
    Case(
        "policy_extends_itself",
        {"s.yaml": "policies:\n  - name: a\n    extends: a\n"},
        expect=("extends cycle: a -> a",),
        where=("s.yaml", 3, "policies.0.extends"),
    ),
    Case(
        "policy_extends_not_a_name",
        {"s.yaml": "policies:\n  - name: a\n  - name: b\n    extends: [a]\n"},
        expect=("must be the name of another policy",),
        where=("s.yaml", 4, "policies.1.extends"),
    ),
    Case(
        "policy_extends_inherits_bad_value",
        {
            "s.yaml": "policies:\n  - name: a\n    goodwill_eur: -5\n"
            "  - name: b\n    extends: a\n    shipping_days: -1\n"
        },
        expect=("s.yaml:3: policies.0.goodwill_eur", "s.yaml:3: policies.1.goodwill_eur"),
        where=("s.yaml", 6, "policies.1.shipping_days"),
    ),
    Case(
        "scenario_extends_missing_file",
        {"s.yaml": "extends: nothere.yaml\npolicies:\n  - name: a\n"},
        expect=("base scenario file not found: nothere.yaml",),
        where=("s.yaml", 1, "extends"),
    ),
    Case(
        "scenario_extends_cycle",
        {
            "s.yaml": "extends: b.yaml\npolicies:\n  - name: a\n",
            "b.yaml": "seed: 3\nextends: s.yaml\n",
        },
        expect=("extends cycle: s.yaml -> b.yaml -> s.yaml",),
        where=("b.yaml", 2, "extends"),
    ),
    Case(
        "scenario_extends_itself",
        {"s.yaml": "extends: s.yaml\npolicies:\n  - name: a\n"},
        expect=("extends cycle",),
        where=("s.yaml", 1, "extends"),
    ),
    Case(
        "scenario_extends_a_folder",
        {"s.yaml": "extends: folder\npolicies:\n  - name: a\n", "folder/": None},
        expect=("base scenario is not a file",),
        where=("s.yaml", 1, "extends"),
    ),
    Case(
        "error_in_base_file",
        {
            "base.yaml": "name: base\n\nseed: -4\n",
            "s.yaml": "extends: base.yaml\npolicies:\n  - name: a\n",
        },
        expect=("must be >= 0", "(got -4)"),
        where=("base.yaml", 3, "seed"),
    ),
    Case(
        "policy_extends_chain_too_long",
        {"s.yaml": LONG_POLICY_CHAIN},
        expect=(
            "extends chain longer than 32 links: p0 -> p1 -> p2 -> ... -> p31 -> p32 -> p33 (got "
            "'p33')",
        ),
        where=("s.yaml", 67, "policies.32.extends"),
    ),
    Case(
        "scenario_extends_chain_too_long",
        {**FILE_CHAIN, "s.yaml": "extends: f0.yaml\n"},
        expect=(
            "extends chain longer than 32 files: s.yaml -> f0.yaml -> f1.yaml -> ... -> f30.yaml "
            "-> f31.yaml -> f32.yaml",
        ),
        where=("f31.yaml", 1, "extends"),
    ),
    Case(
        "syntax_error_in_base_file",
        {
            "base.yaml": "name: base\nseed: [1\n",
            "s.yaml": "extends: base.yaml\npolicies:\n  - name: a\n",
        },
        expect=("YAML error",),
        where=("base.yaml", 3, ""),
    ),
    # --- --set
    Case(
        "set_without_equals",
        {"s.yaml": TINY_SCENARIO},
        ("validate", "s.yaml", "--set", "seed"),
        ("--set seed: must look like dotted.path=value",),
    ),
    Case(
        "set_empty_path_part",
        {"s.yaml": TINY_SCENARIO},
        ("validate", "s.yaml", "--set", "channels..staff=3"),
        ("--set channels..staff=3: must look like dotted.path=value",),
    ),
    Case(
        "set_unknown_path",
        {"s.yaml": TINY_SCENARIO},
        ("validate", "s.yaml", "--set", "chanels.phone.staff=3"),
        ("--set chanels.phone.staff=3: chanels: unknown key; did you mean 'channels'?",),
    ),
    Case(
        "set_bad_value",
        {"s.yaml": TINY_SCENARIO},
        ("validate", "s.yaml", "--set", "channels.phone.staff=-3"),
        ("--set channels.phone.staff=-3: channels.phone.staff: must be >= 0 (got -3)",),
    ),
    Case(
        "set_item_name_not_found",
        {"s.yaml": TINY_SCENARIO},
        ("validate", "s.yaml", "--set", "policies.careful.goodwill_eur=3"),
        (
            "--set policies.careful.goodwill_eur=3: policies.careful: no item named or numbered "
            "'careful'; names are trusting, suspicious",
        ),
    ),
    Case(
        "set_index_out_of_range",
        {"s.yaml": TINY_SCENARIO},
        ("validate", "s.yaml", "--set", "policies.7.goodwill_eur=3"),
        ("policies.7: no item named or numbered '7'",),
    ),
    Case(
        "set_into_a_number",
        {"s.yaml": TINY_SCENARIO},
        ("validate", "s.yaml", "--set", "horizon_days.first=3"),
        ("--set horizon_days.first=3: horizon_days: is not a section", "(got 30)"),
    ),
    Case(
        "set_item_of_unwritten_list",
        {"s.yaml": TINY_SCENARIO},
        ("validate", "s.yaml", "--set", "market.segments.3.share=1"),
        ("market.segments.3: no item named or numbered '3'", "names are everyone"),
    ),
    Case(
        "set_on_show",
        {"s.yaml": TINY_SCENARIO},
        ("show", "s.yaml", "--set", "policies.suspicious.inspection.sensitivity=1.2"),
        (
            "--set policies.suspicious.inspection.sensitivity=1.2: "
            "policies.1.inspection.sensitivity: must be <= 1 (got 1.2)",
        ),
    ),
    Case(
        "set_on_run",
        {"s.yaml": TINY_SCENARIO},
        (*RUN, "--set", "policies.trusting.evidence=maybe"),
        ("--set policies.trusting.evidence=maybe: policies.0.evidence", "(got 'maybe')"),
    ),
    # --- values shown short, never whole
    Case(
        "deeply_nested_value",
        {"s.yaml": one_policy("goodwill_eur: " + nested(60))},
        expect=("must be a number", "(got [[[...]]])"),
        where=("s.yaml", 5, "policies.0.goodwill_eur"),
    ),
    Case(
        "very_long_value",
        {"s.yaml": one_policy("evidence: " + "x" * 5000)},
        expect=("(got 'xxxx", "x...x"),
        where=("s.yaml", 5, "policies.0.evidence"),
    ),
    Case(
        "big_mapping_value",
        {
            "s.yaml": one_policy(
                "evidence: {" + ", ".join(f"key_number_{i}: {'v' * 50}" for i in range(300)) + "}"
            )
        },
        expect=("(got {",),
        where=("s.yaml", 5, "policies.0.evidence"),
    ),
    Case(
        "long_list_value",
        {
            "s.yaml": one_policy(
                "excluded_components: [" + ", ".join(str(i) for i in range(2000)) + "]"
            )
        },
        expect=("must be text",),
        where=("s.yaml", 5, "policies.0.excluded_components.0"),
    ),
    # --- other commands and options
    Case(
        "unknown_policy_on_command_line",
        {"s.yaml": TINY_SCENARIO},
        (*RUN, "--policy", "nope"),
        ("unknown policy 'nope'", "trusting, suspicious"),
    ),
    Case(
        "run_bad_file",
        {"s.yaml": one_policy("goodwill_eur: lots")},
        RUN,
        ("must be a number", "(got 'lots')"),
        where=("s.yaml", 5, "policies.0.goodwill_eur"),
    ),
    Case("run_missing_file", {}, ("run", "gone.yaml", "--quiet"), ("gone.yaml: no such file",)),
    Case(
        "show_bad_file",
        {"s.yaml": "seed: -1\npolicies:\n  - name: a\n"},
        ("show", "s.yaml"),
        ("must be >= 0",),
        where=("s.yaml", 1, "seed"),
    ),
    Case("show_missing_file", {}, ("show", "gone.yaml"), ("gone.yaml: no such file",)),
    *[
        Case(
            f"empty_out_on_{args[0]}",
            {"s.yaml": TINY_SCENARIO, "folder/": None},
            args,
            (f"error: {args[-2]} is empty; give a path",),
        )
        for args in [
            ("run", "s.yaml", "--out", ""),
            ("sweep", "s.yaml", "--out", ""),
            ("breakeven", "s.yaml", "--out", ""),
            ("decompose", "s.yaml", "--out", ""),
            ("calibrate", "s.yaml", "--out", ""),
            ("plot", "folder", "--out", ""),
            ("report", "folder", "--output", ""),
            ("whatif", "s.yaml", "--output", ""),
        ]
    ],
    Case(
        "validate_good_and_bad",
        {
            "good.yaml": TINY_SCENARIO,
            "s.yaml": "seed: -1\npolicies:\n  - name: a\n    goodwill_eur: -2\n",
        },
        ("validate", "good.yaml", "s.yaml"),
        ("OK good.yaml", "s.yaml:4: policies.0.goodwill_eur"),
        where=("s.yaml", 1, "seed"),
    ),
]


def write_files(files: dict[str, str | bytes | None]) -> None:
    for name, content in files.items():
        path = Path(name)
        if content is None:
            path.mkdir(parents=True, exist_ok=True)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def assert_clear(output: str) -> None:
    """No traceback, and every value shown is shortened."""
    assert "Traceback" not in output
    for line in output.splitlines():
        got = re.search(r"\(got (.*)\)$", line)
        if got:
            assert len(got.group(1)) < MAX_SHOWN_VALUE_CHARS, line


README = Path(__file__).resolve().parent.parent / "README.md"
LIMITS = {  # each guard of scenario/guards.py, and what a case refused by it must say
    "MAX_SCENARIO_BYTES": "limit {:,}",
    "MAX_YAML_DEPTH": "nesting deeper than {} levels",
    "MAX_YAML_ALIASES": "too many YAML aliases: more than {}",
    "MAX_YAML_VALUES": "more than {:,} values",
    "MAX_EXTENDS_DEPTH": "extends chain longer than {} links",
}


def test_the_table_is_large_and_distinct():
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)
    assert len({(tuple(sorted(case.files.items(), key=str)), case.args) for case in CASES}) == len(
        CASES
    )


def test_every_input_limit_has_a_case_and_is_in_the_readme():
    """The table against the library's guards and the README: a limit changed in one place only
    fails here."""
    expected = " ".join(text for case in CASES for text in case.expect)
    section = README.read_text(encoding="utf-8").split("## Input limits", 1)[1].split("\n## ", 1)[0]
    for name, template in LIMITS.items():
        value = getattr(guards, name)
        assert template.format(value) in expected, f"no case of the table is refused by {name}"
        assert f"{value:,}" in section, f"README's Input limits do not state {name} = {value:,}"
    assert NAME_RULE_TEXT in fields.NAME_RULE and "64" in section and "--out" in section


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_exits_2_with_a_clear_message(case: Case, in_tmp: Path, cli):
    write_files(case.files)
    result = cli(*case.args)
    output = result.output
    assert result.exit_code == 2, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert_clear(output)
    for text in case.expect:
        assert text in output, f"{text!r} not in:\n{output}"
    if case.where is not None:
        file, line, path = case.where
        prefix = f"{file}:{line}: {path}: " if path else f"{file}:{line}: "
        assert any(row.startswith(prefix) for row in output.splitlines()), (
            f"no line starts with {prefix!r}:\n{output}"
        )
    assert not Path("pwned").exists(), "a YAML tag ran code"


def test_set_errors_name_the_option_not_the_file(in_tmp: Path, cli):
    write_files({"s.yaml": TINY_SCENARIO})
    result = cli(
        "validate",
        "s.yaml",
        "--set",
        "chanels.phone.staff=3",
        "--set",
        "policies.trusting.goodwill_eur=-1",
    )
    assert result.exit_code == 2
    rows = result.output.splitlines()
    assert sorted(rows) == [
        "--set chanels.phone.staff=3: chanels: unknown key; did you mean 'channels'?",
        "--set policies.trusting.goodwill_eur=-1: policies.0.goodwill_eur: must be >= 0 (got -1)",
    ]


def test_the_full_format_file_line_path_message_value(in_tmp: Path, cli):
    write_files({"s.yaml": one_policy("goodwill_eur: -3")})
    result = cli("validate", "s.yaml")
    assert result.output.splitlines() == [
        "s.yaml:5: policies.0.goodwill_eur: must be >= 0 (got -3)"
    ]


@pytest.mark.parametrize(
    "args, files, expect",
    [
        (
            ("validate", "s.yaml"),
            {"s.yaml": "policies:\n  - name: a\n   evidence: none\n"},
            "s.yaml:3: YAML error at column 4",
        ),
        (
            (
                "run",
                "s.yaml",
                "--policy",
                "nope",
                "--out",
                "out",
                "--quiet",
                "--executor",
                "serial",
            ),
            {"s.yaml": TINY_SCENARIO},
            "unknown policy 'nope'",
        ),
    ],
    ids=["malformed_yaml", "unknown_policy"],
)
def test_real_process_exits_2_without_traceback(args, files, expect, in_tmp: Path):
    """The console entry point in its own process: real exit code, real stderr."""
    write_files(files)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from recoverysim.cli import main; sys.exit(main())",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert expect in done.stderr + done.stdout


# --- random mutations of a valid scenario --------------------------------------------------------

VALID = {
    "schema_version": 1,
    "name": "mutant",
    "horizon_days": 60,
    "seed": 5,
    "replications": 2,
    "market": {
        "initial_customers": 100,
        "prospects": 100,
        "segments": [
            {"name": "careful", "share": 0.7, "opportunist_share": 0.02},
            {
                "name": "bold",
                "share": 0.3,
                "opportunist_share": 0.2,
                "chat_share": 0.5,
                "phone_share": 0.2,
                "email_share": 0.2,
                "store_share": 0.1,
            },
        ],
    },
    "product": {
        "components": [{"name": "device", "failures_per_year": 0.05}, {"name": "strap"}],
        "warranty_days": 365,
    },
    "channels": {
        "phone": {"staff": 3, "opens_hour": 8, "closes_hour": 18},
        "email": {"patience_minutes_mean": None},
    },
    "behaviour": {
        "distributive_weight": 0.5,
        "interactional_weight": 0.3,
        "procedural_weight": 0.2,
    },
    "word_of_mouth": {"told_when_dissatisfied_mean": 6},
    "money": {"price_eur": 150},
    "policies": [
        {
            "name": "trusting",
            "evidence": "none",
            "remedy": "replace",
            "goodwill_eur": 10,
            "status_update_every_days": 2,
        },
        {
            "name": "suspicious",
            "extends": "trusting",
            "evidence": "photo_and_receipt",
            "return_for_inspection": True,
            "excluded_components": ["strap"],
            "inspection": {"technicians": 2, "sensitivity": 0.7},
        },
    ],
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.integers(),
    st.just(10**100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "no", "on", "strap", "trusting", "none", "1e400", ".nan"]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def paths_in(data: object, prefix: tuple = ()) -> list[tuple]:
    """Every key or item path inside `data`, in a stable order."""
    found: list[tuple] = []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        found.append(prefix + (key,))
        found.extend(paths_in(value, prefix + (key,)))
    return found


def typo(key: object) -> st.SearchStrategy:
    text = str(key)
    return st.integers(0, max(len(text) - 1, 0)).map(lambda i: text[:i] + text[i + 1 :])


@st.composite
def mutated_scenarios(draw) -> str:
    """YAML text of VALID after one to three random mutations (and sometimes a line removed)."""
    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        paths = paths_in(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        operation = draw(st.sampled_from(["delete", "replace", "rename", "add", "drop_section"]))
        if operation == "delete":
            del parent[key]
        elif operation == "replace":
            parent[key] = draw(values)
        elif operation == "rename" and isinstance(parent, dict):
            parent[draw(typo(key) | st.text(max_size=10))] = parent.pop(key)
        elif operation == "add":
            target = (
                parent[key]
                if isinstance(parent[key], dict)
                else parent
                if isinstance(parent, dict)
                else data
            )
            target[draw(st.text(min_size=1, max_size=10))] = draw(values)
        elif operation == "drop_section" and data:
            del data[draw(st.sampled_from(sorted(data)))]
    stream = StringIO()
    dump_yaml(data, stream)
    text = stream.getvalue()
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:
        lines = text.splitlines(keepends=True)
        del lines[draw(st.integers(0, len(lines) - 1))]
        text = "".join(lines)
    return text


@settings(
    max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated_scenarios())
def test_mutations_validate_or_fail_cleanly(text: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutant.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            assert error.problems
            for problem in error.problems:
                assert problem.source == str(path), str(problem)
                assert problem.message
                assert problem.got is None or len(problem.got) < MAX_SHOWN_VALUE_CHARS
        else:  # what validated is what the file says, read again with a plain YAML reader
            written = YAML(typ="safe", pure=True).load(text)
            assert [policy.name for policy in scenario.policies] == [
                policy["name"] for policy in written["policies"]
            ]
            for field in ("name", "horizon_days", "seed", "replications"):
                assert getattr(scenario, field) == written.get(
                    field, Scenario.model_fields[field].default
                ), field


@settings(
    max_examples=12, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated_scenarios())
def test_mutations_through_the_cli(text: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutant.yaml"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert_clear(result.output)
    if result.exit_code == 0:
        assert result.output == f"OK {path}\n"
    else:
        assert all(row.startswith(f"{path}:") for row in result.output.splitlines()), result.output
