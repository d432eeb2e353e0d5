"""`recoverysim sweep` and `recoverysim breakeven`: thin commands over experiments.sweep and
experiments.breakeven."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click

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
from recoverysim.experiments.breakeven import describe, find_breakeven, parse_bounds
from recoverysim.experiments.designs import sweep_from_options
from recoverysim.experiments.sensitivity import DEFAULT_METRIC, SENSITIVITY_FILE, describe_ranking
from recoverysim.experiments.sweep import SweepResult, point_of, run_sweep
from recoverysim.metrics import EXTRA_FIGURES, KEY_FIGURES
from recoverysim.scenario.load import LoadedScenario, load_with_provenance
from recoverysim.scenario.schema import SWEEP_DESIGNS
from recoverysim.scenario.unwritten import unwritten_notice
from recoverysim.table import number, with_interval

SHOWN_POINTS = 40


def load(
    file: str, overrides: tuple[str, ...], replications: int | None, seed: int | None
) -> LoadedScenario:
    """The scenario with --replications and --seed as --set would write them, and who wrote each
    value."""
    extra = [f"replications={replications}"] if replications else []
    extra += [f"seed={seed}"] if seed is not None else []
    return load_with_provenance(file, [*overrides, *extra])


def saying_unwritten_defaults(loaded: LoadedScenario, start: Callable) -> Callable:
    """`start` (the progress bar's), preceded by the notice of the defaults that carry cost or
    change the question and the file did not write (scenario/unwritten.py): said once the work is
    checked, before it runs, as `run` says it."""

    def starting(*heard) -> None:
        for line in unwritten_notice(loaded.scenario, loaded.written):
            click.echo(line)
        start(*heard)

    return starting


def point_table(result: SweepResult, metric: str) -> str:
    """Per point: the baseline's mean in `metric` and each other policy's paired difference, with 95
    % intervals."""
    summary = result.points_summary[result.points_summary["metric"] == metric]
    baseline, others = result.policies[0], result.policies[1:]
    header = ["point", *result.design.parameters, baseline, *[f"{p} - {baseline}" for p in others]]
    rows = []
    for point in result.design.points[:SHOWN_POINTS]:
        own = summary[summary["point"] == point.index].set_index("policy")
        row = [
            str(point.index),
            *[v if isinstance(v, str) else number(v) for v in point.values.values()],
        ]
        row.append(with_interval(*own.loc[baseline, ["mean", "ci_low", "ci_high"]]))
        row += [
            with_interval(*own.loc[p, ["diff_vs_baseline", "diff_ci_low", "diff_ci_high"]])
            for p in others
        ]
        rows.append(row)
    widths = [max(len(str(line[i])) for line in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).rjust(w) for cell, w in zip(line, widths)).rstrip()
        for line in [header, *rows]
    ]
    if len(result.design.points) > SHOWN_POINTS:
        lines.append(
            f"... {len(result.design.points) - SHOWN_POINTS} more points in points_summary.csv"
        )
    return "\n".join(lines)


@click.command()
@click.argument("file")
@click.option(
    "--vary",
    multiple=True,
    metavar="PATH=V1,V2,...|PATH=LO:HI:STEPS|PATH=LO:HI|PATH=DIST(ARGS)",
    help="A parameter to sweep, by dotted path as for --set (repeatable); replaces the scenario's "
    "sweep: parameters. Sampled designs take ranges LO:HI or distributions: "
    "uniform(low,high), triangular(low,mode,high), normal(mean,sd[,low,high]), "
    "lognormal(mean,sd[,low,high]), beta(a,b,low,high).",
)
@click.option(
    "--design",
    type=click.Choice(SWEEP_DESIGNS),
    help="grid (every combination), one_at_a_time (tornado), latin_hypercube or sobol_sequence "
    "(--points points), morris (--points trajectories, default 10) or sobol (--points base "
    "samples, default 64): the last two write sensitivity.csv (default: the scenario's "
    "sweep: design, else grid).",
)
@click.option(
    "--points",
    type=click.IntRange(min=2, max=100_000),
    help="Points of a latin_hypercube or sobol_sequence design; trajectories of morris; base "
    "samples of sobol.",
)
@click.option(
    "--levels",
    type=click.IntRange(min=2, max=100),
    help="Levels of a morris design (even; default 4).",
)
@click.option(
    "--policy",
    "policies",
    multiple=True,
    help="Run only this policy (repeatable); the first is the baseline.",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1, max=100_000),
    help="Replications per point and policy (default: the scenario's).",
)
@seed_option
@click.option(
    "--metric",
    default="net_result_eur",
    show_default=True,
    help="Figure shown in the table printed at the end (all are stored); morris and sobol also "
    "analyse it, besides value_total_eur.",
)
@out_option("Output folder (default results/<scenario-name>-sweep/).")
@executor_options
@storage_options
@quiet_option
@set_option
def sweep(
    file: str,
    vary: tuple[str, ...],
    design: str | None,
    points: int | None,
    levels: int | None,
    policies: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    metric: str,
    out: str | None,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    overwrite: bool,
    quiet: bool,
    overrides: tuple[str, ...],
) -> None:
    """Run every point of a sweep, every policy, on the same seeds; write points.parquet and
    points_summary.csv.

    Points come from the scenario's sweep: section or from --vary, e.g.

    \b
      --vary market.segments.0.opportunist_share=0:0.3:4
      --vary policies.suspicious.remedy=repair,replace
    """
    loaded = load(file, overrides, replications, seed)
    scenario = loaded.scenario
    plan = sweep_from_options(scenario, vary, design, points, levels)
    if metric not in (*KEY_FIGURES, *EXTRA_FIGURES):
        raise click.BadParameter(
            f"unknown figure {metric!r}; choose one of {', '.join(KEY_FIGURES)}",
            param_hint="--metric",
        )
    folder = Path(out) if out else Path("results") / f"{scenario.name}-sweep"
    per_point = scenario.replications * (
        len(dict.fromkeys(policies)) if policies else len(scenario.policies)
    )
    progress = ProgressHook("sweep", quiet, tasks_per_point=per_point, point_of=point_of)
    clock = time.perf_counter()
    with stopping_cleanly(progress, folder):
        result = run_sweep(
            scenario,
            plan,
            policies or None,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            store_in=Destination(
                folder,
                resume=resume,
                overwrite=overwrite,
                command=command_line(),
                written=loaded.written,
            ),
            on_start=saying_unwritten_defaults(loaded, progress.start),
            on_output=lambda output: progress.advance(output.key),
            on_sizing=progress.sizing,
            sensitivity_metrics=tuple(dict.fromkeys((DEFAULT_METRIC, metric))),
        )
    click.echo(point_table(result, metric))
    if result.sensitivity is not None:
        click.echo(f"\nWhich inputs matter ({SENSITIVITY_FILE}; 95 % bootstrap intervals):")
        click.echo("\n".join(describe_ranking(result.sensitivity)))
    ran = (
        "nothing left to run"
        if progress.session_done is None
        else f"{progress.session_done} run in {time.perf_counter() - clock:.1f} s"
    )
    click.echo(
        f"\n{len(result.design.points)} points x {len(result.policies)} policies x "
        f"{scenario.replications} replications "
        f"= {len(result.points)} replications ({ran}); results in {folder}/"
    )


@click.command()
@click.argument("file")
@click.option(
    "--vary",
    required=True,
    metavar="PATH=LO:HI",
    help="The parameter to search, by dotted path, and its range, e.g. "
    "market.segments.0.opportunist_share=0:0.3.",
)
@click.option(
    "--metric",
    default="net_result_eur",
    show_default=True,
    help="The figure whose paired difference should cross zero, e.g. value_total_eur, or a sum of "
    "figures joined by '+' (net_result_eur+customer_value_eur).",
)
@click.option(
    "--policies",
    "pair",
    metavar="A,B",
    help="Baseline and challenger (default: the scenario's first two policies); the difference is "
    "B - A.",
)
@click.option(
    "--replications",
    type=click.IntRange(min=2, max=100_000),
    help="Paired replications at each value tried (default: the scenario's).",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0.0, min_open=True),
    help="Stop bisecting when the bracket is narrower (default: 1/64 of the range).",
)
@seed_option
@out_option("Output folder (default results/<scenario-name>-breakeven/).")
@executor_options
@storage_options
@quiet_option
@set_option
def breakeven(
    file: str,
    vary: str,
    metric: str,
    pair: str | None,
    replications: int | None,
    tolerance: float | None,
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
    """Find the value of one parameter at which two policies' paired difference in a figure crosses
    zero.

    Brackets the crossing, bisects on the paired mean, and reports the value with an interval:
    the parameter values at which the 95 % interval of the paired difference contains zero.
    """
    loaded = load(file, overrides, replications, seed)
    scenario = loaded.scenario
    parameter, low, high = parse_bounds(vary)
    chosen = [p.strip() for p in pair.split(",")] if pair else None
    folder = Path(out) if out else Path("results") / f"{scenario.name}-breakeven"
    progress = ProgressHook("breakeven", quiet)
    with stopping_cleanly(progress, folder):
        result = find_breakeven(
            scenario,
            parameter,
            low,
            high,
            metric,
            chosen,
            tolerance=tolerance,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            store_in=Destination(
                folder,
                resume=resume,
                overwrite=overwrite,
                command=command_line(),
                written=loaded.written,
            ),
            on_start=saying_unwritten_defaults(loaded, lambda done: progress.start(None, done)),
            on_output=lambda output: progress.advance(output.key),
            on_sizing=progress.sizing,
        )
    click.echo(describe(result))
    click.echo(f"results in {folder}/ (breakeven.json, evaluations.parquet)")
