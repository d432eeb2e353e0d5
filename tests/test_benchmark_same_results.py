"""benchmarks/same_results.py: a dump compared with itself is identical, and one changed number in
one table is found and named (exit 1)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "same_results.py"


def script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_a_changed_number_is_found_and_named(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    dumped = script("dump", str(first), "--quick")
    assert dumped.returncode == 0, dumped.stdout + dumped.stderr
    shutil.copytree(first, second)
    same = script("compare", str(first), str(second))
    assert same.returncode == 0 and "identical (36 tables)" in same.stdout, same.stdout

    claims = sorted(second.glob("*-claims.parquet"))[0]
    table = pd.read_parquet(claims)
    column = table.select_dtypes("float").columns[0]
    first_value = table.loc[table.index[0], column]
    table.loc[table.index[0], column] = np.nextafter(first_value, np.inf)  # the least change
    table.to_parquet(claims)
    changed = script("compare", str(first), str(second))
    assert changed.returncode == 1, changed.stdout
    assert changed.stdout.startswith(f"{claims.name}: ") and "DIFFERENT" in changed.stdout
