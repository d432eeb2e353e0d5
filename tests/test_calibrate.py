"""`recoverysim calibrate`: known parameters fitted back, identifiability told, determinism, resume,
bad input.

The world is tiny (300 customers, 60 days, a device failing three times a year) so that a
calibration of 30 particles over 3 generations takes seconds; the targets are what the simulator
itself gives at chosen values.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyabc")

from recoverysim.calibration.abc import prepare_inputs, run_calibration  # noqa: E402
from recoverysim.calibration.parameters import parse_fit  # noqa: E402
from recoverysim.calibration.outputs import parameter_table, write_outputs  # noqa: E402
from recoverysim.engine import run_replication  # noqa: E402
from recoverysim.experiments.driver import Interrupted  # noqa: E402
from recoverysim.experiments.executors import SerialExecutor  # noqa: E402
from recoverysim.scenario.load import load_scenario  # noqa: E402

WORLD = """\
schema_version: 1
name: tiny-firm
horizon_days: 60
seed: 11
replications: 2
market:
  initial_customers: 300
  prospects: 50
  segments:
    - {name: everyone, share: 1.0, opportunist_share: 0.5}
product:
  components:
    - {name: device, failures_per_year: 3.0}
channels:
  chat: {staff: 2}
  phone: {staff: 2}
  email: {staff: 2}
  store: {staff: 2}
policies:
  - name: trusting
    evidence: none
  - name: suspicious
    evidence: photo_and_receipt
    return_for_inspection: true
    inspection: {technicians: 1}
"""
COMPLAINT = "market.segments.everyone.complaint_probability"
FRAUD = "market.segments.everyone.fraud_attempts_per_year"
INERT = "policies.suspicious.goodwill_eur"
"""No target is observed under the suspicious policy, so nothing the fit sees depends on its
goodwill."""
TRUE = {COMPLAINT: 0.5, FRAUD: 1.0}
FIT = (f"{COMPLAINT}=0.2:0.9", f"{FRAUD}=0.1:3", f"{INERT}=0:50")
FIRM_PERIODS = 6
"""Periods of the firm's history that give the standard error of its claims per period."""


def write_world(folder: Path) -> Path:
    path = folder / "firm.yaml"
    path.write_text(WORLD, encoding="utf-8")
    return path


def write_observed_targets(
    folder: Path, world: Path, first: int, claims_factor: float = 1.0
) -> Path:
    """Targets as the firm would observe them at the TRUE values over one period (replication
    `first`, never used by the fit): its claims, with the period-to-period sd of six periods as
    standard error, and its fraud share out of those claims. `claims_factor` shifts the claims
    observed (to break the fit)."""
    scenario = load_scenario(world, [f"{path}={value}" for path, value in TRUE.items()])
    figures = pd.DataFrame(
        [run_replication(scenario, "trusting", first + r).figures for r in range(FIRM_PERIODS)]
    )
    period = figures.iloc[0]
    path = folder / "targets.yaml"
    claims = period["claims"] * claims_factor
    claims_se = figures["claims"].std(ddof=1)
    frauds = round(period["fraud_share"] * period["claims"])
    path.write_text(
        textwrap.dedent(f"""\
        targets:
          - {{name: claims, figure: claims, policy: trusting,
              mean: {{value: {claims:.4f}, standard_error: {claims_se:.4f}}}}}
          - {{name: fraud, figure: fraud_share, policy: trusting,
              share: {{successes: {frauds}, trials: {int(period["claims"])}}}}}
        """),
        encoding="utf-8",
    )
    return path


def fit(folder: Path, seed: int, claims_factor: float = 1.0, **options):
    folder.mkdir(parents=True, exist_ok=True)
    world = write_world(folder)
    targets = write_observed_targets(folder, world, 900 + 10 * seed, claims_factor)
    inputs = prepare_inputs(world, targets, FIT)
    settings = {
        "replications": 1,
        "population": 30,
        "generations": 3,
        "executor": "processes",
        "workers": 2,
        **options,
    }
    return run_calibration(inputs, out=folder / "calibration", seed=seed, **settings)


def covered(calibration) -> dict[str, bool]:
    table = parameter_table(calibration.posterior, calibration.parameters).set_index("parameter")
    return {
        path: bool(table.loc[path, "posterior_low"] <= value <= table.loc[path, "posterior_high"])
        for path, value in TRUE.items()
    }


def test_known_parameters_are_fitted_back_and_the_inert_one_is_told(tmp_path):
    """Over 3 seeds: each true value inside its 95 % interval in at least 2 of 3 (the bound checked:
    with common random numbers the fit is conditioned on the luck of its replications, so nominal
    coverage is not exact); posteriors narrower than the prior; the parameter no target depends on
    reported as not identified."""
    hits = {COMPLAINT: 0, FRAUD: 0}
    for seed in (1, 2, 3):
        calibration = fit(tmp_path / str(seed), seed)
        assert calibration.finished and calibration.temperatures[-1] == 1.0
        for path, inside in covered(calibration).items():
            hits[path] += inside
        table = parameter_table(calibration.posterior, calibration.parameters).set_index(
            "parameter"
        )
        assert table.loc[COMPLAINT, "sd_ratio"] < 0.6
        assert table.loc[FRAUD, "sd_ratio"] < 0.9
        assert table.loc[INERT, "identified"] == "no (posterior ~ prior)"
        assert np.isclose(calibration.posterior["weight"].sum(), 1.0)
    assert hits[COMPLAINT] >= 2 and hits[FRAUD] >= 2, hits


def test_shifted_targets_leave_the_truth_outside(tmp_path):
    """The check above can fail: with the firm's claims doubled, the true complaint probability is
    excluded."""
    calibration = fit(tmp_path, 1, claims_factor=2.0)
    assert covered(calibration)[COMPLAINT] is False


QUICK = {"replications": 1, "population": 12, "generations": 3}


@pytest.fixture(scope="module")
def quick_inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quick")
    world = write_world(folder)
    return prepare_inputs(
        world,
        write_observed_targets(folder, world, 900),
        (f"{COMPLAINT}=0.01:1",),
        overrides=[f"{FRAUD}={TRUE[FRAUD]}"],
    )


@pytest.fixture(scope="module")
def serial_reference(quick_inputs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("serial") / "calibration"
    return run_calibration(quick_inputs, out=folder, seed=5, executor="serial", **QUICK)


def test_processes_give_the_serial_posterior(quick_inputs, serial_reference, tmp_path):
    result = run_calibration(
        quick_inputs, out=tmp_path / "c", seed=5, executor="processes", workers=2, **QUICK
    )
    pd.testing.assert_frame_equal(result.posterior, serial_reference.posterior, check_exact=True)
    assert result.temperatures == serial_reference.temperatures


def test_dask_gives_the_serial_posterior(quick_inputs, serial_reference, tmp_path):
    pytest.importorskip("dask.distributed")
    result = run_calibration(
        quick_inputs, out=tmp_path / "c", seed=5, executor="dask", workers=2, **QUICK
    )
    pd.testing.assert_frame_equal(result.posterior, serial_reference.posterior, check_exact=True)


def test_a_stopped_calibration_resumed_gives_the_same_posterior(
    quick_inputs, serial_reference, tmp_path
):
    folder = tmp_path / "c"
    with pytest.raises(Interrupted, match="after 1 of 3 generations"):
        run_calibration(
            quick_inputs, out=folder, seed=5, executor="serial", stop_before_generation=1, **QUICK
        )
    assert json.loads((folder / "calibration.json").read_text())["finished"] is False
    assert (
        len(serial_reference.temperatures) == 3 and serial_reference.temperatures[0] > 1.0
    )  # a real schedule
    resumed = run_calibration(
        quick_inputs, out=folder, seed=5, executor="serial", resume=True, **QUICK
    )
    pd.testing.assert_frame_equal(resumed.posterior, serial_reference.posterior, check_exact=True)
    assert (
        resumed.finished
        and json.loads((folder / "calibration.json").read_text())["finished"] is True
    )


def test_the_folder_holds_every_output(serial_reference):
    fit_table, parameters = write_outputs(serial_reference, SerialExecutor())
    folder = serial_reference.folder
    posterior = pd.read_parquet(folder / "posterior.parquet")
    assert list(posterior.columns) == [COMPLAINT, "weight"]
    assert list(fit_table.columns) == [
        "target",
        "figure",
        "policy",
        "observed",
        "simulated_mean",
        "simulated_low",
        "simulated_high",
        "within",
    ]
    assert list(pd.read_csv(folder / "parameters.csv").columns) == list(parameters.columns)
    for name in (f"posterior_{COMPLAINT}.png", "predictive_check.png", "calibration.db"):
        assert (folder / name).stat().st_size > 0
    manifest = json.loads((folder / "calibration.json").read_text())
    assert manifest["kind"] == "calibration" and manifest["parameters"] == {
        COMPLAINT: {"low": 0.01, "high": 1.0}
    }
    calibrated = load_scenario(folder / "calibrated.yaml")
    mean = float(np.average(posterior[COMPLAINT], weights=posterior["weight"]))
    assert calibrated.market.segments[0].complaint_probability == pytest.approx(mean)


# --- the command line: bad input is one line, exit 2, no traceback
# -------------------------------------------


def run_cli(cli, *fit, targets="targets.yaml", extra=()):
    args = [
        "calibrate",
        "firm.yaml",
        "--targets",
        targets,
        "--population",
        "4",
        "--generations",
        "1",
        "--replications",
        "1",
        "--executor",
        "serial",
        "--quiet",
        *extra,
    ]
    for item in fit:
        args += ["--fit", item]
    return cli(*args)


@pytest.fixture
def firm(in_tmp):
    world = write_world(in_tmp)
    (in_tmp / "targets.yaml").write_text(
        "targets:\n  - {name: claims, figure: claims, policy: trusting,\n"
        "      mean: {value: 50, standard_error: 5}}\n",
        encoding="utf-8",
    )
    return world


@pytest.mark.parametrize(
    "fit_text, message",
    [
        (
            "market.segments.everyone.no_such_field=0:1",
            "--fit market.segments.everyone.no_such_field: ",
        ),
        ("policies.trusting.evidence=0:1", "is not a real-valued field"),
        (f"{COMPLAINT}=0.9:0.2", "the lower bound must be below the upper bound (got 0.9:0.2)"),
        (f"{COMPLAINT}=0.2", "bounds must look like lo:hi"),
        (f"{COMPLAINT}=-0.5:0.5", "must be >= 0"),
        (
            "money.price_eur",
            "the schema gives this field no finite range; write it as money.price_eur=lo:hi",
        ),
        ("market.segments.nobody.complaint_probability=0:1", "no item named or numbered 'nobody'"),
    ],
)
def test_bad_fit_is_one_line_and_exit_2(cli, firm, fit_text, message):
    result = run_cli(cli, fit_text)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output


def test_missing_and_bad_targets_files_are_one_line_and_exit_2(cli, firm):
    missing = run_cli(cli, f"{COMPLAINT}=0.2:0.9", targets="nowhere.yaml")
    assert missing.exit_code == 2 and missing.output.strip() == "nowhere.yaml: no such file"
    Path("bad.yaml").write_text(
        "targets:\n  - {name: x, figure: claims, policy: trusting, odd: {value: 1}}\n"
    )
    bad = run_cli(cli, f"{COMPLAINT}=0.2:0.9", targets="bad.yaml")
    assert (
        bad.exit_code == 2
        and len(bad.output.strip().splitlines()) == 1
        and "Traceback" not in bad.output
    )


def test_schema_bounds_are_used_when_none_are_given(firm):
    inputs = prepare_inputs(firm, "targets.yaml", [COMPLAINT])
    assert (inputs.parameters[0].low, inputs.parameters[0].high) == (0.0, 1.0)
    assert (parse_fit(FRAUD).low, parse_fit(FRAUD).high) == (0.0, 365.0)


def test_a_folder_with_a_calibration_needs_resume_or_overwrite(cli, firm):
    first = run_cli(cli, f"{COMPLAINT}=0.2:0.9", extra=["--out", "c"])
    assert first.exit_code == 0, first.output
    assert "Fit (posterior predictive" in first.output and (Path("c") / "calibrated.yaml").exists()
    again = run_cli(cli, f"{COMPLAINT}=0.2:0.9", extra=["--out", "c"])
    assert again.exit_code == 2 and "holds a calibration; continue it with --resume" in again.output
    both = run_cli(cli, f"{COMPLAINT}=0.2:0.9", extra=["--out", "c", "--resume", "--overwrite"])
    assert both.exit_code == 2 and "exclude each other" in both.output
    other = run_cli(cli, f"{COMPLAINT}=0.3:0.9", extra=["--out", "c", "--resume"])
    assert other.exit_code == 2 and "differs in parameters" in other.output


def test_a_target_the_world_never_produces_is_refused_before_fitting(cli, firm):
    """In 60 days nobody reaches a purchase occasion, so repurchase has no value at any particle:
    refused at once (one line, exit 2) instead of a generation that can never accept anything."""
    Path("never.yaml").write_text(
        "targets:\n  - {name: loyal, figure: claimant_repurchase_share, outcome_class: fast_fix,"
        " policy: trusting, share: {successes: 8, trials: 10}}\n",
        encoding="utf-8",
    )
    result = run_cli(cli, f"{COMPLAINT}=0.2:0.9", targets="never.yaml")
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert "gives no value for 'loyal'" in lines[-1] and "Traceback" not in result.output
    assert not Path("results/tiny-firm-calibration/calibration.db").exists()


def test_a_database_without_pyabc_run_is_started_afresh_not_loaded(tmp_path):
    """An empty calibration.db (opened by another program before the first generation was stored) or
    a file that is not a database at all once ended in pyabc's traceback 'Specified id 1 does not
    exist'."""
    from recoverysim.calibration.abc import holds_run

    database = tmp_path / "calibration.db"
    assert not holds_run(tmp_path)
    database.write_bytes(b"")
    assert not holds_run(tmp_path)
    database.write_bytes(b"not a database, just bytes " * 100)
    assert not holds_run(tmp_path) and not database.exists()
    import sqlite3

    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE abc_smc (id INTEGER)")
        connection.execute("INSERT INTO abc_smc VALUES (1)")
    assert holds_run(tmp_path)


def test_a_collapsed_posterior_is_told():
    """A TARP calibration at population 20 ended with an effective sample size of 1.1 (one particle
    carried the posterior, sd ratios 0.01): the command now says so. Even weights, or a fifth of
    them even, pass silently."""
    from recoverysim.calibration.outputs import collapse_warning, effective_sample_size

    even = pd.DataFrame({"x": np.arange(20.0), "weight": np.full(20, 0.05)})
    assert effective_sample_size(even["weight"].to_numpy()) == pytest.approx(20.0)
    assert collapse_warning(even) is None
    one = even.assign(weight=[0.98] + [0.02 / 19] * 19)
    assert effective_sample_size(one["weight"].to_numpy()) == pytest.approx(
        1 / (0.98**2 + 19 * (0.02 / 19) ** 2)
    )
    assert "effective sample size is 1.0 of 20" in collapse_warning(one)
    fifth = even.assign(weight=[0.25] * 4 + [0.0] * 16)
    assert collapse_warning(fifth) is None


def test_resume_refuses_a_calibration_whose_overrides_changed(cli, firm):
    """The stored scenario hash is of the scenario as resolved, so a different --set is a different
    calibration."""
    first = run_cli(cli, f"{COMPLAINT}=0.2:0.9", extra=("--set", "market.initial_customers=200"))
    assert first.exit_code == 0, first.output
    again = run_cli(
        cli, f"{COMPLAINT}=0.2:0.9", extra=("--set", "market.initial_customers=250", "--resume")
    )
    assert again.exit_code == 2 and "scenario_sha256" in again.output.strip().splitlines()[-1], (
        again.output
    )


def test_set_changes_every_world_the_targets_name(firm):
    """A target in its own world file sees --set as the scenario does (as the fitted values are
    applied)."""
    Path("own.yaml").write_text(Path(firm).read_text(encoding="utf-8"), encoding="utf-8")
    Path("targets.yaml").write_text(
        "targets:\n  - {name: claims, figure: claims, policy: trusting, world: own.yaml,"
        " mean: {value: 50, standard_error: 5}}\n",
        encoding="utf-8",
    )
    inputs = prepare_inputs(
        firm, "targets.yaml", [COMPLAINT], overrides=["market.initial_customers=123"]
    )
    sizes = {
        str(world): data["market"]["initial_customers"] for world, data in inputs.worlds.items()
    }
    assert len(sizes) == 2 and set(sizes.values()) == {123}, sizes
