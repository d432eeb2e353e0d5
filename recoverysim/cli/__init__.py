"""The command line: `recoverysim COMMAND`, a thin layer over the library (main.py registers the
commands)."""

from recoverysim.cli.main import main

__all__ = ["main"]
