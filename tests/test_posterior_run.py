"""`run --posterior DIR`: parameter sets drawn from a calibration, paired across policies, and the
probability best.

Calibration folders are written by hand here, in the format `recoverysim calibrate` writes
(calibration.json and posterior.parquet), so these tests do not depend on a calibration being run.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from experiments_support import cli
from recoverysim import load_scenario, run_experiment
from recoverysim.calibration.best import probability_best, wilson_interval
from recoverysim.calibration.posterior import read_posterior
from recoverysim.experiment import Destination, plan

OPPORTUNISTS = "market.segments.everyone.opportunist_share"
FRAUD = "market.segments.everyone.fraud_attempts_per_year"
#: A year of 1,500 customers with frequent fraud attempts: with no opportunists trusting is ahead
#: (it spares honest claimants the proof and inspection), with half of them opportunists suspicious
#: is far ahead (tens of thousands of euros, against a spread of a few thousand between
#: replications), so the parameter decides the winner.
FLIP = """\
name: flip
horizon_days: 365
seed: 7
replications: 4
market:
  initial_customers: 1500
  prospects: 500
  segments:
    - {name: everyone, share: 1.0, opportunist_share: 0.05, fraud_attempts_per_year: 2.0}
policies:
  - name: trusting
    evidence: none
    remedy: replace
  - name: suspicious
    evidence: photo_and_receipt
    return_for_inspection: true
    remedy: replace
"""


def write_calibration(
    folder: Path, columns: dict[str, list], weights: list[float], **fields
) -> Path:
    """A calibration folder as `recoverysim calibrate` writes it; `fields` replace entries of
    calibration.json."""
    folder.mkdir(parents=True, exist_ok=True)
    calibration = {
        "kind": "calibration",
        "scenario": "flip.yaml",
        "scenario_sha256": "0" * 64,
        "targets": "targets.yaml",
        "parameters": {path: {"low": 0.0, "high": 1.0} for path in columns},
        "seed": 3,
        "replications": 2,
        "population": len(weights),
        "generations": 2,
        "package_versions": {"pyabc": "0.13"},
        "finished": True,
    }
    calibration.update(fields)
    (folder / "calibration.json").write_text(json.dumps(calibration), encoding="utf-8")
    pd.DataFrame({**columns, "weight": weights}).to_parquet(
        folder / "posterior.parquet", index=False
    )
    return folder


@pytest.fixture(scope="module")
def flip_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "flip.yaml"
    path.write_text(FLIP, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def straddling(tmp_path_factory) -> Path:
    """Two parameter sets either side of the break-even: no opportunists, or half of the
    customers."""
    return write_calibration(
        tmp_path_factory.mktemp("cal") / "straddle", {OPPORTUNISTS: [0.0, 0.5]}, [0.5, 0.5]
    )


def test_each_replication_runs_every_policy_with_its_own_drawn_set(flip_file, tmp_path):
    values = np.linspace(0.0, 0.3, 40)
    folder = write_calibration(
        tmp_path / "cal", {OPPORTUNISTS: values, FRAUD: 1.0 + values}, [1.0] * 40
    )
    posterior = read_posterior(folder)
    tasks = plan(load_scenario(flip_file), replications=8, posterior=posterior)
    drawn = posterior.draw(8, seed=7)
    seen: dict[int, tuple[float, float]] = {}
    for task in tasks:
        segment = task.scenario.market.segments[0]
        got = (segment.opportunist_share, segment.fraud_attempts_per_year)
        assert got == tuple(drawn.loc[task.replication, [OPPORTUNISTS, FRAUD]]), (
            "applied exactly as drawn"
        )
        assert seen.setdefault(task.replication, got) == got, (
            "every policy of a replication has the same set"
        )
    assert len({task.policy for task in tasks}) == 2
    assert len(set(seen.values())) >= 5, "replications draw different sets"
    assert all(np.isclose(fraud, 1.0 + share) for share, fraud in seen.values()), (
        "a set is one particle, not a mix"
    )


def test_fields_bound_together_are_applied_together(flip_file, tmp_path):
    distributive = np.array([0.3, 0.4, 0.5])
    weights = {
        "behaviour.distributive_weight": distributive,
        "behaviour.procedural_weight": 0.75 - distributive,
    }
    folder = write_calibration(tmp_path / "cal", weights, [1.0, 1.0, 1.0])
    tasks = plan(
        load_scenario(flip_file, ["behaviour.interactional_weight=0.25"]),
        replications=6,
        posterior=read_posterior(folder),
    )
    assert {
        round(t.scenario.behaviour.distributive_weight + t.scenario.behaviour.procedural_weight, 12)
        for t in tasks
    } == {0.75}


def test_draws_are_seeded_weighted_and_independent_of_the_count(tmp_path):
    posterior = read_posterior(
        write_calibration(tmp_path / "cal", {OPPORTUNISTS: [0.1, 0.2, 0.3]}, [9.0, 1.0, 0.0])
    )
    many = posterior.draw(4000, seed=11)
    pd.testing.assert_frame_equal(many, posterior.draw(4000, seed=11))
    pd.testing.assert_frame_equal(
        many.iloc[:50], posterior.draw(50, seed=11)
    )  # replication r's set is its own
    assert not many.equals(posterior.draw(4000, seed=12))
    assert 0.3 not in set(many[OPPORTUNISTS]), "a particle of weight 0 is never drawn"
    share = float((many[OPPORTUNISTS] == 0.1).mean())
    assert abs(share - 0.9) < 4 * np.sqrt(0.9 * 0.1 / 4000), (
        share
    )  # weights normalised: 9 / (9 + 1 + 0)


def test_probability_best_on_a_frame_with_a_known_answer():
    values = {  # replication: (a, b, c) on value_total_eur
        0: (3.0, 1.0, 2.0),
        1: (5.0, 4.0, 0.0),
        2: (1.0, 9.0, 1.0),
        3: (7.0, 2.0, 7.0),
        4: (0.0, 6.0, 1.0),
    }
    rows = [
        {"policy": p, "replication": r, "value_total_eur": v[i]}
        for r, v in values.items()
        for i, p in enumerate("abc")
    ]
    table = probability_best(pd.DataFrame(rows), ["a", "b", "c"]).set_index("policy")
    # a wins 0 and 1, shares 3 with c; b wins 2 and 4; c has half of 3
    assert table["probability_best"].to_dict() == {"a": 2.5 / 5, "b": 2 / 5, "c": 0.5 / 5}
    assert list(table.columns) == ["metric", "probability_best", "low", "high"]
    low, high = binomtest(2, 5).proportion_ci(method="wilson")  # an independent Wilson interval
    assert table.loc["b", ["low", "high"]].tolist() == pytest.approx([low, high], abs=1e-12)
    assert wilson_interval(0, 20)[0] == 0.0 and 0.1 < wilson_interval(0, 20)[1] < 0.2


def test_a_posterior_straddling_the_break_even_splits_the_verdict(flip_file, straddling, tmp_path):
    scenario = load_scenario(flip_file, ["replications=12"])
    result = run_experiment(scenario, executor="serial", posterior=read_posterior(straddling))
    rows = result.replications.pivot(
        index="replication", columns="policy", values="value_total_eur"
    )
    drawn = result.replications.groupby("replication")[f"posterior.{OPPORTUNISTS}"].agg(
        ["min", "max"]
    )
    assert (drawn["min"] == drawn["max"]).all(), "one set per replication, whatever the policy"
    suspicious_wins = rows["suspicious"] > rows["trusting"]
    assert (suspicious_wins == (drawn["min"] == 0.5)).all(), (
        "the drawn set decides each replication's winner"
    )
    best = result.probability_best.set_index("policy")["probability_best"]
    assert 0.0 < best["suspicious"] < 1.0 and best.sum() == pytest.approx(1.0)
    assert best["suspicious"] == pytest.approx(float((drawn["min"] == 0.5).mean()))
    # more weight on many opportunists: the same replications draw 0.5 or more of them, so
    # suspicious gains
    leaning = write_calibration(tmp_path / "leaning", {OPPORTUNISTS: [0.0, 0.5]}, [0.1, 0.9])
    shifted = run_experiment(scenario, executor="serial", posterior=read_posterior(leaning))
    assert (
        shifted.probability_best.set_index("policy")["probability_best"]["suspicious"]
        > best["suspicious"]
    )


def test_serial_and_processes_write_the_same_files_and_the_report_names_the_calibration(
    flip_file, straddling, tmp_path
):
    for name, executor in (("serial", ["--executor", "serial"]), ("processes", ["--workers", "2"])):
        code, output = cli(
            "run",
            flip_file,
            "--posterior",
            straddling,
            "--replications",
            "3",
            "--out",
            tmp_path / name,
            "--quiet",
            *executor,
        )
        assert code == 0, output
    assert "of 3 replications (parameter sets and randomness), 95 % interval" in output
    for file in ("replications.parquet", "summary.csv", "probability_best.csv"):
        assert (tmp_path / "serial" / file).read_bytes() == (
            tmp_path / "processes" / file
        ).read_bytes(), file
    summary = pd.read_csv(tmp_path / "serial" / "summary.csv")
    assert list(summary.columns) == [
        "policy",
        "metric",
        "mean",
        "ci_low",
        "ci_high",
        "diff_vs_baseline",
        "diff_ci_low",
        "diff_ci_high",
    ]
    assert not summary["metric"].str.startswith("posterior.").any()
    code, output = cli("report", tmp_path / "serial")
    assert code == 0, output
    html = (tmp_path / "serial" / "report.html").read_text(encoding="utf-8")
    assert (
        "Which policy is best" in html
        and f"<code>{straddling}</code>" in html
        and OPPORTUNISTS in html
    )


def test_resume_continues_with_the_same_posterior_and_refuses_another(
    flip_file, straddling, tmp_path
):
    scenario = load_scenario(flip_file, ["replications=3"])
    posterior = read_posterior(straddling)
    run_experiment(
        scenario, executor="serial", posterior=posterior, store_in=Destination(tmp_path / "whole")
    )
    stops = []

    def stop_after_two(_):
        stops.append(1)
        if len(stops) == 2:
            raise KeyboardInterrupt

    from recoverysim.experiments.driver import Interrupted

    with pytest.raises(Interrupted):
        run_experiment(
            scenario,
            executor="serial",
            posterior=posterior,
            on_result=stop_after_two,
            store_in=Destination(tmp_path / "cut"),
        )
    other = write_calibration(tmp_path / "other", {OPPORTUNISTS: [0.0, 0.5]}, [0.3, 0.7])
    common = (
        "--replications",
        "3",
        "--out",
        tmp_path / "cut",
        "--quiet",
        "--executor",
        "serial",
        "--resume",
    )
    code, output = cli("run", flip_file, "--posterior", other, *common)
    assert code == 2 and "holds a different run (the design differs: posterior.sha256" in output, (
        output
    )
    code, output = cli("run", flip_file, *common)  # no posterior at all is a different run too
    assert code == 2 and "the design differs: posterior" in output, output
    code, output = cli("run", flip_file, "--posterior", straddling, *common)
    assert code == 0 and "4 run in" in output, output
    for file in ("replications.parquet", "summary.csv", "probability_best.csv"):
        assert (tmp_path / "whole" / file).read_bytes() == (tmp_path / "cut" / file).read_bytes(), (
            file
        )


def _bad(folder: Path, case: str) -> Path:
    good = {OPPORTUNISTS: [0.1, 0.2]}
    if case == "no calibration.json":
        (folder / "manifest.json").parent.mkdir(parents=True)
        (folder / "manifest.json").write_text("{}", encoding="utf-8")
    elif case == "no posterior.parquet":
        write_calibration(folder, good, [1.0, 1.0])
        (folder / "posterior.parquet").unlink()
    elif case == "damaged parquet":
        write_calibration(folder, good, [1.0, 1.0])
        (folder / "posterior.parquet").write_bytes(b"PAR1 not really")
    elif case == "wrong kind":
        write_calibration(folder, good, [1.0, 1.0], kind="run")
    elif case == "unfinished":
        write_calibration(folder, good, [1.0, 1.0], finished=False)
    elif case == "missing column":
        write_calibration(folder, good, [1.0, 1.0], parameters={OPPORTUNISTS: {}, FRAUD: {}})
    elif case == "negative weight":
        write_calibration(folder, good, [1.0, -0.5])
    elif case == "nan value":
        write_calibration(folder, {OPPORTUNISTS: [0.1, float("nan")]}, [1.0, 1.0])
    elif case == "typo in a path":
        write_calibration(
            folder, {"market.segments.everyone.oportunist_share": [0.1, 0.2]}, [1.0, 1.0]
        )
    elif case == "no such segment":
        write_calibration(
            folder, {"market.segments.nobody.opportunist_share": [0.1, 0.2]}, [1.0, 1.0]
        )
    elif case == "one of weights bound together":
        write_calibration(folder, {"behaviour.distributive_weight": [0.5, 0.6]}, [1.0, 1.0])
    elif case == "value out of range":
        write_calibration(folder, {OPPORTUNISTS: [1.5, 2.0]}, [1.0, 1.0])
    return folder


BAD = {
    "no such folder": "no such folder",
    "no calibration.json": "not a calibration folder: calibration.json is missing (it holds a "
    "run's results",
    "no posterior.parquet": "posterior.parquet is missing",
    "damaged parquet": "posterior.parquet: cannot be read as Parquet",
    "wrong kind": "calibration.json: kind: must be 'calibration'",
    "unfinished": "calibration.json: finished: the calibration did not finish",
    "missing column": f"posterior.parquet: {FRAUD}: column missing",
    "negative weight": "posterior.parquet: weight: must not be negative (1 rows are, first row "
    "1) (got -0.5)",
    "nan value": f"posterior.parquet: {OPPORTUNISTS}: must be a finite number in every row",
    "typo in a path": "calibration.json: market.segments.everyone.oportunist_share: does not "
    "apply to scenario 'flip': unknown key; did you mean 'opportunist_share'?",
    "no such segment": "calibration.json: market.segments.nobody.opportunist_share: does not "
    "apply to scenario 'flip': no item named or numbered 'nobody'",
    "value out of range": f"calibration.json: {OPPORTUNISTS}: does not apply to scenario 'flip'",
    "one of weights bound together": "calibration.json: behaviour.distributive_weight: does not "
    "apply to scenario 'flip': distributive_weight + interactional_weight + "
    "procedural_weight must sum",
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_posterior_folder_is_one_line_and_exit_2(flip_file, tmp_path, case):
    folder = tmp_path / "cal" if case == "no such folder" else _bad(tmp_path / "cal", case)
    code, output = cli(
        "run", flip_file, "--posterior", folder, "--out", tmp_path / "out", "--quiet"
    )
    assert code == 2, output
    assert BAD[case] in output, output
    assert len(output.strip().splitlines()) == 1 and "Traceback" not in output, output
    assert not (tmp_path / "out").exists(), "nothing is run or written for a bad posterior"
