"""The commands that show results to people: plot, report, whatif and trace. Thin: the work is in
the modules."""

from __future__ import annotations

import time
from pathlib import Path

import click

from recoverysim.cli.options import refuse_empty_path, set_option
from recoverysim.errors import RecoverySimError
from recoverysim.experiments.progress import bar


def _folder(path: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise RecoverySimError(
            f"{path}: no such results folder (make one with `recoverysim run` or `recoverysim "
            "sweep`)"
        )
    return folder


@click.command()
@click.argument("folder")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf"]),
    default="png",
    show_default=True,
    help="File format of the figures.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    callback=refuse_empty_path,
    help="Where to write the figures (default FOLDER/figures/).",
)
def plot(folder: str, fmt: str, out: str | None) -> None:
    """Draw the figures of a results folder from `run` or `sweep` into FOLDER/figures/."""
    from recoverysim.views.figure_files import figures_for_folder, save_figure

    source = _folder(folder)
    target = Path(out) if out else source / "figures"
    for name, figure in figures_for_folder(source).items():
        click.echo(save_figure(figure, target / f"{name}.{fmt}"))


@click.command()
@click.argument("folder")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    callback=refuse_empty_path,
    help="HTML file to write (default FOLDER/report.html).",
)
def report(folder: str, output: str | None) -> None:
    """Write one self-contained HTML report of a results folder: question, levers, headline,
    figures, assumptions."""
    from recoverysim.views.report import write_report

    source = _folder(folder)
    path = write_report(source, Path(output) if output else source / "report.html")
    click.echo(path)


@click.command()
@click.argument("file")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    callback=refuse_empty_path,
    default="whatif.html",
    show_default=True,
    help="HTML file to write.",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1, max=100),
    help="Replications per grid point and policy (default: the scenario's whatif.replications).",
)
@click.option(
    "--customers",
    type=click.IntRange(min=1),
    help="Simulate this many initial customers (prospects in the scenario's proportion) for a "
    "quicker page; the page says so, and its amounts and counts are for that smaller market.",
)
@click.option(
    "--quick",
    is_flag=True,
    help="A quick page for a training room (under 30 s on 2 cores for the canonical scenario):"
    " 5,000 initial customers unless --customers says otherwise, 1 replication unless"
    " --replications says otherwise, and each policy's staff sized once, with the levers at the"
    " scenario's own settings, and held at the other settings. The page says all this.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=1024),
    help="Worker processes (default: one per core).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@set_option
def whatif(
    file: str,
    output: str,
    replications: int | None,
    customers: int | None,
    quick: bool,
    workers: int | None,
    quiet: bool,
    overrides: tuple[str, ...],
) -> None:
    """Precompute a grid over the scenario's what-if levers and write a self-contained page with
    sliders."""
    from recoverysim.scenario.load import load_scenario
    from recoverysim.views.whatif import (
        grid_size,
        levers_of,
        quick_customers,
        run_grid,
        with_fewer_customers,
    )
    from recoverysim.views.whatif_page import write_page

    scenario = load_scenario(file, overrides)
    levers = levers_of(scenario, source=file)
    if scenario.whatif is None:
        click.echo(
            "whatif: the file has no whatif section, so the page uses the default levers ("
            + "; ".join(lever.label for lever in levers)
            + "); write whatif.levers to choose"
        )
    smaller_market = ""
    if quick and customers is None:
        customers = quick_customers(scenario, levers)
    if customers is not None:
        scenario, smaller_market = with_fewer_customers(scenario, customers, levers)
    count = replications or (1 if quick else scenario.whatif.replications if scenario.whatif else 2)
    clock = time.perf_counter()
    with bar("whatif", grid_size(levers), "grid points", quiet=quiet) as progress:
        grid = run_grid(
            scenario,
            levers,
            count,
            workers=workers,
            on_point=lambda: progress.update(1),
            hold_staff=quick,
        )
    grid.smaller_market = smaller_market
    path = write_page(grid, Path(output))
    click.echo(
        f"{path} ({len(grid.points)} grid points x {len(grid.policies)} policies x {count} "
        f"replications in {time.perf_counter() - clock:.0f} s)"
    )


@click.command()
@click.argument("file")
@click.option("--policy", required=True, help="Policy to follow.")
@click.option("--customer", type=click.IntRange(min=0), help="Customer id (as in claims.parquet).")
@click.option(
    "--story",
    type=click.Choice(["honest-denied", "fraud-paid", "recovered", "runaround"]),
    help="Pick the first customer whose journey is an example of this kind: honest-denied, an "
    "honest claim that was denied (an excluded part's paid repair included); fraud-paid, a "
    "fraudulent claim approved and paid; recovered, an honest claim a manager put right "
    "after a public post, else one that hit trouble (dropped transfer, partner bounce, "
    "missing proof) and still ended approved and satisfied; runaround, the claim passed "
    "around most (at least twice). The customer is an honest claimant (no opportunist, no "
    "fraudulent claim) except for fraud-paid.",
)
@click.option(
    "--any-customer",
    is_flag=True,
    help="Let --story pick opportunists too (by default it tells honest claimants' journeys).",
)
@click.option(
    "--replication",
    type=click.IntRange(min=0, max=999_999),
    default=0,
    show_default=True,
    help="Which replication (same seeds as `run`).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@set_option
def trace(
    file: str,
    policy: str,
    customer: int | None,
    story: str | None,
    any_customer: bool,
    replication: int,
    fmt: str,
    overrides: tuple[str, ...],
) -> None:
    """Tell one customer's journey as a dated timeline, from the event log of one replication."""
    from recoverysim.scenario.load import load_scenario
    from recoverysim.views.trace import as_json, as_text, journey

    scenario = load_scenario(file, overrides)
    j = journey(scenario, policy, replication, customer, story, any_customer)
    shipping = scenario.policy(policy).shipping_days
    click.echo(
        as_json(j, shipping) if fmt == "json" else as_text(j, shipping, scenario.horizon_days)
    )
