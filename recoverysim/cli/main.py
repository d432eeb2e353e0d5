"""The `recoverysim` command: a thin layer over the Python API that turns errors into one-line
messages.

Each command's module is imported only when that command runs (or its help is shown), so a quick
command such as `validate` does not pay for scipy, pandas and the simulation.
"""

from __future__ import annotations

import importlib
import json
import sys

import click

from recoverysim.cli.options import set_option
from recoverysim.errors import RecoverySimError, ScenarioError

EXIT_BAD_INPUT = 2

#: Commands kept in their own modules, as "module:function", in the order `--help` lists them.
LAZY_COMMANDS = {
    "run": "recoverysim.cli.run:run",
    "queuecheck": "recoverysim.cli.queue:queuecheck",
    "plot": "recoverysim.cli.visual:plot",
    "report": "recoverysim.cli.visual:report",
    "whatif": "recoverysim.cli.visual:whatif",
    "trace": "recoverysim.cli.visual:trace",
    "sweep": "recoverysim.cli.experiments:sweep",
    "breakeven": "recoverysim.cli.experiments:breakeven",
    "params": "recoverysim.cli.evidence:params",
    "selfcheck": "recoverysim.cli.evidence:selfcheck",
    "decompose": "recoverysim.cli.decompose:decompose",
    "calibrate": "recoverysim.cli.calibrate:calibrate",
    "discover": "recoverysim.cli.discover:discover",
    "design": "recoverysim.cli.design:design",
}


class Group(click.Group):
    """Turns every RecoverySimError into its message on stderr and exit code 2, never a
    traceback; imports a command's module when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

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
    from recoverysim.levers import inert_levers
    from recoverysim.scenario.load import load_scenario

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
    from recoverysim.scenario.load import dump_yaml, load_scenario, scenario_to_dict

    dump_yaml(scenario_to_dict(load_scenario(file, overrides)), sys.stdout)


@main.command()
def schema() -> None:
    """Print the JSON Schema of scenario files, for editor completion."""
    from recoverysim.scenario.load import file_json_schema

    click.echo(json.dumps(file_json_schema(), indent=2))
