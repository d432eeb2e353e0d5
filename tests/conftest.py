"""Shared fixtures: a tiny valid scenario, a way to write scenario files, and the real CLI."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from recoverysim.cli import main

TINY_SCENARIO = """\
schema_version: 1
name: tiny
horizon_days: 30
replications: 2
market:
  initial_customers: 50
  prospects: 50
policies:
  - name: trusting
    evidence: none
  - name: suspicious
    evidence: photo_and_receipt
    return_for_inspection: true
"""
"""A small valid scenario; line 9 is `- name: trusting`, line 11 `- name: suspicious`."""


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in a fresh folder, so file names in messages are short and predictable."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write_scenario(in_tmp: Path):
    """write_scenario(text_or_bytes, name) -> relative Path; text is dedented."""

    def write(content: str | bytes, name: str = "s.yaml") -> Path:
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli():
    """cli(*args) -> click Result of the real `recoverysim` command, stdout and stderr both kept."""
    runner = CliRunner()

    def invoke(*args: object) -> Result:
        return runner.invoke(main, [str(a) for a in args])

    return invoke


@pytest.fixture(scope="module")
def dask_cluster():
    """A real Dask LocalCluster, threads in this process so it starts in about a second."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster
