"""The what-if grid equals direct runs, bad levers are clear errors, and the page works in a real
headless browser."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from visual_support import write_small_scenario

from recoverysim import load_scenario, run_experiment
from recoverysim.cli import main
from recoverysim.errors import RecoverySimError
from recoverysim.views.whatif import (
    DEFAULT_WHATIF,
    PAGE_FIGURES,
    Grid,
    levers_of,
    run_grid,
    with_fewer_customers,
)
from recoverysim.views.whatif_page import grid_json, page_html, page_title

CHROMIUM = os.environ.get("RECOVERYSIM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    return write_small_scenario(tmp_path_factory.mktemp("whatif"))


@pytest.fixture(scope="module")
def grid(scenario_file):
    scenario = load_scenario(scenario_file)
    return run_grid(
        scenario, levers_of(scenario, str(scenario_file)), replications=1, executor="serial"
    )


def test_star_paths_expand_to_every_policy(scenario_file):
    levers = levers_of(load_scenario(scenario_file))
    assert levers[0].paths == ("market.segments.bold.opportunist_share",)
    assert levers[1].paths == tuple(
        f"policies.{p}.goodwill_eur" for p in ("trusting", "middle", "suspicious")
    )


def test_a_scenario_without_a_whatif_section_gets_the_default_levers(scenario_file):
    scenario = load_scenario(scenario_file, ["whatif=null"])
    levers = levers_of(scenario)
    assert [lever.path for lever in levers] == [lever.path for lever in DEFAULT_WHATIF.levers]
    assert levers[0].paths == (
        "market.segments.careful.opportunist_share",
        "market.segments.bold.opportunist_share",
    )


@pytest.mark.parametrize(
    "override, message",
    [
        ("whatif.levers.0.path=market.segmants.bold.opportunist_share", "unknown key"),
        ("whatif.levers.0.values=[0.1, 2]", "must be <= 1"),
        (
            "whatif.levers.0.path=horizon_days.*",
            "'*' in horizon_days.* must stand for the items of a list",
        ),
    ],
)
def test_bad_levers_are_clear_errors_naming_the_lever(scenario_file, override, message):
    scenario = load_scenario(scenario_file, [override])
    with pytest.raises(RecoverySimError, match=re.escape(message)) as caught:
        levers_of(scenario, "s.yaml")
    assert str(caught.value).startswith("s.yaml: whatif.levers.0.path:")


def test_a_grid_larger_than_sixty_points_is_refused_at_load_time(scenario_file):
    from recoverysim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="at most 60"):
        load_scenario(
            scenario_file,
            [
                "whatif.levers.1.values=[0,1,2,3,4,5,6,7,8,9,10,11]",
                "whatif.levers.0.values=[0,0.1,0.2,0.3,0.4,0.5]",
            ],
        )


def test_the_scenarios_own_settings_are_among_the_values_and_the_page_starts_there(scenario_file):
    """visual-small has bold opportunists at 0.3 (not among the lever's 0.1, 0.5) and goodwill 10,
    0, 0 by policy (no single value): the first gets 0.3 inserted in order, the second an 'as
    written' setting that sets nothing."""
    opportunists, goodwill = levers_of(load_scenario(scenario_file))
    assert opportunists.values == (0.1, 0.3, 0.5) and opportunists.start == 1
    assert (
        repr(goodwill.values[0]) == "as written"
        and goodwill.values[1:] == (0, 20, 40)
        and goodwill.start == 0
    )
    assert goodwill.overrides(goodwill.values[0]) == []
    # a value the file's lever lists is not repeated; a boolean is not taken for 1
    listed = levers_of(load_scenario(scenario_file, ["whatif.levers.0.values=[0.1, 0.3]"]))[0]
    assert listed.values == (0.1, 0.3) and listed.start == 1
    canonical = load_scenario(Path(__file__).parents[1] / "scenarios" / "trust-vs-suspicion.yaml")
    share, inspects, updates = levers_of(canonical)
    assert share.values[share.start] == 0.05 and inspects.values[inspects.start] is True
    assert updates.values[updates.start] == canonical.policies[0].status_update_every_days


def test_each_grid_point_is_the_mean_of_a_direct_run_at_that_point(scenario_file, grid):
    assert len(grid.points) == 12 and grid.policies == ["trusting", "middle", "suspicious"]
    start = next(p for p in grid.points if p["index"] == [1, 0])
    as_written = run_experiment(load_scenario(scenario_file), replications=1, executor="serial")
    means = as_written.replications.groupby("policy").mean(numeric_only=True)
    for policy in grid.policies:
        assert start["figures"][policy]["net_result_eur"] == pytest.approx(
            means.loc[policy, "net_result_eur"], rel=1e-12
        )
    point = next(p for p in grid.points if p["index"] == [2, 3])
    direct = load_scenario(
        scenario_file,
        [
            "market.segments.bold.opportunist_share=0.5",
            *(f"policies.{p}.goodwill_eur=40" for p in grid.policies),
        ],
    )
    means = (
        run_experiment(direct, replications=1, executor="serial")
        .replications.groupby("policy")
        .mean(numeric_only=True)
    )
    for policy in grid.policies:
        for key, _, _ in PAGE_FIGURES:
            assert point["figures"][policy][key] == pytest.approx(means.loc[policy, key], rel=1e-12)
    # goodwill is paid on approved claims: more of it costs the trusting policy more at the same
    # opportunist share
    low = next(p for p in grid.points if p["index"] == [2, 1])
    assert (
        point["figures"]["trusting"]["cost_total_eur"]
        > low["figures"]["trusting"]["cost_total_eur"]
    )


def test_a_grid_on_worker_processes_sizes_auto_staff_as_a_direct_run_does(scenario_file):
    """The grid runs each (world, policy) with its own staffing pilot on a worker; a point equals
    `run` there. The bench is sized so that the opportunist share changes it (1 technician at 0.3, 2
    at 0.5): staff sized for the world as written would not give the point's figures."""
    sets = [
        "channels.phone.staff=auto",
        "channels.phone.service_minutes_mean=600",
        "policies.suspicious.inspection.technicians=auto",
        "staffing.technician_utilisation=0.05",
        "whatif.levers.0.values=[0.3, 0.5]",
        "whatif.levers.1.values=[0, 40]",
    ]
    scenario = load_scenario(scenario_file, sets)
    grid = run_grid(scenario, levers_of(scenario), replications=2, executor="processes", workers=2)
    point = next(
        p for p in grid.points if p["index"] == [1, 2]
    )  # opportunists 0.5, goodwill 40 for every policy
    direct = load_scenario(
        scenario_file,
        [
            *sets,
            "market.segments.bold.opportunist_share=0.5",
            *(f"policies.{p}.goodwill_eur=40" for p in grid.policies),
        ],
    )
    means = (
        run_experiment(direct, replications=2, executor="serial")
        .replications.groupby("policy")
        .mean()
    )
    for policy in grid.policies:
        for key, _, _ in PAGE_FIGURES:
            assert point["figures"][policy][key] == pytest.approx(
                means.loc[policy, key], rel=1e-12
            ), (policy, key)


def test_the_page_is_self_contained_and_its_json_cannot_close_the_script(grid):
    html = page_html(grid)
    assert "http" not in html.lower() and "<link" not in html and " src=" not in html
    embedded = grid_json(grid)
    assert "</" not in embedded and json.loads(embedded)["scenario"] == "visual-small"
    assert "&lt;em&gt;with markup&lt;/em&gt;" in html  # the description, escaped


def test_the_page_is_titled_in_words_never_by_the_file_slug_or_a_dotted_path(scenario_file):
    canonical = load_scenario(CANONICAL)
    assert page_title(canonical.description, canonical.name) == (
        "A consumer-electronics brand with 50,000 owners and 50,000 prospects over six years"
    )  # the first sentence, its aside in brackets dropped
    assert page_title("", "trust-vs-suspicion") == "Trust vs suspicion"
    scenario = load_scenario(scenario_file, ["whatif.levers.0.label="])
    levers = Grid(
        scenario.name, scenario.seed, scenario.description, 1, ["trusting"], levers_of(scenario)
    ).as_json()
    assert levers["levers"][0]["label"] == "Opportunist share"


def test_whatif_command_writes_the_page(scenario_file, tmp_path):
    out = tmp_path / "page.html"
    result = CliRunner().invoke(
        main,
        [
            "whatif",
            str(scenario_file),
            "-o",
            str(out),
            "--workers",
            "1",
            "--quiet",
            "--set",
            "whatif.levers.1.values=[0, 40]",
        ],
    )
    assert result.exit_code == 0, result.output
    # 3 x 3: the scenario's own opportunist share (0.3) and goodwill (as written) join the two
    # values of each lever
    assert "9 grid points x 3 policies x 1 replications" in result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_fewer_customers_make_a_smaller_market_the_page_states(scenario_file, tmp_path):
    """--customers runs the grid on fewer owners (prospects in proportion): each point is the direct
    run of that smaller market, and the page says so."""
    out = tmp_path / "page.html"
    sets = ["--set", "whatif.levers.1.values=[0, 40]", "--set", "whatif.levers.0.values=[0.3, 0.5]"]
    result = CliRunner().invoke(
        main,
        [
            "whatif",
            str(scenario_file),
            "-o",
            str(out),
            "--workers",
            "1",
            "--quiet",
            "--customers",
            "500",
            *sets,
        ],
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert (
        "simulated 500 owners and 375 prospects instead of the scenario&#x27;s 2,000 and 1,500"
        in html
    )
    grid = json.loads(re.search(r'id="grid">(.*?)</script>', html, re.DOTALL).group(1))
    as_written = next(
        p for p in grid["points"] if p["index"] == [0, 0]
    )  # opportunists 0.3, goodwill as written
    direct = load_scenario(scenario_file, ["market.initial_customers=500", "market.prospects=375"])
    means = (
        run_experiment(direct, replications=1, executor="serial")
        .replications.groupby("policy")
        .mean()
    )
    for policy in grid["policies"]:
        assert as_written["figures"][policy]["cost_total_eur"] == pytest.approx(
            means.loc[policy, "cost_total_eur"]
        )


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            ["--customers", "2000"],
            "--customers must be fewer than the scenario's 2,000 initial customers (got 2,000)",
        ),
        (
            [
                "--customers",
                "10",
                "--set",
                "whatif.levers.0.path=market.initial_customers",
                "--set",
                "whatif.levers.0.values=[100, 200]",
            ],
            "--customers cannot be used with a lever on the market size (market.initial_customers)",
        ),
    ],
)
def test_fewer_customers_that_cannot_be_are_one_clear_line(
    scenario_file, tmp_path, arguments, message
):
    result = CliRunner().invoke(
        main, ["whatif", str(scenario_file), "-o", str(tmp_path / "p.html"), *arguments]
    )
    assert result.exit_code == 2 and message in result.output, result.output


def _missing_browser(reason: str):
    """Skip locally; fail where the browser is required (CI sets RECOVERYSIM_REQUIRE_BROWSER=1), so
    CI cannot pass with the page untested."""
    if os.environ.get("RECOVERYSIM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"the browser test is required here but cannot run: {reason}")
    pytest.skip(reason)


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing_browser("playwright is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _missing_browser(
            f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or run .ci/install-browser)"
        )
    return sync_playwright


def test_moving_a_slider_shows_the_precomputed_figures_of_that_grid_point(grid, tmp_path):
    sync_playwright = _playwright()
    page_file = tmp_path / "whatif.html"
    page_file.write_text(page_html(grid), encoding="utf-8")
    requests, errors = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri())
            # it opens on the scenario as written: bold opportunists 0.3, goodwill as each policy
            # has it
            assert page.get_attribute("body", "data-point") == "1,0"
            assert (
                page.text_content("#lever-0-value") == "0.3" and page.input_value("#lever-0") == "1"
            )
            assert page.text_content("#lever-1-value") == "as written"
            before = page.text_content("#v-net_result_eur-trusting")
            page.focus("#lever-1")
            for _ in range(3):
                page.keyboard.press(
                    "ArrowRight"
                )  # as written -> 0 -> 20 -> 40 EUR, as a trainer would move it
            page.focus("#lever-0")
            page.keyboard.press("End")  # opportunists 0.3 -> 0.5
            assert page.get_attribute("body", "data-point") == "2,3"
            assert page.text_content("#lever-1-value") == "40"
            expected = next(p for p in grid.points if p["index"] == [2, 3])["figures"]
            for policy in grid.policies:
                for key, _, _ in PAGE_FIGURES:
                    shown = page.get_attribute(f"#v-{key}-{policy}", "data-value")
                    assert float(shown) == expected[policy][key], (policy, key)
                diff = (
                    page.get_attribute(f"#d-net_result_eur-{policy}", "data-value")
                    if policy != "trusting"
                    else None
                )
                if diff is not None:
                    assert float(diff) == pytest.approx(
                        expected[policy]["net_result_eur"] - expected["trusting"]["net_result_eur"]
                    )
            assert page.text_content("#v-net_result_eur-trusting") != before
            assert (
                float(page.get_attribute("#mark-trusting", "data-x"))
                == expected["trusting"]["cost_total_eur"]
            )
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "whatif.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert all(url.startswith("file:") for url in requests), requests
    assert (ARTIFACTS / "whatif.png").stat().st_size > 10_000


CANONICAL = Path(__file__).parents[1] / "scenarios" / "trust-vs-suspicion.yaml"


def _settings(scenario, path: str) -> list:
    """The values a lever path holds, read from the loaded scenario's objects (not through the
    what-if code): '*' is every item of a list, a name picks the item of that name."""
    nodes = [scenario]
    for part in path.split("."):
        found = []
        for node in nodes:
            if isinstance(node, tuple):
                found.extend(
                    node
                    if part == "*"
                    else [item for item in node if getattr(item, "name", None) == part]
                )
            else:
                found.append(getattr(node, part))
        nodes = found
    return nodes


def _shown(value) -> str:
    return (
        "none"
        if value is None
        else "on"
        if value is True
        else "off"
        if value is False
        else f"{value:g}"
    )


#: Every visible piece of text with its rendered font size in screen pixels; SVG text scaled by its
#: screen matrix.
RENDERED_TEXT = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim(), element = walker.currentNode.parentElement;
    if (!text || element.closest("script, style, title")) continue;
    const style = getComputedStyle(element), box = element.getBoundingClientRect();
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (!box.width || !box.height) continue;
    let size = parseFloat(style.fontSize);
    if (element instanceof SVGElement) {
      const m = element.getScreenCTM();
      size *= Math.hypot(m.a, m.b);
    }
    found.push({text: text.slice(0, 60), size: size, svg: element instanceof SVGElement});
  }
  return found;
}"""


@pytest.fixture(scope="module")
def canonical_grid():
    """The canonical levers on a short horizon and a market of 1,000 owners (--customers): no lever
    touches these, so the page still opens on the canonical levers' own settings, and it says that
    the market is smaller."""
    scenario = load_scenario(CANONICAL, ["horizon_days=120"])
    levers = levers_of(scenario, str(CANONICAL))
    smaller, note = with_fewer_customers(scenario, 1000, levers)
    grid = run_grid(smaller, levers, replications=1, executor="serial")
    grid.smaller_market = note
    return grid


@pytest.mark.parametrize("which", ["visual-small", "canonical"])
def test_the_page_opens_on_the_scenario_and_is_readable_on_a_projector(
    which, scenario_file, grid, canonical_grid, tmp_path
):
    """At 1024 x 768 the page opens on the scenario's own values (read here from the scenario
    itself), shows no text below 16 px (the chart's included), uses no developer wording, and labels
    a small mark when it gets focus."""
    sync_playwright = _playwright()
    scenario = load_scenario(scenario_file) if which == "visual-small" else load_scenario(CANONICAL)
    shown_grid = grid if which == "visual-small" else canonical_grid
    page_file = tmp_path / "whatif.html"
    page_file.write_text(page_html(shown_grid), encoding="utf-8")
    errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 768})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri())
            for k, lever in enumerate(scenario.whatif.levers):
                own = _settings(scenario, lever.path)
                assert own, lever.path
                same = all(v == own[0] and type(v) is type(own[0]) for v in own)
                expected = _shown(own[0]) if same else "as written"
                assert page.text_content(f"#lever-{k}-value") == expected, lever.path
                if page.get_attribute(f"#lever-{k}", "type") == "checkbox":
                    assert page.is_checked(f"#lever-{k}") == own[0]
            texts = page.evaluate(RENDERED_TEXT)
            assert any(t["svg"] for t in texts) and len(texts) > 40
            small = [(t["text"], round(t["size"], 1)) for t in texts if t["size"] < 16 - 1e-6]
            assert small == [], small
            words = page.inner_text("body")
            assert "null" not in words and "None" not in words and "`" not in words
            assert not re.search(r"[a-z_]+\.[a-z_*]+\.[a-z_*]+", words), re.search(
                r"[a-z_]+\.[a-z_*]+\.[a-z_*]+", words
            )
            if shown_grid.smaller_market:
                assert page.is_visible("#smaller-market") and "1,000 owners" in page.text_content(
                    "#smaller-market"
                )
            title = page.text_content("h1")
            assert scenario.name not in title and title == page.title()
            # a small mark: a <title> for the pointer and a visible label, in 16 px or more, when it
            # has the focus
            first = page.locator(".point").first
            assert first.get_attribute("tabindex") == "0"
            assert "cost" in first.locator("title").text_content()
            assert page.get_attribute("#tip", "visibility") == "hidden"
            first.focus()
            assert page.get_attribute("#tip", "visibility") == "visible"
            label = [
                t
                for t in page.evaluate(RENDERED_TEXT)
                if t["text"].startswith(shown_grid.policies[0] + ":")
                or t["text"].startswith(shown_grid.policies[-1] + ":")
            ]
            assert label and all(t["size"] >= 16 - 1e-6 for t in label), label
            page.keyboard.press("Enter")  # shows that setting
            assert page.get_attribute("body", "data-point") == first.get_attribute("data-index")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"whatif-1024-{which}.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
