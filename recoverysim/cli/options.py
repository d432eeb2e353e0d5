"""Options and helpers shared by `run`, `sweep` and `breakeven`: where work runs, where results go,
Ctrl-C."""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import click

from recoverysim.errors import UsageError
from recoverysim.experiments.executors import EXECUTORS
from recoverysim.experiments.progress import Progress, Sizing

if TYPE_CHECKING:  # imported where used: the driver brings in the simulation and pandas
    from recoverysim.experiments.driver import Interrupted

EXIT_INTERRUPTED = 130


def refuse_empty_path(
    context: click.Context, parameter: click.Parameter, value: str | None
) -> str | None:
    """Click callback for --out and --output: an empty path would quietly mean the default; refuse
    it instead."""
    if value is not None and not value.strip():
        raise UsageError(
            f"{parameter.opts[-1]} is empty; give a path, or leave the option out for the default"
        )
    return value


def executor_options(command: Callable) -> Callable:
    """--executor, --workers and --scheduler."""
    command = click.option(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="With --executor dask: submit to this running Dask scheduler instead of starting a "
        "local cluster.",
    )(command)
    command = click.option(
        "--workers",
        type=click.IntRange(min=1, max=1024),
        help="Worker processes (default: one per core); the size of the local Dask cluster.",
    )(command)
    return click.option(
        "--executor",
        type=click.Choice(EXECUTORS),
        default="processes",
        show_default=True,
        help="Where replications run: here one by one, in local processes, or on Dask (pip "
        "install 'recoverysim[dask]').",
    )(command)


def storage_options(command: Callable) -> Callable:
    """--resume and --overwrite, for results folders that survive interruption."""
    command = click.option(
        "--overwrite", is_flag=True, help="Replace whatever run the output folder holds."
    )(command)
    return click.option(
        "--resume",
        is_flag=True,
        help="Continue the unfinished run in the output folder: only missing replications run; "
        "refused if the scenario or design differ.",
    )(command)


seed_option = click.option(
    "--seed", type=click.IntRange(min=0, max=2**63 - 1), help="Seed (default: the scenario's)."
)


def out_option(help_text: str) -> Callable:
    """--out FOLDER for an experiment's results; an empty path is refused, not read as the
    default."""
    return click.option(
        "--out", type=click.Path(file_okay=False), callback=refuse_empty_path, help=help_text
    )


quiet_option = click.option(
    "--quiet",
    is_flag=True,
    help="No progress bar (there is none anyway when stderr is not a terminal).",
)
set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario field, e.g. --set channels.phone.staff=6 or --set "
    "policies.trusting.goodwill_eur=5 (repeatable).",
)


def command_line() -> str:
    return shlex.join(["recoverysim", *sys.argv[1:]])


def resume_command() -> str:
    """This command line with --resume instead of --overwrite: what to type to finish the work."""
    args = [a for a in sys.argv[1:] if a != "--overwrite"]
    if "--resume" not in args:
        args.append("--resume")
    return shlex.join(["recoverysim", *args])


def stop_late(folder: object) -> None:
    """Ctrl-C outside the replications: while the folder was checked, or while the final files were
    written."""
    from recoverysim.experiments.driver import Interrupted

    stop_interrupted(
        Interrupted(
            0, None, str(folder), "interrupted while preparing the work or writing the final files"
        )
    )


@contextlib.contextmanager
def stopping_cleanly(progress: ProgressHook, folder: object) -> Iterator[None]:
    """Close the progress bar however the work ends; on Ctrl-C say what was kept and how to
    resume."""
    from recoverysim.experiments.driver import Interrupted

    try:
        yield
    except Interrupted as error:
        progress.close()
        stop_interrupted(error)
    except KeyboardInterrupt:
        progress.close()
        stop_late(folder)
    progress.close()


def stop_interrupted(error: Interrupted) -> None:
    """Say what was kept and how to go on, then exit 130 like any program stopped by Ctrl-C."""
    click.echo(f"\n{error}", err=True)
    if error.folder:
        click.echo(f"to resume: {resume_command()}", err=True)
    sys.exit(EXIT_INTERRUPTED)


class ProgressHook:
    """Draws the progress bar once the work is known, that is after the output folder was
    checked."""

    def __init__(
        self,
        label: str,
        quiet: bool,
        tasks_per_point: int | None = None,
        point_of: Callable[[str], str] | None = None,
    ):
        self.label, self.quiet, self.tasks_per_point, self.point_of = (
            label,
            quiet,
            tasks_per_point,
            point_of,
        )
        self.bar: Progress | None = None
        self.sizing = Sizing(quiet, beneath=lambda: self.bar)
        """drive()'s on_sizing hook: the load pilots' bar, beneath this one."""

    def start(self, total: int | None, done: set[str]) -> None:
        self.bar = Progress(
            self.label,
            total,
            done,
            point_of=self.point_of,
            tasks_per_point=self.tasks_per_point,
            quiet=self.quiet,
        )

    def advance(self, key: str) -> None:
        if self.bar is not None:
            self.bar.advance(key)

    @property
    def session_done(self) -> int | None:
        """Tasks run in this session; None when no work started (the folder held the finished
        run)."""
        return None if self.bar is None else self.bar.session_done

    def close(self) -> None:
        self.sizing.close()
        if self.bar is not None:
            self.bar.close()
