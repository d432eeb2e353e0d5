"""The HTML report of a small real run: self-contained, escaped, and holding the numbers of
summary.csv."""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from visual_support import make_points, make_run

from recoverysim.cli import main
from recoverysim.views.report import HEADLINE, headline_sentences

DATA_URI = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    return {"run": make_run(root), "sweep": make_points(root, "line")}


@pytest.fixture(scope="module")
def html(folders):
    result = CliRunner().invoke(
        main, ["report", str(folders["run"]), "-o", str(folders["run"].parent / "report.html")]
    )
    assert result.exit_code == 0, result.output
    return (folders["run"].parent / "report.html").read_text(encoding="utf-8")


def test_report_is_self_contained(html):
    without_images = DATA_URI.sub("", html)
    assert "http" not in without_images.lower()
    assert re.findall(r'(?:src|href)\s*=\s*"(?!data:)', html) == []
    assert "<link" not in html and "@import" not in html and "url(" not in without_images
    assert len(DATA_URI.findall(html)) == 5  # the five run figures, embedded


def test_report_has_every_section(html):
    for heading in (
        "The question",
        "The scenario in plain words",
        "Headline comparison",
        "Which policy and how sure",
        "Every key figure",
        "Figures",
        "Assumptions",
        "How to reproduce",
    ):
        assert f">{heading}</h" in html


NUMBER = re.compile(r"-?[\d,]*\.?\d+(?:e[+-]?\d+)?")
POLICIES = ("trusting", "middle", "suspicious")


def shown(text: str) -> tuple[float, float]:
    """A number as the report prints it, and half a unit of its last digit: how far rounding may
    have moved it."""
    digits = Decimal(text.replace(",", ""))
    return float(digits), 0.5 * 10.0 ** digits.as_tuple().exponent


def assert_shows(text: str, value: float, what: object) -> None:
    number, rounding = shown(text)
    assert abs(number - value) <= rounding * (1 + 1e-9) + 1e-12, (what, text, value)


def figure_cells(html: str, figure: str) -> list[list[str]]:
    """The numbers of each cell in the key-figure table's row for `figure`, read from the HTML
    alone."""
    row = re.search(rf"<tr><td><code>{figure}</code></td>(.*?)</tr>", html).group(1)
    return [NUMBER.findall(cell) for cell in re.findall(r'<td class="num">(.*?)</td>', row)]


def test_report_holds_every_policy_and_the_headline_numbers_of_summary_csv(html, folders):
    """Numbers read back from the HTML equal summary.csv's to the digits shown (no report formatter
    used)."""
    summary = pd.read_csv(folders["run"] / "summary.csv").set_index(["policy", "metric"])
    for policy in POLICIES:
        assert f"<th>{policy}</th>" in html
    for figure, words, kind in HEADLINE:
        cells = figure_cells(html, figure)
        assert len(cells) == len(POLICIES) + len(POLICIES) - 1, (figure, cells)
        for policy, cell in zip(POLICIES, cells):
            row = summary.loc[(policy, figure)]
            assert len(cell) == 3, (figure, policy, cell)  # mean [low, high]
            for text, column in zip(cell, ("mean", "ci_low", "ci_high")):
                assert_shows(text, row[column], (figure, policy, column))
        for policy, cell in zip(POLICIES[1:], cells[len(POLICIES) :]):
            row = summary.loc[(policy, figure)]
            for text, column in zip(cell, ("diff_vs_baseline", "diff_ci_low", "diff_ci_high")):
                assert_shows(text, row[column], (figure, policy, column))
        scale = 100.0 if kind == "share" else 1.0  # shares are printed in per cent
        for policy in POLICIES[1:]:
            sentence = re.search(
                rf"The {re.escape(words)} over [^:]*? is (\S+)(?: %| EUR| days)? under {policy} "
                rf"against (\S+)(?: %| EUR| days)? under "
                rf"{POLICIES[0]}",
                html,
            )
            assert sentence, (figure, policy)
            assert_shows(
                sentence.group(1), scale * summary.loc[(policy, figure), "mean"], (figure, policy)
            )
            assert_shows(
                sentence.group(2),
                scale * summary.loc[(POLICIES[0], figure), "mean"],
                (figure, POLICIES[0]),
            )


def test_which_policy_and_how_sure_holds_the_numbers_of_selection_csv(html, folders):
    selection = pd.read_csv(folders["run"] / "selection.csv")
    decision = selection[selection["metric"] == "value_total_eur"]
    assert len(decision) == 3 and decision["best"].sum() == 1
    section = html.split(">Which policy and how sure</h2>")[1].split("<h3>")[0]
    for row in decision.itertuples():
        cells = re.search(
            rf"<tr><td><code>value_total_eur</code>[^<]*</td><td>{row.policy}</td>(.*?)</tr>",
            section,
        ).group(1)
        low, high = re.search(rf"\[({NUMBER.pattern}), ({NUMBER.pattern})\]", cells).groups()
        assert_shows(low, row.mcb_low, (row.policy, "mcb_low"))
        assert_shows(high, row.mcb_high, (row.policy, "mcb_high"))
    assert "worse than the best" in section and "selection.csv" in section


def test_text_from_the_scenario_file_is_escaped(html):
    assert (
        "<em>with markup</em>" not in html
        and "&lt;em&gt;with markup&lt;/em&gt; &amp; an ampersand" in html
    )
    assert "<b>fast</b>" not in html and "&lt;b&gt;fast&lt;/b&gt;" in html


def test_assumptions_table_lists_defaults_with_their_source(html):
    row = re.search(r"<tr><td><code>behaviour\.loss_aversion</code></td>(.*?)</tr>", html).group(1)
    assert "2.25" in row and ">default<" in row and "Tversky" in row
    row = re.search(r"<tr><td><code>market\.initial_customers</code></td>(.*?)</tr>", html).group(1)
    assert "2000" in row and "<td>scenario</td>" in row
    # a default inside a section that the file did not touch keeps its section default (email has no
    # patience)
    row = re.search(
        r"<tr><td><code>channels\.email\.patience_minutes_mean</code></td>(.*?)</tr>", html
    ).group(1)
    assert "null" in row and ">default<" in row


def test_reproduce_section_gives_command_seed_and_versions(html):
    section = html[html.index(">How to reproduce<") :]
    assert "recoverysim run visual-small.yaml" in section and "<code>11</code>" in section
    assert "numpy" in section and "simpy" in section


def test_headline_sentences_say_when_an_interval_includes_zero():
    summary = pd.DataFrame(
        [
            ("a", "net_result_eur", 100.0, 90.0, 110.0, 0.0, float("nan"), float("nan")),
            ("b", "net_result_eur", 105.0, 95.0, 115.0, 5.0, -2.0, 12.0),
            ("a", "retention_share", 0.9, 0.89, 0.91, 0.0, float("nan"), float("nan")),
            ("b", "retention_share", 0.8, 0.79, 0.81, -0.1, -0.12, -0.08),
        ],
        columns=[
            "policy",
            "metric",
            "mean",
            "ci_low",
            "ci_high",
            "diff_vs_baseline",
            "diff_ci_low",
            "diff_ci_high",
        ],
    )
    net, retention = headline_sentences(summary, 365)
    assert "no clear difference" in net and "includes zero" in net and "over 365 days" in net
    assert "less by 10.0 percentage points" in retention and "−12.0" in retention


def test_sweep_report_embeds_the_sweep_figures(folders, tmp_path):
    result = CliRunner().invoke(
        main, ["report", str(folders["sweep"]), "-o", str(tmp_path / "sweep.html")]
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "sweep.html").read_text(encoding="utf-8")
    assert "money.inspection_eur" in html and 'id="fig-sweep-difference"' in html
    assert (
        "<h2>Where each policy wins</h2>" in html and "at least two numeric inputs" in html
    )  # one input: no map
    assert "http" not in DATA_URI.sub("", html).lower()


def test_report_of_a_missing_folder_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path / "absent")])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_every_table_sits_in_a_scroll_container_and_wide_ones_shrink(html):
    assert re.search(r"\.table-scroll\{[^}]*overflow-x:auto", html)
    assert html.count("<table") == html.count('<div class="table-scroll"><table')
    key_figures = html.split(">Every key figure</h3>")[1].split("</table>")[0]
    assert key_figures.lstrip().startswith(
        '<div class="table-scroll"><table class="wide">'
    )  # 3 policies + 2 diffs
    versions = html.split(">How to reproduce</h2>")[1]
    assert '<div class="table-scroll"><table>' in versions  # two columns: the ordinary style


def test_sweep_report_gives_the_paired_difference_per_point_beside_the_absolutes(folders, tmp_path):
    """Differences read back from the HTML equal those computed here from points.parquet (t from
    scipy)."""
    from scipy import stats

    result = CliRunner().invoke(
        main, ["report", str(folders["sweep"]), "-o", str(tmp_path / "sweep.html")]
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "sweep.html").read_text(encoding="utf-8")
    points = pd.read_parquet(folders["sweep"] / "points.parquet")
    section = html.split("<h2>Points</h2>")[1].split("<h2>")[0]
    for figure in ("net_result_eur", "value_total_eur"):
        table = section.split(f"<h3><code>{figure}</code></h3>")[1].split("</table>")[0]
        assert "<th>trusting</th><th>suspicious</th><th>suspicious − trusting</th>" in table
        wide = points.pivot_table(index=["point", "replication"], columns="policy", values=figure)
        for point, group in wide.groupby(level="point"):
            row = re.search(rf'<tr data-point="{point}">(.*?)</tr>', table).group(1)
            cells = [
                NUMBER.findall(cell) for cell in re.findall(r'<td class="num">(.*?)</td>', row)
            ]
            assert len(cells) == 3 and all(len(cell) == 3 for cell in cells), (figure, point, cells)
            paired = (group["suspicious"] - group["trusting"]).to_numpy()
            half = stats.t.ppf(0.975, paired.size - 1) * paired.std(ddof=1) / np.sqrt(paired.size)
            expected = (paired.mean(), paired.mean() - half, paired.mean() + half)
            for text, value in zip(cells[2], expected):
                number, rounding = shown(
                    text
                )  # the package's t table has 3 decimals: 1e-4 of a half width
                assert abs(number - value) <= rounding + 1e-4 * half + 1e-9, (
                    figure,
                    point,
                    text,
                    value,
                )
            assert_shows(cells[0][0], group["trusting"].mean(), (figure, point, "trusting"))
            excludes_zero = expected[1] > 0 or expected[2] < 0
            assert ("<strong>" in row.split('<td class="num">')[3]) == excludes_zero
