"""`recoverysim design`: a thin command over experiments.design_search, and what it prints and
writes."""

from __future__ import annotations

import time
from pathlib import Path

import click

from recoverysim.cli.experiments import load
from recoverysim.cli.options import (
    ProgressHook,
    command_line,
    executor_options,
    out_option,
    quiet_option,
    seed_option,
    set_option,
    stopping_cleanly,
    storage_options,
)
from recoverysim.experiment import Destination
from recoverysim.experiments.design_outputs import DesignResult, write_design
from recoverysim.experiments.design_plan import DEFAULT_SAMPLER, SAMPLERS, plan_design
from recoverysim.experiments.design_search import run_design
from recoverysim.experiments.design_space import (
    checked_base,
    parse_constraint,
    parse_objectives,
    read_levers,
)
from recoverysim.results import atomic_write
from recoverysim.scenario.unwritten import unwritten_notice

FILES = (
    "frontier.parquet, frontier.png, frontier-policies.yaml, trials.parquet, evaluations.parquet, "
    "selection.csv"
)


def write_folder(result: DesignResult, folder: Path, manifest: dict) -> None:
    """The tables, the frontier figure and the policy blocks."""
    from recoverysim.views.design_views import frontier_figure, objectives_of, policy_blocks
    from recoverysim.views.figure_files import save_figure
    from recoverysim.views.figure_style import Context

    write_design(result, folder)
    context = Context.from_manifest(manifest)
    figure = frontier_figure(result.frontier, result.trials, objectives_of(manifest), context)
    save_figure(figure, folder / "frontier.png")
    text = policy_blocks(result.frontier, result.policies, manifest)
    atomic_write(folder / "frontier-policies.yaml", lambda p: p.write_text(text, encoding="utf-8"))


@click.command()
@click.argument("file")
@click.option(
    "--levers",
    "levers_spec",
    required=True,
    metavar="FILE_OR_SECTION",
    help="The policy levers to search: a YAML file with a levers: mapping (evidence: [none, "
    "receipt], goodwill_eur: 0:40, channel_staff.phone: 1:12, ...), or 'whatif' for the "
    "scenario's whatif: levers on the base policy.",
)
@click.option(
    "--objectives",
    required=True,
    metavar="FIGURE:max|min,...",
    help="Figures to maximise or minimise, in their mean over replications, e.g. "
    "value_total_eur:max,cost_total_eur:min.",
)
@click.option(
    "--constraint",
    "constraints",
    multiple=True,
    metavar="FIGURE<=X|FIGURE>=X",
    help="A bound on a figure's mean, e.g. honest_unremedied_share<=0.1 (repeatable); a candidate "
    "that breaks one is never on the frontier.",
)
@click.option(
    "--budget",
    type=click.IntRange(min=1, max=100_000),
    default=40,
    show_default=True,
    help="Candidate policies to search.",
)
@click.option(
    "--base",
    metavar="POLICY",
    help="The policy whose levers are varied (default: the scenario's first).",
)
@click.option(
    "--sampler",
    type=click.Choice(SAMPLERS),
    default=DEFAULT_SAMPLER,
    show_default=True,
    help="Optuna's multi-objective TPE (good with budgets of tens of candidates) or NSGA-II (a "
    "genetic algorithm that needs several generations, hundreds of candidates).",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1, max=100_000),
    help="Replications per candidate during the search, the same seeds for every candidate "
    "(default: the scenario's).",
)
@click.option(
    "--confirm-replications",
    type=click.IntRange(min=2, max=100_000),
    help="Fresh replications that confirm the frontier and the named policies (default: twice "
    "--replications, at least 10).",
)
@seed_option
@out_option("Output folder (default results/<scenario-name>-design/).")
@executor_options
@storage_options
@quiet_option
@set_option
def design(
    file: str,
    levers_spec: str,
    objectives: str,
    constraints: tuple[str, ...],
    budget: int,
    base: str | None,
    sampler: str,
    replications: int | None,
    confirm_replications: int | None,
    seed: int | None,
    out: str | None,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    overwrite: bool,
    quiet: bool,
    overrides: tuple[str, ...],
) -> None:
    """Search one policy's levers for the frontier of several objectives, and confirm it on fresh
    seeds.

    Every candidate runs the same replications (common random numbers); the non-dominated candidates
    that meet the constraints, and the scenario's named policies, then run fresh replications, and
    candidates whose advantages are within noise there are marked dominated_by_noise in
    frontier.parquet. E.g.

    \b
      recoverysim design scenarios/trust-vs-suspicion.yaml --levers levers.yaml \\
        --objectives value_total_eur:max,cost_total_eur:min \\
        --constraint honest_unremedied_share<=0.1
    """
    loaded = load(file, overrides, replications, seed)
    scenario = loaded.scenario
    parsed_objectives = parse_objectives(objectives)
    parsed_constraints = tuple(parse_constraint(c) for c in constraints)
    base_policy = checked_base(scenario, base)
    levers, notes = read_levers(levers_spec, scenario, base_policy.name, file)
    plan = plan_design(
        scenario,
        base_policy,
        levers,
        parsed_objectives,
        parsed_constraints,
        budget,
        confirm_replications=confirm_replications,
        sampler=sampler,
        notes=tuple(notes),
    )
    for note in plan.notes:
        click.echo(note, err=True)
    for lever, why in plan.inert:
        click.echo(
            f"note: lever {lever} cannot act in this scenario ({why}); left out of the search",
            err=True,
        )
    folder = Path(out) if out else Path("results") / f"{scenario.name}-design"
    progress = ProgressHook("design", quiet)
    said = []
    ran = [0]  # replications run in this session, over both phases

    def advance(key: str) -> None:
        ran[0] += 1
        progress.advance(key)

    def start(phase: str, total: int, done: set[str]) -> None:
        if not said:
            for line in unwritten_notice(loaded.scenario, loaded.written):
                click.echo(line)
            said.append(True)
        progress.close()
        progress.label = f"design {phase}"
        progress.start(
            total, {k for k in done if k.startswith("s" if phase == "search" else ("c", "p"))}
        )

    clock = time.perf_counter()
    destination = Destination(
        folder, resume=resume, overwrite=overwrite, command=command_line(), written=loaded.written
    )
    with stopping_cleanly(progress, folder):
        result = run_design(
            plan,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            store_in=destination,
            on_start=start,
            on_output=lambda output: advance(output.key),
            on_sizing=progress.sizing,
            write=lambda r, f: write_folder(r, f, _manifest(f)),
        )
    from recoverysim.results import read_manifest
    from recoverysim.views.design_views import named_sentences

    manifest = read_manifest(folder)
    click.echo(describe(result, manifest))
    for sentence in named_sentences(result.frontier, manifest):
        click.echo(f"  {sentence}")
    for note in result.notes[len(plan.notes) :]:
        click.echo(note, err=True)
    session = (
        "nothing left to run"
        if not said
        else f"{ran[0]} replications run in this session in {time.perf_counter() - clock:.1f} s"
    )
    searched = len(result.trials)
    click.echo(
        f"\n{searched} candidates x {plan.replications} replications searched, frontier "
        f"confirmed on {plan.confirm_replications} fresh replications ({session}); "
        f"results in {folder}/ ({FILES})"
    )


def _manifest(folder: Path) -> dict:
    from recoverysim.results import read_manifest

    return read_manifest(folder)


def describe(result: DesignResult, manifest: dict) -> str:
    from recoverysim.views.design_views import frontier_text

    plan = result.plan
    constraints = ", ".join(str(c) for c in plan.constraints) or "none"
    return "\n".join(
        [
            (
                f"Frontier of {', '.join(str(o) for o in plan.objectives)} over the levers of "
                f"{plan.base.name} (constraints: {constraints}); means with 95 % intervals on "
                f"{plan.confirm_replications} fresh replications:"
            ),
            "",
            frontier_text(result.frontier, manifest),
            "",
            (
                "dominated by noise: another designed policy is better beyond noise on some "
                "objective and worse beyond noise on none (paired intervals, Bonferroni over the "
                "comparisons)."
            ),
        ]
    )
