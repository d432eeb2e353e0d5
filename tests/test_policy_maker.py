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


# --- one provenance: params and the report say who set each value alike -----------------------------------------

PROVENANCE_SCENARIO = """\
name: tiny
horizon_days: 20
replications: 2
market:
  initial_customers: 40
  prospects: 20
money:
  agent_hour_eur: 30
policies:
  - name: trusting
    evidence: none
"""


def _params_source(output: str, path: str) -> str:
    rows = [line for line in output.splitlines() if line.startswith(path + " ")]
    assert len(rows) == 1, output
    return rows[0]


@pytest.fixture(scope="module")
def provenance_run(tmp_path_factory):
    """One real `run` with a --set, and `params` of the same file and --set."""
    folder = tmp_path_factory.mktemp("provenance")
    (folder / "s.yaml").write_text(PROVENANCE_SCENARIO)
    override = ("--set", "policies.trusting.goodwill_eur=5")
    runner = CliRunner()
    ran = runner.invoke(
        main,
        ["run", str(folder / "s.yaml"), "--out", str(folder / "out"), "--quiet", "--executor", "serial", *override],
    )
    assert ran.exit_code == 0, ran.output
    report = runner.invoke(main, ["report", str(folder / "out"), "-o", str(folder / "report.html")])
    assert report.exit_code == 0, report.output
    params = runner.invoke(main, ["params", str(folder / "s.yaml"), *override])
    changed = runner.invoke(main, ["params", str(folder / "s.yaml"), "--changed", *override])
    return ran.output, (folder / "report.html").read_text(encoding="utf-8"), params.output, changed.output


def _report_set_by(html: str, path: str) -> str:
    import re

    row = re.search(rf"<tr><td><code>{re.escape(path)}</code></td><td[^>]*>[^<]*</td><td>([^<]*)</td>", html)
    assert row, path
    return row.group(1)


@pytest.mark.parametrize(
    ("path", "who", "params_words"),
    [
        ("market.prospects", "scenario", "set by the scenario"),
        ("money.agent_hour_eur", "scenario", "set by the scenario"),  # written equal to its default: still the file's
        ("policies.trusting.goodwill_eur", "command line", "set on the command line"),
        ("money.unit_cost_eur", "default", None),
        ("channels.chat.staff", "default", None),  # the default chat desk's own default (1), not the generic 5
        ("market.segments.everyone.opportunist_share", "default", None),
        ("product.components.strap.failures_per_year", "default", None),
    ],
)
def test_params_and_report_agree_on_who_set_a_value(provenance_run, path, who, params_words):
    _, html, params, changed = provenance_run
    assert _report_set_by(html, path) == who
    row = _params_source(params, path)
    if params_words is None:
        assert "set by" not in row and "set on" not in row
        assert not any(line.startswith(path + " ") for line in changed.splitlines())
    else:
        assert params_words in row
        assert _params_source(changed, path).split() == row.split()
