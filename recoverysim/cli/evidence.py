"""`recoverysim params` and `recoverysim selfcheck`: the evidence behind a scenario's numbers, and a
check of the install."""

from __future__ import annotations

import sys

import click

from recoverysim.cli.options import set_option
from recoverysim.params import format_markdown, format_table, parameter_rows
from recoverysim.scenario.load import load_with_provenance
from recoverysim.scenario.provenance import DEFAULT

EXIT_CHECK_FAILED = 1


@click.command()
@click.argument("file", required=False)
@click.option(
    "--markdown",
    is_flag=True,
    help="Print a Markdown table (for reports) instead of aligned columns.",
)
@click.option(
    "--changed",
    is_flag=True,
    help="Only the fields the scenario file (with its extends) or --set wrote.",
)
@set_option
def params(file: str | None, markdown: bool, changed: bool, overrides: tuple[str, ...]) -> None:
    """Print every parameter of a scenario (or the defaults): field, value, default, unit and
    source."""
    if file is None and overrides:
        raise click.UsageError("--set needs a scenario FILE")
    loaded = load_with_provenance(file, overrides) if file else None
    rows = parameter_rows(loaded.scenario, loaded.written) if loaded else parameter_rows()
    if changed:
        rows = [row for row in rows if row.set_by != DEFAULT]
    click.echo(format_markdown(rows) if markdown else format_table(rows))


@click.command()
def selfcheck() -> None:
    """Run quick checks against theory and literature (Bass, the recovery paradox, Erlang C and A);
    exit 1 if any fails."""
    from recoverysim.selfcheck import run_selfcheck  # imported here: it loads the whole model

    def show(check) -> None:
        click.echo(f"{'PASS' if check.passed else 'FAIL'}  {check.name}")
        click.echo(f"      measured:  {check.figure}")
        click.echo(f"      reference: {check.reference}")

    checks = run_selfcheck(on_check=show)
    failed = [c.name for c in checks if not c.passed]
    click.echo(
        f"\n{len(checks) - len(failed)} of {len(checks)} checks passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    if failed:
        sys.exit(EXIT_CHECK_FAILED)
