"""`recoverysim run`: every policy of a scenario on the same seeds, the comparison and the
verdict."""

from __future__ import annotations

import time
from pathlib import Path

import click

from recoverysim.calibration.best import best_sentences
from recoverysim.calibration.posterior import read_posterior
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
from recoverysim.errors import UsageError
from recoverysim.experiment import Destination, run_experiment
from recoverysim.experiments.settle import DEFAULT_MAX_REPLICATIONS, SettleRule, run_until_settled
from recoverysim.levers import inert_levers, silent_levers
from recoverysim.results import write_staffing_table
from recoverysim.scenario.load import load_with_provenance
from recoverysim.scenario.unwritten import unwritten_notice
from recoverysim.staffing import describe as describe_staffing
from recoverysim.staffing import staffing_plan
from recoverysim.table import comparison_table
from recoverysim.verdict import DECISION_FIGURE, verdict_sentences


@click.command()
@click.argument("file")
@click.option(
    "--policy",
    "policies",
    multiple=True,
    help="Run only this policy (repeatable); default all, the first is the baseline.",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1, max=100_000),
    help="Replications per policy (default: the scenario's).",
)
@seed_option
@out_option("Output folder (default results/<scenario-name>/).")
@click.option(
    "--posterior",
    "posterior_folder",
    type=click.Path(),
    metavar="DIR",
    help="A calibration folder (recoverysim calibrate --out): replication r runs every policy "
    "with parameter set r drawn from its posterior, and the probability that each policy is "
    "best is reported.",
)
@click.option(
    "--until-settled",
    is_flag=True,
    help="Add replications in batches (the first is --replications, then max(10, half of it)) "
    "until every policy is separated from the best or within the indifference zone on "
    "--metric, or the budget is spent.",
)
@click.option(
    "--indifference",
    type=float,
    metavar="EUR",
    help="With --until-settled: a policy at most this far behind the best counts as good as the "
    "best (in --metric's units; default 0).",
)
@click.option(
    "--max-replications",
    type=click.IntRange(min=2, max=100_000),
    help="With --until-settled: the budget of replications per policy (default "
    f"{DEFAULT_MAX_REPLICATIONS}).",
)
@click.option(
    "--metric", help=f"With --until-settled: the figure to settle (default {DECISION_FIGURE})."
)
@executor_options
@storage_options
@quiet_option
@set_option
def run(
    file: str,
    policies: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    out: str | None,
    posterior_folder: str | None,
    until_settled: bool,
    indifference: float | None,
    max_replications: int | None,
    metric: str | None,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    overwrite: bool,
    quiet: bool,
    overrides: tuple[str, ...],
) -> None:
    """Run every policy of a scenario on the same seeds and print the comparison with 95 %
    intervals.

    Each replication is saved as it finishes: a run stopped by Ctrl-C (or killed) continues with
    --resume.
    """
    extra = [f"replications={replications}"] if replications else []
    extra += [f"seed={seed}"] if seed is not None else []
    settle_options = {
        "--indifference": indifference,
        "--max-replications": max_replications,
        "--metric": metric,
    }
    given = [name for name, value in settle_options.items() if value is not None]
    if given and not until_settled:
        raise UsageError(f"{', '.join(given)} only work with --until-settled")
    if until_settled and posterior_folder:
        raise UsageError(
            "--until-settled cannot be combined with --posterior: its stopping rule assumes one "
            "world"
        )
    loaded = load_with_provenance(file, [*overrides, *extra])
    scenario = loaded.scenario
    rule = None
    if until_settled:
        rule = SettleRule(
            metric or DECISION_FIGURE,
            0.0 if indifference is None else indifference,
            scenario.replications,
            max_replications or max(DEFAULT_MAX_REPLICATIONS, scenario.replications),
        )
    posterior = read_posterior(posterior_folder) if posterior_folder else None
    if posterior is not None:
        posterior.check_applies(scenario)  # before the staff is sized: a wrong path is told at once
    folder = Path(out) if out else Path("results") / scenario.name
    for warning in inert_levers(scenario):
        if not policies or warning.startswith(tuple(f"policy {name}: " for name in policies)):
            click.echo(f"warning: {warning}", err=True)
    for line in unwritten_notice(scenario, loaded.written):
        click.echo(line)
    clock = time.perf_counter()
    staffing = staffing_plan(scenario)
    for line in describe_staffing(staffing):
        click.echo(line)
    progress = ProgressHook("run", quiet)
    destination = Destination(
        folder, resume=resume, overwrite=overwrite, command=command_line(), written=loaded.written
    )
    decision = None
    with stopping_cleanly(progress, folder):
        if rule is not None:
            result, decision = run_until_settled(
                staffing.scenario,
                rule,
                destination,
                policies or None,
                executor,
                workers,
                scheduler=scheduler,
                on_result=lambda r: progress.advance(""),
                on_start=progress.start,
                on_sizing=progress.sizing,
            )
        else:
            result = run_experiment(
                staffing.scenario,
                policies or None,
                executor=executor,
                workers=workers,
                scheduler=scheduler,
                on_result=lambda r: progress.advance(""),
                on_start=progress.start,
                on_sizing=progress.sizing,
                posterior=posterior,
                store_in=destination,
            )
    if staffing.choices:
        write_staffing_table(staffing, folder)
    click.echo(comparison_table(result.summary))
    sentences = verdict_sentences(
        result.replications, list(result.policies), suggest=decision is None
    )
    if sentences:
        click.echo(
            "\nVerdict (value_total_eur: net result plus the value of customers kept, "
            "both at day 0):"
        )
        for sentence in sentences:
            click.echo(f"  {sentence}")
    if result.probability_best is not None:
        count = int(result.replications["replication"].nunique())
        click.echo(
            f"\nProbability best on value_total_eur (parameter sets from {posterior_folder}):"
        )
        for sentence in best_sentences(result.probability_best, count):
            click.echo(f"  {sentence}.")
    if decision is not None:
        click.echo("")
        for line in decision.lines():
            click.echo(line)
    for note in silent_levers(scenario, result.replications):
        click.echo(note, err=True)
    ran = (
        "nothing left to run"
        if progress.session_done is None
        else f"{progress.session_done} run in {time.perf_counter() - clock:.1f} s"
    )
    click.echo(f"\n{len(result.replications)} replications ({ran}); results in {folder}/")
