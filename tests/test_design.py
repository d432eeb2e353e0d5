"""`recoverysim design`: the search finds a known best, respects constraints, resumes to the same
frontier, and refuses bad levers, objectives and constraints in one line (exit 2)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from experiments_support import cli, same_files

from recoverysim.experiment import Destination
from recoverysim.experiments.design_plan import study_value
from recoverysim.experiments.design_search import open_study, plan_design, run_design
from recoverysim.experiments.design_space import (
    _lever,
    checked_base,
    parse_constraint,
    parse_objectives,
    read_levers,
)
from recoverysim.experiments.driver import Interrupted
from recoverysim.results import read_results
from recoverysim.scenario.load import load_scenario

#: Two policies in a small world (a few tenths of a second per replication); the bench is fixed (no
#: staffing pilot). Under `suspicious`, inspection.specificity (the chance an honest item passes)
#: has a monotone benefit and no cost of its own: each step up denies fewer honest claimants.
SCENARIO = """\
name: design-test
horizon_days: 60
seed: 11
replications: 2
market:
  initial_customers: 1500
  prospects: 500
  segments:
    - {name: careful, share: 0.8, opportunist_share: 0.02}
    - {name: bold, share: 0.2, opportunist_share: 0.3, fraud_attempts_per_year: 0.5}
product:
  components:
    - {name: device, failures_per_year: 0.3}
    - {name: strap, failures_per_year: 0.1}
channels:
  phone: {staff: 3}
policies:
  - name: suspicious
    evidence: photo_and_receipt
    return_for_inspection: true
    excluded_components: [strap]
    inspection: {technicians: 2}
  - name: trusting
    evidence: none
    remedy: replace
"""
SPECIFICITY = "levers:\n  inspection.specificity: {low: 0.2, high: 1.0, step: 0.2}\n"


def write(folder: Path, levers: str = SPECIFICITY, scenario: str = SCENARIO) -> tuple[Path, Path]:
    (folder / "design-test.yaml").write_text(scenario, encoding="utf-8")
    (folder / "levers.yaml").write_text(levers, encoding="utf-8")
    return folder / "design-test.yaml", folder / "levers.yaml"


def plan_for(
    scenario_file: Path,
    levers_file: Path,
    objectives: str,
    constraints=(),
    budget: int = 8,
    base=None,
):
    scenario = load_scenario(scenario_file)
    policy = checked_base(scenario, base)
    levers, notes = read_levers(str(levers_file), scenario, policy.name, str(scenario_file))
    return plan_design(
        scenario,
        policy,
        levers,
        parse_objectives(objectives),
        tuple(parse_constraint(c) for c in constraints),
        budget,
        replications=2,
        confirm_replications=3,
        notes=tuple(notes),
    )


def test_the_search_finds_a_lever_with_a_monotone_costless_benefit(tmp_path):
    scenario, levers = write(tmp_path)
    result = run_design(plan_for(scenario, levers, "value_total_eur:max", budget=8), "serial")
    best = result.frontier[result.frontier["kind"] == "candidate"].iloc[0]
    assert best["inspection.specificity"] == pytest.approx(1.0)
    assert best["status"] == "frontier"
    # the search's means agree: the highest specificity tried has the highest value
    tried = result.trials.sort_values("value_total_eur")
    assert tried["inspection.specificity"].iloc[-1] == pytest.approx(
        tried["inspection.specificity"].max()
    )
    named = result.frontier[result.frontier["kind"] == "named"]
    assert set(named["name"]) == {"suspicious", "trusting"}
    # suspicious as written (specificity 0.9) is worse than the designed one on the same
    # confirmation seeds
    suspicious = named.set_index("name").loc["suspicious"]
    assert suspicious["value_total_eur"] < best["value_total_eur"]


def test_a_constraint_keeps_infeasible_candidates_off_the_frontier(tmp_path):
    scenario, levers = write(tmp_path)
    plan = plan_for(
        scenario,
        levers,
        "value_total_eur:max,cost_total_eur:min",
        ["honest_unremedied_share<=0.6"],
        budget=8,
    )
    result = run_design(plan, "serial")
    trials = result.trials
    assert (~trials["feasible"]).any(), "the test needs candidates that break the constraint"
    assert (trials.loc[~trials["feasible"], "honest_unremedied_share"] > 0.6).all()
    on_frontier = trials[trials["on_search_frontier"]]
    assert len(on_frontier) and (on_frontier["honest_unremedied_share"] <= 0.6).all()
    candidates = result.frontier[result.frontier["kind"] == "candidate"]
    assert (candidates["honest_unremedied_share_search"] <= 0.6).all()
    # without the constraint, cheap low-specificity candidates would be on the frontier
    loose = run_design(
        plan_for(scenario, levers, "value_total_eur:max,cost_total_eur:min", budget=8), "serial"
    )
    searched = loose.evaluations[loose.evaluations["phase"] == "search"]
    share = searched.groupby("trial")["honest_unremedied_share"].mean()
    assert share[loose.trials.loc[loose.trials["on_search_frontier"], "trial"]].max() > 0.6


#: suspicious (specificity 0.9, no goodwill) lies in this space: it is enqueued as trial 0, so
#: the resume tests also check that a resumed study does not enqueue it again
RESUME_LEVERS = (
    "levers:\n  inspection.specificity: {low: 0.1, high: 1.0, step: 0.1}\n  goodwill_eur: 0:20\n"
)
RESUME_ARGS = (
    "--objectives",
    "value_total_eur:max,cost_total_eur:min",
    "--budget",
    "10",
    "--replications",
    "2",
    "--confirm-replications",
    "3",
    "--quiet",
)
DESIGN_TABLES = ("frontier.parquet", "trials.parquet", "evaluations.parquet", "selection.csv")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """A design run from start to end, serially: what every interrupted and resumed run must
    give."""
    folder = tmp_path_factory.mktemp("whole")
    scenario, levers = write(folder, levers=RESUME_LEVERS)
    code, output = cli(
        "design",
        scenario,
        "--levers",
        levers,
        *RESUME_ARGS,
        "--executor",
        "serial",
        "--out",
        folder / "out",
    )
    assert code == 0, output
    trials = pd.read_parquet(folder / "out" / "trials.parquet")
    assert list(trials["named_policy"]) == ["suspicious", *[""] * 9]
    return scenario, levers, folder / "out"


def test_an_interrupted_design_resumes_to_the_frontier_of_an_uninterrupted_one(
    uninterrupted, tmp_path
):
    scenario, levers, whole = uninterrupted
    plan = plan_for(scenario, levers, "value_total_eur:max,cost_total_eur:min", budget=10)
    parts = tmp_path / "parts"
    seen = []

    def stop_after_eleven(output) -> None:
        seen.append(output.key)
        if len(seen) == 11:  # in the middle of the third batch of candidates
            raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        run_design(plan, "serial", store_in=Destination(parts), on_output=stop_after_eleven)
    assert not (parts / "frontier.parquet").exists()
    run_design(plan, "processes", workers=2, store_in=Destination(parts, resume=True))
    for table in ("frontier", "trials", "evaluations"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(whole / f"{table}.parquet"), pd.read_parquet(parts / f"{table}.parquet")
        )
    stored = read_results(parts)
    assert stored.kind == "design" and set(stored.frontier["kind"]) == {"candidate", "named"}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_design_killed_twice_then_resumed_gives_the_files_of_an_uninterrupted_one(
    uninterrupted, tmp_path
):
    scenario, levers, whole = uninterrupted
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-c",
        "from recoverysim.cli import main; main()",
        "design",
        str(scenario),
        "--levers",
        str(levers),
        *RESUME_ARGS,
        "--out",
        str(out),
        "--workers",
        "2",
    ]
    for after_tasks, extra in (
        (5, []),
        (14, ["--resume"]),
    ):  # in the second batch, then after the first resume
        process = subprocess.Popen(
            [*command, *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if (out / "tasks").is_dir() and len(
                list((out / "tasks").glob("*.json"))
            ) >= after_tasks:
                break
            time.sleep(0.01)
        assert process.poll() is None, (
            f"the design ended before it could be stopped: {process.stderr.read()}"
        )
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
        assert not (out / "frontier.parquet").exists()
    code, output = cli(
        "design",
        scenario,
        "--levers",
        levers,
        *RESUME_ARGS,
        "--executor",
        "serial",
        "--out",
        out,
        "--resume",
    )
    assert code == 0, output
    assert same_files(whole, out, DESIGN_TABLES) == []


def test_the_command_writes_the_frontier_its_figure_policies_and_report(tmp_path):
    scenario, levers = write(
        tmp_path, levers=SPECIFICITY + "  excluded_components: [[], [strap]]\n"
    )
    out = tmp_path / "out"
    bench = tmp_path / "bench.yaml"
    bench.write_text(SPECIFICITY + "  inspection.sensitivity: [0.5, 0.9]\n", encoding="utf-8")
    code, output = cli(
        "design",
        scenario,
        "--levers",
        bench,
        "--objectives",
        "value_total_eur:max,cost_total_eur:min",
        "--budget",
        "4",
        "--executor",
        "serial",
        "--out",
        out,
        "--quiet",
        "--base",
        "trusting",
    )
    # trusting returns nothing for inspection, and no lever switches it on: the levers cannot act
    assert code == 2 and "no lever can act" in output, output
    code, output = cli(
        "design",
        scenario,
        "--levers",
        levers,
        "--objectives",
        "value_total_eur:max,cost_total_eur:min",
        "--constraint",
        "honest_unremedied_share<=0.8",
        "--budget",
        "4",
        "--replications",
        "2",
        "--confirm-replications",
        "2",
        "--executor",
        "serial",
        "--out",
        out,
        "--quiet",
    )
    assert code == 0, output
    for name in (
        "frontier.parquet",
        "trials.parquet",
        "evaluations.parquet",
        "selection.csv",
        "frontier.png",
        "frontier-policies.yaml",
        "optuna.journal",
    ):
        assert (out / name).is_file(), name
    frontier = pd.read_parquet(out / "frontier.parquet")
    for column in (
        "inspection.specificity",
        "value_total_eur_ci_low",
        "cost_total_eur_ci_high",
        "dominated_by_noise",
        "status",
    ):
        assert column in frontier.columns
    assert "suspicious" in output and "trusting" in output
    # list-valued levers are one JSON text column, for candidates and named policies alike
    assert set(frontier["excluded_components"]) <= {"[]", '["strap"]'}
    assert frontier.set_index("name").loc["suspicious", "excluded_components"] == '["strap"]'
    # each block pastes into the scenario as a policy that validates and runs
    blocks = (out / "frontier-policies.yaml").read_text(encoding="utf-8")
    pasted = (
        SCENARIO
        + "\n".join("  " + line for line in blocks.split("policies:\n", 1)[1].splitlines())
        + "\n"
    )
    pasted_file = tmp_path / "pasted.yaml"
    pasted_file.write_text(pasted, encoding="utf-8")
    code, checked = cli("validate", pasted_file)
    assert code == 0, checked
    code, report = cli("report", out)
    assert code == 0, report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "The frontier, confirmed" in html and "dominated by noise" in html


BAD_LEVERS = {
    "levers:\n  goodwil_eur: 0:10\n": "'goodwil_eur' is not a policy lever",
    "levers:\n  goodwill_eur: 5:1\n": "a range needs low below high",
    "levers:\n  first_contact_resolution_probability: 0:2\n": (
        "first_contact_resolution_probability"
    ),
    "levers:\n  evidence: [none, maybe]\n": "evidence",
    "levers:\n  evidence: [none]\n": "give 2 to",
    "levers: [goodwill_eur]\n": "levers: must be a mapping",
    "lever:\n  goodwill_eur: 0:10\n": "has no levers: section",
    "levers:\n  excluded_components: [[], [screen]]\n": "screen",
}


@pytest.mark.parametrize("levers_text, words", list(BAD_LEVERS.items()))
def test_bad_levers_are_one_clear_line_and_exit_2(tmp_path, levers_text, words):
    scenario, levers = write(tmp_path, levers=levers_text)
    code, output = cli(
        "design",
        scenario,
        "--levers",
        levers,
        "--objectives",
        "value_total_eur:max",
        "--out",
        tmp_path / "out",
    )
    assert code == 2
    assert words in output and output.strip().count("\n") == 0, output
    assert "Traceback" not in output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "option, value, words",
    [
        ("--objectives", "value_total:max", "unknown figure 'value_total'"),
        ("--objectives", "value_total_eur:up", "FIGURE:max or FIGURE:min"),
        ("--objectives", "value_total_eur:max,value_total_eur:min", "named twice"),
        ("--constraint", "honest_unremedied_share<0.1", "FIGURE<=NUMBER"),
        ("--constraint", "honest_share<=0.1", "unknown figure 'honest_share'"),
        ("--levers", "no-such-file.yaml", "no such file"),
        ("--levers", "whatif", "no whatif: section"),
        ("--base", "lenient", "unknown policy"),
    ],
)
def test_bad_objectives_constraints_and_options_are_one_clear_line(tmp_path, option, value, words):
    scenario, levers = write(tmp_path)
    arguments = {"--levers": str(levers), "--objectives": "value_total_eur:max"}
    extra = []
    if option in arguments:
        arguments[option] = value
    else:
        extra = [option, value]
    flat = [item for pair in arguments.items() for item in pair]
    code, output = cli("design", scenario, *flat, *extra, "--out", tmp_path / "out")
    assert code == 2
    assert words in output and output.strip().count("\n") == 0, output


def test_a_lever_that_cannot_act_is_reported_and_left_out(tmp_path):
    scenario, levers = write(tmp_path, levers=SPECIFICITY + "  goodwill_eur: 0:20\n")
    plan = plan_for(scenario, levers, "value_total_eur:max", base="trusting")
    assert [lever.path for lever in plan.levers] == ["goodwill_eur"]
    why = "items are not returned for inspection (return_for_inspection is false)"
    assert plan.inert == (("inspection.specificity", why),)
    assert plan.design()["left_out"][0]["lever"] == "inspection.specificity"
    # a lever that switches inspection on lets the bench's levers act
    scenario, levers = write(
        tmp_path, levers=SPECIFICITY + "  return_for_inspection: [false, true]\n"
    )
    assert plan_for(scenario, levers, "value_total_eur:max", base="trusting").inert == ()


def test_the_scenarios_whatif_levers_on_the_base_policy_can_be_searched():
    scenario = load_scenario(
        Path(__file__).resolve().parent.parent / "scenarios" / "trust-vs-suspicion.yaml"
    )
    levers, notes = read_levers("whatif", scenario, "trusting", "trust-vs-suspicion.yaml")
    assert [(lever.path, lever.choices) for lever in levers] == [
        ("status_update_every_days", (None, 2, 7))
    ]
    assert len(notes) == 2 and "market.segments.everyone.opportunist_share" in notes[0]


def test_the_shipped_levers_of_the_canonical_scenario_make_a_plan():
    root = Path(__file__).resolve().parent.parent
    scenario = load_scenario(root / "scenarios" / "trust-vs-suspicion.yaml")
    levers, _ = read_levers(
        str(root / "scenarios" / "levers" / "trust-vs-suspicion.yaml"), scenario, "trusting", "x"
    )
    plan = plan_design(
        scenario,
        scenario.policies[0],
        levers,
        parse_objectives("value_total_eur:max,cost_total_eur:min"),
        (parse_constraint("honest_unremedied_share<=0.1"),),
    )
    assert len(plan.levers) == 8 and plan.inert == ()


# ------------------------------------------------------------------ named policies searched first

#: The scenario's policies and two more: sharp is suspicious with the best specificity (1.0, the
#: best design of the space below), odd suspicious with a specificity off the space's step.
NAMED = (
    SCENARIO
    + """\
  - name: sharp
    evidence: photo_and_receipt
    return_for_inspection: true
    excluded_components: [strap]
    inspection: {technicians: 2, specificity: 1.0}
  - name: odd
    evidence: photo_and_receipt
    return_for_inspection: true
    excluded_components: [strap]
    inspection: {technicians: 2, specificity: 0.93}
"""
)
#: Twenty values; a budget of 4 (two of them the named policies) leaves two random draws.
FINE_SPECIFICITY = "levers:\n  inspection.specificity: {low: 0.05, high: 1.0, step: 0.05}\n"
ODD_NOTE = (
    "note: policy odd is not searched first: its inspection.specificity (0.93) lies outside the "
    "levers (0.05 to 1 in steps of 0.05)"
)


def test_a_named_policy_that_is_the_best_design_is_on_the_frontier_as_a_candidate(tmp_path):
    scenario, levers = write(tmp_path, levers=FINE_SPECIFICITY, scenario=NAMED)
    out = tmp_path / "out"
    code, output = cli(
        "design",
        scenario,
        "--levers",
        levers,
        "--objectives",
        "value_total_eur:max",
        "--budget",
        "4",
        "--replications",
        "1",
        "--confirm-replications",
        "2",
        "--executor",
        "serial",
        "--quiet",
        "--out",
        out,
    )
    assert code == 0, output
    trials = pd.read_parquet(out / "trials.parquet")
    # the base first, then the named policies the space holds, in the scenario's order
    assert list(trials["named_policy"]) == ["suspicious", "sharp", "", ""]
    assert list(trials["inspection.specificity"][:2]) == [pytest.approx(0.9), 1.0]
    assert (trials.loc[trials["named_policy"] == "", "inspection.specificity"] < 1.0).all()
    assert list(trials.loc[trials["on_search_frontier"], "named_policy"]) == ["sharp"]
    frontier = pd.read_parquet(out / "frontier.parquet")
    best = frontier[frontier["kind"] == "candidate"]
    assert list(best["named_policy"]) == ["sharp"] and list(best["status"]) == ["frontier"]
    assert "design-0001 (= sharp)" in output
    # the policies the space cannot hold: one line each, and the run went on
    lines = output.splitlines()
    assert lines.count(ODD_NOTE) == 1
    trusting = [line for line in lines if line.startswith("note: policy trusting")]
    assert trusting == [
        'note: policy trusting is not searched first: its evidence ("none") is not a lever and '
        'differs from the base policy suspicious\'s ("photo_and_receipt")'
    ]
    assert read_results(out).manifest["design"]["named_first"] == ["suspicious", "sharp"]
    # without the named policies first, this budget's search does not reach specificity 1
    plan = plan_for(scenario, levers, "value_total_eur:max", budget=4)
    alone = run_design(dataclasses.replace(plan, seeds=()), "serial")
    assert (alone.trials["inspection.specificity"] < 1.0).all()


@pytest.mark.parametrize(
    "spec, value, stored",
    [
        ({"low": 0.05, "high": 1.0, "step": 0.05}, 0.9, 0.9),
        ({"low": 0.05, "high": 1.0, "step": 0.05}, 0.93, None),  # off the step
        ({"low": 0.5, "high": 1.0}, 0.3, None),  # below the range
        ({"low": 0.5, "high": 1.0}, True, None),
        ("1:8", 3, 3),  # technicians: whole numbers
        ("1:8", 2.5, None),
        ("1:8", None, None),
        ([None, 2, 7], 2, "2"),
        ([None, 2, 7], None, "null"),
        ([None, 2, 7], 3, None),  # not one of the choices
        ([False, True], 1, None),  # true is not 1
        ([[], ["strap"]], ("strap",), '["strap"]'),
    ],
)
def test_a_policys_lever_value_is_held_by_the_space_or_not(spec, value, stored):
    path = "inspection.technicians" if spec == "1:8" else "inspection.specificity"
    if isinstance(spec, list):
        path = "status_update_every_days" if None in spec else "single_case_owner"
        path = "excluded_components" if [] in spec else path
    lever = _lever(path, spec, "levers")
    assert study_value(lever, value) == stored


def test_a_resumed_study_does_not_enqueue_the_named_policies_again(tmp_path):
    scenario, levers = write(tmp_path, levers=FINE_SPECIFICITY, scenario=NAMED)
    plan = plan_for(scenario, levers, "value_total_eur:max", budget=4)
    assert [seed.name for seed in plan.seeds] == ["suspicious", "sharp"]
    first = dataclasses.replace(plan, seeds=plan.seeds[:1])  # as if killed after one enqueue
    open_study(first, tmp_path)
    for _ in range(2):
        study = open_study(plan, tmp_path)
        trials = study.get_trials(deepcopy=False)
        assert [t.user_attrs["named_policy"] for t in trials] == ["suspicious", "sharp"]
        assert [t.system_attrs["fixed_params"] for t in trials] == [
            {"inspection.specificity": 0.9},
            {"inspection.specificity": 1.0},
        ]


# ------------------------------------------------------------------------------------ executors


def test_serial_processes_and_dask_give_the_same_design(tmp_path, dask_cluster):
    tiny = SCENARIO.replace("horizon_days: 60", "horizon_days: 30").replace(
        "initial_customers: 1500\n  prospects: 500", "initial_customers: 400\n  prospects: 100"
    )
    scenario, levers = write(tmp_path, levers=RESUME_LEVERS, scenario=tiny)
    plan = plan_for(scenario, levers, "value_total_eur:max,cost_total_eur:min", budget=6)
    plan = dataclasses.replace(plan, replications=1, confirm_replications=2)
    for name, executor, options in (
        ("serial", "serial", {}),
        ("processes", "processes", {"workers": 2}),
        ("dask", "dask", {"scheduler": dask_cluster.scheduler_address}),
    ):
        run_design(plan, executor, store_in=Destination(tmp_path / name), **options)
    trials = pd.read_parquet(tmp_path / "serial" / "trials.parquet")
    assert len(trials) == 6 and trials["named_policy"].iloc[0] == "suspicious"
    for name in ("processes", "dask"):
        assert same_files(tmp_path / "serial", tmp_path / name, DESIGN_TABLES) == [], name
