"""`recoverysim decompose`: Shapley values of the levers between two policies, from the maths to the
command line."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from recoverysim.cli import main
from recoverysim.cli.decompose import decompose as decompose_command
from recoverysim.experiments import shapley as sh
from recoverysim.experiments.decompose import (
    COLUMNS,
    TOTAL,
    contributions_by_replication,
    decompose_policies,
    levers_between,
    plan_decomposition,
)
from recoverysim.scenario.load import scenario_from_dict
from recoverysim.scenario.schema import Policy

#: Three levers differ from cautious to generous: the proof asked, the remedy and a goodwill
#: gesture.
SCENARIO = {
    "name": "decompose-test",
    "horizon_days": 200,
    "seed": 7,
    "replications": 3,
    "market": {
        "initial_customers": 1500,
        "prospects": 500,
        "segments": [
            {
                "name": "everyone",
                "share": 1.0,
                "opportunist_share": 0.1,
                "fraud_attempts_per_year": 0.3,
            }
        ],
    },
    "product": {
        "components": [
            {"name": "device", "failures_per_year": 0.3},
            {"name": "strap", "failures_per_year": 0.1},
        ]
    },
    "policies": [
        {"name": "cautious", "evidence": "photo_and_receipt", "remedy": "repair"},
        {"name": "generous", "evidence": "none", "remedy": "replace", "goodwill_eur": 10},
        {"name": "same", "evidence": "photo_and_receipt", "remedy": "repair"},
    ],
}
METRIC = "net_result_eur"


def scenario(**changes):
    return scenario_from_dict({**SCENARIO, **changes})


def additive_values(
    effects: list[float], interaction: float = 0.0, pair: tuple[int, int] = (0, 1)
) -> dict[int, np.ndarray]:
    """v(S) = sum of the effects of the levers in S, plus `interaction` when both levers of `pair`
    are in S."""
    values = {}
    for mask in range(1 << len(effects)):
        value = sum(e for i, e in enumerate(effects) if mask >> i & 1)
        if all(mask >> i & 1 for i in pair):
            value += interaction
        values[mask] = np.array([value, 2 * value + 1.0])  # two "replications"
    return values


# ---- the maths
# --------------------------------------------------------------------------------------------------


def test_exact_shapley_gives_each_lever_its_effect_and_splits_an_interaction_equally():
    values = additive_values([3.0, -1.0, 0.5], interaction=4.0)
    phi = sh.shapley(values, 3)
    assert np.allclose(phi[:, 0], [3.0 + 2.0, -1.0 + 2.0, 0.5])
    assert np.allclose(phi.sum(axis=0), values[7] - values[0])


def test_exact_weights_are_shapleys_and_sum_to_one_over_subsets():
    n = 4
    total = sum(
        sh.exact_weight(size, n) * len(list(itertools.combinations(range(n - 1), size)))
        for size in range(n)
    )
    assert total == pytest.approx(1.0)
    assert sh.exact_weight(0, 3) == pytest.approx(1 / 3) and sh.exact_weight(1, 3) == pytest.approx(
        1 / 6
    )


def test_sampled_orderings_sum_exactly_to_the_total_and_are_reproducible():
    rng = np.random.default_rng(3)
    n = 8
    values = {
        mask: rng.normal(size=5) * 1000 for mask in range(1 << n)
    }  # an arbitrary set function, 5 replications
    orderings = sh.sample_orderings(n, 4, seed=11)
    assert orderings == sh.sample_orderings(n, 4, seed=11) and orderings != sh.sample_orderings(
        n, 4, seed=12
    )
    assert len(orderings) == 8 and all(
        orderings[2 * k + 1] == orderings[2 * k][::-1] for k in range(4)
    )
    phi = sh.shapley(values, n, orderings)
    assert np.allclose(phi.sum(axis=0), values[(1 << n) - 1] - values[0], rtol=1e-12, atol=1e-9)
    needed = sh.coalitions_of(orderings, n)
    assert len(needed) == len(set(needed)) <= 2 + len(orderings) * (n - 1)


def test_sampled_orderings_are_exact_when_the_levers_do_not_interact():
    values = additive_values([1.0, 2.0, -3.0, 0.0, 5.0, 7.0, -2.0], interaction=0.0)
    phi = sh.shapley(values, 7, sh.sample_orderings(7, 3, seed=1))
    assert np.allclose(phi[:, 0], [1.0, 2.0, -3.0, 0.0, 5.0, 7.0, -2.0])


# ---- levers and coalitions
# ----------------------------------------------------------------------------------------


def test_levers_are_the_fields_that_differ_with_inspection_field_by_field():
    a = Policy(name="a", excluded_components=("strap", "device"))
    b = Policy(
        name="b",
        description="other words",
        excluded_components=("device", "strap"),
        channel_staff={"phone": 3, "chat": 2},
        inspection={"sensitivity": 0.9, "technicians": 4},
        remedy="refund",
    )
    assert [lever.name for lever in levers_between(a, b)] == [
        "inspection.technicians",
        "inspection.sensitivity",
        "remedy",
        "channel_staff",
    ]


def test_a_coalition_is_a_valid_policy_with_the_targets_values_for_its_levers():
    plan = plan_decomposition(scenario(), "cautious", "generous")
    assert [lever.name for lever in plan.levers] == [
        "evidence",
        "remedy",
        "goodwill_eur",
    ] and plan.exact
    assert len(plan.coalitions) == 8 and len(set(plan.names)) == 8
    assert plan.names[0] == "cautious" and plan.names[-1] == "generous"
    hybrid = dict(zip(plan.names, plan.policies))["cautious+evidence+goodwill_eur"]
    assert (hybrid.evidence, hybrid.remedy, hybrid.goodwill_eur) == ("none", "repair", 10.0)
    assert "Shapley values over all 6 orderings" in plan.method()


def test_many_levers_sample_orderings_seeded_from_the_scenario():
    many = scenario(
        policies=[
            {"name": "a"},
            {
                "name": "b",
                "evidence": "none",
                "remedy": "replace",
                "goodwill_eur": 5,
                "single_case_owner": True,
                "escalation_watch": True,
                "shipping_days": 1,
                "return_for_inspection": True,
            },
        ]
    )
    plan = plan_decomposition(many, "a", "b", orderings=3)
    assert not plan.exact and len(plan.orderings) == 6
    assert "over 3 sampled orderings and their reverses" in plan.method()
    assert plan.orderings == plan_decomposition(many, "a", "b", orderings=3).orderings


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ("cautious", "nobody", "unknown policy 'nobody'"),
        ("cautious", "cautious", "both name cautious"),
        ("cautious", "same", "set every lever alike"),
    ],
)
def test_bad_pairs_are_usage_errors(a, b, message):
    from recoverysim.errors import UsageError

    with pytest.raises(UsageError, match=message):
        plan_decomposition(scenario(), a, b)


# ---- on a real scenario
# -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    return decompose_policies(scenario(), "cautious", "generous", executor="serial", metric=METRIC)


def test_contributions_sum_to_the_paired_difference_in_every_replication_and_metric(real):
    per_replication = contributions_by_replication(real.replications, real.plan)
    levers = (
        per_replication[per_replication["lever"] != TOTAL]
        .groupby(["metric", "replication"])["contribution"]
        .sum()
    )
    total = per_replication[per_replication["lever"] == TOTAL].set_index(["metric", "replication"])[
        "contribution"
    ]
    both = pd.concat([levers.rename("levers"), total.rename("total")], axis=1).dropna()
    assert len(both) >= 30 * 3
    assert np.allclose(
        both["levers"], both["total"], rtol=1e-6, atol=1e-6 * both["total"].abs().max()
    )
    frame = real.replications.set_index(["policy", "replication"])
    paired = frame.loc["generous", METRIC] - frame.loc["cautious", METRIC]
    assert np.allclose(total.loc[METRIC].to_numpy(), paired.to_numpy())


def test_the_table_has_every_metric_with_one_total_row(real):
    table = real.table
    assert tuple(table.columns) == COLUMNS
    assert (table[table["lever"] == TOTAL].groupby("metric").size() == 1).all()
    assert {METRIC, "cost_total_eur", "customer_value_eur"} <= set(table["metric"])
    rows = table[table["metric"] == METRIC]
    assert rows[rows["lever"] != TOTAL]["contribution"].sum() == pytest.approx(
        rows[rows["lever"] == TOTAL]["contribution"].iloc[0]
    )


def test_goodwill_costs_money_and_replacing_costs_more_than_repairing(real):
    """Direction: a goodwill gesture is a cost, so its contribution to total cost is positive; so is
    replacing."""
    table = real.table.set_index(["metric", "lever"])
    assert table.loc[("cost_goodwill_eur", "goodwill_eur"), "contribution"] > 0
    assert table.loc[("cost_goodwill_eur", "goodwill_eur"), "ci_low"] > 0
    assert table.loc[("cost_remedies_eur", "remedy"), "contribution"] > 0


def test_a_lever_that_cannot_act_contributes_exactly_zero():
    """Nobody posts publicly, so watching posts changes nothing: exactly 0 in every replication."""
    silent = {
        **SCENARIO["market"],
        "segments": [{**SCENARIO["market"]["segments"][0], "public_post_probability": 0.0}],
    }
    quiet = scenario(
        market=silent,
        replications=2,
        policies=[
            {"name": "plain", "remedy": "repair"},
            {"name": "watched", "remedy": "replace", "escalation_watch": True},
        ],
    )
    result = decompose_policies(quiet, "plain", "watched", executor="serial", metric=METRIC)
    per_replication = contributions_by_replication(result.replications, result.plan)
    watch = per_replication[per_replication["lever"] == "escalation_watch"]
    assert (watch["contribution"].fillna(0.0) == 0.0).all()
    remedy = per_replication[
        (per_replication["lever"] == "remedy") & (per_replication["metric"] == "cost_remedies_eur")
    ]
    assert (remedy["contribution"] > 0).all()  # while the other lever does act


# ---- the command
# --------------------------------------------------------------------------------------------------


def scenario_file(folder: Path, **changes) -> Path:
    import json

    path = folder / "decompose-test.yaml"
    path.write_text(json.dumps({**SCENARIO, **changes}), encoding="utf-8")  # JSON is YAML
    return path


def invoke(*args) -> tuple[int, str]:
    outcome = CliRunner().invoke(main, [str(a) for a in args])
    if outcome.exception is not None and not isinstance(outcome.exception, SystemExit):
        raise outcome.exception
    return outcome.exit_code, outcome.output


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("decompose")
    out = root / "out"
    code, output = invoke(
        "decompose",
        scenario_file(root),
        "--from",
        "cautious",
        "--to",
        "generous",
        "--metric",
        METRIC,
        "--executor",
        "serial",
        "--quiet",
        "--out",
        out,
    )
    assert code == 0, output
    return out, output


def test_the_command_prints_the_levers_the_total_and_the_method(folder):
    _, output = folder
    for word in (
        "evidence",
        "remedy",
        "goodwill_eur",
        "total",
        "share of total",
        "Shapley values over all 6 orderings",
    ):
        assert word in output


def test_the_command_writes_the_csv_with_exact_columns_a_total_per_metric_and_its_companion(folder):
    out, _ = folder
    table = pd.read_csv(out / "decomposition.csv")
    assert list(table.columns) == ["metric", "lever", "contribution", "ci_low", "ci_high"]
    assert set(table.groupby("metric")["lever"].apply(lambda levers: (levers == TOTAL).sum())) == {
        1
    }
    assert "Shapley values over all 6 orderings" in (out / "decomposition.txt").read_text(
        encoding="utf-8"
    )
    coalitions = pd.read_parquet(out / "replications.parquet")
    assert {"policy", "levers", "replication", METRIC} <= set(coalitions.columns) and len(
        coalitions
    ) == 8 * 3


def test_plot_draws_the_waterfall_and_report_has_the_section(folder):
    out, _ = folder
    code, output = invoke("plot", out)
    assert code == 0, output
    assert (out / "figures" / "decomposition.png").stat().st_size > 1000
    code, output = invoke("report", out)
    assert code == 0, output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert (
        "<h2>Decomposition</h2>" in html
        and 'id="fig-decomposition"' in html
        and "goodwill_eur" in html
    )


def test_an_unknown_policy_exits_2_with_one_line(tmp_path):
    code, output = invoke(
        "decompose",
        scenario_file(tmp_path),
        "--from",
        "cautious",
        "--to",
        "nobody",
        "--out",
        tmp_path / "o",
    )
    assert code == 2 and output.strip().count("\n") == 0 and "unknown policy 'nobody'" in output


def test_an_unknown_metric_exits_2_listing_the_figures(tmp_path):
    code, output = invoke(
        "decompose",
        scenario_file(tmp_path),
        "--from",
        "cautious",
        "--to",
        "generous",
        "--metric",
        "nothing",
        "--out",
        tmp_path / "o",
    )
    assert (
        code == 2
        and output.strip().count("\n") == 0
        and "available figures: net_result_eur" in output
    )


def test_the_default_metric_is_the_total_value():
    metric = next(p for p in decompose_command.params if p.name == "metric")
    assert metric.default == "value_total_eur"


def test_serial_and_processes_give_the_same_decomposition(tmp_path):
    path = scenario_file(tmp_path, replications=2, horizon_days=90)
    common = (
        "decompose",
        path,
        "--from",
        "cautious",
        "--to",
        "generous",
        "--metric",
        METRIC,
        "--quiet",
    )
    assert invoke(*common, "--executor", "serial", "--out", tmp_path / "serial")[0] == 0
    assert (
        invoke(*common, "--executor", "processes", "--workers", 2, "--out", tmp_path / "processes")[
            0
        ]
        == 0
    )
    for name in ("decomposition.csv", "replications.parquet"):
        assert (tmp_path / "serial" / name).read_bytes() == (
            tmp_path / "processes" / name
        ).read_bytes(), name
