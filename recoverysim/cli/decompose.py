"""`recoverysim decompose`: a thin command over experiments.decompose, and the table it prints."""

from __future__ import annotations

import math
import time
from pathlib import Path

import click
import pandas as pd

from recoverysim.cli.experiments import load, saying_unwritten_defaults
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
from recoverysim.experiments.decompose import (
    DEFAULT_METRIC,
    DEFAULT_ORDERINGS,
    TOTAL,
    Decomposition,
    decompose_policies,
)
from recoverysim.table import with_interval

MARK = "*"


def excludes_zero(low: float, high: float) -> bool:
    return not (math.isnan(low) or math.isnan(high)) and (low > 0 or high < 0)


def share_of(contribution: float, total: float) -> str:
    return "n/a" if total == 0 or math.isnan(total) else f"{100 * contribution / total:.1f} %"


def lever_table(table: pd.DataFrame, metric: str) -> str:
    """lever | contribution [95 % interval] | share of total, the total last; marks levers whose
    interval excludes 0."""
    rows = table[table["metric"] == metric]
    total = float(rows.loc[rows["lever"] == TOTAL, "contribution"].iloc[0])
    header = ["lever", "contribution [95 % interval]", "share of total"]
    lines = []
    for row in rows.itertuples():
        mark = f" {MARK}" if excludes_zero(row.ci_low, row.ci_high) else "  "
        lines.append(
            [
                row.lever,
                with_interval(row.contribution, row.ci_low, row.ci_high) + mark,
                share_of(row.contribution, total),
            ]
        )
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

    def render(line: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))
        ).rstrip()

    rule = render(["-" * w for w in widths])
    return "\n".join([render(header), rule, *map(render, lines[:-1]), rule, render(lines[-1])])


def describe(result: Decomposition, metric: str) -> str:
    plan = result.plan
    count = int(result.replications["replication"].nunique())
    return "\n".join(
        [
            (
                f"{plan.target} - {plan.baseline} in {metric}, by lever "
                f"({len(plan.levers)} levers, {count} paired replications)"
            ),
            "",
            lever_table(result.table, metric),
            f"{MARK} the 95 % interval excludes 0",
            f"{plan.method()}.",
        ]
    )


@click.command()
@click.argument("file")
@click.option("--from", "baseline", required=True, metavar="A", help="The policy to start from.")
@click.option(
    "--to",
    "target",
    required=True,
    metavar="B",
    help="The policy to arrive at; the difference decomposed is B - A.",
)
@click.option(
    "--metric",
    default=DEFAULT_METRIC,
    show_default=True,
    help="Figure shown in the table printed at the end (all are decomposed).",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1, max=100_000),
    help="Replications per coalition (default: the scenario's).",
)
@click.option(
    "--orderings",
    type=click.IntRange(min=1, max=10_000),
    default=DEFAULT_ORDERINGS,
    show_default=True,
    help="With more than 6 levers: random orderings of the levers to sample (each with its "
    "reverse).",
)
@seed_option
@out_option("Output folder (default results/<scenario-name>-decompose/).")
@executor_options
@storage_options
@quiet_option
@set_option
def decompose(
    file: str,
    baseline: str,
    target: str,
    metric: str,
    replications: int | None,
    orderings: int,
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
    """Attribute the paired difference between two policies to each lever that differs (Shapley
    values).

    Each hybrid policy (A with some of B's levers) runs on the same seeds; writes decomposition.csv
    (metric, lever, contribution, ci_low, ci_high), decomposition.txt and replications.parquet.
    """
    loaded = load(file, overrides, replications, seed)
    scenario = loaded.scenario
    folder = Path(out) if out else Path("results") / f"{scenario.name}-decompose"
    progress = ProgressHook("decompose", quiet)
    clock = time.perf_counter()
    with stopping_cleanly(progress, folder):
        result = decompose_policies(
            scenario,
            baseline,
            target,
            orderings=orderings,
            executor=executor,
            workers=workers,
            metric=metric,
            scheduler=scheduler,
            on_start=saying_unwritten_defaults(loaded, progress.start),
            on_output=lambda output: progress.advance(output.key),
            on_sizing=progress.sizing,
            store_in=Destination(
                folder,
                resume=resume,
                overwrite=overwrite,
                command=command_line(),
                written=loaded.written,
            ),
        )
    click.echo(describe(result, metric))
    ran = (
        "nothing left to run"
        if progress.session_done is None
        else f"{progress.session_done} run in {time.perf_counter() - clock:.1f} s"
    )
    click.echo(
        f"\n{len(result.plan.coalitions)} coalitions x {scenario.replications} replications = "
        f"{len(result.replications)} "
        f"replications ({ran}); results in {folder}/"
    )
