"""Issue 14, the policy maker's items: one provenance, visible defaults, distinct fraud words, errors in our words."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from recoverysim.cli import main
from recoverysim.errors import ScenarioError
from recoverysim.scenario.load import file_json_schema, scenario_from_dict


def _boolean_fields(schema: dict) -> list[tuple[str, str]]:
    """(section, field) for every property the JSON Schema types as boolean."""
    found = []
    for section, definition in schema.get("$defs", {}).items():
        for name, prop in definition.get("properties", {}).items():
            if prop.get("type") == "boolean":
                found.append((section, name))
    return found


def test_schema_and_validator_agree_on_booleans():
    """`recoverysim schema` says boolean, so validate refuses 'yes', 'true' as text and 1, as a JSON Schema checker would."""
    printed = json.loads(CliRunner().invoke(main, ["schema"]).output)
    assert printed == file_json_schema()
    fields = _boolean_fields(printed)
    policy_switches = [name for section, name in fields if section == "Policy"]
    assert {"return_for_inspection", "single_case_owner", "escalation_watch"} <= set(policy_switches)
    for name in policy_switches:
        for written in ("yes", "true", 1):
            with pytest.raises(ScenarioError) as caught:
                scenario_from_dict({"policies": [{"name": "a", name: written}]})
            (problem,) = caught.value.problems
            assert problem.path == f"policies.0.{name}"
            assert problem.message == "expected true or false"
        assert getattr(scenario_from_dict({"policies": [{"name": "a", name: True}]}).policies[0], name) is True


def test_validate_refuses_yes_for_a_boolean(tmp_path):
    (tmp_path / "s.yaml").write_text("policies:\n  - name: a\n    escalation_watch: yes\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "s.yaml")])
    assert result.exit_code == 2
    assert f"{tmp_path / 's.yaml'}:3: policies.0.escalation_watch: expected true or false (got 'yes')" in result.output
