"""Issue 14, the policy maker's items: one provenance, visible defaults, distinct fraud words,
errors in our words."""

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
    """`recoverysim schema` says boolean, so validate refuses 'yes', 'true' as text and 1, as a JSON
    Schema checker would."""
    printed = json.loads(CliRunner().invoke(main, ["schema"]).output)
    assert printed == file_json_schema()
    fields = _boolean_fields(printed)
    policy_switches = [name for section, name in fields if section == "Policy"]
    assert {"return_for_inspection", "single_case_owner", "escalation_watch"} <= set(
        policy_switches
    )
    for name in policy_switches:
        for written in ("yes", "true", 1):
            with pytest.raises(ScenarioError) as caught:
                scenario_from_dict({"policies": [{"name": "a", name: written}]})
            (problem,) = caught.value.problems
            assert problem.path == f"policies.0.{name}"
            assert problem.message == "expected true or false"
        assert (
            getattr(scenario_from_dict({"policies": [{"name": "a", name: True}]}).policies[0], name)
            is True
        )


def test_validate_refuses_yes_for_a_boolean(tmp_path):
    (tmp_path / "s.yaml").write_text("policies:\n  - name: a\n    escalation_watch: yes\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "s.yaml")])
    assert result.exit_code == 2
    assert (
        f"{tmp_path / 's.yaml'}:3: policies.0.escalation_watch: expected true or false (got 'yes')"
        in result.output
    )


# --- one provenance: params and the report say who set each value alike
# -----------------------------------------

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
        [
            "run",
            str(folder / "s.yaml"),
            "--out",
            str(folder / "out"),
            "--quiet",
            "--executor",
            "serial",
            *override,
        ],
    )
    assert ran.exit_code == 0, ran.output
    report = runner.invoke(main, ["report", str(folder / "out"), "-o", str(folder / "report.html")])
    assert report.exit_code == 0, report.output
    params = runner.invoke(main, ["params", str(folder / "s.yaml"), *override])
    changed = runner.invoke(main, ["params", str(folder / "s.yaml"), "--changed", *override])
    return (
        ran.output,
        (folder / "report.html").read_text(encoding="utf-8"),
        params.output,
        changed.output,
    )


def _report_set_by(html: str, path: str) -> str:
    import re

    row = re.search(
        rf"<tr><td><code>{re.escape(path)}</code></td><td[^>]*>[^<]*</td><td>([^<]*)</td>", html
    )
    assert row, path
    return row.group(1)


@pytest.mark.parametrize(
    ("path", "who", "params_words"),
    [
        ("market.prospects", "scenario", "set by the scenario"),
        (
            "money.agent_hour_eur",
            "scenario",
            "set by the scenario",
        ),  # written equal to its default: still the file's
        ("policies.trusting.goodwill_eur", "command line", "set on the command line"),
        ("money.unit_cost_eur", "default", None),
        (
            "channels.chat.staff",
            "default",
            None,
        ),  # the default chat desk's own default (1), not the generic 5
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


# --- defaults that carry cost or change the question are said before simulating
# ----------------------------------


def test_run_says_the_defaults_the_file_did_not_write_before_simulating(provenance_run):
    output = provenance_run[0]
    notice = output[: output.index("figure")]  # before the comparison table
    assert "defaults the file did not write" in notice
    assert "product.components: device (0.03 failures/year), strap (0.01 failures/year)" in notice
    assert "market.segments: everyone: opportunists among customers 5 %" in notice
    assert (
        "channels not written, yet staffed and paid 30 EUR per agent hour, since claims start "
        "there: " in notice
    )
    assert "; store staffed 1 (10-18 h), store_share up to 10 %;" in notice
    assert "agent_hour_eur" not in notice  # the file wrote it (equal to the default, but written)
    assert "unit_cost_eur 120" in notice
    assert "inspection_eur" not in notice  # no policy inspects: that default costs nothing here


def _notice(tmp_path, text: str) -> list[str]:
    from recoverysim.scenario.load import load_with_provenance
    from recoverysim.scenario.unwritten import unwritten_defaults

    (tmp_path / "s.yaml").write_text(text)
    loaded = load_with_provenance(tmp_path / "s.yaml")
    return unwritten_defaults(loaded.scenario, loaded.written)


WRITTEN_WORLD = """\
product:
  components:
    - name: device
market:
  segments:
    - name: everyone
      share: 1
      chat_share: 0.5
      phone_share: 0.5
      email_share: 0
      store_share: 0
channels:
  chat: {staff: 2}
  phone: {staff: 3}
money: {price_eur: 200, unit_cost_eur: 120, repair_cost_eur: 40, shipping_eur: 10,
        agent_hour_eur: 30}
policies:
  - name: a
"""


def test_a_file_that_writes_its_world_gets_no_notice_and_unused_channels_are_not_staffed(tmp_path):
    from recoverysim.model.desks import staffed_channels
    from recoverysim.scenario.load import load_scenario

    assert _notice(tmp_path, WRITTEN_WORLD) == []
    scenario = load_scenario(tmp_path / "s.yaml")
    staff = {
        name: channel.staff for name, channel in staffed_channels(scenario, scenario.policies[0])
    }
    assert staff == {
        "chat": 2,
        "phone": 3,
        "email": 0,
        "store": 0,
    }  # dropped by the mix: neither staffed nor paid


def test_a_channel_left_out_but_in_the_mix_is_said(tmp_path):
    lines = _notice(
        tmp_path,
        WRITTEN_WORLD.replace("store_share: 0", "store_share: 0.2").replace(
            "chat_share: 0.5", "chat_share: 0.3"
        ),
    )
    expected = (
        "channels.store: not written, yet staffed 1 (10-18 h) and paid 30 EUR per agent hour, "
        "since claims start there (store_share up to 20 %); write channels.store to choose, or "
        "set store_share 0 in every segment to drop it"
    )
    assert lines == [expected]


def test_a_default_staff_count_and_an_inspection_bench_are_said(tmp_path):
    text = WRITTEN_WORLD.replace("  phone: {staff: 3}\n", "  phone: {opens_hour: 9}\n").replace(
        "  - name: a\n",
        "  - name: a\n    return_for_inspection: true\n    channel_staff: {chat: 4}\n",
    )
    lines = _notice(tmp_path, text)
    assert "channels.phone.staff: 2 agents (the default), paid 30 EUR per hour" in lines
    assert not any(line.startswith("channels.chat") for line in lines)
    assert (
        "policies.a.inspection.technicians: 'auto' (the default), paid 30 EUR per technician hour"
        in lines
    )
    assert (
        "money (EUR): inspection_eur 25, technician_hour_eur 30; write money.<field> to choose"
        in lines
    )


# --- "8 % fraud" means two things: the words keep them apart
# ------------------------------------------------------


def test_params_report_and_whatif_name_the_two_fraud_shares_apart(provenance_run):
    from recoverysim.views.whatif import DEFAULT_WHATIF, PAGE_FIGURES

    _, html, params, _ = provenance_run
    row = _params_source(params, "market.segments.everyone.opportunist_share")
    assert "opportunists among customers" in row
    assert "(opportunists among customers 5 %)" in html
    assert "<code>fraud_share</code> is the fraudulent share of claims" in html
    labels = {figure: label for figure, label, _ in PAGE_FIGURES}
    assert labels["fraud_share"] == "Fraudulent share of claims"
    lever = next(
        lever for lever in DEFAULT_WHATIF.levers if lever.path.endswith("opportunist_share")
    )
    assert lever.label.startswith("Opportunists among customers")


def test_the_documents_name_the_two_fraud_shares_apart():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    model = (root / "docs" / "model.md").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "**opportunists among customers**" in model and "**fraudulent share of claims**" in model
    fraud_row = next(line for line in readme.splitlines() if line.startswith("| `fraud_share` |"))
    assert "fraudulent share of claims" in fraud_row and "opportunists among customers" in fraud_row


def test_whatif_says_when_it_uses_the_default_levers(tmp_path):
    (tmp_path / "s.yaml").write_text(PROVENANCE_SCENARIO)
    result = CliRunner().invoke(
        main,
        [
            "whatif",
            str(tmp_path / "s.yaml"),
            "-o",
            str(tmp_path / "w.html"),
            "--replications",
            "1",
            "--workers",
            "1",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "whatif: the file has no whatif section, so the page uses the default levers "
        "(Opportunists among customers"
    )


@pytest.mark.parametrize(
    "command",
    [
        ("sweep", "--vary", "policies.suspicious.inspection.sensitivity=0.5,0.9"),
        ("breakeven", "--vary", "money.inspection_eur=0:1000", "--tolerance", "500"),
        ("decompose", "--from", "trusting", "--to", "suspicious"),
    ],
)
def test_sweep_breakeven_and_decompose_say_the_unwritten_defaults_too(tmp_path, command):
    """exp-test writes no channels and no money: the notice names them before any result, as `run`
    does."""
    from experiments_support import cli, write_scenario

    code, output = cli(
        command[0],
        write_scenario(tmp_path),
        *command[1:],
        "--replications",
        "2",
        "--set",
        "horizon_days=30",
        "--executor",
        "serial",
        "--quiet",
        "--out",
        tmp_path / "out",
    )
    assert code == 0, output
    assert output.index("defaults the file did not write") < output.index("results in")
    assert "channels not written, yet staffed and paid" in output
