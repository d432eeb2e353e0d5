"""`run --until-settled`: stops by indifference, by separation or at the budget; batches add up to a
one-shot run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from experiments_support import SCENARIO, cli

from recoverysim.experiment import Destination
from recoverysim.experiments.driver import Interrupted
from recoverysim.experiments.settle import SettleRule, run_until_settled
from recoverysim.scenario.load import load_scenario

#: exp-test's market with two trusting policies alike (twin), one paying more goodwill (kinder), and
#: two inspecting policies whose inspections differ a little (sharper), in a market with much fraud
#: to inspect.
POLICIES = """\
policies:
  - {name: trusting, evidence: none, remedy: replace, goodwill_eur: 10}
  - {name: twin, evidence: none, remedy: replace, goodwill_eur: 10}
  - {name: kinder, evidence: none, remedy: replace, goodwill_eur: 12}
  - {name: suspicious, evidence: photo_and_receipt, return_for_inspection: true}
  - {name: sharper, evidence: photo_and_receipt, return_for_inspection: true,
     inspection: {sensitivity: 0.69}}
"""
FRAUDULENT = (
    "--set",
    "market.segments.bold.opportunist_share=0.9",
    "--set",
    "market.segments.bold.fraud_attempts_per_year=3",
)
CLOSE = ("--policy", "suspicious", "--policy", "sharper", *FRAUDULENT)


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("settle") / "settle.yaml"
    path.write_text(SCENARIO.split("policies:")[0] + POLICIES, encoding="utf-8")
    return path


def settle(scenario_file: Path, out: Path, *args: str) -> str:
    code, output = cli(
        "run",
        scenario_file,
        "--until-settled",
        "--replications",
        "4",
        "--executor",
        "serial",
        "--quiet",
        "--out",
        out,
        *args,
    )
    assert code == 0, output
    return output


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def budget_folder(scenario_file) -> tuple[Path, str]:
    """Two close policies, no indifference: not settled within 14 replications (checks at 4 and
    14)."""
    out = scenario_file.parent / "budget"
    return out, settle(scenario_file, out, *CLOSE, "--max-replications", "14")


def test_identical_policies_stop_at_once_within_the_indifference_zone(scenario_file):
    out = scenario_file.parent / "identical"
    output = settle(scenario_file, out, "--policy", "trusting", "--policy", "twin")
    assert "settled: after 4 replications" in output
    assert "twin: within the indifference zone of the best" in output
    assert manifest(out)["replications"] == 4 and manifest(out)["until_settled"]["settled"] is True


def test_clearly_different_policies_stop_at_once_separated(scenario_file):
    out = scenario_file.parent / "different"
    output = settle(
        scenario_file, out, "--policy", "trusting", "--policy", "kinder", "--indifference", "1"
    )
    assert "settled: after 4 replications" in output
    assert "kinder: separated from the best" in output and "trusting: the best" in output


def test_close_policies_stop_when_the_intervals_fit_the_indifference_zone(scenario_file):
    """At 4 and 14 replications the intervals are wider than 30 EUR; at 24 they fit, before the
    budget of 34."""
    out = scenario_file.parent / "zone"
    output = settle(scenario_file, out, *CLOSE, "--indifference", "30", "--max-replications", "34")
    assert "settled: after 24 replications" in output
    assert "suspicious: within the indifference zone of the best" in output
    assert len(pd.read_parquet(out / "replications.parquet")) == 2 * 24


def test_close_policies_without_an_indifference_zone_spend_the_budget(budget_folder):
    out, output = budget_folder
    assert "budget spent: 14 replications (--max-replications 14)" in output
    assert "neither separated from the best nor within the indifference zone" in output
    assert (
        manifest(out)["replications"] == 14 and manifest(out)["until_settled"]["settled"] is False
    )


def test_batches_add_up_to_the_one_shot_run_of_as_many_replications(scenario_file, budget_folder):
    out, _ = budget_folder
    one_shot = scenario_file.parent / "one-shot"
    code, output = cli(
        "run",
        scenario_file,
        *CLOSE,
        "--replications",
        "14",
        "--executor",
        "serial",
        "--quiet",
        "--out",
        one_shot,
    )
    assert code == 0, output
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "replications.parquet"),
        pd.read_parquet(one_shot / "replications.parquet"),
    )
    for name in ("summary.csv", "selection.csv"):
        assert (out / name).read_bytes() == (one_shot / name).read_bytes(), name


def test_an_interrupted_run_resumes_to_the_same_result(scenario_file, budget_folder, tmp_path):
    """Stopped in the second batch, then resumed: the same replications as the run that was never
    stopped."""
    out, _ = budget_folder
    scenario = load_scenario(scenario_file, [*FRAUDULENT[1::2], "replications=4"])
    rule = SettleRule(first_batch=4, max_replications=14)
    seen = []

    def stop_after_ten(result):
        seen.append(result)
        if len(seen) == 10:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        run_until_settled(
            scenario,
            rule,
            Destination(tmp_path),
            ["suspicious", "sharper"],
            "serial",
            on_result=stop_after_ten,
        )
    assert len(list((tmp_path / "tasks").glob("*.json"))) == 10
    _, decision = run_until_settled(
        scenario, rule, Destination(tmp_path, resume=True), ["suspicious", "sharper"], "serial"
    )
    assert not decision.settled and decision.replications == 14
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "replications.parquet"),
        pd.read_parquet(out / "replications.parquet"),
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--until-settled", "--posterior", "somewhere"),
            "--until-settled cannot be combined with --posterior",
        ),
        (("--indifference", "5"), "--indifference only work with --until-settled"),
        (("--until-settled", "--metric", "claims"), "--metric claims: has no better side"),
        (
            ("--until-settled", "--replications", "20", "--max-replications", "10"),
            "--max-replications 10 is below",
        ),
    ],
)
def test_bad_combinations_are_one_clear_line(scenario_file, tmp_path, args, message):
    code, output = cli("run", scenario_file, "--out", tmp_path / "never", *args)
    assert code == 2 and message in output, output
    assert output.count("\n") == 1
