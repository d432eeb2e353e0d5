"""Uncertain inputs and global sensitivity: distributions sampled through their quantile functions,
and Morris and Sobol indices through the same design -> analysis path a sweep uses, checked against
analytic test functions."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments_support import cli, write_scenario
from recoverysim import load_scenario
from recoverysim.errors import ScenarioError, UsageError
from recoverysim.experiments.designs import (
    make_design,
    parse_vary,
    sample_design,
    sweep_from_options,
)
from recoverysim.experiments.sensitivity import SENSITIVITY_FILE, indices, ranking
from recoverysim.scenario.schema import Sweep

pytest.importorskip("SALib")

A, B = 7.0, 0.1
PI_RANGE = f"{-math.pi}:{math.pi}"
ISHIGAMI = {"x1": PI_RANGE, "x2": PI_RANGE, "x3": PI_RANGE}


def ishigami_of(points) -> np.ndarray:
    """The Ishigami function (a = 7, b = 0.1) at every point of a design, standing in for a paired
    difference."""
    x = np.array([[p.values[name] for name in ("x1", "x2", "x3")] for p in points], dtype=float)
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_analytic() -> dict[tuple[str, str], float]:
    """Sobol indices of Ishigami from its variance decomposition (Ishigami & Homma 1990; Saltelli et
    al. 2008)."""
    v1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return {
        ("x1", "S1"): v1 / total,
        ("x2", "S1"): v2 / total,
        ("x3", "S1"): 0.0,
        ("x1", "ST"): (v1 + v13) / total,
        ("x2", "ST"): v2 / total,
        ("x3", "ST"): v13 / total,
    }


def test_analytic_ishigami_indices_are_the_published_ones():
    published = {
        ("x1", "S1"): 0.3139,
        ("x2", "S1"): 0.4424,
        ("x3", "S1"): 0.0,
        ("x1", "ST"): 0.5576,
        ("x2", "ST"): 0.4424,
        ("x3", "ST"): 0.2437,
    }
    for key, value in ishigami_analytic().items():
        assert value == pytest.approx(published[key], abs=6e-5), key


def test_sobol_design_and_analysis_reproduce_ishigami_indices():
    design = sample_design(Sweep(design="sobol", points=1024, parameters=ISHIGAMI), seed=1)
    assert len(design.points) == 1024 * (3 + 2)
    table = indices(design, ishigami_of(design.points), seed=1).set_index(["input", "index"])
    for (name, index), expected in ishigami_analytic().items():
        row = table.loc[(name, index)]
        assert row.ci_low <= expected <= row.ci_high, (name, index, row.value, expected)
        assert (
            row.ci_high - row.ci_low < 0.2
        )  # intervals narrow enough for the check to mean something
    assert list(ranking(table.reset_index().assign(metric="f"), "f")["input"]) == [
        "x1",
        "x2",
        "x3",
    ]  # by ST


def morris_reference(function, levels: int, ranges: list[tuple[float, float]]) -> list[float]:
    """mu_star over every elementary effect of the Morris grid (the limit of many trajectories), by
    enumeration."""
    grid = np.arange(levels) / (levels - 1)
    step = levels / (2 * (levels - 1))
    reference = []
    for i in range(len(ranges)):
        effects = []
        for unit in itertools.product(grid, repeat=len(ranges)):
            if unit[i] + step <= 1 + 1e-9:
                moved = list(unit)
                moved[i] += step
                at = [lo + (hi - lo) * u for u, (lo, hi) in zip(unit, ranges)]
                to = [lo + (hi - lo) * u for u, (lo, hi) in zip(moved, ranges)]
                effects.append(abs(function(np.array([to])) - function(np.array([at])))[0] / step)
        reference.append(float(np.mean(effects)))
    return reference


def test_morris_design_and_analysis_reproduce_ishigami_mu_star():
    def ishigami(x):
        return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])

    reference = morris_reference(ishigami, 4, [(-math.pi, math.pi)] * 3)
    # with 4 levels x2 only jumps between sin^2 = 0 and 3/4: every |effect| is 7 * 0.75 / (2/3)
    assert reference[1] == pytest.approx(7.875) and reference[1] > reference[0] > reference[2]
    design = sample_design(Sweep(design="morris", points=200, parameters=ISHIGAMI), seed=1)
    assert len(design.points) == 200 * 4 and design.levels == 4
    table = indices(design, ishigami_of(design.points), seed=1)
    stars = table[table["index"] == "mu_star"].set_index("input")
    for name, expected in zip(("x1", "x2", "x3"), reference):
        assert (
            stars.loc[name, "ci_low"] <= expected + 1e-9
            and expected - 1e-9 <= stars.loc[name, "ci_high"]
        ), name


def test_morris_of_a_linear_function_is_exact_and_ranks_an_inert_input_last():
    parameters = {"x1": "0:2", "x2": "-1:1", "x3": "5:6"}
    design = sample_design(
        Sweep(design="morris", points=6, levels=6, parameters=parameters), seed=3
    )
    x = np.array([[p.values[n] for n in parameters] for p in design.points])
    table = indices(design, 3 * x[:, 0] - 2 * x[:, 1] + 0 * x[:, 2], seed=3).set_index(
        ["input", "index"]
    )
    # an elementary effect is the change per unit of the input's range: coefficient x range
    for name, effect in (("x1", 6.0), ("x2", -4.0), ("x3", 0.0)):
        assert table.loc[(name, "mu"), "value"] == pytest.approx(effect, abs=1e-9)
        assert table.loc[(name, "mu_star"), "value"] == pytest.approx(abs(effect), abs=1e-9)
        assert table.loc[(name, "sigma"), "value"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("spec", "reference"),
    [
        ({"distribution": "uniform", "low": 2.0, "high": 5.0}, stats.uniform(2.0, 3.0)),
        (
            {"distribution": "triangular", "low": 0.02, "mode": 0.05, "high": 0.2},
            stats.triang(0.03 / 0.18, 0.02, 0.18),
        ),
        (
            {"distribution": "normal", "mean": 1.0, "sd": 0.5, "low": 0.5, "high": 3.0},
            stats.truncnorm(-1.0, 4.0, 1.0, 0.5),
        ),
        ({"distribution": "normal", "mean": -3.0, "sd": 2.0}, stats.norm(-3.0, 2.0)),
        (
            {"distribution": "lognormal", "mean": 2.0, "sd": 1.0},
            stats.lognorm(math.sqrt(math.log(1.25)), scale=2.0 / math.sqrt(1.25)),
        ),
        (
            {"distribution": "beta", "a": 2.0, "b": 5.0, "low": 10.0, "high": 20.0},
            stats.beta(2.0, 5.0, 10.0, 10.0),
        ),
    ],
)
@pytest.mark.parametrize("design", ["latin_hypercube", "sobol_sequence"])
def test_sampled_designs_follow_each_distribution(spec, reference, design):
    points = sample_design(
        Sweep(design=design, points=1024, parameters={"x": spec, "y": "0:1"}), seed=7
    ).points
    values = np.array([p.values["x"] for p in points])
    assert stats.kstest(values, reference.cdf).pvalue > 0.01  # the right distribution ...
    # ... and spread more evenly than independent draws: the mean is far inside its iid interval
    assert abs(values.mean() - reference.mean()) < 0.5 * reference.std() / math.sqrt(len(values))
    if "low" in spec:
        assert values.min() >= spec["low"] and values.max() <= spec["high"]


def test_designs_are_reproducible_from_the_seed_and_round_whole_number_fields(tmp_path):
    scenario = load_scenario(write_scenario(tmp_path))
    vary = ["channels.phone.staff=1:6", "money.price_eur=triangular(100,150,300)"]
    first = make_design(scenario, sweep_from_options(scenario, vary, "morris", 3))
    assert first == make_design(scenario, sweep_from_options(scenario, vary, "morris", 3))
    other = load_scenario(write_scenario(tmp_path), ["seed=12"])
    assert first.points != make_design(other, sweep_from_options(other, vary, "morris", 3)).points
    assert all(isinstance(p.values["channels.phone.staff"], int) for p in first.points)
    assert all(100 <= p.values["money.price_eur"] <= 300 for p in first.points)
    recorded = first.to_dict()
    assert recorded["levels"] == 4 and len(recorded["unit_points"]) == len(first.points) == 3 * 3


def test_vary_takes_distributions_in_a_compact_form():
    assert parse_vary("a.b=triangular(0.02, 0.05, 0.2)") == (
        "a.b",
        {"distribution": "triangular", "low": 0.02, "mode": 0.05, "high": 0.2},
    )
    assert parse_vary("a=normal(1,2,0,5)") == (
        "a",
        {"distribution": "normal", "mean": 1.0, "sd": 2.0, "low": 0.0, "high": 5.0},
    )
    assert parse_vary("a=lognormal(1,2)")[1] == {
        "distribution": "lognormal",
        "mean": 1.0,
        "sd": 2.0,
    }
    with pytest.raises(UsageError, match=r"--vary a=beta\(1,2\): takes beta\(a,b,low,high\)"):
        parse_vary("a=beta(1,2)")
    assert parse_vary("policies.x.remedy=repair,replace")[1] == ("repair", "replace")


@pytest.mark.parametrize(
    ("vary", "design", "message"),
    [
        (
            "market.segments.bold.opportunist_share=triangular(0.3,0.05,0.2)",
            "latin_hypercube",
            "market.segments.bold.opportunist_share: low must be below high (got low=0.3, "
            "high=0.2)",
        ),
        (
            "market.segments.bold.opportunist_share=triangular(0.02,0.5,0.2)",
            "latin_hypercube",
            "mode must lie in [low, high]",
        ),
        (
            "market.segments.bold.opportunist_share=normal(0.1,-1)",
            "latin_hypercube",
            "market.segments.bold.opportunist_share.sd: must be > 0 (got -1.0)",
        ),
        (
            "market.segments.bold.opportunist_share=normal(0.1,0.1)",
            "morris",
            "a morris design reaches both ends of every input: give low and high to "
            "market.segments.bold.opportunist_share",
        ),
        (
            "market.segments.bold.opportunist_share=uniform(0,1)",
            "grid",
            "a grid design takes values or ranges, not distributions",
        ),
        (
            "market.segments.bold.opportunist_share=beta(2,2,0,1)",
            "sobol",
            "a sobol design compares inputs: vary at least 2",
        ),
    ],
)
def test_bad_distributions_are_one_line_errors_before_any_work(tmp_path, vary, design, message):
    scenario = write_scenario(tmp_path)
    points = () if design == "grid" else ("--points", "4")
    code, output = cli(
        "sweep",
        scenario,
        "--vary",
        vary,
        "--design",
        design,
        *points,
        "--out",
        tmp_path / "out",
        "--quiet",
    )
    assert code == 2, output
    assert message in output and "Traceback" not in output and len(output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_distributions_in_a_scenario_file_are_checked_with_their_line(tmp_path):
    sweep = (
        "sweep:\n  design: latin_hypercube\n  points: 8\n  parameters:\n"
        "    money.price_eur: {distribution: triangular, low: 100, mode: 90, high: 300}\n"
    )
    with pytest.raises(ScenarioError) as error:
        load_scenario(write_scenario(tmp_path, sweep))
    problem = error.value.problems[0]
    assert problem.path.startswith("sweep") and problem.line is not None
    assert "money.price_eur: mode must lie in [low, high]" in problem.message
    good = load_scenario(write_scenario(tmp_path, sweep.replace("mode: 90", "mode: 150")))
    design = make_design(good, good.sweep)
    assert (
        all(100 <= p.values["money.price_eur"] <= 300 for p in design.points)
        and len(design.points) == 8
    )


def test_morris_sweep_writes_sensitivity_and_ranks_the_inert_input_last(tmp_path):
    scenario = write_scenario(tmp_path)
    inert = (
        "policies.trusting.inspection.sensitivity"  # trusting never returns an item for inspection
    )
    acting = (
        "policies.trusting.goodwill_eur"  # paid on trusting's claims: moves the paired difference
    )
    out = tmp_path / "morris"
    code, output = cli(
        "sweep",
        scenario,
        "--vary",
        f"{inert}=0.5:0.9",
        "--vary",
        f"{acting}=0:200",
        "--design",
        "morris",
        "--points",
        "2",
        "--replications",
        "2",
        "--out",
        out,
        "--quiet",
        "--executor",
        "serial",
    )
    assert code == 0, output
    assert "Which inputs matter" in output
    table = pd.read_csv(out / SENSITIVITY_FILE)
    assert {"metric", "input", "index", "value", "ci_low", "ci_high", "method"} <= set(
        table.columns
    )
    assert set(table["metric"]) == {"value_total_eur", "net_result_eur"} and set(
        table["method"]
    ) == {"morris"}
    for metric in ("value_total_eur", "net_result_eur"):
        ranked = ranking(table, metric)
        assert list(ranked["input"]) == [acting, inert]
        assert ranked["value"].iloc[1] == 0.0 and ranked["ci_low"].iloc[0] > 0
    assert cli("plot", out)[0] == 0 and (out / "figures" / "sensitivity.png").is_file()
    code, output = cli("report", out)
    assert code == 0, output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Which inputs matter" in html and html.index(acting) < html.index(
        inert, html.index("Which inputs matter")
    )


def test_a_sensitivity_design_needs_two_policies(tmp_path):
    code, output = cli(
        "sweep",
        write_scenario(tmp_path),
        "--vary",
        "money.price_eur=100:200",
        "--vary",
        "policies.trusting.goodwill_eur=0:20",
        "--design",
        "sobol",
        "--points",
        "4",
        "--policy",
        "trusting",
        "--out",
        tmp_path / "out",
        "--quiet",
    )
    assert code == 2 and "paired difference between policies: run at least two" in output


def test_an_interrupted_sobol_sweep_resumes_to_the_same_indices(tmp_path):
    from recoverysim.experiment import Destination
    from recoverysim.experiments.driver import Interrupted
    from recoverysim.experiments.sweep import run_sweep

    scenario = load_scenario(write_scenario(tmp_path), ["replications=1"])
    sweep = sweep_from_options(
        scenario,
        ["money.price_eur=uniform(100,300)", "policies.trusting.goodwill_eur=0:40"],
        "sobol",
        2,
    )
    whole = run_sweep(scenario, sweep, executor="serial", store_in=Destination(tmp_path / "whole"))
    seen = []

    def stop_after_three(_):
        seen.append(1)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        run_sweep(
            scenario,
            sweep,
            executor="serial",
            on_output=stop_after_three,
            store_in=Destination(tmp_path / "cut"),
        )
    assert not (tmp_path / "cut" / SENSITIVITY_FILE).exists()
    resumed = run_sweep(
        scenario, sweep, executor="serial", store_in=Destination(tmp_path / "cut", resume=True)
    )
    pd.testing.assert_frame_equal(whole.sensitivity, resumed.sensitivity)
    assert (tmp_path / "whole" / SENSITIVITY_FILE).read_bytes() == (
        tmp_path / "cut" / SENSITIVITY_FILE
    ).read_bytes()
