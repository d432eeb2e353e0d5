"""The quick what-if page (--quick): staff sized once per policy and held, fewer customers, one
replication, and a page that says so."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from visual_support import write_small_scenario

from recoverysim import load_scenario, run_experiment, staffing
from recoverysim.cli import main
from recoverysim.views.whatif import (
    PAGE_FIGURES,
    QUICK_CUSTOMERS,
    levers_of,
    quick_customers,
    run_grid,
)

CANONICAL = Path(__file__).parents[1] / "scenarios" / "trust-vs-suspicion.yaml"
#: The small scenario with its phone desk and the suspicious bench sized 'auto', paid as fixed desks
#: are ('dedicated'), and a bench that needs 1 technician at opportunist share 0.3 (as written)
#: but 2 at 0.5.
SIZED = [
    "channels.phone.staff=auto",
    "channels.phone.service_minutes_mean=600",
    "policies.suspicious.inspection.technicians=auto",
    "staffing.technician_utilisation=0.05",
    "staffing.auto_desk_cost=dedicated",
    "whatif.levers.0.values=[0.3, 0.5]",
    "whatif.levers.1.values=[0, 40]",
]


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    return write_small_scenario(tmp_path_factory.mktemp("whatif-quick"))


def _figures(scenario, replications=1):
    runs = run_experiment(scenario, replications=replications, executor="serial").replications
    return runs.groupby("policy").mean(numeric_only=True)


def _count_pilots(monkeypatch) -> list[str]:
    pilots: list[str] = []
    real = staffing.pilot_load

    def counted(scenario, policy):
        pilots.append(policy.name)
        return real(scenario, policy)

    monkeypatch.setattr(staffing, "pilot_load", counted)
    staffing._cached_plan.cache_clear()
    return pilots


def test_held_staff_is_sized_once_per_policy_and_kept_where_a_full_grid_sizes_again(
    scenario_file, monkeypatch
):
    """At opportunist share 0.5 a full grid gives the suspicious bench 2 technicians; the held grid
    keeps the 1 sized for the scenario as written, so its point is the direct run with that staff
    written in."""
    scenario = load_scenario(scenario_file, SIZED)
    levers = levers_of(scenario)
    pilots = _count_pilots(monkeypatch)
    held = run_grid(scenario, levers, replications=1, executor="serial", hold_staff=True)
    assert sorted(pilots) == [
        "middle",
        "suspicious",
        "trusting",
    ]  # one pilot per policy, at the start
    pilots.clear()
    full = run_grid(scenario, levers, replications=1, executor="serial")
    assert len(pilots) > 3
    start = [lever.start for lever in levers]
    point = [1, 2]  # opportunists 0.5, goodwill 40 for every policy
    at = {tuple(p["index"]): p["figures"] for p in held.points}
    full_at = {tuple(p["index"]): p["figures"] for p in full.points}
    for policy in held.policies:  # the scenario as written is sized exactly as a full page sizes it
        assert at[tuple(start)][policy] == full_at[tuple(start)][policy]
    plan = staffing.staffing_plan(scenario)
    technicians = plan.scenario.policy("suspicious").inspection.technicians
    written = [
        f"policies.{policy.name}.channel_staff.phone={policy.channel_staff['phone']}"
        for policy in plan.scenario.policies
    ] + [f"policies.suspicious.inspection.technicians={technicians}"]
    direct = load_scenario(
        scenario_file,
        [
            *SIZED,
            *written,
            "market.segments.bold.opportunist_share=0.5",
            *(f"policies.{p}.goodwill_eur=40" for p in held.policies),
        ],
    )
    means = _figures(direct)
    for key, _, _ in PAGE_FIGURES:
        assert at[tuple(point)]["suspicious"][key] == pytest.approx(
            means.loc["suspicious", key], rel=1e-12
        )
    assert (
        at[tuple(point)]["suspicious"] != full_at[tuple(point)]["suspicious"]
    )  # the bench made a difference
    assert held.held_staff.startswith(
        "Staff held: each policy's desks and inspection bench were sized once"
    )
    assert full.held_staff == ""


def test_a_bench_the_scenario_as_written_does_not_use_is_sized_where_a_lever_switches_it_on(
    scenario_file,
):
    """middle does not inspect as written; where a lever makes it inspect, its bench has no held
    size, so that point sizes its own staff, exactly as a full grid does, and the page says so."""
    scenario = load_scenario(
        scenario_file,
        [
            *SIZED,
            "whatif.levers.1.path=policies.middle.return_for_inspection",
            "whatif.levers.1.values=[false, true]",
        ],
    )
    levers = levers_of(scenario)
    held = run_grid(
        scenario, levers, replications=1, executor="processes", workers=2, hold_staff=True
    )
    full = run_grid(scenario, levers, replications=1, executor="serial")
    inspecting = [p for p in held.points if levers[1].values[p["index"][1]] is True]
    assert inspecting
    for point in inspecting:
        same = next(p for p in full.points if p["index"] == point["index"])
        assert point["figures"]["middle"] == same["figures"]["middle"]
    assert "Where a lever switches on an inspection bench" in held.held_staff


def test_nothing_to_size_means_nothing_held_and_nothing_said(scenario_file):
    scenario = load_scenario(scenario_file, ["policies.suspicious.inspection.technicians=1"])
    levers = levers_of(scenario)
    held = run_grid(scenario, levers, replications=1, executor="serial", hold_staff=True)
    full = run_grid(scenario, levers, replications=1, executor="serial")
    assert held.points == full.points and held.held_staff == ""


def test_a_quick_page_has_fewer_customers_only_where_the_scenario_has_more_and_no_lever_sets_them(
    scenario_file,
):
    canonical = load_scenario(CANONICAL)
    assert quick_customers(canonical, levers_of(canonical)) == QUICK_CUSTOMERS == 5_000
    small = load_scenario(scenario_file)  # 2,000 customers already
    assert quick_customers(small, levers_of(small)) is None
    on_size = load_scenario(
        CANONICAL,
        ["whatif.levers.0.path=market.initial_customers", "whatif.levers.0.values=[20000, 50000]"],
    )
    assert quick_customers(on_size, levers_of(on_size)) is None


def _grid_of(html: str) -> dict:
    return json.loads(re.search(r'id="grid">(.*?)</script>', html, re.DOTALL).group(1))


def test_quick_command_holds_staff_runs_one_replication_and_says_so(scenario_file, tmp_path):
    sets = [item for s in SIZED for item in ("--set", s)] + ["--set", "whatif.replications=3"]
    quick, full = tmp_path / "quick.html", tmp_path / "full.html"
    common = ["whatif", str(scenario_file), "--workers", "1", "--quiet", *sets]
    result = CliRunner().invoke(main, [*common, "-o", str(quick), "--quick"])
    assert result.exit_code == 0, result.output
    assert "6 grid points x 3 policies x 1 replications" in result.output  # not the file's 3
    html = quick.read_text(encoding="utf-8")
    assert 'id="held-staff">Staff held: each policy&#x27;s desks and inspection bench' in html
    assert 'id="smaller-market"' not in html  # 2,000 customers: fewer than a quick page's 5,000
    assert _grid_of(html)["held_staff"].startswith("Staff held")
    result = CliRunner().invoke(main, [*common, "-o", str(full), "--replications", "1"])
    assert result.exit_code == 0, result.output
    assert 'id="held-staff"' not in full.read_text(encoding="utf-8")


def test_quick_keeps_the_customers_and_replications_asked_for(scenario_file, tmp_path):
    out = tmp_path / "page.html"
    sets = [item for s in SIZED for item in ("--set", s)]
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
            "--quick",
            *sets,
            "--customers",
            "500",
            "--replications",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "x 2 replications" in result.output
    html = out.read_text(encoding="utf-8")
    assert "simulated 500 owners" in html and 'id="held-staff"' in html
