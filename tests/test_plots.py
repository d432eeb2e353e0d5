"""Each figure is built from a small real run (or a sweep made of real runs) and checked for what it
must show."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from visual_support import make_points, make_run

from recoverysim.views import plots, sweep_plots
from recoverysim.cli import main
from recoverysim.results import read_results


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("plots")
    return {
        "run": make_run(root),
        "line": make_points(root, "line"),
        "oat": make_points(root, "one_at_a_time"),
    }


@pytest.fixture(scope="module")
def stored(folders):
    return read_results(folders["run"])


@pytest.fixture(scope="module")
def context(stored):
    return plots.Context.from_manifest(stored.manifest)


def texts(fig) -> str:
    return (
        " ".join(t.get_text() for t in fig.texts)
        + " "
        + (fig._suptitle.get_text() if fig._suptitle else "")
    )


def legend_labels(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_every_figure_has_a_title_and_a_footer_naming_scenario_and_seed(stored, context):
    figures = plots.run_figures(
        stored.summary, stored.replications, stored.claims, stored.daily, context
    )
    assert set(figures) == {"tradeoff", "over-time", "money", "claim-journeys", "word-of-mouth"}
    for name, fig in figures.items():
        words = texts(fig)
        assert "scenario visual-small" in words and "seed 11" in words, name
        assert fig._suptitle is not None and fig._suptitle.get_text(), name
        for ax in fig.axes:
            ticks = " ".join(t.get_text() for t in ax.get_xticklabels())
            assert (
                ax.get_xlabel()
                or any(o.get_xlabel() for o in ax.get_shared_x_axes().get_siblings(ax))
                or ("trusting" in ticks and "suspicious" in ticks)
            ), f"{name}: an x axis without a label or policy names"
            assert ax.get_ylabel(), f"{name}: an axis without a label"


def test_tradeoff_puts_each_policy_at_its_mean_cost_and_value_with_the_frontier(stored, context):
    fig = plots.tradeoff(stored.summary, context)
    ax_value, ax_retention = fig.axes[:2]
    assert (
        "EUR" in ax_value.get_xlabel()
        and "EUR" in ax_value.get_ylabel()
        and "%" in ax_retention.get_ylabel()
    )
    means = stored.replications.groupby("policy").mean(numeric_only=True)
    scale, _ = plots.money_scale(
        stored.summary.query("metric == 'cost_total_eur'")[["mean", "ci_low", "ci_high"]].to_numpy()
    )
    for policy in ("trusting", "middle", "suspicious"):
        assert policy in legend_labels(ax_value)
        marker = next(c for c in ax_value.containers if c.get_label() == policy).lines[0]
        assert marker.get_xdata()[0] == pytest.approx(means.loc[policy, "cost_total_eur"] / scale)
    assert "non-dominated frontier" in legend_labels(ax_value)


def test_frontier_keeps_exactly_the_points_no_other_point_beats():
    rng = np.random.default_rng(3)

    def beats(j, i, x, y):  # j costs no more and keeps no less, and is strictly better in one
        return x[j] <= x[i] and y[j] >= y[i] and (x[j] < x[i] or y[j] > y[i])

    for _ in range(50):
        x, y = rng.integers(0, 6, 8).astype(float), rng.integers(0, 6, 8).astype(float)
        kept = set(plots.frontier(x, y).tolist())
        for i in range(8):
            dominated = any(beats(j, i, x, y) for j in range(8))
            if i in kept:
                assert not dominated
            else:
                assert dominated or any(x[j] == x[i] and y[j] == y[i] for j in kept)


def test_over_time_draws_the_daily_mean_of_each_policy(stored, context):
    fig = plots.over_time(stored.daily, context)
    assert len(fig.axes) == 3
    loyalty_ax = fig.axes[1]
    expected = stored.daily.groupby(["policy", "day"])["mean_loyalty"].mean()
    for policy in ("trusting", "middle", "suspicious"):
        line = next(line for line in loyalty_ax.lines if line.get_label() == policy)
        assert len(line.get_xdata()) == 120
        np.testing.assert_allclose(line.get_ydata(), expected.loc[policy].to_numpy())
    assert fig.axes[2].get_xlabel() == "day of the simulation"


def test_money_stacks_add_up_to_the_total_cost_and_the_margin_is_beside_them(stored, context):
    fig = plots.money(stored.replications, context)
    ax = fig.axes[0]
    means = stored.replications.groupby("policy", sort=False).mean(numeric_only=True)
    scale, _ = plots.money_scale(
        np.concatenate(
            [means["sales_margin_eur"] + means["repair_charges_eur"], means["cost_total_eur"]]
        )
    )
    bars = [b for b in ax.patches]
    parts = len([p for p in plots.COST_PARTS])
    policies = list(means.index)
    for k, policy in enumerate(policies):
        stacked = sum(bars[i * len(policies) + k].get_height() for i in range(parts))
        assert stacked == pytest.approx(means.loc[policy, "cost_total_eur"] / scale)
        margin = bars[parts * len(policies) + k].get_height()
        assert margin == pytest.approx(
            (means.loc[policy, "sales_margin_eur"] + means.loc[policy, "repair_charges_eur"])
            / scale
        )
    labels = legend_labels(ax)
    assert {"remedies", "fraud paid out", "inspection", "goodwill", "escalations"} <= set(labels)


def test_journeys_split_honest_and_fraudulent_claims(stored, context):
    fig = plots.journeys(stored.claims, context)
    titles = [ax.get_title() for ax in fig.axes]
    assert any("honest" in t for t in titles) and any("fraudulent" in t for t in titles)
    contacts_ax = fig.axes[2]
    assert (
        len(contacts_ax.containers) == 3
    )  # one set of bars per policy; each policy's shares sum to one
    for container in contacts_ax.containers:
        assert sum(b.get_height() for b in container.patches) == pytest.approx(1.0)
    honest = stored.claims[~stored.claims["is_fraud"]]
    decided = honest[
        honest["decision"].isin(["approved", "denied"]) & (honest["policy"] == "suspicious")
    ]
    step = next(line for line in fig.axes[0].lines if line.get_label().startswith("suspicious"))
    assert f"n={len(decided):,} decided" in step.get_label()
    assert step.get_xdata()[-1] == pytest.approx(
        (decided["closed_day"] - decided["filed_day"]).max()
    )


def test_word_of_mouth_totals_match_the_key_figures(stored, context):
    fig = plots.word_of_mouth(stored.daily, stored.replications, context)
    ax_positive, ax_negative, ax_people = fig.axes
    means = stored.replications.groupby("policy").mean(numeric_only=True)
    for ax, figure in ((ax_positive, "wom_positive"), (ax_negative, "wom_negative")):
        for policy in ("trusting", "suspicious"):
            line = next(line for line in ax.lines if line.get_label() == policy)
            assert line.get_ydata()[-1] == pytest.approx(means.loc[policy, figure])
    won = next(c for c in ax_people.containers if c.get_label() == "won")
    assert [b.get_height() for b in won.patches] == pytest.approx(
        list(means.reindex(["trusting", "middle", "suspicious"])["customers_won_wom"])
    )


def test_sweep_difference_marks_the_break_even_inspection_cost(folders):
    points = pd.read_parquet(folders["line"] / "points.parquet")
    assert sweep_plots.sweep_parameters(points) == ["money.inspection_eur"]
    fig = sweep_plots.sweep_difference(
        points, plots.Context("visual-small", 11, 2), figures=("net_result_eur",)
    )
    ax = fig.axes[0]
    diffs = sweep_plots.paired_differences(points, "net_result_eur", "trusting").sort_values(
        "money.inspection_eur"
    )
    base = points[points["policy"] == "trusting"].set_index(["point", "replication"])[
        "net_result_eur"
    ]
    mine = points[points["policy"] == "suspicious"].set_index(["point", "replication"])[
        "net_result_eur"
    ]
    by_hand = (mine - base).groupby(level="point").mean()
    np.testing.assert_allclose(diffs.set_index("point")["diff"].sort_index(), by_hand.sort_index())
    crossing = sweep_plots.break_even(
        diffs["money.inspection_eur"].to_numpy(), diffs["diff"].to_numpy()
    )
    assert (
        crossing is not None and 0.0 < crossing < 450.0
    )  # inspecting gets dearer until suspicion stops paying
    verticals = [
        line for line in ax.lines if len(set(line.get_xdata())) == 1 and line.get_linestyle() == ":"
    ]
    assert verticals and verticals[0].get_xdata()[0] == pytest.approx(crossing)
    assert any("crosses zero" in t.get_text() for t in ax.texts)
    assert ax.get_xlabel() == "Inspection cost, EUR" and "difference" in ax.get_ylabel()
    assert "inspection cost varies" in texts(fig) and "x: money.inspection_eur" in texts(
        fig
    )  # path in small print


def test_break_even_interpolates_the_first_zero_crossing():
    assert sweep_plots.break_even(
        np.array([0.0, 1.0, 2.0]), np.array([2.0, 1.0, -1.0])
    ) == pytest.approx(1.5)
    assert sweep_plots.break_even(np.array([2.0, 0.0]), np.array([-1.0, 1.0])) == pytest.approx(1.0)
    assert sweep_plots.break_even(np.array([0.0, 1.0]), np.array([1.0, 2.0])) is None


def test_tornado_has_one_bar_pair_per_parameter_spanning_its_low_and_high_points(folders):
    points = pd.read_parquet(folders["oat"] / "points.parquet")
    base = sweep_plots.one_at_a_time_base(points)
    assert base == {
        "market.segments.bold.opportunist_share": 0.3,
        "policies.trusting.goodwill_eur": 10.0,
    }
    fig = sweep_plots.tornado(points, plots.Context("visual-small", 11, 2))
    ax = fig.axes[0]
    diffs = sweep_plots.paired_differences(points, "net_result_eur", "trusting")
    scale = plots.money_scale(diffs["diff"].to_numpy())[0]
    at_base = diffs[(diffs[list(base)] == pd.Series(base)).all(axis=1)]["diff"].iloc[0]
    lows = [b for b in ax.patches][0::2]
    assert len(ax.patches) == 4 and len(ax.get_yticklabels()) == 2
    for bar in lows:
        assert bar.get_x() == pytest.approx(at_base / scale)
    ends = sorted(round((b.get_x() + b.get_width()) * scale, 6) for b in ax.patches)
    others = diffs[~(diffs[list(base)] == pd.Series(base)).all(axis=1)]["diff"]
    assert ends == pytest.approx(sorted(others.round(6)))


def test_sweep_figures_choose_the_tornado_for_one_at_a_time_designs(folders):
    line = sweep_plots.sweep_figures(pd.read_parquet(folders["line"] / "points.parquet"))
    oat = sweep_plots.sweep_figures(pd.read_parquet(folders["oat"] / "points.parquet"))
    assert set(line) == {"tradeoff", "sweep-difference"} and set(oat) == {"tradeoff", "tornado"}


def test_plot_command_writes_every_figure_of_a_run_and_of_a_sweep(folders, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main, ["plot", str(folders["run"]), "--format", "svg", "--out", str(tmp_path / "run")]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == sorted(
        f"{n}.svg" for n in ("tradeoff", "over-time", "money", "claim-journeys", "word-of-mouth")
    )
    result = runner.invoke(main, ["plot", str(folders["line"]), "--out", str(tmp_path / "sweep")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir()) == [
        "sweep-difference.png",
        "tradeoff.png",
    ]
    assert (tmp_path / "sweep" / "tradeoff.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_command_on_a_folder_without_results_says_so_in_one_line(tmp_path):
    result = CliRunner().invoke(main, ["plot", str(tmp_path)])
    assert result.exit_code == 2
    assert "neither a run folder" in result.output and len(result.output.strip().splitlines()) == 1
    result = CliRunner().invoke(main, ["plot", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such results folder" in result.output


# ---- issue 14: readable sweep figures
# -------------------------------------------------------------------------------


def crowded_summary(points: int = 12) -> pd.DataFrame:
    """Summary rows of a 12-point sweep whose points sit close together, as a cheap policy's often
    do."""
    rows = []
    for policy, (cost, value) in {"trusting": (200e3, 250e3), "suspicious": (205e3, 249e3)}.items():
        for point in range(points):
            for metric, mean in (
                ("cost_total_eur", cost + 900 * point),
                ("customer_value_eur", value + 300 * point),
                ("retention_share", 0.97 + 0.0005 * point),
            ):
                rows.append(
                    {
                        "point": point,
                        "policy": policy,
                        "metric": metric,
                        "mean": mean,
                        "ci_low": mean * 0.98,
                        "ci_high": mean * 1.02,
                    }
                )
    return pd.DataFrame(rows)


def test_tradeoff_of_twelve_points_keeps_its_point_labels_apart_and_inside_the_figure():
    labels = {point: f"{40 * point:g}, {0.1 + 0.05 * point:g}" for point in range(12)}
    fig = plots.tradeoff(
        crowded_summary(),
        plots.Context("visual-small", 11, 2),
        labels=labels,
        labels_name="inspection_eur, opportunist_share",
    )
    renderer = fig.canvas.get_renderer()
    point_labels = [t for ax in fig.axes for t in ax.texts if t.get_gid() == plots.POINT_LABEL]
    assert (
        point_labels and len(point_labels) <= 2 * 2 * 2
    )  # at most the two ends per policy and panel
    boxes = [t.get_window_extent(renderer) for t in point_labels]
    for i, box in enumerate(boxes):
        assert (
            fig.bbox.x0 <= box.x0
            and box.x1 <= fig.bbox.x1
            and fig.bbox.y0 <= box.y0
            and box.y1 <= fig.bbox.y1
        )
        for other in boxes[i + 1 :]:
            assert not box.overlaps(other), (point_labels[i].get_text(), "overlaps another label")
    assert all(
        "points: inspection_eur, opportunist_share" in ax.get_legend().get_title().get_text()
        for ax in fig.axes[:2]
    )


def grid_points(escalation_matters: bool) -> pd.DataFrame:
    """Points of a 4 x 2 grid with three policies: net result falls with the inspection cost for the
    inspecting policy; the escalation cost moves it only when `escalation_matters` (else both groups
    have the same series)."""
    rng = np.random.default_rng(5)
    rows, point = [], 0
    for inspection in (0.0, 150.0, 300.0, 450.0):
        for escalation in (100.0, 400.0):
            noise = rng.normal(0.0, 300.0, size=3)
            for policy, slope in (("trusting", 0.0), ("middle", -5.0), ("suspicious", -60.0)):
                for replication in range(3):
                    shift = (
                        -10.0 * escalation if escalation_matters and policy != "trusting" else 0.0
                    )
                    value = (
                        9000.0 * (policy != "trusting")
                        + slope * inspection
                        + shift
                        + noise[replication]
                    )
                    rows.append(
                        {
                            "point": point,
                            "policy": policy,
                            "replication": replication,
                            "money.inspection_eur": inspection,
                            "money.escalation_eur": escalation,
                            "net_result_eur": value,
                            "customer_value_eur": 0.5 * value,
                        }
                    )
            point += 1
    return pd.DataFrame(rows)


@pytest.mark.parametrize("escalation_matters, groups", [(True, 2), (False, 1)])
def test_sweep_difference_draws_one_line_per_challenger_and_distinct_group(
    escalation_matters, groups
):
    points = grid_points(escalation_matters)
    fig = sweep_plots.sweep_difference(points, figures=("net_result_eur", "customer_value_eur"))
    for ax in fig.axes:
        lines = [line for line in ax.lines if line.get_gid() == sweep_plots.DIFFERENCE_LINE]
        assert len(lines) == (3 - 1) * groups
        assert len({line.get_label() for line in lines}) == len(
            lines
        )  # no two series under one name
        crossings = [t.get_text() for t in ax.texts if "crosses zero" in t.get_text()]
        assert len(crossings) == len(set(crossings))
        if len(lines) > 1:  # each crossing says whose it is
            assert all(
                t.split(": crosses zero")[0]
                in {lbl.get_label().replace(" − trusting", "") for lbl in lines}
                for t in crossings
            )
    if not escalation_matters:
        assert "the same for every escalation_eur" in legend_labels(fig.axes[0])[0]


def test_tornado_whiskers_span_the_paired_interval_at_each_bar_end(folders):
    from matplotlib.container import ErrorbarContainer
    from scipy import stats

    points = pd.read_parquet(folders["oat"] / "points.parquet")
    base = sweep_plots.one_at_a_time_base(points)
    fig = sweep_plots.tornado(points, plots.Context("visual-small", 11, 2))
    ax = fig.axes[0]
    assert "whiskers: 95 % t intervals" in texts(fig)
    wide = points.pivot_table(
        index=["point", "replication"], columns="policy", values="net_result_eur"
    )
    paired = (wide["suspicious"] - wide["trusting"]).groupby(level="point")
    expected = []
    for point, values in paired:
        half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
        row = points[points["point"] == point].iloc[0]
        if any(row[p] != base[p] for p in base):  # a moved point: one bar end
            expected.append((values.mean() - half, values.mean() + half))
    scale = plots.money_scale(np.ravel(expected))[0]
    whiskers = []
    for container in ax.containers:
        if isinstance(container, ErrorbarContainer):
            segments = container.lines[2][0].get_segments()
            whiskers += [(s[0][0] * scale, s[1][0] * scale) for s in segments]
    assert len(whiskers) == len(expected) == 4
    widest = max(
        high - low for low, high in expected
    )  # the package's t table has 3 decimals (12.706 for 1 df):
    np.testing.assert_allclose(
        sorted(whiskers), sorted(expected), atol=1e-4 * widest
    )  # ends agree to 1e-4 of a width


def test_an_axis_that_leaves_out_zero_says_so_and_only_then(folders):
    summary = crowded_summary()
    around_zero = summary.copy()  # retention moved to straddle 0: that panel's axis includes it
    shares = around_zero["metric"] == "retention_share"
    around_zero.loc[shares, ["mean", "ci_low", "ci_high"]] -= 0.975
    line = pd.read_parquet(folders["line"] / "points.parquet")
    figures = [
        plots.tradeoff(summary),
        plots.tradeoff(around_zero),
        *sweep_plots.sweep_figures(line).values(),
    ]
    seen = set()
    for fig in figures:
        for ax in fig.axes:
            if not ax.has_data():
                continue
            low, high = ax.get_ylim()
            noted = [t.get_text() for t in ax.texts if t.get_gid() == plots.AXIS_NOTE]
            excludes = not (low <= 0.0 <= high)
            seen.add(excludes)
            assert (noted == ["y axis does not start at 0"]) == excludes, (
                ax.get_title(),
                low,
                high,
            )
    assert seen == {True, False}


def test_a_scattered_design_shows_unjoined_points_and_reads_no_crossing_off_them():
    """A Latin hypercube moves every input at every point: joining points along one input would draw
    noise."""
    rng = np.random.default_rng(9)
    rows = []
    for point in range(12):
        inspection, escalation = rng.uniform(0, 450), rng.uniform(100, 400)
        for policy, slope in (("trusting", 0.0), ("suspicious", -60.0)):
            for replication in range(3):
                value = (
                    9000.0 * (policy != "trusting")
                    + slope * inspection
                    - 5.0 * escalation
                    + rng.normal(0, 300)
                )
                rows.append(
                    {
                        "point": point,
                        "policy": policy,
                        "replication": replication,
                        "money.inspection_eur": inspection,
                        "money.escalation_eur": escalation,
                        "net_result_eur": value,
                        "customer_value_eur": value,
                    }
                )
    fig = sweep_plots.sweep_difference(pd.DataFrame(rows), figures=("net_result_eur",))
    ax = fig.axes[0]
    assert not [line for line in ax.lines if line.get_gid() == sweep_plots.DIFFERENCE_LINE]
    assert not [t for t in ax.texts if "crosses zero" in t.get_text()]
    clouds = [c for c in ax.containers if "one marker per design point" in c.get_label()]
    assert len(clouds) == 1 and len(clouds[0].lines[0].get_xdata()) == 12
