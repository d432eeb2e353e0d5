"""`recoverysim params` and `recoverysim selfcheck`, through the real command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from recoverysim.params import NOT_STATED, parameter_rows, source_of, unit_of
from recoverysim.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def test_params_without_a_file_prints_the_defaults_with_units_and_sources(cli):
    result = cli("params")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:5] == ["field", "value", "default", "unit", "source"]
    loss = next(line for line in lines if line.startswith("behaviour.loss_aversion "))
    assert (
        loss.split()[1:4] == ["2.2434", "2.2434", "ratio"]
        and "recoverysim/fits/published.py" in loss
    )
    staff = next(line for line in lines if line.startswith("channels.chat.staff "))
    assert staff.split()[1:4] == ["1", "1", "agents"]
    assert any(line.startswith("policies.<policy>.evidence ") for line in lines)


def test_params_of_a_scenario_shows_its_values_beside_the_defaults(cli):
    result = cli(
        "params",
        SCENARIOS / "call-centre-staffing.yaml",
        "--changed",
        "--set",
        "policies.one-agent.goodwill_eur=5",
    )
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[2:]}
    assert rows["channels.phone.service_minutes_mean"].split()[1:4] == ["30", "8", "minutes"]
    assert "set by the scenario" in rows["channels.phone.service_minutes_mean"]
    assert rows["policies.one-agent.goodwill_eur"].split()[1:3] == ["5", "0"]
    assert "behaviour.loss_aversion" not in rows  # unchanged, so left out by --changed


def test_params_markdown_is_a_table(cli):
    result = cli("params", "--markdown")
    assert result.exit_code == 0
    assert result.output.startswith(
        "| field | value | default | unit | source |\n|---|---|---|---|---|\n"
    )


def test_params_of_a_bad_file_is_one_line_and_exit_2(cli, write_scenario):
    path = write_scenario("policies: [{name: a, evidence: maybe}]\n")
    result = cli("params", path)
    assert result.exit_code == 2
    assert "policies.0.evidence" in result.output and "Traceback" not in result.output


def test_every_row_has_a_unit_or_is_a_setting():
    rows = parameter_rows(load_scenario(SCENARIOS / "trusted-replacement.yaml"))
    numeric = [r for r in rows if r.value.replace(".", "", 1).replace("-", "", 1).isdigit()]
    assert all(r.unit for r in numeric), [r.path for r in numeric if not r.unit]


@pytest.mark.parametrize(
    "name, unit",
    [
        ("shipping_days", "days"),
        ("partner_delay_days_mean", "days"),
        ("retry_delay_hours_mean", "hours"),
        ("opens_hour", "hour of day"),
        ("service_minutes_mean", "minutes"),
        ("service_minutes_cv", "ratio (sd / mean)"),
        ("fraud_attempts_per_year", "per year"),
        ("retry_probability", "probability"),
        ("margin_share", "share (0-1)"),
        ("goodwill_eur", "EUR"),
        ("effort_penalty_per_drop", "procedural justice per drop"),
        ("remedy", ""),
    ],
)
def test_unit_comes_from_the_field_name(name, unit):
    assert unit_of(name) == unit


def test_source_is_the_provenance_part_of_a_description():
    assert (
        source_of("Bass coefficient of innovation p. Source: Sultan, Farley & Lehmann (1990).")
        == "Source: Sultan, Farley & Lehmann (1990)."
    )
    assert (
        source_of(
            "Weight of being informed. Order from Orsingher et al. (2010); value an assumption."
        )
        == "Order from Orsingher et al. (2010); value an assumption."
    )
    assert source_of("Agents serving this channel. Assumption.") == "Assumption."
    assert source_of("Proof asked before a claim is accepted.") == NOT_STATED
    assert source_of(None) == NOT_STATED


def test_selfcheck_runs_every_quick_check_and_passes(cli):
    result = cli("selfcheck")
    assert result.exit_code == 0, result.output
    for name in ("bass-diffusion", "recovery-paradox", "tarp-repurchase", "erlang-c", "erlang-a"):
        assert f"PASS  {name}" in result.output
    assert "measured:" in result.output and "reference:" in result.output
    assert result.output.rstrip().endswith("6 of 6 checks passed")
