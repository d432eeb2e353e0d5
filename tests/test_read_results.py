"""rs.read_results reads any results folder and says what kind it holds; read_sweep refuses other
kinds clearly."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from experiments_support import cli, write_scenario

import recoverysim as rs

QUICK = ("--set", "horizon_days=30", "--executor", "serial", "--quiet")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("kinds")
    path = write_scenario(root)
    out = {kind: root / kind for kind in ("run", "sweep", "breakeven", "decompose")}
    commands = {
        "run": ("run", path, "--replications", "2"),
        "sweep": (
            "sweep",
            path,
            "--vary",
            "policies.suspicious.inspection.sensitivity=0.5,0.9",
            "--replications",
            "2",
        ),
        "breakeven": (
            "breakeven",
            path,
            "--vary",
            "money.inspection_eur=0:1000",
            "--tolerance",
            "500",
            "--replications",
            "2",
        ),
        "decompose": (
            "decompose",
            path,
            "--from",
            "trusting",
            "--to",
            "suspicious",
            "--replications",
            "2",
        ),
    }
    for kind, command in commands.items():
        code, output = cli(*command, *QUICK, "--out", out[kind])
        assert code == 0, (kind, output)
    return out


@pytest.mark.parametrize(
    "kind, holds",
    [
        ("run", "summary"),
        ("sweep", "points"),
        ("breakeven", "evaluations"),
        ("decompose", "decomposition"),
    ],
)
def test_any_folder_is_read_and_says_its_kind(folders, kind, holds):
    stored = rs.read_results(folders[kind])
    assert stored.kind == kind and stored.manifest["kind"] == kind
    assert isinstance(getattr(stored, holds), pd.DataFrame) and len(getattr(stored, holds)) > 0


def test_the_break_even_answer_is_the_one_written(folders):
    stored = rs.read_results(folders["breakeven"])
    written = json.loads((folders["breakeven"] / "breakeven.json").read_text(encoding="utf-8"))
    assert (
        stored.answer["value"] == written["value"]
        and stored.answer["interval"] == written["interval"]
    )
    assert set(stored.evaluations["money.inspection_eur"]) >= {0.0, 1000.0}


@pytest.mark.parametrize("kind", ["run", "breakeven", "decompose"])
def test_read_sweep_on_another_kind_is_a_clear_error(folders, kind):
    with pytest.raises(
        rs.RecoverySimError,
        match=f"holds a {kind} folder, not a sweep one; read any folder with read_results",
    ):
        rs.read_sweep(folders[kind])


def test_a_folder_that_is_no_results_is_a_clear_error(tmp_path):
    with pytest.raises(rs.RecoverySimError, match="not a results folder"):
        rs.read_results(tmp_path)
    with pytest.raises(rs.RecoverySimError, match="no such folder"):
        rs.read_results(tmp_path / "missing")
