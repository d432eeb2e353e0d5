"""The `recoverysim` command: a thin layer over the Python API that turns errors into one-line messages."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from recoverysim.errors import RecoverySimError, ScenarioError
from recoverysim.experiment import EXECUTORS, run_experiment
from recoverysim.results import now_utc, prepare_folder, write_results
from recoverysim.scenario.load import dump_yaml, load_scenario, scenario_to_dict
from recoverysim.scenario.schema import Scenario
from recoverysim.table import comparison_table

EXIT_BAD_INPUT = 2

set_option = click.option(
    "--set", "overrides", multiple=True, metavar="PATH=VALUE",
    help="Override a scenario field, e.g. --set channels.phone.staff=6 or --set policies.trusting.goodwill_eur=5 (repeatable).",
)


class Group(click.Group):
    """Turns every RecoverySimError into its message on stderr and exit code 2, never a traceback."""

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
            click.echo("interrupted; nothing was written for the unfinished run", err=True)
            sys.exit(130)


@click.group(cls=Group)
@click.version_option(package_name="recoverysim")
def main() -> None:
    """Compare warranty policies, from trusting to suspicious, by loyalty, cost and word of mouth."""


@main.command()
@click.argument("files", nargs=-1, required=True)
@set_option
def validate(files: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Check scenario files: prints OK FILE for each good one, every problem of each bad one (exit 2)."""
    failed = False
    for file in files:
        try:
            load_scenario(file, overrides)
        except ScenarioError as error:
            failed = True
            for problem in error.problems:
                click.echo(str(problem))
            continue
        click.echo(f"OK {file}")
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
    click.echo(json.dumps(Scenario.model_json_schema(), indent=2))


@main.command()
@click.argument("file")
@click.option("--policy", "policies", multiple=True, help="Run only this policy (repeatable); default all, the first is the baseline.")
@click.option("--replications", type=click.IntRange(min=1, max=100_000), help="Replications per policy (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), help="Seed (default: the scenario's).")
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default results/<scenario-name>/).")
@click.option("--executor", type=click.Choice(EXECUTORS), default="processes", show_default=True, help="Where replications run.")
@click.option("--workers", type=click.IntRange(min=1, max=1024), help="Worker processes (default: one per core).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@set_option
def run(file: str, policies: tuple[str, ...], replications: int | None, seed: int | None, out: str | None,
        executor: str, workers: int | None, quiet: bool, overrides: tuple[str, ...]) -> None:
    """Run every policy of a scenario on the same seeds and print the comparison with 95 % intervals."""
    extra = [f"replications={replications}"] if replications else []
    extra += [f"seed={seed}"] if seed is not None else []
    scenario = load_scenario(file, [*overrides, *extra])
    folder = prepare_folder(Path(out) if out else Path("results") / scenario.name)
    started, clock = now_utc(), time.perf_counter()
    total = scenario.replications * (len(set(policies)) if policies else len(scenario.policies))
    with click.progressbar(length=total, label="replications", file=sys.stderr, show_eta=True, show_pos=True, hidden=quiet) as bar:
        result = run_experiment(scenario, policies or None, executor=executor, workers=workers, on_result=lambda _: bar.update(1))
    write_results(result, folder, started, command=" ".join(["recoverysim", *sys.argv[1:]]))
    click.echo(comparison_table(result.summary))
    click.echo(f"\n{len(result.replications)} replications in {time.perf_counter() - clock:.1f} s; results in {folder}/")
