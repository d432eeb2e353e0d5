"""Break-even search against a case solved by hand: inspection price moves only the suspicious
policy's cost, linearly.

Under common random numbers the suspicious policy inspects the same items at
every price, so the paired difference of replication r is exactly
d_r(x) = a_r - b_r x. Its crossing and the values where its 95 % interval
contains zero then follow in closed form from the evaluations.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from experiments_support import cli, write_scenario
from recoverysim import load_scenario
from recoverysim.errors import UsageError
from recoverysim.experiment import Destination
from recoverysim.experiments.breakeven import find_breakeven
from recoverysim.experiments.driver import Interrupted
from recoverysim.metrics import t_quantile_975

PARAMETER = "money.inspection_eur"
LOW, HIGH, TOLERANCE = 0.0, 1000.0, 1000.0 / 16


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    # Technician hours are paid at a flat daily rate under the suspicious policy; unpaid here, so
    # that the hand-solved crossing stays inside the search range (the search, not the price of
    # labour, is under test). Leniency's effect on sales is off, so the policies differ in costs
    # alone. With it, replication 0's gap moves by 180 EUR and the interval at the value found (27
    # EUR from the crossing) no longer holds 0: the last assertion of the first test is not
    # guaranteed by the search tolerance, only likely.
    return load_scenario(
        write_scenario(tmp_path_factory.mktemp("breakeven")),
        [
            "replications=3",
            "horizon_days=30",
            "money.technician_hour_eur=0",
            "market.leniency_purchase_effect=0",
            "market.leniency_repurchase_effect=0",
        ],
    )


@pytest.fixture(scope="module")
def answer(scenario):
    return find_breakeven(scenario, PARAMETER, LOW, HIGH, tolerance=TOLERANCE, executor="serial")


def paired_lines(answer) -> tuple[np.ndarray, np.ndarray]:
    """a_r and b_r of d_r(x) = a_r - b_r x, read from the evaluations; checks that d_r is indeed a
    line."""
    table = answer.table.set_index([PARAMETER, "policy", "replication"])[
        "net_result_eur"
    ].sort_index()
    values = sorted(set(table.index.get_level_values(0)))
    diff = {
        x: table.loc[(x, "suspicious")].to_numpy() - table.loc[(x, "trusting")].to_numpy()
        for x in values
    }
    a = diff[0.0]
    b = (a - diff[HIGH]) / HIGH
    for x in values:
        np.testing.assert_allclose(diff[x], a - b * x, rtol=1e-9, atol=1e-6)
    return a, b


def test_value_is_the_crossing_of_the_paired_mean(answer):
    a, b = paired_lines(answer)
    crossing = a.mean() / b.mean()
    assert LOW < crossing < HIGH
    assert abs(answer.value - crossing) <= TOLERANCE
    assert answer.at_value.value == answer.value and answer.at_value.replications == 3
    assert answer.at_value.ci_low <= 0 <= answer.at_value.ci_high


def test_interval_is_where_the_paired_interval_contains_zero(answer):
    a, b = paired_lines(answer)
    n = len(a)
    grid = np.linspace(LOW, HIGH, 100_001)
    d = a[None, :] - grid[:, None] * b[None, :]
    half = t_quantile_975(n - 1) * d.std(axis=1, ddof=1) / math.sqrt(n)
    mean = d.mean(axis=1)
    inside = grid[(mean - half <= 0) & (0 <= mean + half)]
    low, high = answer.interval
    open_low, open_high = answer.interval_open
    if open_low:
        assert low == LOW and inside[0] == LOW
    else:  # reported at the outer end of a bracket narrower than the tolerance
        assert inside[0] - TOLERANCE <= low <= inside[0]
    if open_high:
        assert high == HIGH and inside[-1] == HIGH
    else:
        assert inside[-1] <= high <= inside[-1] + TOLERANCE
    assert low <= answer.value <= high


def test_no_crossing_is_said_plainly(scenario):
    result = find_breakeven(scenario, PARAMETER, 0.0, 1.0, tolerance=0.5, executor="serial")
    assert result.value is None and result.interval is None
    assert result.note.startswith(
        "no crossing found: suspicious - trusting in net_result_eur stays above zero"
    )
    assert len(result.evaluations) == 5  # both ends and three interior values


def test_interrupted_search_resumes_to_the_same_answer(scenario, answer, tmp_path):
    calls = []

    def stop_after_some(_):
        calls.append(1)
        if len(calls) == 20:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        find_breakeven(
            scenario,
            PARAMETER,
            LOW,
            HIGH,
            tolerance=TOLERANCE,
            executor="serial",
            store_in=Destination(tmp_path),
            on_output=stop_after_some,
        )
    rerun = []
    resumed = find_breakeven(
        scenario,
        PARAMETER,
        LOW,
        HIGH,
        tolerance=TOLERANCE,
        executor="serial",
        store_in=Destination(tmp_path, resume=True),
        on_output=rerun.append,
    )
    assert len(rerun) == len(answer.table) - 20  # only the tasks missing from the folder ran
    assert (resumed.value, resumed.interval, resumed.evaluations) == (
        answer.value,
        answer.interval,
        answer.evaluations,
    )
    stored = json.loads((tmp_path / "breakeven.json").read_text())
    assert stored["value"] == answer.value and stored["interval"] == list(answer.interval)


def test_command_prints_value_and_interval(tmp_path):
    path = write_scenario(tmp_path)
    code, output = cli(
        "breakeven",
        path,
        "--vary",
        f"{PARAMETER}=0:1000",
        "--tolerance",
        "250",
        "--replications",
        "3",
        "--set",
        "horizon_days=30",
        "--set",
        "money.technician_hour_eur=0",
        "--out",
        tmp_path / "out",
        "--quiet",
        "--executor",
        "serial",
    )
    assert code == 0, output
    assert f"{PARAMETER} at which suspicious - trusting in net_result_eur crosses zero: " in output
    assert "95 % interval: " in output and "paired replications" in output
    code, output = cli(
        "breakeven",
        path,
        "--vary",
        f"{PARAMETER}=0:1000",
        "--policies",
        "suspicious",
        "--out",
        tmp_path / "x",
    )
    assert code == 2 and "exactly two policies" in output
    code, output = cli(
        "breakeven", path, "--vary", f"{PARAMETER}=0:1000:5", "--out", tmp_path / "x"
    )
    assert code == 2 and "dotted.path=lo:hi" in output


def test_bad_requests_are_usage_errors(scenario):
    with pytest.raises(UsageError, match="unknown figure 'profit'"):
        find_breakeven(scenario, PARAMETER, 0, 1, metric="profit")
    with pytest.raises(UsageError, match="at least 2 replications"):
        find_breakeven(scenario, PARAMETER, 0, 1, replications=1)
    with pytest.raises(UsageError, match="not a field of the scenario"):
        find_breakeven(scenario, "money.inspection", 0, 1)


def test_report_and_figure_state_the_break_even_the_search_found(tmp_path):
    """The report gives the value and interval of breakeven.json (not a crossing read off the
    points), and the figure marks that value and shades that interval."""
    import re

    from matplotlib.patches import Polygon, Rectangle

    from recoverysim.views.figure_files import figures_for_folder
    from recoverysim.views.report import build_report

    path = write_scenario(tmp_path)
    code, output = cli(
        "breakeven",
        path,
        "--vary",
        f"{PARAMETER}=0:1000",
        "--tolerance",
        "250",
        "--replications",
        "3",
        "--set",
        "horizon_days=30",
        "--set",
        "money.technician_hour_eur=0",
        "--out",
        tmp_path / "out",
        "--quiet",
        "--executor",
        "serial",
    )
    assert code == 0, output
    stored = json.loads((tmp_path / "out" / "breakeven.json").read_text())
    html = build_report(tmp_path / "out")
    stated = re.search(
        r"<h2>The break-even</h2>\s*<p><strong>[^<]*crosses zero: ([-0-9.,e+]+)</strong>", html
    )
    assert stated and float(stated.group(1).replace(",", "")) == pytest.approx(
        stored["value"], rel=1e-3
    )
    assert "95 % interval: " in html
    axes = figures_for_folder(tmp_path / "out")["sweep-difference"].axes[0]
    vertical = [line.get_xdata()[0] for line in axes.get_lines() if len(set(line.get_xdata())) == 1]
    assert stored["value"] in vertical
    spans = [p for p in axes.patches if isinstance(p, (Rectangle, Polygon))]
    extents = [(p.get_path().transformed(p.get_patch_transform()).vertices[:, 0]) for p in spans]
    assert any(
        np.isclose(x.min(), stored["interval"][0]) and np.isclose(x.max(), stored["interval"][1])
        for x in extents
    )


def test_a_sum_of_figures_is_searched_as_their_sum(scenario):
    """`a+b` crosses zero where the paired difference of a + b does: the evaluations' own columns,
    summed in the test, give the same mean at every value tried."""
    metric = "net_result_eur+customer_value_eur"
    result = find_breakeven(
        scenario, PARAMETER, LOW, HIGH, metric=metric, tolerance=TOLERANCE, executor="serial"
    )
    table = result.table.set_index([PARAMETER, "policy", "replication"])
    summed = (table["net_result_eur"] + table["customer_value_eur"]).sort_index()
    for evaluation in result.evaluations:
        diff = (
            summed.loc[(evaluation.value, "suspicious")].to_numpy()
            - summed.loc[(evaluation.value, "trusting")].to_numpy()
        )
        assert evaluation.mean == pytest.approx(diff.mean(), rel=1e-9, abs=1e-6)
    with pytest.raises(
        UsageError, match="unknown figure 'profit' in metric 'net_result_eur\\+profit'"
    ):
        find_breakeven(scenario, PARAMETER, LOW, HIGH, metric="net_result_eur+profit")
