"""`recoverysim calibrate`: a thin command over recoverysim.calibration (fit, then write the
calibration folder)."""

from __future__ import annotations

import time
from pathlib import Path

import click
import pandas as pd

from recoverysim.cli.options import (
    executor_options,
    out_option,
    quiet_option,
    seed_option,
    set_option,
    stopping_cleanly,
    storage_options,
)
from recoverysim.experiments.executors import make_executor
from recoverysim.experiments.progress import bar


class CalibrationProgress:
    """One bar per generation, 'calibrate generation 2 of 4: 37/100 particles [..., 120 simulated]',
    on a terminal."""

    def __init__(self, population: int, generations: int, quiet: bool):
        self.population, self.generations, self.quiet = population, generations, quiet
        self.generation: int | None = None
        self.bar = None

    def __call__(self, generation: int, accepted: int, simulated: int) -> None:
        if generation != self.generation:
            self.close()
            self.generation = generation
            label = f"calibrate generation {generation + 1} of {self.generations}"
            self.bar = bar(label, self.population, "particles", quiet=self.quiet)
        self.bar.set_postfix_str(f"{simulated} simulated", refresh=False)
        self.bar.update(accepted - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def table_text(frame: pd.DataFrame) -> str:
    """A table for the terminal: numbers to 4 significant digits."""
    return frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")


@click.command()
@click.argument("scenario")
@click.option(
    "--targets",
    "targets",
    required=True,
    metavar="FILE",
    help="Observed figures to fit: a targets YAML file, or a claims CSV (then --claims-policy).",
)
@click.option(
    "--fit",
    "fit",
    multiple=True,
    required=True,
    metavar="PATH[=lo:hi]",
    help="A scenario field to fit with a uniform prior on lo:hi (default: the field's own bounds "
    "when both are finite), e.g. --fit "
    "market.segments.everyone.complaint_probability=0.3:0.9 (repeatable).",
)
@out_option("Calibration folder (default results/<scenario-name>-calibration/).")
@click.option(
    "--replications",
    type=click.IntRange(min=1, max=10_000),
    default=2,
    show_default=True,
    help="Replications per particle and policy (the same numbers for every particle).",
)
@click.option(
    "--population",
    type=click.IntRange(min=2, max=100_000),
    default=100,
    show_default=True,
    help="Particles per generation.",
)
@click.option(
    "--generations",
    type=click.IntRange(min=1, max=100),
    default=6,
    show_default=True,
    help="Generations; the temperature reaches 1 (the exact posterior) at the last.",
)
@seed_option
@click.option(
    "--claims-policy",
    help="With a claims CSV as --targets: the policy the claims were observed under.",
)
@click.option(
    "--target",
    "only",
    multiple=True,
    metavar="NAME",
    help="Fit only the targets with this name (shell patterns allowed, e.g. 'TARP *'; repeatable).",
)
@executor_options
@storage_options
@quiet_option
@set_option
def calibrate(
    scenario: str,
    targets: str,
    fit: tuple[str, ...],
    out: str | None,
    replications: int,
    population: int,
    generations: int,
    seed: int | None,
    claims_policy: str | None,
    only: tuple[str, ...],
    executor: str,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    overwrite: bool,
    quiet: bool,
    overrides: tuple[str, ...],
) -> None:
    """Fit scenario fields to observed figures (ABC-SMC); write the posterior, fit table, figures
    and a calibrated scenario. Finished generations are kept: a calibration stopped by Ctrl-C
    continues with --resume. --set changes the scenario and every world the targets name, as the
    fitted values do."""
    from recoverysim.calibration.abc import prepare_inputs, run_calibration
    from recoverysim.calibration.outputs import collapse_warning, write_outputs

    inputs = prepare_inputs(
        scenario, targets, fit, overrides=overrides, claims_policy=claims_policy, only=only
    )
    folder = Path(out) if out else Path("results") / f"{inputs.scenario.name}-calibration"
    click.echo(inputs.targets.summary)
    names = ", ".join(f"{p.path} in [{p.low:g}, {p.high:g}]" for p in inputs.parameters)
    click.echo(
        f"fitting {names}: {population} particles, {generations} generations, {replications} "
        "replications per particle and policy"
    )
    progress = CalibrationProgress(population, generations, quiet)
    clock_start = time.perf_counter()
    with stopping_cleanly(progress, folder):
        result = run_calibration(
            inputs,
            out=folder,
            replications=replications,
            population=population,
            generations=generations,
            seed=seed,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            overwrite=overwrite,
            on_progress=progress,
        )
        progress.close()
        output_executor = make_executor(executor, workers, scheduler)
        try:
            fit_table, parameter_table = write_outputs(result, output_executor)
        finally:
            output_executor.close()
    click.echo("\nFit (posterior predictive, 95 % interval):")
    click.echo(table_text(fit_table))
    click.echo(
        "\nParameters (identified: posterior sd / prior sd below 0.5 yes, below 0.75 weakly, "
        "else no):"
    )
    click.echo(table_text(parameter_table))
    warning = collapse_warning(result.posterior)
    if warning:
        click.echo(warning, err=True)
    click.echo(
        f"\n{result.generations_done} generations, {result.evaluations} particles simulated in "
        f"{time.perf_counter() - clock_start:.1f} s; results in {folder}/"
    )
