"""The `recoverysim` command: a thin layer over the Python API that turns errors into one-line
messages."""

from __future__ import annotations

import json
import sys
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
    stopping_cleanly,
    storage_options,
)
from recoverysim.errors import RecoverySimError, ScenarioError, UsageError
from recoverysim.experiment import Destination, run_experiment
from recoverysim.experiments.settle import DEFAULT_MAX_REPLICATIONS, SettleRule, run_until_settled
from recoverysim.levers import inert_levers, silent_levers
from recoverysim.results import write_staffing_table
from recoverysim.scenario.load import (
    dump_yaml,
    file_json_schema,
    load_scenario,
    load_with_provenance,
    scenario_to_dict,
)
from recoverysim.scenario.unwritten import unwritten_notice
from recoverysim.staffing import describe as describe_staffing
from recoverysim.staffing import staffing_plan
from recoverysim.table import comparison_table
from recoverysim.verdict import DECISION_FIGURE, verdict_sentences

EXIT_BAD_INPUT = 2

set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario field, e.g. --set channels.phone.staff=6 or --set "
    "policies.trusting.goodwill_eur=5 (repeatable).",
)


class Group(click.Group):
    """Turns every RecoverySimError into its message on stderr and exit code 2, never a
    traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ScenarioError as error:
            for problem in error.problems:
                click.echo(str(problem), err=True)
            sys.exit(EXIT_BAD_INPUT)
        except RecoverySimError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=Group)
@click.version_option(package_name="recoverysim")
def main() -> None:
    """Compare warranty policies, from trusting to suspicious, by loyalty, cost and word of
    mouth."""


@main.command()
@click.argument("files", nargs=-1, required=True)
@set_option
def validate(files: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Check scenario files: prints OK FILE for each good one, every problem of each bad one (exit
    2)."""
    failed = False
    for file in files:
        try:
            scenario = load_scenario(file, overrides)
        except ScenarioError as error:
            failed = True
            for problem in error.problems:
                click.echo(str(problem))
            continue
        click.echo(f"OK {file}")
        for warning in inert_levers(scenario):
            click.echo(f"warning: {warning}")
    if failed:
        sys.exit(EXIT_BAD_INPUT)


@main.command()
@click.argument("file")
@set_option
def show(file: str, overrides: tuple[str, ...]) -> None:
    """Print the fully resolved scenario (extends, overrides and defaults applied) as YAML."""
    dump_yaml(scenario_to_dict(load_scenario(file, overrides)), sys.stdout)


@main.command()
def schema() -> None:
    """Print the JSON Schema of scenario files, for editor completion."""
    click.echo(json.dumps(file_json_schema(), indent=2))


@main.command()
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


from recoverysim.cli.queue import queuecheck  # noqa: E402

main.add_command(queuecheck)


from recoverysim.cli.visual import plot, report, trace, whatif  # noqa: E402

for command in (plot, report, whatif, trace):
    main.add_command(command)


from recoverysim.cli.experiments import breakeven, sweep  # noqa: E402

main.add_command(sweep)
main.add_command(breakeven)

from recoverysim.cli.evidence import params, selfcheck  # noqa: E402

main.add_command(params)
main.add_command(selfcheck)

from recoverysim.cli.decompose import decompose  # noqa: E402

main.add_command(decompose)

from recoverysim.cli.calibrate import calibrate  # noqa: E402

main.add_command(calibrate)

from recoverysim.cli.discover import discover  # noqa: E402

main.add_command(discover)

from recoverysim.cli.design import design  # noqa: E402

main.add_command(design)
